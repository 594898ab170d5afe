import { LoopbackProxy, startLoopbackProxy } from "../support/loopback-proxy";
import { file as planFile, output } from "../support/plan-access";
import { parsePrometheusYaml } from "../support/swap-discovery";
import { PrometheusProcess } from "../support/prometheus-process";
import { listWal } from "../support/wal-dir";
import { parsePromDuration } from "../../components/kernel/duration";
import { KUMA_DATAPLANES_JOB } from "../../components/mesh/kuma-facts";
import { BucketedDelivery, DeliveryTracker } from "./delivery-tracker";
import { simulateWal, survivalSpread } from "./wal-truncation-model";
import { selfMetrics, sumOf } from "../support/self-metrics";
import { benchEnvironment, runBenchPart, sleep, startGlobal, startZone, storedSamplesPerBucket, waitFor, ZoneRun } from "./remote-write-rig";
import { CountingSink, startCountingSink } from "./counting-sink";
import { PrometheusConfig } from "../support/swap-discovery";

/**
 * How long an outage of the global the generated zone survives without losing a sample, measured
 * end to end on a time-scaled copy of the default zone (part of `npm run bench -- --wal`, or alone:
 * `node -r ts-node/register/transpile-only tests/bench/wal-retention.ts [options]`).
 *
 * What limits it is WAL truncation, not disk: remote write reads samples from WAL segments only,
 * and the head deletes the oldest segments after each head compaction (every block duration, 2h).
 * Waiting hours for that is not a benchmark, so time is scaled by k (`--wal-scale`, default 12.8):
 * the zone runs with `--storage.tsdb.min-block-duration` = `max-block-duration` = 2h / k and
 * `--storage.tsdb.wal-segment-size` = the production segment (`--wal-production-segment-mib`,
 * default 128, Prometheus' own; the generated zone runs 256) / k, at least the 10 MiB Prometheus
 * accepts, while the load is the production default zone unscaled: 100 dataplanes × 1000 series
 * (expectedActiveSeries 100k) at the generated 15 s interval. Samples per second and bytes per
 * segment relative to a block are then as in production, so segments are cut and truncated in the
 * same proportion, and every duration measured here × k is the production one. Not scaled:
 * Prometheus checks for a compactable head once a minute (1 of 120 minutes in production, up to 1
 * of 9.4 here), so truncations come up to a minute late here (≤ 13 production minutes).
 *
 * The global (generated, unscaled) sits behind the loopback proxy, which answers 503 for
 * `--wal-outage-blocks` scaled blocks (default 2.6, i.e. ~5.2 h in production) starting right after
 * warm-up; then the backlog drains. Meanwhile the zone's WAL directory and TSDB counters are read
 * every 5 s. Every sample the zone stored during the outage is counted per `--wal-bucket` seconds
 * (default 10) in the zone's TSDB and on the wire into the global. Printed: the segments and
 * truncations, which timestamps of the outage arrived and which were lost, the shortest outage
 * each deleting truncation would have cost its backlog, the zone's WAL log lines, and the model
 * (wal-truncation-model.ts) for this run and for production segment sizes and zone sizes. Nothing
 * is asserted.
 *
 * `--wal-mode agent` runs the zone as the chart runs an agent (`zonePrometheus.mode: agent`). An
 * agent has no head and no blocks: it truncates its WAL every `--storage.agent.wal-truncate-frequency`
 * (2h, here 2h / k) since it started, with `--storage.agent.retention.min-time` (5m) and `max-time`
 * (4h) scaled by k too, and its segment size is `--storage.agent.wal-segment-size`
 * (tsdb/agent/db.go and cmd/prometheus/main.go at v3.5.0). It cannot be queried, so what it stored is
 * counted on the wire: a second remote_write queue (`reference`, Remote Write 1.0) reads the same
 * WAL and delivers to a sink that never fails (counting-sink.ts). That queue is always current, so it
 * does not hold truncation back: an agent truncates by the lowest timestamp any queue has sent.
 */

