/**
 * The two settings that decide how long a zone can be cut off from the global without losing a
 * sample, and why they are what they are (measured: docs/benchmarks.md, outage survival).
 *
 * Zone side. An unreachable global leaves the backlog in the zone's WAL, which Prometheus
 * truncates after every head compaction (every 2h block): it deletes the lower two thirds of the
 * WAL segments but the newest. The remote-write watcher reads the segment it has open to the end,
 * but once the segment after it is gone it restarts from "now" (tsdb/wlog/watcher.go), and the
 * whole backlog is lost, not only the deleted part. Fewer, larger segments make that deletion
 * come later: with Prometheus' default 128 MiB segments a default-size zone (100k series at 15s,
 * ~34 KiB/s of WAL) survives an outage of 2.9h at the worst phase (3.9h median); with 256 MiB,
 * the largest Prometheus accepts (10MB-256MB, cmd/prometheus TestWALSegmentSizeBounds), 6.0h
 * (8h median). Bigger zones survive less (1M series: 1.4h), smaller ones never less than 6h. The
 * cost is WAL on disk (at most ~10h of it, inside the sizing's WAL budget) and replay time at start.
 *
 * Global side. The TSDB refuses samples older than its newest minus half a block (1h) unless an
 * out-of-order window admits them, and the newest sample is always current (the global's own
 * self-scrape, the other zones). The window matches what a default-size zone still holds in the
 * worst case, so any outage it survives arrives whole; an older backlog is refused as "too old"
 * (HTTP 400 from 2.49 on, measured on 3.5; 2.42-2.48 answer 500, measured on 2.42, which a zone
 * retries forever, prometheus#13334: tests/integration/{zone-partition,prometheus2-compat}.test.ts).
 */

import { parsePromDuration } from "../kernel/duration";

/**
 * `--storage.tsdb.wal-segment-size` for zone servers and `--storage.agent.wal-segment-size` for
 * zone agents (both 10MB-256MB, cmd/prometheus/main.go at v2.42.0 and v3.5.3). An agent has no
 * head compaction but truncates its WAL every `--storage.agent.wal-truncate-frequency` (2h since
 * start) by the same segment rule, and what remote write has sent (with
 * `--storage.agent.retention.min-time`/`max-time`) only decides what its checkpoint keeps, which
 * the restarted watcher skips (tsdb/agent/db.go run() and truncate() at v3.5.0): the same loss, the
 * same remedy. Measured on a time-scaled 3.5.3 agent of the default size (docs/benchmarks.md
 * "Agent mode"): 256 MiB segments, each one 2 h truncation period there, keep a 7.2 h outage whole;
 * the retention flags and the truncate frequency stay at their defaults (neither keeps a segment
 * the blocked reader needs; a backlog past the global's 6h window would be refused anyway).
 */
export const ZONE_WAL_SEGMENT_SIZE = "256MB";

/** The global's default `storage.tsdb.out_of_order_time_window` (and Mimir's `limits.out_of_order_time_window`). */
export const DEFAULT_OUT_OF_ORDER_TIME_WINDOW = "6h";

/** An out-of-order window in ms (0: off); throws naming `setting` unless it is a Prometheus duration. */
export function outOfOrderWindowMs(value: string, setting: string): number {
    const ms = parsePromDuration(value);
    if (ms === undefined) throw new Error(`${setting}: ${JSON.stringify(value)} is not a Prometheus duration; allowed: e.g. 6h, 90m, 0s (off)`);
    return ms;
}
