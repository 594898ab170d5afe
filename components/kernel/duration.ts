/**
 * Prometheus duration syntax (common/model.ParseDuration): an optional number per unit, units in
 * the order y w d h m s ms, or a bare "0". A year is 365 days and a week 7 days, as in Prometheus.
 */
const UNITS: ReadonlyArray<[string, number]> = [
    ["y", 365 * 24 * 3600 * 1000],
    ["w", 7 * 24 * 3600 * 1000],
    ["d", 24 * 3600 * 1000],
    ["h", 3600 * 1000],
    ["m", 60 * 1000],
    ["s", 1000],
    ["ms", 1],
];

export const PROMETHEUS_DURATION = /^(0|([0-9]+y)?([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?)$/;

/** Milliseconds in a Prometheus duration; undefined when the text is not one. */
export function parsePromDuration(text: string): number | undefined {
    if (text === "" || !PROMETHEUS_DURATION.test(text)) return undefined;
    if (text === "0") return 0;
    let ms = 0;
    for (const match of text.matchAll(/([0-9]+)(ms|y|w|d|h|m|s)/g)) {
        const unit = UNITS.find(([u]) => u === match[2]);
        ms += Number(match[1]) * unit![1];
    }
    return ms;
}

/** Formats milliseconds exactly like Prometheus model.Duration.String() (y, w, d only when exact). */
export function formatPromDuration(ms: number): string {
    let left = Math.trunc(ms);
    if (left === 0) return "0s";
    let out = "";
    for (const [unit, size] of UNITS) {
        const exactOnly = unit === "y" || unit === "w" || unit === "d";
        if (exactOnly && left % size !== 0) continue;
        const count = Math.floor(left / size);
        if (count > 0) {
            out += `${count}${unit}`;
            left -= count * size;
        }
    }
    return out;
}