interface Options {
    /** The zone's Prometheus mode (`--wal-mode`, default server). */
    mode: "server" | "agent";
    scale: number;
    /** The production WAL segment size being modelled, bytes (Prometheus' default 128 MiB). */
    productionSegmentBytes: number;
    dataplanes: number;
    series: number;
    outageBlocks: number;
    bucketSeconds: number;
    drainTimeoutSeconds: number;
}

const MIN_SEGMENT_BYTES = 10 * 2 ** 20;
const MAX_SEGMENT_BYTES = 256 * 2 ** 20;
const PRODUCTION_BLOCK_MS = 2 * 3600_000;
/** Agent defaults (tsdb/agent/db.go at v3.5.0: DefaultTruncateFrequency 2h, DefaultMinWALTime 5m, DefaultMaxWALTime 4h); the truncate frequency is the block's 2h. */
const AGENT_MIN_WAL_TIME_MS = 5 * 60_000;
const AGENT_MAX_WAL_TIME_MS = 4 * 3600_000;
/** The reference queue's remote_write name (agent mode). */
const REFERENCE_QUEUE = "reference";

function parseArgs(argv: string[]): Options {
    const get = (flag: string, fallback: string): string => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : fallback);
    const mode = get("--wal-mode", "server");
    if (mode !== "server" && mode !== "agent") throw new Error(`--wal-mode ${mode}: allowed: server, agent`);
    const opts = {
        mode: mode as Options["mode"],
        scale: Number(get("--wal-scale", "12.8")),
        productionSegmentBytes: Number(get("--wal-production-segment-mib", "128")) * 2 ** 20,
        dataplanes: Number(get("--wal-dataplanes", "100")),
        series: Number(get("--wal-series", "1000")),
        outageBlocks: Number(get("--wal-outage-blocks", "2.6")),
        bucketSeconds: Number(get("--wal-bucket", "10")),
        drainTimeoutSeconds: Number(get("--wal-drain-timeout", "900")),
    };
    if (!(opts.scale >= 1 && opts.productionSegmentBytes / opts.scale >= MIN_SEGMENT_BYTES && opts.productionSegmentBytes <= MAX_SEGMENT_BYTES)) {
        throw new Error(
            `--wal-scale ${opts.scale} with --wal-production-segment-mib ${opts.productionSegmentBytes / 2 ** 20}: the scaled segment (production / scale) must be at least Prometheus' 10 MiB minimum, the production one at most its 256 MiB maximum`,
        );
    }
    return opts;
}

interface SegmentLife {
    index: number;
    firstSeenAt: number;
    lastWriteAt: number;
    bytes: number;
    deletedAt?: number;
}

interface Truncation {
    at: number;
    headMinTimeBefore: number;
    headMinTimeAfter: number;
    deleted: number[];
    /** Newest write into the deleted segments: the youngest data they held. */
    newestDeletedWriteAt: number;
}

/** Follows the zone's WAL directory and head counters; call poll() every few seconds. */
class WalWatch {
    readonly segments = new Map<number, SegmentLife>();
    readonly truncations: Truncation[] = [];
    private headMinTime = NaN;
    private truncationsTotal = NaN;

    /** An agent has no head (min time NaN) and observes a truncation's duration only when it checkpointed; its other truncations show as cut segments. */
    constructor(
        private readonly zone: PrometheusProcess,
        private readonly mode: Options["mode"],
    ) {}

    async poll(): Promise<void> {
        const m = await selfMetrics(this.zone);
        const listing = listWal(this.zone.dataDir);
        const present = new Set(listing.segments.map((s) => s.index));
        for (const s of listing.segments) {
            const life = this.segments.get(s.index) ?? { index: s.index, firstSeenAt: listing.at, lastWriteAt: s.mtimeMs, bytes: s.bytes };
            life.lastWriteAt = s.mtimeMs;
            life.bytes = s.bytes;
            this.segments.set(s.index, life);
        }
        const deleted = [...this.segments.values()].filter((l) => l.deletedAt === undefined && !present.has(l.index));
        for (const l of deleted) l.deletedAt = listing.at;
        const headMinTime = this.mode === "agent" ? NaN : sumOf(m, "prometheus_tsdb_head_min_time");
        const truncationsTotal = sumOf(m, this.mode === "agent" ? "prometheus_agent_truncate_duration_seconds_count" : "prometheus_tsdb_wal_truncations_total");
        if (deleted.length > 0 || (truncationsTotal > this.truncationsTotal && !Number.isNaN(this.truncationsTotal))) {
            this.truncations.push({
                at: listing.at,
                headMinTimeBefore: this.headMinTime,
                headMinTimeAfter: headMinTime,
                deleted: deleted.map((l) => l.index),
                newestDeletedWriteAt: Math.max(0, ...deleted.map((l) => l.lastWriteAt)),
            });
        }
        this.headMinTime = headMinTime;
        this.truncationsTotal = truncationsTotal;
    }

