import * as os from "os";
import { EnvironmentEvaluation } from "../../infra/plan/evaluate-environment";
import { ZONE_REMOTE_WRITE_QUEUE } from "../../components/prometheus/remote-write-queue";
import { LoopbackProxy, startLoopbackProxy } from "../support/loopback-proxy";
import { output } from "../support/plan-access";
import { PrometheusProcess } from "../support/prometheus-process";
import { selfMetrics, sumOf } from "../support/self-metrics";
import { prometheusVersionOf } from "../support/prometheus-process";
import { RemoteWriteMessage } from "../support/remote-write-wire";
import { PrometheusConfig } from "../support/swap-discovery";
import { DeliveryTracker, WindowDelivery } from "./delivery-tracker";
import {
    benchEnvironment,
    runBenchPart,
    mib,
    procMemory,
    pushAsFastAsPossible,
    sleep,
    startGlobal,
    startZone,
    storedSamples,
    waitFor,
    writerAuth,
    ZoneRun,
} from "./remote-write-rig";

/**
 * Remote-write pipeline benchmark (part of `npm run bench`, or alone:
 * `node -r ts-node/register/transpile-only tests/bench/remote-write.ts [options]`).
 *
 * Per zone count (`--rw-zones`, default 1), per simulated round trip between zone and global
 * (`--rw-rtt`, default 0 and 50 ms: same cluster, and a zone in another region) and per queue
 * variant (`--rw-variants`, default the generated queue_config and none at all, i.e. the
 * binary's own defaults; `rw1` / `rw2` compare the Remote Write protocols), interleaved in one run:
 * - a fresh generated global (web config with basic auth, receiver flag) behind a loopback proxy
 *   that holds each write for the round trip and reads every accepted sample's timestamp
 *   (tests/bench/delivery-tracker.ts: delivery latency in ms, on the wire);
 * - per zone the generated zone Prometheus scraping `--rw-dataplanes` fake dataplanes with
 *   `--rw-series` series each (values change every scrape), discovered through fake MADS and the
 *   http SD bridge. Localised to 127.0.0.1; the only changes to the plan are the shortened scrape
 *   interval (`--rw-interval`, default 5s instead of 15s; set through the stack config, so the
 *   generated scrape_timeout follows) and the discovery refresh (1s instead of 30s);
 * - phases: steady state (`--rw-measure` s): throughput, delivery latency, shards, CPU, memory;
 *   an outage (`--rw-outage` s of 503 from the proxy), then the catch-up: how long until every
 *   sample scraped during the outage is on the global, at what rate, and whether any was lost
 *   (the zone's own count of the window vs the samples delivered); throttling (`--rw-throttle` s
 *   of 429), the same figures.
 * Then the receiver's own ceiling: synthetic remote-write requests pushed straight at a fresh
 * global. Prints figures only; nothing is asserted.
 */

interface Variant {
    readonly name: string;
    /** The queue_config to run with; null: none at all (the binary's defaults). */
    readonly queue: Record<string, unknown> | null;
    /** remote_write protobuf_message; undefined: as generated. */
    readonly protobufMessage?: RemoteWriteMessage;
}

const PROTOBUF_MESSAGES: readonly RemoteWriteMessage[] = ["prometheus.WriteRequest", "io.prometheus.write.v2.Request"];

interface Options {
    zones: number[];
    rtts: number[];
    variants: Variant[];
    dataplanes: number;
    series: number;
    interval: string;
    measureSeconds: number;
    outageSeconds: number;
    throttleSeconds: number;
    ceilingSeconds: number;
    ceilingConcurrency: number;
}

/**
 * `generated`, `defaults`, `rw1` / `rw2` (the generated queue_config, protobuf_message
 * prometheus.WriteRequest / io.prometheus.write.v2.Request), or `name:key=value;key=value` (the
 * generated queue_config with those keys replaced, numbers stay numbers; `protobuf_message=…`
 * sets the message), e.g. `min1:min_shards=1`.
 */
