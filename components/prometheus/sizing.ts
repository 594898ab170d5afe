import { parsePromDuration } from "../kernel/duration";
import { outOfOrderWindowMs } from "./outage-survival";

/**
 * First-guess Kubernetes resources for a Prometheus, from its expected active series. A plan
 * figure, not a measurement: after deploying, compare with `prometheus_tsdb_head_series`,
 * `process_resident_memory_bytes` and `process_cpu_seconds_total` and adjust.
 *
 * Figures and where they come from (the upstream sources named on each line, unless marked
 * "ours"):
 * - Memory, server: request 3 KiB per active head series, limit twice that (6 KiB). The common
 *   planning range is 4-8 KiB per series plus query headroom; the top of it is Simon Pasquier's
 *   (prometheus/prometheus#4553): "roughly 10GB of memory for 1.5M series in the head… in line with
 *   the empirical rule of requiring 8kB per active series". Measured here (`npm run bench --
 *   --sizing`, docs/benchmarks.md "Sizing"): 3.11 KiB per series at 100k and 2.40 at 300k once
 *   every series has a full head chunk on Prometheus 3.5.3 (3.09 and 2.65 on 2.42; no queries,
 *   synthetic label sets of six labels), and a remote-writing 100k-series zone peaked at 340 MiB
 *   (3.4 KiB). The request is within ±25 % of those steady heads (4 KiB, that range's bottom, was
 *   29-67 % above them); the limit leaves 2x for queries, head compaction and longer real label sets.
 * - Memory, agent: 2 KiB per active series. Upstream only says an agent uses "a fraction of the
 *   resources" of a server (docs/prometheus_agent.md). Ours: an agent keeps series labels (for the
 *   WAL and the remote-write label cache) but no head chunks and no query path, so we take Brian
 *   Brazil's cardinality-only figure, "a million series costs around 2GiB of RAM in terms of
 *   cardinality" (Robust Perception), i.e. about 2 KiB per series.
 * - Remote write: about +25% memory (prometheus.io docs, "Remote write tuning" practices page).
 * - Memory limit: request × 2 for a server (above), × 1.25 for an agent (no queries; ours). Floor
 *   256 MiB for the process itself (ours).
 * - Out-of-order headroom, a server receiving zones' remote writes (the global): + 1 KiB per series
 *   per hour of its `storage.tsdb.out_of_order_time_window`, on the limit only. Measured (`npm run
 *   bench -- --ooo`, docs/benchmarks.md "The global taking a multi-hour backlog"): a zone's backlog
 *   behind its live head lands in out-of-order chunks of at most 32 samples
 *   (`DefaultOutOfOrderCapMax`, tsdb/head.go at v3.5.3; 120 in order), which stay in the head until
 *   the next head compaction (up to ~2 h), so a catching-up global's peak grows with the backlog it
 *   takes, and the backlog is at most the window. Peaks (VmHWM) at 100k series: 1 h backlog
 *   621–622 MiB (6.4 KiB per series, two runs), 6 h backlog 1026 MiB (10.5 KiB per series), i.e.
 *   (10.5 − 6.4) / 5 = 0.82 KiB per series and backlog hour (0.78 at 20k series, 2 h to 6 h).
 *   1 KiB per series-hour rounds that up: at the default 6h window the limit is 12 KiB per series
 *   (1172Mi at 100k: the 6 h peak is 88 % of it; a 1h window: 684Mi, the 1 h peak 91 %). The request
 *   stays: the headroom is used only during a catch-up and until the next head compaction. After a
 *   global outage every zone sends its backlog at once, so every series of the global needs it
 *   together: three zones of 33,334 series each catching up 6 h at once peaked at 1035 MiB (10.6
 *   KiB per series, 88 % of the limit), as one zone of 100k.
 * - Disk, blocks: 2 bytes per sample. Prometheus docs (docs/storage.md@v2.42.0): "an average of only
 *   1-2 bytes per sample", needed_disk_space = retention_time_seconds × ingested_samples_per_second
 *   × bytes_per_sample; we take the top of the range.
 * - Disk, WAL: 3 hours of samples at 16 bytes each (ours; no upstream figure). A WAL sample record
 *   carries a series-ref delta, a timestamp delta and an 8-byte float before snappy compression;
 *   measured: ~6 B per sample (tests/integration/faults.test.ts), so with the headroom below the
 *   budget holds ~12h of WAL, more than a zone keeps with 256 MiB segments during an outage (at most
 *   ~10h at 100k series, less above; outage-survival.ts). An agent's WAL is its only storage; the
 *   same budget covers it.
 * - Disk headroom: × 1.5 (ours): compaction writes new blocks before deleting old ones, and
 *   size-based retention lags.
 * - CPU: we found no sourced per-sample figure upstream. Ours: 1 core per 100k
 *   ingested samples/s for a server (compaction, WAL, rule and query work included), half that for
 *   an agent; floor 100m; limit = 2 × request for start-up WAL replay and compaction bursts.
 *
 * Samples per second = active series / scrape interval (seconds).
 */