    /** When a segment's data begins: the previous segment's last write (the first segment: `fallback`). */
    startOf(index: number, fallback: number): number {
        return this.segments.get(index - 1)?.lastWriteAt ?? fallback;
    }
}

/** The zone's config with a second queue (agent mode): a copy of the generated one towards the counting sink, in Remote Write 1.0. */
function withReferenceQueue(cfg: PrometheusConfig, writeUrl: string): PrometheusConfig {
    const [generated] = cfg.remote_write as Array<Record<string, unknown>>;
    // The sink checks no credential.
    const { basic_auth: _auth, ...rest } = generated;
    const reference = { ...rest, name: REFERENCE_QUEUE, url: writeUrl, protobuf_message: "prometheus.WriteRequest" };
    return { ...cfg, remote_write: [generated, reference] };
}

/** The series of one queue: the generated one, or the agent run's `reference` queue. */
function ofQueue(m: Map<string, number>, queue: "generated" | typeof REFERENCE_QUEUE): Map<string, number> {
    return new Map([...m].filter(([k]) => k.includes(`remote_name="${REFERENCE_QUEUE}"`) === (queue === REFERENCE_QUEUE)));
}

/** Sum of `name` over the generated queue only (an agent run has the reference queue besides). */
function ofGeneratedQueue(m: Map<string, number>, name: string): number {
    return sumOf(ofQueue(m, "generated"), name);
}

/** Samples a queue failed or dropped (a counter Prometheus does not export counts 0). */
function lostByQueue(m: Map<string, number>, queue: "generated" | typeof REFERENCE_QUEUE): number {
    const mine = ofQueue(m, queue);
    return ["prometheus_remote_storage_samples_failed_total", "prometheus_remote_storage_samples_dropped_total"].map((n) => sumOf(mine, n)).reduce((a, b) => a + (Number.isNaN(b) ? 0 : b), 0);
}

