import { BasicAuth, loopbackRequest } from "./loopback-http";
import { PrometheusProcess } from "./prometheus-process";

/**
 * A Prometheus process's own /metrics, read directly rather than through a query of its
 * self-scrape (which may not have run yet right after start, or under load).
 */

/** Parses Prometheus text exposition into `name{labels}` → value (labels as written). */
export function parseExposition(text: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const line of text.split("\n")) {
        if (line === "" || line.startsWith("#")) continue;
        const sp = line.lastIndexOf(" ");
        const key = line.slice(0, sp);
        out.set(key, Number(line.slice(sp + 1)));
    }
    return out;
}

/** Sum of every series of `name` (any labels). */
export function sumOf(m: Map<string, number>, name: string): number {
    let total = 0;
    let seen = false;
    for (const [k, v] of m) {
        if (k === name || k.startsWith(`${name}{`)) {
            total += v;
            seen = true;
        }
    }
    return seen ? total : NaN;
}

export async function selfMetrics(p: PrometheusProcess, auth?: BasicAuth): Promise<Map<string, number>> {
    const res = await loopbackRequest({ url: `${p.url}/metrics`, auth, timeoutMs: 10_000 });
    if (res.status !== 200) throw new Error(`${p.name}: /metrics -> HTTP ${res.status}`);
    return parseExposition(res.body);
}