export function parseVariant(spec: string): Variant {
    if (spec === "generated") return { name: spec, queue: { ...ZONE_REMOTE_WRITE_QUEUE } };
    if (spec === "defaults") return { name: spec, queue: null };
    if (spec === "rw1" || spec === "rw2") return { name: spec, queue: { ...ZONE_REMOTE_WRITE_QUEUE }, protobufMessage: PROTOBUF_MESSAGES[spec === "rw1" ? 0 : 1] };
    const m = /^([a-z0-9-]+):(.+)$/i.exec(spec);
    if (!m) throw new Error(`--rw-variants ${spec}: use generated, defaults, rw1, rw2 or name:key=value;key=value`);
    const queue: Record<string, unknown> = { ...ZONE_REMOTE_WRITE_QUEUE };
    let protobufMessage: RemoteWriteMessage | undefined;
    for (const pair of m[2].split(";")) {
        const [key, value] = pair.split("=");
        if (key === "protobuf_message") {
            if (!(PROTOBUF_MESSAGES as readonly string[]).includes(value)) throw new Error(`--rw-variants ${spec}: protobuf_message ${value}; allowed: ${PROTOBUF_MESSAGES.join(", ")}`);
            protobufMessage = value as RemoteWriteMessage;
            continue;
        }
        if (!(key in ZONE_REMOTE_WRITE_QUEUE)) throw new Error(`--rw-variants ${spec}: ${key} is not a queue_config key; allowed: ${Object.keys(ZONE_REMOTE_WRITE_QUEUE).join(", ")}`);
        queue[key] = /^[0-9]+$/.test(value) ? Number(value) : value === "true" ? true : value === "false" ? false : value;
    }
    return { name: m[1], queue, protobufMessage };
}

function parseArgs(argv: string[]): Options {
    const get = (flag: string, fallback: string): string => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : fallback);
    const numbers = (flag: string, fallback: string) => get(flag, fallback).split(",").map(Number);
    return {
        zones: numbers("--rw-zones", "1"),
        // `none`: no pipeline run, only the receiver's ceiling.
        rtts: get("--rw-rtt", "0,50") === "none" ? [] : numbers("--rw-rtt", "0,50"),
        variants: get("--rw-variants", "generated,defaults").split(",").map(parseVariant),
        dataplanes: Number(get("--rw-dataplanes", "50")),
        series: Number(get("--rw-series", "1000")),
        interval: get("--rw-interval", "5s"),
        measureSeconds: Number(get("--rw-measure", "30")),
        outageSeconds: Number(get("--rw-outage", "60")),
        throttleSeconds: Number(get("--rw-throttle", "20")),
        ceilingSeconds: Number(get("--rw-ceiling", "20")),
        ceilingConcurrency: Number(get("--rw-ceiling-concurrency", "4")),
    };
}

interface FaultFigures {
    /** Samples the zones scraped in the window (their own TSDB's count). */
    scraped: number;
    delivered: number;
    /** From the end of the fault until the last sample of the window was delivered, s; NaN if never. */
    drainSeconds: number;
    /** Samples of the window delivered after the fault ended, per second of drain. */
    catchUpPerSecond: number;
    maxShards: number;
    failedOrDropped: number;
    retried: number;
    /** Writes the proxy answered with the injected status. */
    refusedWrites: number;
}

interface RunFigures {
    zones: number;
    rttMs: number;
    variant: string;
    scrapedPerSecond: number;
    sentPerSecond: number;
    appendedPerSecond: number;
    latencyP50: number;
    latencyP99: number;
    latencyMax: number;
    latencyMean: number;
    /** Snappy-compressed request body bytes per accepted sample (steady state), and the Content-Types seen. */
    bodyBytesPerSample: number;
    contentTypes: string;
    writesPerSecond: number;
    maxShards: number;
    failedOrDropped: number;
    zoneHwm: number;
    zoneRss: number;
    globalHwm: number;
    globalRss: number;
    globalCpu: number;
    zoneCpu: number;
    warmupSeconds: number;
    outage?: FaultFigures;
    throttle?: FaultFigures;
}

const intervalSeconds = (d: string): number => {
    const m = /^(\d+)(ms|s|m)$/.exec(d);
    if (!m) throw new Error(`--rw-interval ${d}: use e.g. 5s, 15s, 1m`);
    return Number(m[1]) * (m[2] === "ms" ? 0.001 : m[2] === "m" ? 60 : 1);
};