export async function main(argv: string[]): Promise<void> {
    const opts = parseArgs(argv);
    const agent = opts.mode === "agent";
    const blockMs = Math.round(PRODUCTION_BLOCK_MS / opts.scale);
    const segmentKiB = Math.round(opts.productionSegmentBytes / opts.scale / 1024);
    const env = await benchEnvironment(1, undefined, agent ? { mode: "agent" } : {});
    const zoneEv = env.stacks[1];
    const generated = parsePrometheusYaml(planFile(zoneEv, "prometheus", "prometheus.yml"));
    const dataplaneJob = (generated.scrape_configs as Array<Record<string, unknown>>).find((j) => j.job_name === KUMA_DATAPLANES_JOB);
    const interval = String(dataplaneJob?.scrape_interval ?? (generated.global as Record<string, unknown>).scrape_interval);
    const intervalMs = parsePromDuration(interval)!;
    const seriesTotal = opts.dataplanes * opts.series;
    const toProduction = (ms: number): string => `${((ms * opts.scale) / 3600_000).toFixed(2)} h`;
    const scaledFlags = agent
        ? [
              `--storage.agent.wal-truncate-frequency=${blockMs}ms`,
              `--storage.agent.retention.min-time=${Math.round(AGENT_MIN_WAL_TIME_MS / opts.scale)}ms`,
              `--storage.agent.retention.max-time=${Math.round(AGENT_MAX_WAL_TIME_MS / opts.scale)}ms`,
              `--storage.agent.wal-segment-size=${segmentKiB}KB`,
          ]
        : [`--storage.tsdb.min-block-duration=${blockMs}ms`, `--storage.tsdb.max-block-duration=${blockMs}ms`, `--storage.tsdb.wal-segment-size=${segmentKiB}KB`];
    console.log(
        `\nWAL retention under an outage, time scaled by k = ${opts.scale}: ${agent ? "agent-mode " : ""}zone with ${scaledFlags.join(" ")} (2h, ${agent ? "5m, 4h, " : ""}${opts.productionSegmentBytes / 2 ** 20} MiB / k); ` +
            `load unscaled: ${opts.dataplanes} dataplanes × ${opts.series} series = ${seriesTotal.toLocaleString("en-US")} series ` +
            `at the generated ${interval} (${Math.round(seriesTotal / (intervalMs / 1000))} samples/s); the generated queue_config; outage ${opts.outageBlocks} scaled blocks ` +
            `(${((opts.outageBlocks * blockMs) / 1000).toFixed(0)} s = ${toProduction(opts.outageBlocks * blockMs)} in production) of 503 from the proxy in front of the global` +
            (agent ? `; what the agent stored is counted by a second queue ("${REFERENCE_QUEUE}", Remote Write 1.0) into a sink that never fails` : ""),
    );
    let global: PrometheusProcess | undefined;
    let proxy: LoopbackProxy | undefined;
    let sink: CountingSink | undefined;
    let zone: ZoneRun | undefined;
    const tracker = new DeliveryTracker();
    const reference = new DeliveryTracker();
    try {
        global = await startGlobal(env, "bench-wal-global");
        proxy = await startLoopbackProxy(global.url, { onAnswered: tracker.onAnswered });
        if (agent) sink = await startCountingSink(reference.onAnswered);
        const sinkUrl = sink?.writeUrl;
        zone = await startZone({
            zoneEv,
            receiverUrl: proxy.url,
            receiverOrigin: new URL(String(output(env.stacks[0], "remoteWriteUrl"))).origin,
            dataplanes: opts.dataplanes,
            seriesPerDataplane: opts.series,
            refreshInterval: "1s",
            tickMs: intervalMs,
            transform: sinkUrl !== undefined ? (cfg) => withReferenceQueue(cfg, sinkUrl) : undefined,
            flagOverrides: scaledFlags,
        });
        const p = zone.prometheus;
        const watch = new WalWatch(p, opts.mode);
        const seriesMetric = agent ? "prometheus_agent_active_series" : "prometheus_tsdb_head_series";
        await waitFor(
            "the zone holding every dataplane series and remote-writing",
            async () => {
                const m = await selfMetrics(p);
                return sumOf(m, seriesMetric) >= seriesTotal && ofGeneratedQueue(m, "prometheus_remote_storage_samples_total") > 0 ? true : undefined;
            },
            { timeoutMs: 300_000, intervalMs: 2000 },
        );
        // An agent truncates on a timer started with its storage, i.e. at its start; a server at the head's block boundaries.
        const firstSampleAt = sumOf(await selfMetrics(p), agent ? "process_start_time_seconds" : "prometheus_tsdb_head_min_time") * (agent ? 1000 : 1);
        await sleep(intervalMs + 2000);
        await watch.poll();
        const appendedMetric = agent ? "prometheus_agent_samples_appended_total" : "prometheus_tsdb_head_samples_appended_total";
        const appendedBefore = { at: Date.now(), n: sumOf(await selfMetrics(p), appendedMetric) };

        const outageFrom = Date.now();
        const outageMs = Math.round(opts.outageBlocks * blockMs);
        const bucketMs = opts.bucketSeconds * 1000;
        const buckets = tracker.watchBuckets(outageFrom, bucketMs, Math.ceil(outageMs / bucketMs));
        const referenceBuckets = reference.watchBuckets(outageFrom, bucketMs, buckets.samples.length);
        proxy.failWith(503);
        process.stderr.write(`  outage from ${((outageFrom - firstSampleAt) / 1000).toFixed(0)} s after the zone's ${agent ? "start" : "first sample"}, for ${(outageMs / 1000).toFixed(0)} s\n`);
        while (Date.now() < outageFrom + outageMs) {
            await watch.poll();
            await sleep(5000);
        }
        const outageTo = outageFrom + buckets.samples.length * bucketMs;
        while (Date.now() < outageTo) await sleep(200);
        proxy.failWith(null);
        const mOutageEnd = await selfMetrics(p);
        const appendedDuring = { seconds: (Date.now() - appendedBefore.at) / 1000, n: sumOf(mOutageEnd, appendedMetric) - appendedBefore.n };

        // Drained: no further sample of the outage window delivered for 30 s while the queue sends
        // fresh samples again (highest sent within two scrape intervals of now), or the timeout.
        const windowDelivered = () => buckets.samples.reduce((a, b) => a + b, 0);
        let delivered = windowDelivered();
        let drainedAt = Date.now();
        const drainDeadline = Date.now() + opts.drainTimeoutSeconds * 1000;
        while (Date.now() < drainDeadline) {
            await sleep(5000);
            await watch.poll();
            const m = await selfMetrics(p);
            const sentAgeMs = Date.now() - ofGeneratedQueue(m, "prometheus_remote_storage_queue_highest_sent_timestamp_seconds") * 1000;
            if (windowDelivered() !== delivered) {
                delivered = windowDelivered();
                drainedAt = Math.max(...buckets.lastDeliveredAt);
            } else if (Date.now() - drainedAt >= 30_000 && sentAgeMs <= 2 * intervalMs) break;
        }
        const stored = agent ? referenceBuckets.samples : await storedSamplesPerBucket(p, buckets.fromMs, buckets.bucketMs, buckets.samples.length);
        const m = await selfMetrics(p);
        const interval99 = [...m].find(([k]) => k.startsWith("prometheus_target_interval_length_seconds{") && k.includes(`interval="${interval}"`) && k.includes('quantile="0.99"'))?.[1];
        console.log(
            `\nthe zone kept up with scraping? appended ${(appendedDuring.n / appendedDuring.seconds).toFixed(0)} samples/s during the outage (${appendedMetric}; offered ${Math.round(seriesTotal / (intervalMs / 1000))} by the dataplanes, plus the zone's own and the control plane's), ` +
                `scrape interval p99 ${interval99 === undefined ? "-" : `${interval99.toFixed(3)} s`} (target ${interval})` +
                (agent ? `; the reference queue: ${reference.delivered} samples, failed+dropped ${lostByQueue(m, REFERENCE_QUEUE)}` : ""),
        );
        report(opts, {
            blockMs,
            firstSampleAt,
            outageFrom,
            outageTo,
            drainedAt,
            buckets,
            stored,
            watch,
            failed: lostByQueue(m, "generated"),
            toProduction,
            zoneLogs: p.logs(),
        });
    } finally {
        await zone?.stop();
        await sink?.stop();
        await proxy?.stop();
        await global?.dispose();
    }
}

