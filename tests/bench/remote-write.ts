import { EnvironmentEvaluation } from "../../infra/plan/evaluate-environment";
import { output } from "../support/plan-access";
import { PrometheusProcess, stopAllPrometheus } from "../support/prometheus-process";
import { PrometheusConfig } from "../support/swap-discovery";
import {
    benchEnvironment,
    installBenchSignalCleanup,
    mib,
    procMemory,
    pushAsFastAsPossible,
    selfMetrics,
    sleep,
    startGlobal,
    startZone,
    sumOf,
    waitFor,
    withoutQueueConfig,
    writerAuth,
    ZoneRun,
} from "./remote-write-rig";
import { ZONE_REMOTE_WRITE_QUEUE } from "../../components/prometheus/remote-write-queue";

/**
 * Remote-write pipeline benchmark (part of `npm run bench`, or alone:
 * `node -r ts-node/register/transpile-only tests/bench/remote-write.ts [options]`).
 *
 * Per zone count (default 1 and 3) and per queue_config (the generated one, and none at all, i.e.
 * Prometheus 2.42's defaults): a fresh generated global (its web config / basic auth, receiver
 * flag), and per zone the generated zone Prometheus scraping `--dataplanes` fake dataplanes with
 * `--series` series each (values change every scrape), discovered through fake MADS + the http SD
 * bridge. Localised to 127.0.0.1; the only changes to the plan are the shortened scrape intervals
 * (`--interval`, default 5s instead of 15s; set through the stack config, so the generated
 * scrape_timeout follows) and the discovery refresh (1s instead of 30s, so runs do not wait for
 * targets). Then the receiver's own ceiling: synthetic remote-write requests pushed straight at a
 * fresh global. Prints figures only; nothing is asserted.
 */

interface Options {
    zones: number[];
    dataplanes: number;
    series: number;
    interval: string;
    measureSeconds: number;
    ceilingSeconds: number;
    ceilingConcurrency: number;
}

function parseArgs(argv: string[]): Options {
    const get = (flag: string, fallback: string): string => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : fallback);
    return {
        zones: get("--rw-zones", "1,3").split(",").map(Number),
        dataplanes: Number(get("--rw-dataplanes", "50")),
        series: Number(get("--rw-series", "1000")),
        interval: get("--rw-interval", "5s"),
        measureSeconds: Number(get("--rw-measure", "30")),
        ceilingSeconds: Number(get("--rw-ceiling", "20")),
        ceilingConcurrency: Number(get("--rw-ceiling-concurrency", "4")),
    };
}

interface RunFigures {
    zones: number;
    variant: string;
    scrapedPerSecond: number;
    sentPerSecond: number;
    appendedPerSecond: number;
    lagMax: number;
    lagMean: number;
    maxShards: number;
    failedOrDropped: number;
    retried: number;
    pendingEnd: number;
    zoneHwm: number;
    zoneRss: number;
    globalHwm: number;
    globalRss: number;
    globalCpu: number;
    zoneCpu: number;
    warmupSeconds: number;
}

const intervalSeconds = (d: string): number => {
    const m = /^(\d+)(ms|s|m)$/.exec(d);
    if (!m) throw new Error(`--rw-interval ${d}: use e.g. 5s, 15s, 1m`);
    return Number(m[1]) * (m[2] === "ms" ? 0.001 : m[2] === "m" ? 60 : 1);
};

