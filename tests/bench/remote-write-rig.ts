import * as fs from "fs";
import { startGeneratedGlobal, zoneWriters } from "../support/generated-global";
import { startGeneratedZone } from "../support/generated-zone";
import * as http from "http";
import * as snappy from "snappyjs";
import { evaluateEnvironment, EnvironmentEvaluation } from "../../infra/plan/evaluate-environment";
import { StackEvaluation } from "../../infra/plan/evaluate-stack";
import { assertLoopbackUrl, BasicAuth, basicAuthHeader, loopbackRequest, sleep, waitFor } from "../support/loopback-http";
import { MonitoringAssignment } from "../support/mads-server";
import { MetricsEndpoint, startMetricsEndpoint } from "../support/metrics-endpoint";
import { output } from "../support/plan-access";
import { PrometheusProcess, stopAllPrometheus } from "../support/prometheus-process";
import { testStack } from "../support/stack-file";
import { PrometheusConfig } from "../support/swap-discovery";

/**
 * Shared pieces of the remote-write and sizing benchmarks: fake dataplanes whose series change on
 * every scrape, a generated environment localised to 127.0.0.1 exactly as
 * tests/integration/metrics-path.test.ts does it (kuma SD → http SD bridge → fake MADS; addresses,
 * secret mounts and flags from the plan), /metrics and /proc readers, and a minimal remote-write
 * client (hand-rolled protobuf, snappyjs) for the receiver's own ceiling.
 */

// ---------------------------------------------------------------- cleanup on signals

const tracked = new Set<PrometheusProcess>();

/** Remembers a started Prometheus for the signal cleanup below; returns it. */
export function track<T extends PrometheusProcess>(p: T): T {
    tracked.add(p);
    return p;
}