interface Measured {
    blockMs: number;
    firstSampleAt: number;
    outageFrom: number;
    outageTo: number;
    drainedAt: number;
    buckets: BucketedDelivery;
    stored: Float64Array;
    watch: WalWatch;
    failed: number;
    toProduction: (ms: number) => string;
    zoneLogs: string;
}

function report(opts: Options, r: Measured): void {
    const rel = (t: number) => `${((t - r.firstSampleAt) / 1000).toFixed(0)}`;
    const s = (ms: number) => `${(ms / 1000).toFixed(0)} s`;
    console.log(`\nWAL segments (times in s after the zone's first sample; outage ${rel(r.outageFrom)}–${rel(r.outageTo)}; one block = ${s(r.blockMs)})`);
    console.log("| segment | first seen | last write | MiB | deleted at |");
    console.log("|---|---|---|---|---|");
    for (const l of [...r.watch.segments.values()].sort((a, b) => a.index - b.index)) {
        console.log(`| ${l.index} | ${rel(l.firstSeenAt)} | ${rel(l.lastWriteAt)} | ${(l.bytes / 2 ** 20).toFixed(1)} | ${l.deletedAt === undefined ? "kept" : rel(l.deletedAt)} |`);
    }
    console.log("\nWAL truncations seen (head min time in s after the first sample)");
    console.log("| at | head min time before → after | segments deleted | age of the newest deleted data at deletion | × k |");
    console.log("|---|---|---|---|---|");
    for (const t of r.watch.truncations) {
        const age = t.deleted.length > 0 ? t.at - t.newestDeletedWriteAt : NaN;
        const head = Number.isNaN(t.headMinTimeAfter) ? "- (agent: no head)" : `${rel(t.headMinTimeBefore)} → ${rel(t.headMinTimeAfter)}`;
        console.log(`| ${rel(t.at)} | ${head} | ${t.deleted.join(", ") || "none"} | ${Number.isNaN(age) ? "-" : s(age)} | ${Number.isNaN(age) ? "-" : r.toProduction(age)} |`);
    }
    const n = r.stored.length;
    let storedTotal = 0;
    let deliveredTotal = 0;
    let firstLost = -1;
    let lastLost = -1;
    for (let i = 0; i < n; i++) {
        storedTotal += r.stored[i];
        deliveredTotal += Math.min(r.stored[i], r.buckets.samples[i]);
        if (r.buckets.samples[i] < r.stored[i]) {
            if (firstLost < 0) firstLost = i;
            lastLost = i;
        }
    }
    // Consecutive buckets with the same outcome as one row.
    const outcome = (i: number) => (r.buckets.samples[i] >= r.stored[i] ? "whole" : r.buckets.samples[i] === 0 ? "all lost" : "partly lost");
    console.log(`\ndelivery of the samples stored during the outage (${opts.bucketSeconds} s buckets; runs of the same outcome merged)`);
    console.log("| timestamps (s after first sample) | outcome | stored (zone) | delivered (global) | lost |");
    console.log("|---|---|---|---|---|");
    for (let i = 0; i < n; ) {
        let j = i;
        let stored = 0;
        let delivered = 0;
        while (j < n && outcome(j) === outcome(i)) {
            stored += r.stored[j];
            delivered += Math.min(r.stored[j], r.buckets.samples[j]);
            j++;
        }
        console.log(`| ${rel(r.buckets.fromMs + i * r.buckets.bucketMs)}–${rel(r.buckets.fromMs + j * r.buckets.bucketMs)} | ${outcome(i)} | ${stored} | ${delivered} | ${stored - delivered} |`);
        i = j;
    }
    const bucketStart = (i: number) => r.buckets.fromMs + i * r.buckets.bucketMs;
    console.log(
        `summary: ${storedTotal} samples stored during the outage, ${deliveredTotal} delivered, ${storedTotal - deliveredTotal} lost` +
            (lastLost >= 0 ? ` (timestamps ${rel(bucketStart(firstLost))}–${rel(bucketStart(lastLost + 1))} s)` : "") +
            `; failed+dropped counted by the zone: ${r.failed}; the window's last sample delivered ${s(r.drainedAt - r.outageTo)} after the outage`,
    );
    // The watcher holds the segment it is reading open; it fails once the segment after it is
    // deleted, and restarts from now (wal-truncation-model.ts): an outage that began before the
    // start of the newest deleted segment and lasted until the deletion loses its whole backlog.
    const deleting = r.watch.truncations.filter((t) => t.deleted.length > 0);
    for (const t of deleting) {
        const shortest = t.at - r.watch.startOf(Math.max(...t.deleted), r.firstSampleAt);
        console.log(`truncation at ${rel(t.at)} s: an outage that began before ${rel(t.at - shortest)} s and lasted until then lost its backlog; the shortest such outage: ${s(shortest)} (${r.toProduction(shortest)})`);
    }
    modelReport(opts, r);
}

