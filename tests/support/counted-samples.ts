import { strict as assert } from "assert";
import { BasicAuth } from "./loopback-http";
import { MonitoringAssignment } from "./mads-server";
import { MetricsEndpoint, startMetricsEndpoint } from "./metrics-endpoint";
import { PrometheusProcess } from "./prometheus-process";

/**
 * Loss decided by counting, for the fault and partition tests: each fake dataplane exposes one
 * counter equal to its scrape number (1, 2, 3, ...), so a zone's own TSDB shows whether it scraped
 * every time, and a global's raw samples over a window (timestamps and values) must equal the
 * zone's, sample for sample. The zone's TSDB is the reference.
 */

export const COUNTER_METRIC = "envoy_cluster_upstream_rq_total";

/** Samples per series key (`<__name__>/<instance>`): [timestamp ms, value]. */
export type Samples = Map<string, Array<[number, number]>>;

export function startCounterEndpoint(): Promise<MetricsEndpoint> {
    return startMetricsEndpoint({ path: "/metrics", metrics: (n) => `# TYPE ${COUNTER_METRIC} counter\n${COUNTER_METRIC}{envoy_cluster_name="upstream"} ${n}\n` });
}

/** What the fake MADS serves for one counter dataplane `name` of `zone`. */
export function counterAssignment(zone: string, name: string, ep: MetricsEndpoint): MonitoringAssignment {
    return {
        mesh: "default",
        service: name,
        labels: {},
        targets: [{ name: `${name}.${zone}`, scheme: "http", address: ep.address, metrics_path: "/metrics", labels: { "kuma.io/service": name, "kuma.io/zone": zone } }],
    };
}

/** Raw samples of `selector` over (atMs - windowMs, atMs], per series. */
export async function rawSamples(p: PrometheusProcess, selector: string, atMs: number, windowMs: number, auth?: BasicAuth): Promise<Samples> {
    const q = `${selector}[${Math.ceil(windowMs / 1000)}s]`;
    const data = await p.apiGet<{ resultType: string; result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> }>(
        `/api/v1/query?query=${encodeURIComponent(q)}&time=${(atMs / 1000).toFixed(3)}`,
        auth,
    );
    assert.equal(data.resultType, "matrix");
    const out: Samples = new Map();
    for (const s of data.result) out.set(`${s.metric.__name__}/${s.metric.instance}`, s.values.map(([t, v]) => [Math.round(t * 1000), Number(v)]));
    return out;
}

/** Consecutive counter values: the endpoint's counter is its scrape number, so no value may be skipped. */
export function assertConsecutive(key: string, samples: Array<[number, number]>): void {
    assert.ok(samples.length > 0, `${key}: no samples`);
    for (let i = 1; i < samples.length; i++) {
        assert.equal(samples[i][1], samples[i - 1][1] + 1, `${key}: value ${samples[i - 1][1]} then ${samples[i][1]} at ${samples[i][0]} (a scrape is missing)`);
    }
}

/** Per series: count, first and last value (for failure messages). */
export function summarize(s: Samples): string {
    return JSON.stringify([...s].map(([k, v]) => [k, v.length, v[0]?.[1], v[v.length - 1]?.[1]]));
}

/** Samples of `zone` that `global` lacks (same timestamp and value), per series key. */
export function missingFrom(zone: Samples, global: Samples): Map<string, Array<[number, number]>> {
    const out = new Map<string, Array<[number, number]>>();
    for (const [key, samples] of zone) {
        const got = new Set((global.get(key) ?? []).map(([t, v]) => `${t}:${v}`));
        const missing = samples.filter(([t, v]) => !got.has(`${t}:${v}`));
        if (missing.length > 0) out.set(key, missing);
    }
    return out;
}