/** A labelled counter appears only after its first increment. */
const orZero = (n: number): number => (Number.isNaN(n) ? 0 : n);

function withQueue(variant: Variant): (cfg: PrometheusConfig) => PrometheusConfig {
    return (cfg) => {
        const out = structuredClone(cfg);
        for (const rw of (out["remote_write"] as Array<Record<string, unknown>> | undefined) ?? []) {
            if (variant.queue === null) delete rw["queue_config"];
            else rw["queue_config"] = { ...variant.queue };
            if (variant.protobufMessage !== undefined) rw["protobuf_message"] = variant.protobufMessage;
        }
        return out;
    };
}

async function zoneCounters(zones: ZoneRun[]) {
    const ms = await Promise.all(zones.map((z) => selfMetrics(z.prometheus)));
    const total = (name: string) => ms.reduce((n, m) => n + orZero(sumOf(m, name)), 0);
    return {
        failedOrDropped: total("prometheus_remote_storage_samples_failed_total") + total("prometheus_remote_storage_samples_dropped_total"),
        retried: total("prometheus_remote_storage_samples_retried_total"),
        shards: Math.max(...ms.map((m) => orZero(sumOf(m, "prometheus_remote_storage_shards")))),
    };
}

/**
 * The proxy answers every write with `status` for `seconds`, then forwards again; then waits
 * until every sample the zones stored during the fault is on the global (or `drainTimeoutMs`).
 */
async function faultPhase(zones: ZoneRun[], proxy: LoopbackProxy, tracker: DeliveryTracker, status: number, seconds: number, drainTimeoutMs: number): Promise<FaultFigures> {
    const before = await zoneCounters(zones);
    const refusedBefore = tracker.answered.get(status) ?? 0;
    const from = Date.now();
    const window: WindowDelivery = tracker.watch(from);
    proxy.failWith(status);
    await sleep(seconds * 1000);
    const to = Date.now();
    window.toMs = to;
    proxy.failWith(null);
    // Let the zones append the scrapes that started before `to` (a scrape's samples carry its start time).
    await sleep(2000);
    let scraped = 0;
    for (const z of zones) scraped += await storedSamples(z, from, to);
    let maxShards = before.shards;
    const deadline = Date.now() + drainTimeoutMs;
    while (window.samples < scraped && Date.now() < deadline) {
        maxShards = Math.max(maxShards, (await zoneCounters(zones)).shards);
        await sleep(500);
    }
    const after = await zoneCounters(zones);
    const drained = window.samples >= scraped;
    if (!drained) {
        // Enough to tell a stuck queue from a miscount when it happens.
        const m = await Promise.all(zones.map((z) => selfMetrics(z.prometheus)));
        const pick = (name: string) => m.map((x) => sumOf(x, name)).join("/");
        process.stderr.write(
            `  not drained after ${drainTimeoutMs / 1000} s: window [${from}, ${to}) stored ${scraped}, delivered ${window.samples}; ` +
                `pending ${pick("prometheus_remote_storage_samples_pending")}, highest in ${pick("prometheus_remote_storage_highest_timestamp_in_seconds")}, ` +
                `highest sent ${pick("prometheus_remote_storage_queue_highest_sent_timestamp_seconds")}, answered ${JSON.stringify([...tracker.answered])}\n`,
        );
    }
    const drainSeconds = drained ? (window.lastDeliveredAt - to) / 1000 : NaN;
    return {
        scraped,
        delivered: window.samples,
        drainSeconds,
        catchUpPerSecond: drained ? scraped / Math.max(0.001, drainSeconds) : NaN,
        maxShards: Math.max(maxShards, after.shards),
        failedOrDropped: after.failedOrDropped - before.failedOrDropped,
        retried: after.retried - before.retried,
        refusedWrites: (tracker.answered.get(status) ?? 0) - refusedBefore,
    };
}

