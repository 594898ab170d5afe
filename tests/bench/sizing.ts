import { prometheusResources } from "../../components/prometheus/sizing";
import { MetricsEndpoint } from "../support/metrics-endpoint";
import { PrometheusProcess, startPrometheus } from "../support/prometheus-process";
import { prometheusVersionOf } from "../support/prometheus-process";
import { renderPrometheusYaml } from "../support/swap-discovery";
import { selfMetrics, sumOf } from "../support/self-metrics";
import { mib, runBenchPart, procMemory, sleep, startSeriesEndpoint, track, waitFor } from "./remote-write-rig";

/**
 * Sizing check (part of `npm run bench`, or alone:
 * `node -r ts-node/register/transpile-only tests/bench/sizing.ts [--sizing-series 100000,300000]
 * [--sizing-interval 10s] [--sizing-samples-per-series 130]`):
 * one real Prometheus server (the harness's binary, PROMETHEUS_BIN; TSDB, no remote write, no queries) scrapes fake dataplanes
 * until its head holds the target series count and two more full scrapes have landed; then the
 * predicted memory request of components/prometheus/sizing.ts for that count (mode server) is
 * printed next to the measured RSS (VmHWM / VmRSS from /proc, process_resident_memory_bytes).
 * Prints figures only.
 */

const SERIES_PER_TARGET = 5000;

function parseArgs(argv: string[]) {
    const get = (flag: string, fallback: string): string => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : fallback);
    return {
        series: get("--sizing-series", "100000,300000").split(",").map(Number),
        interval: get("--sizing-interval", "10s"),
        endpoints: Number(get("--sizing-endpoints", "4")),
        /** Then keep scraping until every series holds this many samples and measure again (0: no second point). */
        samplesPerSeries: Number(get("--sizing-samples-per-series", "0")),
    };
}

interface SizingFigures {
    target: number;
    /** Samples per series when measured: 3 for a young head, more for the second point. */
    samplesPerSeries: number;
    headSeries: number;
    waitSeconds: number;
    hwm: number;
    rss: number;
    processRss: number;
    heapInuse: number;
    predictedServer: string;
    predictedServerLimit: string;
    predictedZone: string;
}

async function one(total: number, interval: string, endpointCount: number, samplesPerSeries: number): Promise<SizingFigures[]> {
    const tickMs = Number(/^(\d+)s$/.exec(interval)?.[1] ?? NaN) * 1000;
    if (!Number.isFinite(tickMs)) throw new Error(`--sizing-interval ${interval}: use whole seconds, e.g. 10s`);
    const targets = Math.ceil(total / SERIES_PER_TARGET);
    const endpoints: MetricsEndpoint[] = [];
    let prometheus: PrometheusProcess | undefined;
    try {
        for (let i = 0; i < endpointCount; i++) endpoints.push(await startSeriesEndpoint(SERIES_PER_TARGET, tickMs));
        // Distinct `dataplane` labels make targets on a shared endpoint distinct (and their series too).
        const config = {
            global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: "1m" },
            scrape_configs: [
                {
                    job_name: "kuma-dataplanes",
                    static_configs: Array.from({ length: targets }, (_, t) => ({ targets: [endpoints[t % endpointCount].address], labels: { dataplane: `dp-${String(t).padStart(4, "0")}`, mesh: "default" } })),
                },
            ],
        };
        const started = Date.now();
        prometheus = track(await startPrometheus({ name: `bench-sizing-${total}`, configYaml: renderPrometheusYaml(config) }));
        const p = prometheus;
        const target = targets * SERIES_PER_TARGET;
        const reached = await waitFor(
            `${target} head series`,
            async () => {
                const m = await selfMetrics(p);
                return sumOf(m, "prometheus_tsdb_head_series") >= target ? m : undefined;
            },
            { timeoutMs: 180_000, intervalMs: 1000 },
        );
        const appendedAt = sumOf(reached, "prometheus_tsdb_head_samples_appended_total");
        const measure = async (samples: number): Promise<SizingFigures> => {
            const final = await waitFor(
                `${samples} samples per series`,
                async () => {
                    const m = await selfMetrics(p);
                    return sumOf(m, "prometheus_tsdb_head_samples_appended_total") - appendedAt >= (samples - 1) * target ? m : undefined;
                },
                { timeoutMs: (samples + 10) * tickMs + 60_000, intervalMs: 1000 },
            );
            await sleep(1000);
            const mem = procMemory(p.pid);
            const headSeries = sumOf(final, "prometheus_tsdb_head_series");
            const server = prometheusResources({ expectedActiveSeries: headSeries, mode: "server", retention: "15d", scrapeInterval: interval, remoteWrite: false });
            const zone = prometheusResources({ expectedActiveSeries: headSeries, mode: "server", retention: "15d", scrapeInterval: interval, remoteWrite: true });
            return {
                target,
                samplesPerSeries: samples,
                headSeries,
                waitSeconds: (Date.now() - started) / 1000,
                hwm: mem.hwm,
                rss: mem.rss,
                processRss: sumOf(final, "process_resident_memory_bytes"),
                heapInuse: sumOf(final, "go_memstats_heap_inuse_bytes"),
                predictedServer: server.requests.memory,
                predictedServerLimit: server.limits.memory,
                predictedZone: zone.requests.memory,
            };
        };
        const rows = [await measure(3)];
        // A head chunk holds 120 samples; past that every series has a full (memory-mapped) chunk and an open one.
        if (samplesPerSeries > 3) rows.push(await measure(samplesPerSeries));
        return rows;
    } finally {
        await prometheus?.dispose();
        for (const e of endpoints) await e.stop();
    }
}

export async function main(argv: string[]): Promise<void> {
    const opts = parseArgs(argv);
    console.log(
        `\nsizing check: one Prometheus ${prometheusVersionOf()} server (TSDB, no remote write, no queries), ${SERIES_PER_TARGET} series per target (values change every scrape), scrape interval ${opts.interval}; ` +
            `measured once the head holds the target and two more full scrapes landed (a young head)` +
                (opts.samplesPerSeries > 3 ? `, and again at ${opts.samplesPerSeries} samples per series (a head chunk holds 120: full chunks are memory-mapped, one stays open)` : ""),
    );
    const rows: SizingFigures[] = [];
    for (const total of opts.series) {
        rows.push(...(await one(total, opts.interval, opts.endpoints, opts.samplesPerSeries)));
        process.stderr.write(`  done: ${total} series\n`);
    }
    console.log("| target series | samples per series | head series | predicted request (server, no remote write) | predicted limit | predicted request (zone, +25% remote write) | measured VmHWM MiB | measured VmRSS MiB | process_resident_memory_bytes MiB | Go heap in use MiB | measured KiB per series (VmHWM) | predicted / measured (VmHWM) | s to reach |");
    console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (const r of rows) {
        const predictedBytes = Number(r.predictedServer.replace(/Mi$/, "")) * 2 ** 20;
        console.log(
            `| ${r.target} | ${r.samplesPerSeries} | ${r.headSeries} | ${r.predictedServer} | ${r.predictedServerLimit} | ${r.predictedZone} | ${mib(r.hwm)} | ${mib(r.rss)} | ${mib(r.processRss)} | ${mib(r.heapInuse)} | ${(r.hwm / r.headSeries / 1024).toFixed(2)} | ${(predictedBytes / r.hwm).toFixed(2)} | ${r.waitSeconds.toFixed(0)} |`,
        );
    }
}

if (require.main === module) runBenchPart(main);