function gone(pid: number): boolean {
    try {
        return /^State:\s+[ZX]/m.test(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    } catch {
        return true;
    }
}

/**
 * Belt and braces on top of prometheus-process's own handlers: on SIGINT/SIGTERM (e.g. run.ts's
 * timeout) SIGKILL every tracked Prometheus by pid, wait (bounded, 10 s) until each is gone, remove
 * its temp dir (with retries: a dying process may still be writing), then exit. Fake servers are
 * in-process and end with it. Install before starting anything.
 */
export function installBenchSignalCleanup(): void {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
        process.once(signal, () => {
            const pids = [...tracked].map((p) => p.pid).filter((pid): pid is number => pid !== undefined);
            for (const pid of pids) {
                try {
                    process.kill(pid, "SIGKILL");
                } catch {
                    // already gone
                }
            }
            const deadline = Date.now() + 10_000;
            const pause = new Int32Array(new SharedArrayBuffer(4));
            while (pids.some((pid) => !gone(pid)) && Date.now() < deadline) Atomics.wait(pause, 0, 0, 50);
            for (const p of tracked) {
                if (process.env.KEEP_PROMETHEUS_DIRS) break;
                try {
                    fs.rmSync(p.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
                } catch (err) {
                    process.stderr.write(`bench cleanup: could not remove ${p.dir}: ${(err as Error).message}\n`);
                }
            }
            process.stderr.write(`bench: ${signal}, stopped ${pids.length} Prometheus process(es)\n`);
            process.exit(signal === "SIGINT" ? 130 : 143);
        });
    }
}

/**
 * The entry point of a bench part run as its own process: signal cleanup first, then `main` with
 * the arguments; a failure sets the exit status; every Prometheus started is stopped either way.
 */
export function runBenchPart(main: (argv: string[]) => Promise<void>): void {
    installBenchSignalCleanup();
    main(process.argv.slice(2))
        .catch((e) => {
            console.error(e);
            process.exitCode = 1;
        })
        .finally(() => stopAllPrometheus());
}

// ---------------------------------------------------------------- environment

export function zoneName(i: number): string {
    return `zone-${String(i + 1).padStart(3, "0")}`;
}

/**
 * Like generated-environment.ts, but the zones' scrape intervals may be shortened (undefined keeps
 * the generated 15s) and their `zonePrometheus` may take further keys (e.g. `mode: "agent"`): the
 * only departures from the shipped defaults.
 */
export async function benchEnvironment(zones: number, scrapeInterval?: string, zonePrometheus: Readonly<Record<string, unknown>> = {}): Promise<EnvironmentEvaluation> {
    const names = Array.from({ length: zones }, (_, i) => zoneName(i));
    const intervals = scrapeInterval === undefined ? {} : { scrapeInterval, dataplaneScrapeInterval: scrapeInterval };
    return evaluateEnvironment("rwbench", {
        files: [
            testStack("rwbench-global", { zones: names }),
            ...names.map((zone) =>
                testStack(`rwbench-zone-${zone}`, {
                    namespace: `obs-${zone}`,
                    mesh: { version: "2.14.3" },
                    zonePrometheus: { ...zonePrometheus, ...intervals, externalLabels: { environment: "rwbench" }, discovery: { clientId: `prometheus-${zone}` } },
                }),
            ),
        ],
    });
}

/** The first zone's credential (the bench's synthetic writer and queries use it). */
export function writerAuth(globalEv: StackEvaluation): BasicAuth {
    return Object.values(zoneWriters(globalEv))[0];
}

/** The global as generated (config, web config with basic auth, flags); only addresses and mounts localised. */
export async function startGlobal(env: EnvironmentEvaluation, name = "global"): Promise<PrometheusProcess> {
    return track((await startGeneratedGlobal(env.stacks[0], name)).global);
}


// ---------------------------------------------------------------- fake dataplanes

/** Envoy-like families; a dataplane's S series are spread over them (clusters × families). */
const FAMILIES: Array<{ name: string; type: "counter" | "gauge" }> = [
    { name: "envoy_cluster_upstream_rq_total", type: "counter" },
    { name: "envoy_cluster_upstream_cx_total", type: "counter" },
    { name: "envoy_cluster_upstream_rq_xx", type: "counter" },
    { name: "envoy_cluster_upstream_cx_active", type: "gauge" },
    { name: "envoy_cluster_upstream_rq_active", type: "gauge" },
    { name: "envoy_cluster_membership_healthy", type: "gauge" },
    { name: "envoy_cluster_upstream_cx_rx_bytes_total", type: "counter" },
    { name: "envoy_cluster_upstream_cx_tx_bytes_total", type: "counter" },
];

/**
 * Exposition text with exactly `series` series whose values depend on `tick` (so every scrape
 * that falls in a new tick sees new values: counters grow, gauges move).
 */
export function renderSeries(series: number, tick: number): string {
    const lines: string[] = [];
    const perFamily = Math.ceil(series / FAMILIES.length);
    let left = series;
    for (const fam of FAMILIES) {
        if (left <= 0) break;
        const n = Math.min(perFamily, left);
        left -= n;
        lines.push(`# TYPE ${fam.name} ${fam.type}`);
        for (let i = 0; i < n; i++) {
            const value = fam.type === "counter" ? tick * ((i % 7) + 1) : (tick * 31 + i) % 1000;
            lines.push(`${fam.name}{envoy_cluster_name="cluster-${String(i).padStart(5, "0")}"} ${value}`);
        }
    }
    return lines.join("\n") + "\n";
}

/**
 * One fake metrics endpoint serving `series` series; many dataplanes (distinct MADS targets) may
 * share it. The text is rendered once per `tickMs` and cached, so the endpoint's own CPU stays small.
 */
export async function startSeriesEndpoint(series: number, tickMs: number): Promise<MetricsEndpoint> {
    let cached = { tick: -1, text: "" };
    return startMetricsEndpoint({
        path: "/metrics",
        metrics: () => {
            const tick = Math.floor(Date.now() / tickMs);
            if (tick !== cached.tick) cached = { tick, text: renderSeries(series, tick) };
            return cached.text;
        },
    });
}

// ---------------------------------------------------------------- zones

export interface ZoneRun {
    readonly name: string;
    readonly prometheus: PrometheusProcess;
    readonly endpoints: MetricsEndpoint[];
    stop(): Promise<void>;
}

export interface ZoneOptions {
    zoneEv: StackEvaluation;
    /** Where the zone's remote write goes instead of the generated receiver: the global, or a proxy in front of it. */
    receiverUrl: string;
    receiverOrigin: string;
    dataplanes: number;
    seriesPerDataplane: number;
    /** Fake endpoints the dataplanes share (default 4). */
    endpoints?: number;
    /** Rewrites the localised config before start (e.g. drop queue_config). */
    transform?: (cfg: PrometheusConfig) => PrometheusConfig;
    /** Discovery refresh (bridge poll and http_sd); shortened so a run does not wait 30s for targets. */
    refreshInterval: string;
    tickMs: number;
    /** Bench overrides of the rendered container's flags, each replacing the flag of its name (e.g. scaled block duration and WAL segment size); default none. */
    flagOverrides?: readonly string[];
}

/** One zone: fake dataplanes behind a fake MADS and the http SD bridge, and the generated zone Prometheus. */
export async function startZone(opts: ZoneOptions): Promise<ZoneRun> {
    const zone = String(output(opts.zoneEv, "zone"));
    const cleanups: Array<() => Promise<void>> = [];
    const stop = async (): Promise<void> => {
        for (const c of cleanups.reverse()) await c().catch(() => undefined);
        cleanups.length = 0;
    };
    try {
        const endpoints: MetricsEndpoint[] = [];
        for (let i = 0; i < (opts.endpoints ?? 4); i++) {
            const ep = await startSeriesEndpoint(opts.seriesPerDataplane, opts.tickMs);
            endpoints.push(ep);
            cleanups.push(() => ep.stop());
        }
        const cp = await startMetricsEndpoint({ path: "/metrics", metrics: (n) => `# TYPE xds_requests_total counter\nxds_requests_total ${n}\n` });
        cleanups.push(() => cp.stop());
        const assignments: MonitoringAssignment[] = [];
        for (let d = 0; d < opts.dataplanes; d++) {
            const service = `svc-${d % 20}`;
            const name = `${service}-${String(d).padStart(4, "0")}.bench`;
            const ep = endpoints[d % endpoints.length];
            assignments.push({
                mesh: "default",
                service,
                labels: {},
                targets: [{ name, scheme: "http", address: ep.address, metrics_path: "/metrics", labels: { "kuma.io/service": service, "kuma.io/zone": zone, "k8s.kuma.io/namespace": "bench" } }],
            });
        }
        const local = await startGeneratedZone({
            zoneEv: opts.zoneEv,
            name: `bench-${zone}`,
            assignments,
            controlPlaneAddress: cp.address,
            receiverBase: opts.receiverOrigin,
            receiverUrl: opts.receiverUrl,
            refreshInterval: opts.refreshInterval,
            transform: opts.transform,
            flagOverrides: opts.flagOverrides,
        });
        cleanups.push(() => local.stopDiscovery());
        const prometheus = track(local.prometheus);
        cleanups.push(() => prometheus.dispose());
        return { name: zone, prometheus, endpoints, stop };
    } catch (err) {
        await stop();
        throw err;
    }
}


// ---------------------------------------------------------------- reading figures

/**
 * A GET of the Prometheus API with a deadline long enough for a range query over a long window on
 * a loaded machine (the harness's apiGet gives up after 10 s), tried three times.
 */
async function slowApiGet<T>(p: PrometheusProcess, pathAndQuery: string): Promise<T> {
    let last: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
        try {
            const res = await loopbackRequest({ url: p.url + pathAndQuery, timeoutMs: 120_000 });
            const parsed = JSON.parse(res.body) as { status?: string; data?: T; error?: string };
            if (res.status === 200 && parsed.status === "success") return parsed.data as T;
            last = new Error(`GET ${pathAndQuery} -> HTTP ${res.status}: ${parsed.error ?? res.body.slice(0, 300)}`);
        } catch (err) {
            last = err;
        }
        await sleep(2000);
    }
    throw last;
}