async function oneRun(env: EnvironmentEvaluation, opts: Options, zones: number, rttMs: number, variant: Variant): Promise<RunFigures> {
    const auth = writerAuth(env.stacks[0]);
    const receiverOrigin = new URL(String(output(env.stacks[0], "remoteWriteUrl"))).origin;
    const tickMs = intervalSeconds(opts.interval) * 1000;
    let global: PrometheusProcess | undefined;
    let proxy: LoopbackProxy | undefined;
    const zoneRuns: ZoneRun[] = [];
    const tracker = new DeliveryTracker();
    try {
        global = await startGlobal(env, `bench-global-${variant.name}`);
        proxy = await startLoopbackProxy(global.url, { delayMs: rttMs, onAnswered: tracker.onAnswered });
        for (let i = 0; i < zones; i++) {
            zoneRuns.push(
                await startZone({
                    zoneEv: env.stacks[1 + i],
                    receiverUrl: proxy.url,
                    receiverOrigin,
                    dataplanes: opts.dataplanes,
                    seriesPerDataplane: opts.series,
                    refreshInterval: "1s",
                    tickMs,
                    transform: withQueue(variant),
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
            writes: tracker.answered.get(204) ?? 0,
        });
        const start = await snapshot();
        tracker.startMeasuring();
        let maxShards = 0;
        const end = Date.now() + opts.measureSeconds * 1000;
        while (Date.now() < end) {
            maxShards = Math.max(maxShards, (await zoneCounters(zoneRuns)).shards);
            await sleep(1000);
        }
        tracker.measuring = false;
        const stop = await snapshot();
        const dt = (stop.at - start.at) / 1000;
        const delta = (name: string) => stop.zones.reduce((n, m, i) => n + (orZero(sumOf(m, name)) - orZero(sumOf(start.zones[i], name))), 0);
        const zoneMem = zoneRuns.map((z) => procMemory(z.prometheus.pid));
        const globalMem = procMemory(global.pid);
        const figures: RunFigures = {
            zones,
            rttMs,
            variant: variant.name,
            scrapedPerSecond: (zones * expectedPerZone) / intervalSeconds(opts.interval),
            sentPerSecond: delta("prometheus_remote_storage_samples_total") / dt,
            appendedPerSecond: (orZero(sumOf(stop.global, "prometheus_tsdb_head_samples_appended_total")) - orZero(sumOf(start.global, "prometheus_tsdb_head_samples_appended_total"))) / dt,
            latencyP50: tracker.latency.quantile(0.5),
            latencyP99: tracker.latency.quantile(0.99),
            latencyMax: tracker.latency.max,
            latencyMean: tracker.latency.mean(),
            bodyBytesPerSample: tracker.measuredBodyBytes / tracker.measuredSamples,
            contentTypes: [...tracker.contentTypes].join(" + "),
            writesPerSecond: (stop.writes - start.writes) / dt,
            maxShards,
            failedOrDropped: delta("prometheus_remote_storage_samples_failed_total") + delta("prometheus_remote_storage_samples_dropped_total"),
            zoneHwm: Math.max(...zoneMem.map((m) => m.hwm)),
            zoneRss: Math.max(...stop.zones.map((m) => sumOf(m, "process_resident_memory_bytes"))),
            globalHwm: globalMem.hwm,
            globalRss: sumOf(stop.global, "process_resident_memory_bytes"),
            globalCpu: (sumOf(stop.global, "process_cpu_seconds_total") - sumOf(start.global, "process_cpu_seconds_total")) / dt,
            zoneCpu: delta("process_cpu_seconds_total") / dt,
            warmupSeconds,
        };
        if (opts.outageSeconds > 0) figures.outage = await faultPhase(zoneRuns, proxy, tracker, 503, opts.outageSeconds, 600_000);
        if (opts.throttleSeconds > 0) {
            await sleep(tickMs);
            figures.throttle = await faultPhase(zoneRuns, proxy, tracker, 429, opts.throttleSeconds, variant.queue?.["retry_on_http_429"] === true ? 600_000 : 30_000);
        }
        return figures;
    } finally {
        for (const z of zoneRuns) await z.stop();
        await proxy?.stop();
        await global?.dispose();
    }
}

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

const pct = (a: number, b: number): string => {
    const p = (a / b - 1) * 100;
    return `${p >= 0 ? "+" : ""}${p.toFixed(1)}%`;
};
const ms = (n: number): string => (Number.isFinite(n) ? n.toFixed(0) : "n/a");
const s1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : "never");

function printTables(runs: RunFigures[]): void {
    console.log(
        "\nsteady state\n| zones | RTT ms | queue_config | scraped samples/s (offered) | sent samples/s (zones) | appended samples/s (global) | writes/s | body bytes per sample | delivery latency p50 / p99 / max ms | mean ms | max shards | failed+dropped | zones CPU cores | global CPU cores | zone VmHWM MiB | zone RSS MiB | global VmHWM MiB | global RSS MiB |",
    );
    console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (const f of runs) {
        console.log(
            `| ${f.zones} | ${f.rttMs} | ${f.variant} | ${f.scrapedPerSecond.toFixed(0)} | ${f.sentPerSecond.toFixed(0)} | ${f.appendedPerSecond.toFixed(0)} | ${f.writesPerSecond.toFixed(1)} | ${f.bodyBytesPerSample.toFixed(2)} | ${ms(f.latencyP50)} / ${ms(f.latencyP99)} / ${ms(f.latencyMax)} | ${ms(f.latencyMean)} | ${f.maxShards} | ${f.failedOrDropped} | ${f.zoneCpu.toFixed(2)} | ${f.globalCpu.toFixed(2)} | ${mib(f.zoneHwm)} | ${mib(f.zoneRss)} | ${mib(f.globalHwm)} | ${mib(f.globalRss)} |`,
        );
    }
    for (const [title, pick] of [
        ["outage (503) and catch-up", (f: RunFigures) => f.outage],
        ["throttling (429)", (f: RunFigures) => f.throttle],
    ] as const) {
        if (!runs.some((f) => pick(f))) continue;
        console.log(`\n${title}\n| zones | RTT ms | queue_config | samples stored in the window (zones) | delivered | lost | drain s | catch-up samples/s | max shards | failed+dropped | retried | refused writes |`);
        console.log("|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (const f of runs) {
            const x = pick(f);
            if (!x) continue;
            console.log(
                `| ${f.zones} | ${f.rttMs} | ${f.variant} | ${x.scraped} | ${x.delivered} | ${Math.max(0, x.scraped - x.delivered)} | ${s1(x.drainSeconds)} | ${ms(x.catchUpPerSecond)} | ${x.maxShards} | ${x.failedOrDropped} | ${x.retried} | ${x.refusedWrites} |`,
            );
        }
    }
}

function printVerdicts(runs: RunFigures[], opts: Options): void {
    const [reference, ...others] = opts.variants;
    for (const zones of opts.zones) {
        for (const rttMs of opts.rtts) {
            const g = runs.find((r) => r.zones === zones && r.rttMs === rttMs && r.variant === reference.name)!;
            for (const other of others) {
                const d = runs.find((r) => r.zones === zones && r.rttMs === rttMs && r.variant === other.name)!;
                // Above 100% of the offered load a queue is still working off a backlog (see its latency), not faster.
                const ofOffered = (f: RunFigures) => `${((f.appendedPerSecond / f.scrapedPerSecond) * 100).toFixed(0)}%`;
                const parts = [
                    `appended at the global ${ofOffered(g)} vs ${ofOffered(d)} of the offered ${g.scrapedPerSecond.toFixed(0)} samples/s (${pct(g.appendedPerSecond, d.appendedPerSecond)})`,
                    `writes/s ${g.writesPerSecond.toFixed(1)} vs ${d.writesPerSecond.toFixed(1)}`,
                    `body bytes per sample ${g.bodyBytesPerSample.toFixed(2)} vs ${d.bodyBytesPerSample.toFixed(2)} (${pct(g.bodyBytesPerSample, d.bodyBytesPerSample)})`,
                    `zone CPU ${pct(g.zoneCpu, d.zoneCpu)}, global CPU ${pct(g.globalCpu, d.globalCpu)}`,
                    `delivery latency p50 ${ms(g.latencyP50)} vs ${ms(d.latencyP50)} ms, p99 ${ms(g.latencyP99)} vs ${ms(d.latencyP99)} ms`,
                ];
                if (g.outage && d.outage) parts.push(`after a ${opts.outageSeconds} s outage drained in ${s1(g.outage.drainSeconds)} vs ${s1(d.outage.drainSeconds)} s, lost ${Math.max(0, g.outage.scraped - g.outage.delivered)} vs ${Math.max(0, d.outage.scraped - d.outage.delivered)}`);
                if (g.throttle && d.throttle) parts.push(`${opts.throttleSeconds} s of 429: lost ${Math.max(0, g.throttle.scraped - g.throttle.delivered)} vs ${Math.max(0, d.throttle.scraped - d.throttle.delivered)} samples`);
                console.log(`verdict (${zones} zone${zones > 1 ? "s" : ""}, RTT ${rttMs} ms): ${reference.name} vs ${other.name}: ${parts.join("; ")}`);
            }
        }
    }
}

export async function main(argv: string[]): Promise<void> {
    const opts = parseArgs(argv);
    console.log(
        `\nremote-write pipeline: per zone ${opts.dataplanes} dataplanes × ${opts.series} series (${(opts.dataplanes * opts.series).toLocaleString("en-US")} series), ` +
            `scrape interval ${opts.interval} (SHORTENED from the generated 15s; discovery refresh 1s instead of 30s), ${opts.measureSeconds} s measured after warm-up, ` +
            `then ${opts.outageSeconds} s of 503 and ${opts.throttleSeconds} s of 429 from the proxy in front of the global; RTT = delay the proxy adds to every forwarded write; ` +
            `Prometheus ${prometheusVersionOf()} for zones and global; "defaults" = queue_config removed (3.x: capacity 10000, max_shards 50, min_shards 1, max_samples_per_send 2000, batch_send_deadline 5s, ` +
            `retry_on_http_429 false, prometheus config/config.go at v3.5.0; 2.42: 2500 / 200 / 1 / 500 / 5s / false); load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`,
    );
    for (const v of opts.variants) console.log(`queue_config ${v.name}: ${v.queue === null ? "(none)" : JSON.stringify(v.queue)}${v.protobufMessage ? `, protobuf_message ${v.protobufMessage}` : ""}`);
    const env = await benchEnvironment(Math.max(...opts.zones), opts.interval);
    const runs: RunFigures[] = [];
    for (const zones of opts.zones) {
        for (const rttMs of opts.rtts) {
            for (const variant of opts.variants) {
                const f = await oneRun(env, opts, zones, rttMs, variant);
                runs.push(f);
                process.stderr.write(`  done: ${zones} zone(s), RTT ${rttMs} ms, ${variant.name} (warm-up ${f.warmupSeconds.toFixed(0)} s; load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")})\n`);
            }
        }
    }
    printTables(runs);
    for (const f of runs) console.log(`content-type on the wire (${f.variant}, RTT ${f.rttMs} ms): ${f.contentTypes || "(none)"}`);
    if (opts.ceilingSeconds > 0) {
        const c = await ceiling(env, opts);
        console.log(
            `\nreceiver ceiling (reference limit): synthetic remote-write pushed straight at a fresh generated global for ${c.push.seconds.toFixed(0)} s, ` +
                `${opts.ceilingConcurrency} keep-alive connections, 2000 samples/request over 100,000 series, hand-rolled protobuf compressed with snappyjs, ` +
                `client in this Node process on the same 2 cores (so this is a lower bound of the receiver's ceiling):`,
        );
        console.log(`| accepted samples/s (client) | appended samples/s (global) | global CPU cores used | appended samples per global CPU-second | requests | failed | global VmHWM MiB | global RSS MiB |`);
        console.log(`|---|---|---|---|---|---|---|---|`);
        console.log(
            `| ${(c.push.samples / c.push.seconds).toFixed(0)} | ${c.appendedPerSecond.toFixed(0)} | ${c.cpuCores.toFixed(2)} | ${(c.appendedPerSecond / c.cpuCores).toFixed(0)} | ${c.push.requests} | ${c.push.failed} | ${mib(c.hwm)} | ${mib(c.rss)} |`,
        );
        if (c.push.lastError) console.log(`last error: ${c.push.lastError}`);
    }
    printVerdicts(runs, opts);
}

if (require.main === module) runBenchPart(main);