async function oneRun(env: EnvironmentEvaluation, opts: Options, zones: number, variant: "generated" | "defaults"): Promise<RunFigures> {
    const auth = writerAuth(env.stacks[0]);
    const receiverOrigin = new URL(String(output(env.stacks[0], "remoteWriteUrl"))).origin;
    const tickMs = intervalSeconds(opts.interval) * 1000;
    let global: PrometheusProcess | undefined;
    const zoneRuns: ZoneRun[] = [];
    try {
        global = await startGlobal(env, `bench-global-${variant}`);
        for (let i = 0; i < zones; i++) {
            zoneRuns.push(
                await startZone({
                    zoneEv: env.stacks[1 + i],
                    global,
                    receiverOrigin,
                    dataplanes: opts.dataplanes,
                    seriesPerDataplane: opts.series,
                    refreshInterval: "1s",
                    tickMs,
                    transform: variant === "defaults" ? (cfg: PrometheusConfig) => withoutQueueConfig(cfg) : undefined,
                }),
            );
        }
        // Warm-up: every zone holds all its dataplane series and has sent some, plus one interval and a batch deadline.
        const warmStarted = Date.now();
        const expectedPerZone = opts.dataplanes * opts.series;
        await waitFor(
            "every zone scraping all dataplanes and remote-writing",
            async () => {
                for (const z of zoneRuns) {
                    const m = await selfMetrics(z.prometheus);
                    if (!(sumOf(m, "prometheus_tsdb_head_series") >= expectedPerZone && sumOf(m, "prometheus_remote_storage_samples_total") > 0)) return undefined;
                }
                return true;
            },
            { timeoutMs: 180_000, intervalMs: 1000 },
        );
        await sleep(tickMs + 5000);
        const warmupSeconds = (Date.now() - warmStarted) / 1000;

        const snapshot = async () => ({
            at: Date.now(),
            zones: await Promise.all(zoneRuns.map((z) => selfMetrics(z.prometheus))),
            global: await selfMetrics(global!, auth),
        });
        const lagOf = (m: Map<string, number>) => sumOf(m, "prometheus_remote_storage_highest_timestamp_in_seconds") - sumOf(m, "prometheus_remote_storage_queue_highest_sent_timestamp_seconds");
        const start = await snapshot();
        const lags: number[] = [];
        let maxShards = 0;
        const end = Date.now() + opts.measureSeconds * 1000;
        while (Date.now() < end) {
            for (const z of zoneRuns) {
                const m = await selfMetrics(z.prometheus);
                lags.push(lagOf(m));
                maxShards = Math.max(maxShards, sumOf(m, "prometheus_remote_storage_shards"));
            }
            await sleep(1000);
        }
        const stop = await snapshot();
        const dt = (stop.at - start.at) / 1000;
        const delta = (name: string) => stop.zones.reduce((n, m, i) => n + (sumOf(m, name) - sumOf(start.zones[i], name)), 0);
        const zoneMem = zoneRuns.map((z) => procMemory(z.prometheus.pid));
        const globalMem = procMemory(global.pid);
        const dropped = (name: string) => (Number.isNaN(delta(name)) ? 0 : delta(name));
        return {
            zones,
            variant,
            scrapedPerSecond: (zones * expectedPerZone) / intervalSeconds(opts.interval),
            sentPerSecond: delta("prometheus_remote_storage_samples_total") / dt,
            appendedPerSecond: (orZero(sumOf(stop.global, "prometheus_tsdb_head_samples_appended_total")) - orZero(sumOf(start.global, "prometheus_tsdb_head_samples_appended_total"))) / dt,
            lagMax: Math.max(...lags),
            lagMean: lags.reduce((a, b) => a + b, 0) / Math.max(1, lags.length),
            maxShards,
            failedOrDropped: dropped("prometheus_remote_storage_samples_failed_total") + dropped("prometheus_remote_storage_samples_dropped_total"),
            retried: dropped("prometheus_remote_storage_samples_retried_total"),
            pendingEnd: stop.zones.reduce((n, m) => n + sumOf(m, "prometheus_remote_storage_samples_pending"), 0),
            zoneHwm: Math.max(...zoneMem.map((m) => m.hwm)),
            zoneRss: Math.max(...stop.zones.map((m) => sumOf(m, "process_resident_memory_bytes"))),
            globalHwm: globalMem.hwm,
            globalRss: sumOf(stop.global, "process_resident_memory_bytes"),
            globalCpu: (sumOf(stop.global, "process_cpu_seconds_total") - sumOf(start.global, "process_cpu_seconds_total")) / dt,
            zoneCpu: delta("process_cpu_seconds_total") / dt,
            warmupSeconds,
        };
    } finally {
        for (const z of zoneRuns) await z.stop();
        await global?.dispose();
    }
}

/** A labelled counter appears only after its first increment. */
const orZero = (n: number): number => (Number.isNaN(n) ? 0 : n);

async function ceiling(env: EnvironmentEvaluation, opts: Options) {
    const auth = writerAuth(env.stacks[0]);
    const global = await startGlobal(env, "bench-global-ceiling");
    try {
        const before = await selfMetrics(global, auth);
        const startedAt = Date.now();
        const push = await pushAsFastAsPossible({ url: `${global.url}/api/v1/write`, auth, seconds: opts.ceilingSeconds, concurrency: opts.ceilingConcurrency, batch: 2000, seriesTotal: 100_000 });
        const after = await selfMetrics(global, auth);
        const dt = (Date.now() - startedAt) / 1000;
        return {
            push,
            appendedPerSecond: (orZero(sumOf(after, "prometheus_tsdb_head_samples_appended_total")) - orZero(sumOf(before, "prometheus_tsdb_head_samples_appended_total"))) / dt,
            cpuCores: (sumOf(after, "process_cpu_seconds_total") - sumOf(before, "process_cpu_seconds_total")) / dt,
            hwm: procMemory(global.pid).hwm,
            rss: sumOf(after, "process_resident_memory_bytes"),
        };
    } finally {
        await global.dispose();
    }
}

