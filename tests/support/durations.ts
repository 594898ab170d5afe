import { formatPromDuration, parsePromDuration } from "../../components/kernel/duration";
/**
 * Duration strings in the two dialects the harness meets:
 * - Go `time.ParseDuration` ("1m30s", "500ms", "0s", "1.5h"): Kuma parses the MADS `fetch-timeout`
 *   query parameter with it, so the fake MADS server must too.
 * - Prometheus `model.Duration` ("15s", "2m", "1d"): what prometheus.yml holds, and what Prometheus'
 *   kuma SD sends as `fetch-timeout` (it formats `fetch_timeout` with model.Duration.String()).
 * All results are milliseconds.
 */

const GO_UNIT_MS: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    "µs": 1e-3, // U+00B5 micro sign
    "μs": 1e-3, // U+03BC Greek mu
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
};

/** Parses a Go duration string; throws on anything time.ParseDuration would reject. */
export function parseGoDuration(text: string): number {
    let rest = text;
    let sign = 1;
    if (rest.startsWith("-") || rest.startsWith("+")) {
        sign = rest.startsWith("-") ? -1 : 1;
        rest = rest.slice(1);
    }
    if (rest === "0") return 0;
    if (rest === "") throw new Error(`time: invalid duration ${JSON.stringify(text)}`);
    const part = /^([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/;
    let total = 0;
    // Each iteration consumes at least one character, so the loop is bounded by the input length.
    for (let guard = 0; rest.length > 0 && guard <= text.length; guard++) {
        const match = part.exec(rest);
        if (!match || match[1] === "" || match[1] === ".") {
            throw new Error(`time: invalid duration ${JSON.stringify(text)}`);
        }
        total += Number(match[1]) * GO_UNIT_MS[match[2]];
        rest = rest.slice(match[0].length);
    }
    if (rest.length > 0) throw new Error(`time: invalid duration ${JSON.stringify(text)}`);
    return sign * total;
}

/** Parses a Prometheus duration (as written in prometheus.yml); throws like model.ParseDuration. */
export function parsePrometheusDuration(text: string): number {
    const ms = parsePromDuration(text);
    if (ms === undefined) throw new Error(`not a valid duration string: ${JSON.stringify(text)}`);
    return ms;
}

export { formatPromDuration as formatPrometheusDuration };