/**
 * Every sample a Prometheus holds with a timestamp in each of `count` consecutive buckets of
 * `bucketMs` from `fromMs` (bucket i: [fromMs + i·bucketMs, fromMs + (i+1)·bucketMs)): what remote
 * write must deliver. One range query per metric name, two at a time (a shared machine's load must
 * not time a query out and lose a 40-minute run).
 */
export async function storedSamplesPerBucket(p: PrometheusProcess, fromMs: number, bucketMs: number, count: number): Promise<Float64Array> {
    const out = new Float64Array(count);
    // count_over_time drops __name__, so a query over all names would collide: count name by name.
    const names = await slowApiGet<string[]>(p, "/api/v1/label/__name__/values");
    // A range selector holds (t - range, t]; evaluated at a bucket's last millisecond with a range of one bucket, that is the bucket in whole ms.
    const firstEnd = fromMs + bucketMs - 1;
    const start = firstEnd / 1000;
    const end = (firstEnd + (count - 1) * bucketMs) / 1000;
    for (let i = 0; i < names.length; i += 2) {
        await Promise.all(
            names.slice(i, i + 2).map(async (name) => {
                const q = `sum(count_over_time(${name}[${bucketMs}ms]))`;
                const data = await slowApiGet<{ result: Array<{ values: Array<[number, string]> }> }>(
                    p,
                    `/api/v1/query_range?query=${encodeURIComponent(q)}&start=${start.toFixed(3)}&end=${end.toFixed(3)}&step=${bucketMs / 1000}`,
                );
                for (const [t, v] of data.result[0]?.values ?? []) {
                    const idx = Math.round((t * 1000 - firstEnd) / bucketMs);
                    if (idx >= 0 && idx < count) out[idx] += Number(v);
                }
            }),
        );
    }
    return out;
}

