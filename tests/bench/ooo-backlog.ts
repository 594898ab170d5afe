import * as os from "os";
import * as snappy from "snappyjs";
import { DEFAULT_OUT_OF_ORDER_TIME_WINDOW } from "../../components/prometheus/outage-survival";
import { prometheusResources } from "../../components/prometheus/sizing";
import { startGeneratedGlobal } from "../support/generated-global";
import { PrometheusProcess, prometheusVersionOf } from "../support/prometheus-process";
import { selfMetrics, sumOf } from "../support/self-metrics";
import { benchEnvironment, encodeLabels, encodeWriteRequest, mib, prepareSeries, procMemory, remoteWritePoster, runBenchPart, sleep, track } from "./remote-write-rig";

/**
 * The global taking zones' multi-hour backlogs into its out-of-order window (part of `npm run bench
 * -- --ooo`, or alone: `node -r ts-node/register/transpile-only tests/bench/ooo-backlog.ts
 * [--ooo-cases 20000x2,100000x1] [--ooo-shards 4] [--ooo-zones 1] [--ooo-paths ooo,in-order]`).
 *
 * Per case `N`x`H` a fresh generated global per path (the chart's flags and config, out-of-order
 * window as generated: 6h), one after the other. `--ooo-zones Z` makes Z zones catch up at once
 * (after a global outage every zone sends its backlog together): each zone has N series of its own
 * (its own `zone` label), writes as its own basic-auth user on its own `--ooo-shards` connections,
 * and keeps its own live head; the global holds N × Z series. Per path:
 * - **ooo**: every series first gets a sample at T0 (the zone's live head, kept current by a
 *   sample per series every 15 s for the whole run, as other zones and the zone's newest data do),
 *   then the backlog: H hours of 15 s samples per series ending before T0, oldest first, 2000
 *   samples per request, `--ooo-shards` connections each owning a slice of the series (a zone's
 *   shards hash series the same way), as fast as the global answers. Every backlog sample is older
 *   than its series' newest, so it takes the out-of-order path.
 * - **in-order**: the same N series and the same number of samples, ascending in the last 59 min
 *   before T0 (inside the head's appendable range, so the in-order path), no live samples meanwhile.
 * Sampled every 2 s: VmRSS, RssAnon and the 1-min load average; at the end (after 15 s idle): VmRSS, VmHWM, Go heap, head series and
 * chunks, appended / out-of-order / too-old / out-of-bound counters. Prints figures only.
 */

const STEP_MS = 15_000;
const BATCH = 2000;

function parseArgs(argv: string[]) {
    const get = (flag: string, fallback: string): string => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : fallback);
    const cases = get("--ooo-cases", "20000x2,100000x1")
        .split(",")
        .map((c) => {
            const m = /^(\d+)x(\d+(?:\.\d+)?)$/.exec(c);
            if (!m) throw new Error(`--ooo-cases ${c}: use <series>x<hours>, e.g. 20000x2`);
            return { series: Number(m[1]), hours: Number(m[2]) };
        });
    const zones = Number(get("--ooo-zones", "1"));
    if (!Number.isSafeInteger(zones) || zones < 1) throw new Error(`--ooo-zones ${zones}: use a positive integer`);
    const paths = get("--ooo-paths", "ooo,in-order").split(",");
    for (const p of paths) if (p !== "ooo" && p !== "in-order") throw new Error(`--ooo-paths ${p}: use ooo, in-order or both (comma-separated)`);
    return { cases, shards: Number(get("--ooo-shards", "4")), zones, paths: paths as Mode[] };
}

type Mode = "ooo" | "in-order";

interface Figures {
    mode: Mode;
    /** Per zone. */
    series: number;
    zones: number;
    hours: number;
    pushed: number;
    failed: number;
    lastError: string | null;
    seconds: number;
    /** Each zone's drain time (s), in zone order. */
    zoneSeconds: number[];
    load: { min: number; max: number };
    peakRssSampled: number;
    peakAnonSampled: number;
    hwm: number;
    rssAfter: number;
    heapAfter: number;
    baseRss: number;
    m: Map<string, number>;
}

function seriesLabels(n: number, zone: string): Buffer[] {
    return Array.from({ length: n }, (_, i) =>
        prepareSeries(
            encodeLabels([
                ["__name__", "envoy_cluster_upstream_rq_total"],
                ["dataplane", `dp-${Math.floor(i / 1000)}`],
                ["envoy_cluster_name", `cluster-${i % 1000}`],
                ["instance", `10.0.${Math.floor(i / 250000)}.${Math.floor(i / 1000) % 250}:9901`],
                ["job", "kuma-dataplanes"],
                ["mesh", "default"],
                ["zone", zone],
            ]),
        ),
    );
}

