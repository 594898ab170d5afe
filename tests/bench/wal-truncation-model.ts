/**
 * A model of when a Prometheus server's WAL truncation costs an unsent remote-write backlog, to
 * carry the one phase tests/bench/wal-retention.ts measures over to every phase. It follows
 * Prometheus 2.x/3.x as read in its source (checked against the measured run, which it must
 * reproduce: docs/benchmarks.md, outage survival, on 2.42 and 3.5.3):
 * - segments are cut when full (`--storage.tsdb.wal-segment-size`, 128 MiB) and at every WAL
 *   truncation (tsdb/head.go truncateWAL: "Start a new segment, so low ingestion volume TSDB don't
 *   have more WAL than needed");
 * - every minute (tsdb/db.go run loop) the head is compacted while it spans more than 1.5 blocks,
 *   one block [mint, end) at a time, `end` aligned to whole blocks since 1970 (rangeForTimestamp);
 * - each compaction truncates the WAL: of the segments that existed before the cut, the last is
 *   spared and the lower two thirds of the rest are deleted (`last = first + (last-first)*2/3`,
 *   nothing when that is not above `first`);
 * - the remote-write watcher blocked by an outage keeps reading the segment it has open, even once
 *   deleted; when the segment after it is gone it fails and restarts with its start time set to now
 *   (tsdb/wlog/watcher.go loop: `w.SetStartTime(time.Now())`), skipping every older sample: the
 *   whole backlog is lost, not only the deleted part.
 * So an outage that begins at D survives until the first truncation that deletes the segment after
 * the one holding D.
 *
 * Agent mode (`truncateEveryMs`, read in prometheus tsdb/agent/db.go at v3.5.3): no head and no
 * blocks; the agent truncates every `--storage.agent.wal-truncate-frequency` (2h) since start,
 * with the same segment rule (cut a new segment, delete the lower two thirds of the older ones
 * but the newest). What remote write has sent (`LowestSentTimestamp` − 5 min, at most 4 h back)
 * only decides which samples go into the checkpoint, and the restarted watcher skips those as
 * older than "now": the agent loses its backlog the same way a server does.
 */

export interface WalModelInput {
    /** Block duration (min = max block duration), ms. */
    readonly blockMs: number;
    /** WAL segment size, bytes. */
    readonly segmentBytes: number;
    /** WAL bytes written per second (samples/s × bytes per sample). */
    readonly bytesPerSecond: number;
    /** The head's first sample, ms since 1970 (block alignment depends on it). */
    readonly startMs: number;
    /** How long to simulate, ms. */
    readonly durationMs: number;
    /** Head compaction check period, ms; default 60,000 (Prometheus' run loop). */
    readonly checkEveryMs?: number;
    /** Agent mode: truncate every this long since start (--storage.agent.wal-truncate-frequency) instead of at head compactions. */
    readonly truncateEveryMs?: number;
}

export interface ModelSegment {
    readonly index: number;
    readonly startMs: number;
    endMs: number;
    bytes: number;
    deletedAtMs?: number;
}

export interface ModelTruncation {
    readonly atMs: number;
    readonly deleted: readonly number[];
}

export interface WalModel {
    readonly segments: readonly ModelSegment[];
    readonly truncations: readonly ModelTruncation[];
    /** Survival (ms) of an outage beginning at `atMs`: until its watcher's next segment is deleted; Infinity if not within the simulated time. */
    survivalOf(atMs: number): number;
}

export function simulateWal(m: WalModelInput): WalModel {
    const check = m.checkEveryMs ?? 60_000;
    const segments: ModelSegment[] = [{ index: 0, startMs: m.startMs, endMs: m.startMs, bytes: 0 }];
    const truncations: ModelTruncation[] = [];
    let headMin = m.startMs;
    // Agent: the next truncation (tsdb/agent/db.go run(): time.After(TruncateFrequency) in a loop), on or after a step.
    let nextAgentTruncation = m.startMs + (m.truncateEveryMs ?? Infinity);
    const stepMs = 1000;
    for (let t = m.startMs + stepMs; t <= m.startMs + m.durationMs; t += stepMs) {
        let cur = segments[segments.length - 1];
        cur.bytes += (m.bytesPerSecond * stepMs) / 1000;
        cur.endMs = t;
        if (cur.bytes >= m.segmentBytes) {
            cur = { index: cur.index + 1, startMs: t, endMs: t, bytes: 0 };
            segments.push(cur);
        }
        const due = m.truncateEveryMs !== undefined ? () => t >= nextAgentTruncation && headMin < t : () => t - headMin > (m.blockMs / 2) * 3;
        if (m.truncateEveryMs === undefined && (t - m.startMs) % check !== 0) continue;
        while (due()) {
            if (m.truncateEveryMs !== undefined) nextAgentTruncation += m.truncateEveryMs;
            headMin = m.truncateEveryMs !== undefined ? t : (Math.floor(headMin / m.blockMs) + 1) * m.blockMs;
            const live = segments.filter((s) => s.deletedAtMs === undefined);
            const first = live[0].index;
            let last = live[live.length - 1].index;
            segments.push({ index: last + 1, startMs: t, endMs: t, bytes: 0 });
            last--;
            last = first + Math.floor(((last - first) * 2) / 3);
            const deleted: number[] = [];
            if (last > first) {
                for (const s of live) {
                    if (s.index <= last) {
                        s.deletedAtMs = t;
                        deleted.push(s.index);
                    }
                }
            }
            truncations.push({ atMs: t, deleted });
        }
    }
    const segmentAt = (ms: number) => segments.find((s) => s.startMs <= ms && ms < s.endMs) ?? segments[segments.length - 1];
    return {
        segments,
        truncations,
        survivalOf(atMs: number): number {
            const next = segments.find((s) => s.index === segmentAt(atMs).index + 1);
            return next?.deletedAtMs === undefined ? Infinity : next.deletedAtMs - atMs;
        },
    };
}

/** Minimum, median and maximum survival over outage starts every `stepMs` in [fromMs, toMs) (ms). */
export function survivalSpread(model: WalModel, fromMs: number, toMs: number, stepMs: number): { min: number; median: number; max: number } {
    const values: number[] = [];
    for (let d = fromMs; d < toMs; d += stepMs) values.push(model.survivalOf(d));
    const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
    if (finite.length < values.length) throw new Error(`survivalSpread: ${values.length - finite.length} outage starts never lose within the simulated time; simulate longer`);
    return { min: finite[0], median: finite[Math.floor(finite.length / 2)], max: finite[finite.length - 1] };
}
