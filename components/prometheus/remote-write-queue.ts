/**
 * The remote-write queue every zone uses. Set explicitly because the defaults moved between
 * Prometheus releases (2.42: capacity 2500, max_shards 200, max_samples_per_send 500; 2.44+ and
 * 3.x: 10000 / 50 / 2000 — prometheus config/config.go at v2.43.0 vs v2.44.0, v3.5.0), and the
 * zone, global and test binaries are not always the same release. Chosen by measurement
 * (`npm run bench -- --remote-write`, docs/benchmarks.md "Remote-write queue"), on 2.42 against
 * its defaults and on 3.5 against 3.x's defaults and against this queue with 1000 per send:
 * - max_samples_per_send 2000, capacity 10000 (3.x's own): a zone's global is usually in another
 *   region. One shard carries one batch per round trip; at 150 ms, 1000 per send needs two shards
 *   for 10k samples/s and delivery lagged 0.4-4.6 s while the queue resharded, 2000 keeps one
 *   shard at 370 ms p50 and sends 20 % fewer bytes per sample (5-7 % at 0-50 ms). 500 (2.42's)
 *   already fell seconds behind at 50 ms. The cost is 20-30 ms more same-cluster latency.
 * - batch_send_deadline 1s: a quiet zone (a few hundred samples/s) sends partial batches every
 *   second instead of waiting up to 5 s for a full one.
 * - min_shards 1, max_shards 50: one shard carries a zone's steady state; 50 caps a catch-up, so
 *   zones returning from an outage cannot hit the one global receiver with 200 concurrent writes each.
 * - min_backoff 30ms / max_backoff 5s: the upstream values; retries continue for as long as the
 *   WAL holds the data (outage-survival.ts), so nothing is dropped by giving up.
 * - retry_on_http_429 true: a throttling receiver (Mimir, AMP, an overloaded global) must not make
 *   zones drop samples; 2.42 and 3.5 both default it to false and dropped 98-99.9 % of every
 *   throttled batch in the bench ("non-recoverable error").
 */
export interface RemoteWriteQueueConfig {
    readonly capacity: number;
    readonly max_shards: number;
    readonly min_shards: number;
    readonly max_samples_per_send: number;
    readonly batch_send_deadline: string;
    readonly min_backoff: string;
    readonly max_backoff: string;
    readonly retry_on_http_429: boolean;
}

export const ZONE_REMOTE_WRITE_QUEUE: RemoteWriteQueueConfig = {
    capacity: 10000,
    max_shards: 50,
    min_shards: 1,
    max_samples_per_send: 2000,
    batch_send_deadline: "1s",
    min_backoff: "30ms",
    max_backoff: "5s",
    retry_on_http_429: true,
};

/** Metadata is small; send it with the same batch size the queue uses. */
export const ZONE_REMOTE_WRITE_METADATA = { send: true, send_interval: "1m", max_samples_per_send: ZONE_REMOTE_WRITE_QUEUE.max_samples_per_send } as const;

/** Per-request timeout; the upstream default, stated so it does not drift. */
export const REMOTE_WRITE_TIMEOUT = "30s";
