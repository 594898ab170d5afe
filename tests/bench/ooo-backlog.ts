import * as snappy from "snappyjs";
import { prometheusResources } from "../../components/prometheus/sizing";
import { startGeneratedGlobal } from "../support/generated-global";
import { PrometheusProcess, prometheusVersionOf } from "../support/prometheus-process";
import { selfMetrics, sumOf } from "../support/self-metrics";
import { benchEnvironment, encodeLabels, encodeWriteRequest, mib, prepareSeries, procMemory, remoteWritePoster, runBenchPart, sleep, track, writerAuth } from "./remote-write-rig";

/**
 * The global taking a zone's multi-hour backlog into its out-of-order window (part of `npm run bench
 * -- --ooo`, or alone: `node -r ts-node/register/transpile-only tests/bench/ooo-backlog.ts
 * [--ooo-cases 20000x2,100000x1] [--ooo-shards 4]`).
 *
 * Per case `N`x`H` two fresh generated globals (the chart's flags and config, out-of-order window
 * as generated: 6h), one after the other:
 * - **ooo**: every series first gets a sample at T0 (the zone's live head, kept current by a
 *   sample per series every 15 s for the whole run, as other zones and the zone's newest data do),
 *   then the backlog: H hours of 15 s samples per series ending before T0, oldest first, 2000
 *   samples per request, `--ooo-shards` connections each owning a slice of the series (a zone's
 *   shards hash series the same way), as fast as the global answers. Every backlog sample is older
 *   than its series' newest, so it takes the out-of-order path.
 * - **in-order**: the same N series and the same number of samples, ascending in the last 59 min
 *   before T0 (inside the head's appendable range, so the in-order path), no live samples meanwhile.
 * Sampled every 2 s: VmRSS; at the end (after 15 s idle): VmRSS, VmHWM, Go heap, head series and
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
    return { cases, shards: Number(get("--ooo-shards", "4")) };
}

type Mode = "ooo" | "in-order";

interface Figures {
    mode: Mode;
    series: number;
    hours: number;
    pushed: number;
    failed: number;
    lastError: string | null;
    seconds: number;
    peakRssSampled: number;
    hwm: number;
    rssAfter: number;
    heapAfter: number;
    baseRss: number;
    m: Map<string, number>;
}

function seriesLabels(n: number): Buffer[] {
    return Array.from({ length: n }, (_, i) =>
        prepareSeries(
            encodeLabels([
                ["__name__", "envoy_cluster_upstream_rq_total"],
                ["dataplane", `dp-${Math.floor(i / 1000)}`],
                ["envoy_cluster_name", `cluster-${i % 1000}`],
                ["instance", `10.0.${Math.floor(i / 250000)}.${Math.floor(i / 1000) % 250}:9901`],
                ["job", "kuma-dataplanes"],
                ["mesh", "default"],
                ["zone", "zone-001"],
            ]),
        ),
    );
}

async function one(series: number, hours: number, mode: Mode, shards: number): Promise<Figures> {
    const env = await benchEnvironment(1);
    const started = await startGeneratedGlobal(env.stacks[0], `bench-ooo-${mode}-${series}x${hours}`);
    const g: PrometheusProcess = track(started.global);
    const poster = remoteWritePoster(`${g.url}/api/v1/write`, writerAuth(env.stacks[0]), shards + 1);
    const labels = seriesLabels(series);
    const samplesPerSeries = Math.round((hours * 3600_000) / STEP_MS);
    let pushed = 0;
    let failed = 0;
    // Only the backlog counts towards `pushed` (the live samples are the zone's head, not its backlog).
    const send = async (slice: Buffer[], value: (i: number) => number, ts: number, backlog = true): Promise<void> => {
        const body = Buffer.from(snappy.compress(encodeWriteRequest(slice, value, ts)));
        for (let attempt = 0; ; attempt++) {
            const status = await poster.post(body).catch(() => 0);
            if (status >= 200 && status < 300) return void (pushed += backlog ? slice.length : 0);
            // 5xx / connection errors: a zone's queue retries; 4xx it drops (counted as failed).
            if ((status >= 400 && status < 500) || attempt >= 5) return void (failed += slice.length);
            await sleep(200);
        }
    };
    const sendAll = async (ts: number, value: number) => {
        for (let off = 0; off < series; off += BATCH) await send(labels.slice(off, off + BATCH), () => value, ts, false);
    };
    try {
        await sleep(2000);
        const baseRss = procMemory(g.pid).rss;
        const t0 = Date.now();
        let live: Promise<void> | undefined;
        let stopLive = false;
        if (mode === "ooo") {
            await sendAll(t0, 0);
            live = (async () => {
                for (let k = 1; !stopLive; k++) {
                    const due = t0 + k * STEP_MS;
                    while (!stopLive && Date.now() < due) await sleep(200);
                    if (!stopLive) await sendAll(Math.max(due, Date.now()), k);
                }
            })();
        }
        // ooo: H hours ending one step before T0; in-order: the same count squeezed into the 59 min before T0.
        const stepMs = mode === "ooo" ? STEP_MS : Math.floor((59 * 60_000) / samplesPerSeries);
        const firstTs = t0 - samplesPerSeries * stepMs;
        let peakRssSampled = baseRss;
        let sampling = true;
        const sampler = (async () => {
            while (sampling) {
                peakRssSampled = Math.max(peakRssSampled, procMemory(g.pid).rss);
                await sleep(2000);
            }
        })();
        const pushStarted = Date.now();
        const perShard = Math.ceil(series / shards);
        await Promise.all(
            Array.from({ length: shards }, async (_, w) => {
                const mine = labels.slice(w * perShard, (w + 1) * perShard);
                for (let s = 0; s < samplesPerSeries; s++) {
                    for (let off = 0; off < mine.length; off += BATCH) await send(mine.slice(off, off + BATCH), (i) => s + i, firstTs + s * stepMs);
                }
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
        return { mode, series, hours, pushed: backlogPushed, failed, lastError: poster.lastError(), seconds, peakRssSampled, hwm: mem.hwm, rssAfter: mem.rss, heapAfter: sumOf(m, "go_memstats_heap_inuse_bytes"), baseRss, m };
    } finally {
        poster.close();
        await g.dispose();
    }
}

export async function main(argv: string[]): Promise<void> {
    const opts = parseArgs(argv);
    console.log(
        `\nout-of-order backlog into the generated global (Prometheus ${prometheusVersionOf()}, out-of-order window as generated), ` +
            `Remote Write 1.0, ${BATCH} samples per request, ${opts.shards} shards (connections) as fast as the global answers; ` +
            `ooo: H h of 15 s samples per series behind a live head (a sample per series every 15 s meanwhile); in-order: the same count in the last 59 min, no live samples`,
    );
    const rows: Figures[] = [];
    for (const c of opts.cases) {
        for (const mode of ["ooo", "in-order"] as const) {
            rows.push(await one(c.series, c.hours, mode, opts.shards));
            process.stderr.write(`  done: ${c.series}x${c.hours} ${mode}\n`);
        }
    }
    const counter = (r: Figures, name: string) => sumOf(r.m, name);
    console.log(
        "| series × hours | path | backlog samples | failed | s to drain | samples/s | ooo appended | head_samples_appended_total | too old / out of bound | head series | head chunks | VmRSS before MiB | peak VmRSS (2 s samples) MiB | VmHWM MiB | VmRSS after MiB | Go heap after MiB | VmHWM KiB per series | (VmHWM − VmRSS before) KiB per series | sizing request / limit |",
    );
    console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (const r of rows) {
        const sizing = prometheusResources({ expectedActiveSeries: r.series, mode: "server", retention: "15d", scrapeInterval: "15s", remoteWrite: false });
        console.log(
            `| ${r.series} × ${r.hours} h | ${r.mode} | ${r.pushed} | ${r.failed} | ${r.seconds.toFixed(1)} | ${(r.pushed / r.seconds).toFixed(0)} | ${counter(r, "prometheus_tsdb_head_out_of_order_samples_appended_total")} | ${counter(r, "prometheus_tsdb_head_samples_appended_total")} | ` +
                `${counter(r, "prometheus_tsdb_too_old_samples_total")} / ${counter(r, "prometheus_tsdb_out_of_bound_samples_total")} | ${counter(r, "prometheus_tsdb_head_series")} | ${counter(r, "prometheus_tsdb_head_chunks")} | ` +
                `${mib(r.baseRss)} | ${mib(r.peakRssSampled)} | ${mib(r.hwm)} | ${mib(r.rssAfter)} | ${mib(r.heapAfter)} | ${(r.hwm / r.series / 1024).toFixed(2)} | ${((r.hwm - r.baseRss) / r.series / 1024).toFixed(2)} | ${sizing.requests.memory} / ${sizing.limits.memory} |`,
        );
        if (r.lastError) console.log(`  (${r.series}x${r.hours} ${r.mode}: last error ${r.lastError})`);
    }
}

if (require.main === module) runBenchPart(main);