async function one(series: number, hours: number, zones: number, mode: Mode, shards: number): Promise<Figures> {
    const env = await benchEnvironment(zones);
    const started = await startGeneratedGlobal(env.stacks[0], `bench-ooo-${mode}-${series}x${hours}x${zones}`);
    const g: PrometheusProcess = track(started.global);
    const samplesPerSeries = Math.round((hours * 3600_000) / STEP_MS);
    let pushed = 0;
    let failed = 0;
    // Each zone as the global sees it: its own user, connections and series.
    const writers = Object.entries(started.writers).map(([zone, auth]) => ({
        zone,
        poster: remoteWritePoster(`${g.url}/api/v1/write`, auth, shards + 1),
        labels: seriesLabels(series, zone),
    }));
    type Writer = (typeof writers)[number];
    // Only the backlog counts towards `pushed` (the live samples are the zones' heads, not their backlog).
    const send = async (w: Writer, slice: Buffer[], value: (i: number) => number, ts: number, backlog = true): Promise<void> => {
        const body = Buffer.from(snappy.compress(encodeWriteRequest(slice, value, ts)));
        for (let attempt = 0; ; attempt++) {
            const status = await w.poster.post(body).catch(() => 0);
            if (status >= 200 && status < 300) return void (pushed += backlog ? slice.length : 0);
            // 5xx / connection errors: a zone's queue retries; 4xx it drops (counted as failed).
            if ((status >= 400 && status < 500) || attempt >= 5) return void (failed += slice.length);
            await sleep(200);
        }
    };
    const sendAll = async (w: Writer, ts: number, value: number) => {
        for (let off = 0; off < series; off += BATCH) await send(w, w.labels.slice(off, off + BATCH), () => value, ts, false);
    };
    try {
        await sleep(2000);
        const baseRss = procMemory(g.pid).rss;
        const t0 = Date.now();
        let live: Promise<void[]> | undefined;
        let stopLive = false;
        if (mode === "ooo") {
            await Promise.all(writers.map((w) => sendAll(w, t0, 0)));
            live = Promise.all(
                writers.map(async (w) => {
                    for (let k = 1; !stopLive; k++) {
                        const due = t0 + k * STEP_MS;
                        while (!stopLive && Date.now() < due) await sleep(200);
                        if (!stopLive) await sendAll(w, Math.max(due, Date.now()), k);
                    }
                }),
            );
        }
        // ooo: H hours ending one step before T0; in-order: the same count squeezed into the 59 min before T0.
        const stepMs = mode === "ooo" ? STEP_MS : Math.floor((59 * 60_000) / samplesPerSeries);
        const firstTs = t0 - samplesPerSeries * stepMs;
        let peakRssSampled = baseRss;
        let peakAnonSampled = 0;
        const load = { min: os.loadavg()[0], max: os.loadavg()[0] };
        let sampling = true;
        const backlogTotal = samplesPerSeries * series * zones;
        let reported = Date.now();
        const sampler = (async () => {
            while (sampling) {
                if (Date.now() - reported >= 60_000) {
                    reported = Date.now();
                    process.stderr.write(`  ${mode}: ${((100 * pushed) / backlogTotal).toFixed(0)} % of the backlog after ${((reported - t0) / 1000).toFixed(0)} s, VmRSS ${mib(procMemory(g.pid).rss)} MiB\n`);
                }
                const now = procMemory(g.pid);
                peakRssSampled = Math.max(peakRssSampled, now.rss);
                peakAnonSampled = Math.max(peakAnonSampled, now.anon);
                const l = os.loadavg()[0];
                load.min = Math.min(load.min, l);
                load.max = Math.max(load.max, l);
                await sleep(2000);
            }
        })();
        const pushStarted = Date.now();
        const perShard = Math.ceil(series / shards);
        const zoneSeconds = await Promise.all(
            writers.map(async (w) => {
                await Promise.all(
                    Array.from({ length: shards }, async (_, k) => {
                        const mine = w.labels.slice(k * perShard, (k + 1) * perShard);
                        for (let s = 0; s < samplesPerSeries; s++) {
                            for (let off = 0; off < mine.length; off += BATCH) await send(w, mine.slice(off, off + BATCH), (i) => s + i, firstTs + s * stepMs);
                        }
                    }),
                );
                return (Date.now() - pushStarted) / 1000;
            }),
        );
        const seconds = (Date.now() - pushStarted) / 1000;
        const backlogPushed = pushed;
        stopLive = true;
        await live;
        await sleep(15_000);
        sampling = false;
        await sampler;
        const mem = procMemory(g.pid);
        const m = await selfMetrics(g, started.writer);
        return {
            mode,
            series,
            zones,
            hours,
            pushed: backlogPushed,
            failed,
            lastError: writers.map((w) => w.poster.lastError()).find((e) => e !== null) ?? null,
            seconds,
            zoneSeconds,
            load,
            peakRssSampled,
            peakAnonSampled,
            hwm: mem.hwm,
            rssAfter: mem.rss,
            heapAfter: sumOf(m, "go_memstats_heap_inuse_bytes"),
            baseRss,
            m,
        };
    } finally {
        for (const w of writers) w.poster.close();
        await g.dispose();
    }
}