/** Every sample a zone holds with a timestamp in [fromMs, toMs). */
export async function storedSamples(zone: Pick<ZoneRun, "prometheus">, fromMs: number, toMs: number): Promise<number> {
    return (await storedSamplesPerBucket(zone.prometheus, fromMs, toMs - fromMs, 1))[0];
}

/**
 * VmRSS, VmHWM and RssAnon (bytes) from /proc/<pid>/status; NaN when the process is gone. RssAnon
 * is the part a memory cgroup cannot reclaim (VmRSS also counts mapped file pages, e.g. m-mapped chunks).
 */
export function procMemory(pid: number | undefined): { rss: number; hwm: number; anon: number } {
    if (pid === undefined) return { rss: NaN, hwm: NaN, anon: NaN };
    try {
        const text = fs.readFileSync(`/proc/${pid}/status`, "utf8");
        const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN) * 1024;
        return { rss: kb("VmRSS"), hwm: kb("VmHWM"), anon: kb("RssAnon") };
    } catch {
        return { rss: NaN, hwm: NaN, anon: NaN };
    }
}

export const mib = (bytes: number): string => (Number.isFinite(bytes) ? (bytes / 2 ** 20).toFixed(0) : "n/a");

export { sleep, waitFor };

// ---------------------------------------------------------------- remote-write client

function varint(n: number): number[] {
    const out: number[] = [];
    while (n >= 0x80) {
        out.push((n % 0x80) | 0x80);
        n = Math.floor(n / 0x80);
    }
    out.push(n);
    return out;
}

function lenDelimited(field: number, payload: Buffer): Buffer {
    return Buffer.concat([Buffer.from([(field << 3) | 2, ...varint(payload.length)]), payload]);
}

/** prometheus.Label{name=1, value=2}, encoded once per series. */
export function encodeLabels(labels: Array<[string, string]>): Buffer {
    return Buffer.concat(labels.map(([n, v]) => lenDelimited(1, Buffer.concat([lenDelimited(1, Buffer.from(n)), lenDelimited(2, Buffer.from(v))]))));
}

/**
 * WriteRequest{timeseries=1: TimeSeries{labels=1, samples=2: Sample{value=1 double, timestamp=2 int64}}},
 * one sample per series. The labels and framing are encoded once per series (`prepareSeries`); a
 * request only copies them and writes value and timestamp, so the client spends little CPU.
 * Timestamps are milliseconds since 1970 (a 6-byte varint until the year 2109).
 */
const TS_VARINT_BYTES = 6;
const SAMPLE_BYTES = 1 + 8 + 1 + TS_VARINT_BYTES;

export function prepareSeries(labels: Buffer): Buffer {
    const samplesField = [0x12, SAMPLE_BYTES];
    const bodyLen = labels.length + samplesField.length + SAMPLE_BYTES;
    // Everything but the sample's value and timestamp: [0x0a len][labels][0x12 16][0x09]
    return Buffer.concat([Buffer.from([0x0a, ...varint(bodyLen)]), labels, Buffer.from([...samplesField, 0x09])]);
}

export function encodeWriteRequest(series: Buffer[], value: (i: number) => number, timestampMs: number): Buffer {
    const ts = Buffer.from([0x10, ...varint(timestampMs)]);
    if (ts.length !== 1 + TS_VARINT_BYTES) throw new Error(`encodeWriteRequest: timestamp ${timestampMs} is not a 6-byte varint`);
    let size = 0;
    for (const s of series) size += s.length + 8 + ts.length;
    const out = Buffer.allocUnsafe(size);
    let o = 0;
    for (let i = 0; i < series.length; i++) {
        o += series[i].copy(out, o);
        out.writeDoubleLE(value(i), o);
        o += 8;
        o += ts.copy(out, o);
    }
    return out;
}