export const SERVER_BYTES_PER_ACTIVE_SERIES = 3 * 1024;
export const AGENT_BYTES_PER_ACTIVE_SERIES = 2 * 1024;
export const REMOTE_WRITE_MEMORY_FACTOR = 1.25;
export const SERVER_MEMORY_LIMIT_FACTOR = 2;
export const AGENT_MEMORY_LIMIT_FACTOR = 1.25;
export const OUT_OF_ORDER_BYTES_PER_SERIES_HOUR = 1024;
export const MIN_MEMORY_REQUEST_BYTES = 256 * 1024 * 1024;
export const BLOCK_BYTES_PER_SAMPLE = 2;
export const WAL_BYTES_PER_SAMPLE = 16;
export const WAL_WINDOW_SECONDS = 3 * 3600;
export const DISK_HEADROOM_FACTOR = 1.5;
export const SERVER_SAMPLES_PER_SECOND_PER_CORE = 100_000;
export const AGENT_SAMPLES_PER_SECOND_PER_CORE = 200_000;
export const MIN_CPU_MILLICORES = 100;
export const CPU_LIMIT_FACTOR = 2;

/**
 * Node memory above which one Prometheus no longer fits (ours): 64 GiB, a 16-vCPU general-purpose
 * node (e.g. AWS m5/m6i.4xlarge). Bigger nodes exist, but a Prometheus that needs one is a single
 * point of failure whose restart (WAL replay) takes minutes.
 */
export const TYPICAL_NODE_MEMORY_BYTES = 64 * 1024 ** 3;

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

export type PrometheusSizingMode = "server" | "agent";

export interface PrometheusSizingInput {
    /** Active series this Prometheus holds (prometheus_tsdb_head_series); required; a positive integer. */
    readonly expectedActiveSeries: number;
    /** --storage.tsdb.retention.time; required for server mode, unused in agent mode (an agent keeps no blocks); Prometheus duration (e.g. 15d). */
    readonly retention?: string;
    /** Scrape interval most series are scraped at; required; Prometheus duration (e.g. 15s). */
    readonly scrapeInterval: string;
    /** server (TSDB, queries) or agent (WAL only, forwards everything); required. */
    readonly mode: PrometheusSizingMode;
    /** Whether it remote-writes (+25% memory); default true (zones); the global receiver passes false; always true for an agent. */
    readonly remoteWrite?: boolean;
    /** storage.tsdb.out_of_order_time_window zones' backlogs arrive into (server only; the global); default none (0s); Prometheus duration (e.g. 6h). */
    readonly outOfOrderTimeWindow?: string;
}