export async function main(argv: string[]): Promise<void> {
    const opts = parseArgs(argv);
    console.log(
        `\nout-of-order backlog into the generated global (Prometheus ${prometheusVersionOf()}, out-of-order window as generated: ${DEFAULT_OUT_OF_ORDER_TIME_WINDOW}), ` +
            `${opts.zones} zone(s) at once, each its own user, Remote Write 1.0, ${BATCH} samples per request, ${opts.shards} shards (connections) per zone as fast as the global answers; ` +
            `ooo: H h of 15 s samples per series behind a live head (a sample per series every 15 s meanwhile); in-order: the same count in the last 59 min, no live samples; ` +
            `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}`,
    );
    const rows: Figures[] = [];
    for (const c of opts.cases) {
        for (const mode of opts.paths) {
            rows.push(await one(c.series, c.hours, opts.zones, mode, opts.shards));
            process.stderr.write(`  done: ${c.series}x${c.hours} x ${opts.zones} zone(s) ${mode}\n`);
        }
    }
    const counter = (r: Figures, name: string) => sumOf(r.m, name);
    console.log(
        "| zones × series × hours | path | backlog samples | failed | s to drain (each zone) | samples/s | ooo appended | head_samples_appended_total | too old / out of bound | head series | head chunks | VmRSS before MiB | peak VmRSS (2 s samples) MiB | peak RssAnon (2 s samples) MiB | VmHWM MiB | VmRSS after MiB | Go heap after MiB | VmHWM KiB per series | (VmHWM − VmRSS before) KiB per series | sizing request / limit | VmHWM / limit | load average (1 min) |",
    );
    console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (const r of rows) {
        const total = r.series * r.zones;
        const sizing = prometheusResources({
            expectedActiveSeries: total,
            mode: "server",
            retention: "15d",
            scrapeInterval: "15s",
            remoteWrite: false,
            outOfOrderTimeWindow: DEFAULT_OUT_OF_ORDER_TIME_WINDOW,
        });
        console.log(
            `| ${r.zones} × ${r.series} × ${r.hours} h | ${r.mode} | ${r.pushed} | ${r.failed} | ${r.seconds.toFixed(1)} (${r.zoneSeconds.map((z) => z.toFixed(0)).join(", ")}) | ${(r.pushed / r.seconds).toFixed(0)} | ` +
                `${counter(r, "prometheus_tsdb_head_out_of_order_samples_appended_total")} | ${counter(r, "prometheus_tsdb_head_samples_appended_total")} | ` +
                `${counter(r, "prometheus_tsdb_too_old_samples_total")} / ${counter(r, "prometheus_tsdb_out_of_bound_samples_total")} | ${counter(r, "prometheus_tsdb_head_series")} | ${counter(r, "prometheus_tsdb_head_chunks")} | ` +
                `${mib(r.baseRss)} | ${mib(r.peakRssSampled)} | ${mib(r.peakAnonSampled)} | ${mib(r.hwm)} | ${mib(r.rssAfter)} | ${mib(r.heapAfter)} | ${(r.hwm / total / 1024).toFixed(2)} | ${((r.hwm - r.baseRss) / total / 1024).toFixed(2)} | ` +
                `${sizing.requests.memory} / ${sizing.limits.memory} | ${((100 * r.hwm) / sizing.figures.memoryLimitBytes).toFixed(0)} % | ${r.load.min.toFixed(1)}–${r.load.max.toFixed(1)} |`,
        );
        if (r.lastError) console.log(`  (${r.zones} × ${r.series}x${r.hours} ${r.mode}: last error ${r.lastError})`);
    }
}

if (require.main === module) runBenchPart(main);