export async function main(argv: string[]): Promise<void> {
    const opts = parseArgs(argv);
    const maxZones = Math.max(...opts.zones);
    console.log(
        `\nremote-write pipeline: per zone ${opts.dataplanes} dataplanes × ${opts.series} series (${(opts.dataplanes * opts.series).toLocaleString("en-US")} series), ` +
            `scrape interval ${opts.interval} (SHORTENED from the generated 15s; discovery refresh 1s instead of 30s), ${opts.measureSeconds} s measured after warm-up; ` +
            `Prometheus ${"2.42"} for zones and global; "defaults" = the same run with queue_config removed (2.42: capacity 2500, max_shards 200, min_shards 1, max_samples_per_send 500, batch_send_deadline 5s, retry_on_http_429 false)`,
    );
    console.log(`generated queue_config: ${JSON.stringify(ZONE_REMOTE_WRITE_QUEUE)}`);
    const env = await benchEnvironment(maxZones, opts.interval);
    const runs: RunFigures[] = [];
    for (const zones of opts.zones) {
        for (const variant of ["generated", "defaults"] as const) {
            const f = await oneRun(env, opts, zones, variant);
            runs.push(f);
            process.stderr.write(`  done: ${zones} zone(s), ${variant} (warm-up ${f.warmupSeconds.toFixed(0)} s)\n`);
        }
    }
    console.log("\n| zones | queue_config | scraped samples/s (expected) | sent samples/s (zones) | appended samples/s (global) | lag max s | lag mean s | max shards | failed+dropped | retried | pending at end | zone VmHWM MiB (max) | zone RSS MiB (max) | global VmHWM MiB | global RSS MiB | zones CPU cores (sum) | global CPU cores |");
    console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (const f of runs) {
        console.log(
            `| ${f.zones} | ${f.variant} | ${f.scrapedPerSecond.toFixed(0)} | ${f.sentPerSecond.toFixed(0)} | ${f.appendedPerSecond.toFixed(0)} | ${f.lagMax.toFixed(2)} | ${f.lagMean.toFixed(2)} | ${f.maxShards} | ${f.failedOrDropped} | ${f.retried} | ${f.pendingEnd} | ${mib(f.zoneHwm)} | ${mib(f.zoneRss)} | ${mib(f.globalHwm)} | ${mib(f.globalRss)} | ${f.zoneCpu.toFixed(2)} | ${f.globalCpu.toFixed(2)} |`,
        );
    }
    if (opts.ceilingSeconds > 0) {
        const c = await ceiling(env, opts);
        console.log(
            `\nreceiver ceiling (reference limit): synthetic remote-write pushed straight at a fresh generated global for ${c.push.seconds.toFixed(0)} s, ` +
                `${opts.ceilingConcurrency} keep-alive connections, 2000 samples/request over 100,000 series, hand-rolled protobuf + snappy literal-only blocks (valid snappy, uncompressed; no snappy package installed), ` +
                `client in this Node process on the same 2 cores (so this is a lower bound of the receiver's ceiling):`,
        );
        console.log(`| accepted samples/s (client) | appended samples/s (global) | global CPU cores used | appended samples per global CPU-second | requests | failed | global VmHWM MiB | global RSS MiB |`);
        console.log(`|---|---|---|---|---|---|---|---|`);
        console.log(
            `| ${(c.push.samples / c.push.seconds).toFixed(0)} | ${c.appendedPerSecond.toFixed(0)} | ${c.cpuCores.toFixed(2)} | ${(c.appendedPerSecond / c.cpuCores).toFixed(0)} | ${c.push.requests} | ${c.push.failed} | ${mib(c.hwm)} | ${mib(c.rss)} |`,
        );
        if (c.push.lastError) console.log(`last error: ${c.push.lastError}`);
    }
    for (const zones of opts.zones) {
        const g = runs.find((r) => r.zones === zones && r.variant === "generated")!;
        const d = runs.find((r) => r.zones === zones && r.variant === "defaults")!;
        const pct = ((g.appendedPerSecond / d.appendedPerSecond - 1) * 100).toFixed(1);
        const keptUp = (f: RunFigures) => f.appendedPerSecond >= 0.95 * f.scrapedPerSecond;
        const note =
            keptUp(g) && keptUp(d)
                ? `both kept up with the offered ${g.scrapedPerSecond.toFixed(0)} samples/s, so samples/s cannot differ much`
                : `offered ${g.scrapedPerSecond.toFixed(0)} samples/s; kept up: generated ${keptUp(g) ? "yes" : "no"}, defaults ${keptUp(d) ? "yes" : "no"}`;
        console.log(
            `verdict (${zones} zone${zones > 1 ? "s" : ""}): generated tuning vs defaults: ${Number(pct) >= 0 ? "+" : ""}${pct}% samples/s (global appended), lag ${g.lagMax.toFixed(2)} s vs ${d.lagMax.toFixed(2)} s (max; mean ${g.lagMean.toFixed(2)} vs ${d.lagMean.toFixed(2)}) — ${note}`,
        );
    }
}

if (require.main === module) {
    installBenchSignalCleanup();
    main(process.argv.slice(2))
        .catch((e) => {
            console.error(e);
            process.exitCode = 1;
        })
        .finally(() => stopAllPrometheus());
}