export interface PrometheusResources {
    /** Kubernetes quantities (cpu in millicores "670m", memory in MiB "9766Mi"). */
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly cpu: string; readonly memory: string };
    /** Suggested PVC size, whole GiB ("258Gi"), at least 1Gi. */
    readonly storageSize: string;
    /** The numbers behind the quantities, for plans and tests. */
    readonly figures: {
        readonly samplesPerSecond: number;
        readonly memoryRequestBytes: number;
        readonly memoryLimitBytes: number;
        readonly diskBytes: number;
        readonly cpuRequestMillicores: number;
        readonly cpuLimitMillicores: number;
    };
}

function positiveSeconds(value: string | undefined, setting: string): number {
    const ms = value === undefined ? undefined : parsePromDuration(value);
    if (ms === undefined || ms === 0) {
        throw new Error(`prometheusResources: ${setting} ${JSON.stringify(value)} is not a positive Prometheus duration; allowed: e.g. 15s, 2d, 15d`);
    }
    return ms / 1000;
}

/** Hours in an out-of-order window (0 when unset or 0s); throws naming `setting` unless it is a Prometheus duration. */
function windowHours(window: string | undefined, setting: string): number {
    return window === undefined ? 0 : outOfOrderWindowMs(window, setting) / 3_600_000;
}

/** Memory for `series` in `mode` (request and limit, bytes), before rounding to MiB; `oooHours`: out-of-order window, server only. */
function memoryBytes(series: number, mode: PrometheusSizingMode, remoteWrite: boolean, oooHours: number): { request: number; limit: number } {
    const perSeries = mode === "server" ? SERVER_BYTES_PER_ACTIVE_SERIES : AGENT_BYTES_PER_ACTIVE_SERIES;
    const request = Math.max(MIN_MEMORY_REQUEST_BYTES, series * perSeries * (remoteWrite ? REMOTE_WRITE_MEMORY_FACTOR : 1));
    const headroom = series * OUT_OF_ORDER_BYTES_PER_SERIES_HOUR * oooHours;
    return { request, limit: request * (mode === "server" ? SERVER_MEMORY_LIMIT_FACTOR : AGENT_MEMORY_LIMIT_FACTOR) + headroom };
}

/** Requests, limits and PVC size for one Prometheus (see the figures above). Pure; throws naming the setting. */
export function prometheusResources(input: PrometheusSizingInput): PrometheusResources {
    const { expectedActiveSeries: series, mode } = input;
    if (!Number.isSafeInteger(series) || series < 1) {
        throw new Error(`prometheusResources: expectedActiveSeries ${JSON.stringify(series)} is not a positive integer; allowed: the expected prometheus_tsdb_head_series, e.g. 250000`);
    }
    if (mode !== "server" && mode !== "agent") throw new Error(`prometheusResources: mode ${JSON.stringify(mode)} is not a Prometheus mode; allowed: server, agent`);
    if (mode === "agent" && input.remoteWrite === false) {
        throw new Error("prometheusResources: remoteWrite false with mode agent; allowed: true or unset (an agent only forwards), or mode server");
    }
    const oooHours = windowHours(input.outOfOrderTimeWindow, "prometheusResources: outOfOrderTimeWindow");
    if (mode === "agent" && oooHours > 0) {
        throw new Error(`prometheusResources: outOfOrderTimeWindow ${input.outOfOrderTimeWindow} with mode agent; allowed: 0s or unset (an agent keeps no head to receive a backlog into), or mode server`);
    }
    const scrapeSeconds = positiveSeconds(input.scrapeInterval, "scrapeInterval");
    const retentionSeconds = mode === "server" ? positiveSeconds(input.retention, "retention") : 0;
    const samplesPerSecond = series / scrapeSeconds;

    const memory = memoryBytes(series, mode, input.remoteWrite ?? true, oooHours);
    const memoryRequestMib = Math.ceil(memory.request / MIB);
    const memoryLimitMib = Math.ceil(memory.limit / MIB);

    const blocks = retentionSeconds * samplesPerSecond * BLOCK_BYTES_PER_SAMPLE;
    const wal = WAL_WINDOW_SECONDS * samplesPerSecond * WAL_BYTES_PER_SAMPLE;
    const diskBytes = (blocks + wal) * DISK_HEADROOM_FACTOR;
    const storageGib = Math.max(1, Math.ceil(diskBytes / GIB));

    const perCore = mode === "server" ? SERVER_SAMPLES_PER_SECOND_PER_CORE : AGENT_SAMPLES_PER_SECOND_PER_CORE;
    // Whole 10m steps keep the quantities readable and stable against float noise.
    const cpuRequest = Math.max(MIN_CPU_MILLICORES, Math.ceil((samplesPerSecond / perCore) * 100) * 10);
    const cpuLimit = cpuRequest * CPU_LIMIT_FACTOR;

    return {
        requests: { cpu: `${cpuRequest}m`, memory: `${memoryRequestMib}Mi` },
        limits: { cpu: `${cpuLimit}m`, memory: `${memoryLimitMib}Mi` },
        storageSize: `${storageGib}Gi`,
        figures: {
            samplesPerSecond,
            memoryRequestBytes: memory.request,
            memoryLimitBytes: memory.limit,
            diskBytes,
            cpuRequestMillicores: cpuRequest,
            cpuLimitMillicores: cpuLimit,
        },
    };
}