export interface PushResult {
    requests: number;
    failed: number;
    samples: number;
    seconds: number;
    lastError: string | null;
}

/**
 * Pushes remote-write requests at `url` as fast as `concurrency` keep-alive connections allow, for
 * `seconds`. Each worker owns a disjoint slice of `seriesTotal` series and sends them in batches of
 * `batch` with a fresh timestamp per pass, so no sample is out of order.
 */
/**
 * A remote-write 1.0 poster on `maxSockets` keep-alive loopback connections: `post(body)` resolves
 * to the HTTP status (the last non-2xx answer's text goes to `lastError`); `close()` ends the agent.
 */
export function remoteWritePoster(rawUrl: string, auth: BasicAuth, maxSockets: number): { post: (body: Buffer) => Promise<number>; close: () => void; lastError: () => string | null } {
    const url = assertLoopbackUrl(rawUrl);
    const agent = new http.Agent({ keepAlive: true, maxSockets });
    let lastError: string | null = null;
    const post = (body: Buffer): Promise<number> =>
        new Promise((resolve, reject) => {
            const req = http.request(
                url,
                {
                    method: "POST",
                    agent,
                    headers: {
                        "Content-Type": "application/x-protobuf",
                        "Content-Encoding": "snappy",
                        "X-Prometheus-Remote-Write-Version": "0.1.0",
                        Authorization: basicAuthHeader(auth),
                        "Content-Length": String(body.length),
                    },
                },
                (res) => {
                    const chunks: Buffer[] = [];
                    res.on("data", (c: Buffer) => chunks.push(c));
                    res.on("end", () => {
                        if ((res.statusCode ?? 0) >= 300) lastError = `HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString("utf8").slice(0, 200)}`;
                        resolve(res.statusCode ?? 0);
                    });
                },
            );
            req.setTimeout(30_000, () => req.destroy(new Error("remote-write request timed out")));
            req.on("error", reject);
            req.end(body);
        });
    return { post, close: () => agent.destroy(), lastError: () => lastError };
}

/**
 * Pushes remote-write requests at `url` as fast as `concurrency` keep-alive connections allow, for
 * `seconds`. Each worker owns a disjoint slice of `seriesTotal` series and sends them in batches of
 * `batch` with a fresh timestamp per pass, so no sample is out of order.
 */
export async function pushAsFastAsPossible(opts: { url: string; auth: BasicAuth; seconds: number; concurrency: number; batch: number; seriesTotal: number }): Promise<PushResult> {
    const poster = remoteWritePoster(opts.url, opts.auth, opts.concurrency);
    const post = poster.post;
    const result: PushResult = { requests: 0, failed: 0, samples: 0, seconds: 0, lastError: null };
    const perWorker = Math.ceil(opts.seriesTotal / opts.concurrency);
    const started = Date.now();
    const deadline = started + opts.seconds * 1000;
    const worker = async (w: number): Promise<void> => {
        const labels: Buffer[] = [];
        for (let i = 0; i < perWorker; i++) {
            labels.push(
                prepareSeries(encodeLabels([
                    ["__name__", "bench_synthetic_total"],
                    ["dataplane", `dp-${w}-${Math.floor(i / 100)}`],
                    ["envoy_cluster_name", `cluster-${i % 100}`],
                    ["job", "kuma-dataplanes"],
                    ["zone", "synthetic"],
                ])),
            );
        }
        let pass = 0;
        let lastTs = 0;
        while (Date.now() < deadline) {
            const ts = Math.max(Date.now(), lastTs + 1);
            lastTs = ts;
            for (let off = 0; off < perWorker && Date.now() < deadline; off += opts.batch) {
                const slice = labels.slice(off, off + opts.batch);
                const body = Buffer.from(snappy.compress(encodeWriteRequest(slice, (i) => pass * 10 + i, ts)));
                try {
                    const status = await post(body);
                    result.requests++;
                    if (status >= 200 && status < 300) result.samples += slice.length;
                    else result.failed++;
                } catch (err) {
                    result.failed++;
                    result.lastError = (err as Error).message;
                    await sleep(50);
                }
            }
            pass++;
        }
    };
    try {
        await Promise.all(Array.from({ length: opts.concurrency }, (_, w) => worker(w)));
    } finally {
        poster.close();
    }
    result.lastError = result.lastError ?? poster.lastError();
    result.seconds = (Date.now() - started) / 1000;
    return result;
}