/** The model of wal-truncation-model.ts for this run (same start, block, segment size, measured byte rate), then for production. */
function modelReport(opts: Options, r: Measured): void {
    const written = [...r.watch.segments.values()].filter((l) => l.bytes > 0 && l.lastWriteAt > r.watch.startOf(l.index, r.firstSampleAt));
    // Full segments after the first (which also holds the series records) give the steady byte rate; a short run has only the first.
    const later = written.filter((l) => l.index > 0);
    const full = later.filter((l) => l.bytes >= (opts.productionSegmentBytes / opts.scale) * 0.99);
    const sample = full.length > 0 ? full : later.length > 0 ? later : written;
    const bytesPerSecond = sample.reduce((n, l) => n + l.bytes, 0) / (sample.reduce((n, l) => n + (l.lastWriteAt - r.watch.startOf(l.index, r.firstSampleAt)), 0) / 1000);
    const scaled = simulateWal({
        blockMs: r.blockMs,
        segmentBytes: opts.productionSegmentBytes / opts.scale,
        bytesPerSecond,
        startMs: r.firstSampleAt,
        durationMs: r.outageTo - r.firstSampleAt + r.blockMs * 3,
        ...(opts.mode === "agent" ? { truncateEveryMs: r.blockMs } : {}),
    });
    const rel = (t: number) => ((t - r.firstSampleAt) / 1000).toFixed(0);
    console.log(
        `\nmodel (tests/bench/wal-truncation-model.ts) with this run's start, block, segment size and measured ${(bytesPerSecond / 1024).toFixed(1)} KiB/s: ` +
            `truncations at ${scaled.truncations.map((t) => `${rel(t.atMs)} s (deleting ${t.deleted.join(", ") || "none"})`).join("; ")}; ` +
            `this outage would lose its backlog after ${(scaled.survivalOf(r.outageFrom) / 1000).toFixed(0)} s`,
    );
    const P = PRODUCTION_BLOCK_MS;
    console.log(`model, production (2h blocks, ${(bytesPerSecond / 1024).toFixed(1)} KiB/s of WAL, outages starting at any minute from 10 h to 40 h after start): survivable outage min / median / max`);
    console.log("| WAL segment size | WAL bytes/s | min h | median h | max h |");
    console.log("|---|---|---|---|---|");
    for (const segmentMiB of [128, 256]) {
        for (const factor of [0.1, 1, 2, 10]) {
            const start = r.firstSampleAt;
            const model = simulateWal({ blockMs: P, segmentBytes: segmentMiB * 2 ** 20, bytesPerSecond: bytesPerSecond * factor, startMs: start, durationMs: 60 * 3600_000 });
            const spread = survivalSpread(model, start + 10 * 3600_000, start + 40 * 3600_000, 60_000);
            const h = (ms: number) => (ms / 3600_000).toFixed(2);
            console.log(`| ${segmentMiB} MiB | ${((bytesPerSecond * factor) / 1024).toFixed(0)} KiB/s${factor !== 1 ? ` (${factor}× this zone)` : ""} | ${h(spread.min)} | ${h(spread.median)} | ${h(spread.max)} |`);
        }
    }
    // Agents (tsdb/agent/db.go): truncation every --storage.agent.wal-truncate-frequency (2h) since start, same segment rule.
    console.log(`\nmodel, agent mode (truncation every 2 h since start, ${(bytesPerSecond / 1024).toFixed(1)} KiB/s of WAL, outages starting every minute from 10 h to 40 h): survivable outage min / median / max`);
    console.log("| WAL segment size | WAL bytes/s | min h | median h | max h |");
    console.log("|---|---|---|---|---|");
    for (const segmentMiB of [128, 256]) {
        for (const factor of [0.1, 1, 10]) {
            const start = r.firstSampleAt;
            const model = simulateWal({ blockMs: P, segmentBytes: segmentMiB * 2 ** 20, bytesPerSecond: bytesPerSecond * factor, startMs: start, durationMs: 60 * 3600_000, truncateEveryMs: P });
            const spread = survivalSpread(model, start + 10 * 3600_000, start + 40 * 3600_000, 60_000);
            const h = (ms: number) => (ms / 3600_000).toFixed(2);
            console.log(`| ${segmentMiB} MiB | ${((bytesPerSecond * factor) / 1024).toFixed(0)} KiB/s${factor !== 1 ? ` (${factor}× this zone)` : ""} | ${h(spread.min)} | ${h(spread.median)} | ${h(spread.max)} |`);
        }
    }
    const logLines = r.zoneLogs.split("\n").filter((l) => /tailing WAL|watcher|checkpoint|Deleting obsolete|truncat/i.test(l));
    console.log(`\nzone log lines about the WAL (${logLines.length}; first 12):`);
    for (const l of logLines.slice(0, 12)) console.log(`  ${l.slice(0, 400)}`);
}

if (require.main === module) runBenchPart(main);