/**
 * The largest series count one Prometheus server (receiving, not remote-writing: the global) can
 * hold within TYPICAL_NODE_MEMORY_BYTES at its memory limit: 64 GiB / (3 KiB × 2 + 1 KiB × window
 * hours), i.e. 11,184,810 without an out-of-order window and 5,592,405 at the default 6h.
 */
export function singlePrometheusMaxSeries(outOfOrderTimeWindow?: string): number {
    const hours = windowHours(outOfOrderTimeWindow, "singlePrometheusMaxSeries: outOfOrderTimeWindow");
    return Math.floor(TYPICAL_NODE_MEMORY_BYTES / (SERVER_BYTES_PER_ACTIVE_SERIES * SERVER_MEMORY_LIMIT_FACTOR + OUT_OF_ORDER_BYTES_PER_SERIES_HOUR * hours));
}

/**
 * A plan warning when the whole environment's series (every zone's, as the global stores them)
 * would need one Prometheus bigger than a typical node; undefined at or below
 * singlePrometheusMaxSeries(outOfOrderTimeWindow). The remedy is a horizontally scalable backend
 * behind the same remote-write URL: Amazon Managed Service for Prometheus (`amp`) or Mimir (`mimir`).
 */
export function singlePrometheusWarning(totalSeries: number, outOfOrderTimeWindow?: string): string | undefined {
    if (!Number.isSafeInteger(totalSeries) || totalSeries < 0) {
        throw new Error(`singlePrometheusWarning: totalSeries ${JSON.stringify(totalSeries)} is not a non-negative integer; allowed: the sum of every zone's active series`);
    }
    const threshold = singlePrometheusMaxSeries(outOfOrderTimeWindow);
    if (totalSeries <= threshold) return undefined;
    const hours = windowHours(outOfOrderTimeWindow, "singlePrometheusWarning: outOfOrderTimeWindow");
    const limitGib = memoryBytes(totalSeries, "server", false, hours).limit / GIB;
    const headroom = hours > 0 ? ` + ${OUT_OF_ORDER_BYTES_PER_SERIES_HOUR / 1024} KiB per series per hour of the ${outOfOrderTimeWindow} out-of-order window` : "";
    return (
        `${totalSeries.toLocaleString("en-US")} active series in one Prometheus would need a ${Math.ceil(limitGib)} GiB memory limit ` +
        `(${SERVER_BYTES_PER_ACTIVE_SERIES / 1024} KiB per series × ${SERVER_MEMORY_LIMIT_FACTOR} query headroom${headroom}), more than a typical ${TYPICAL_NODE_MEMORY_BYTES / GIB} GiB node ` +
        `(threshold ${threshold.toLocaleString("en-US")} series); use a horizontally scalable backend instead: ` +
        `amp (Amazon Managed Service for Prometheus; check the workspace's active-series quota) or mimir`
    );
}
