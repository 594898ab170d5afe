/**
 * The remote-write queue every zone uses. Set explicitly because the defaults moved between
 * Prometheus releases (2.42: capacity 2500, max_shards 200, max_samples_per_send 500; 2.44+ and
 * 3.x: 10000 / 50 / 2000 — prometheus config/config.go at v2.43.0 vs v2.44.0), and the zone,
 * global and test binaries are not always the same release. Chosen by measurement
 * (`npm run bench -- --remote-write`, figures in the README), against 2.42's defaults and the
 * 3.x-like 2000 / 10000 / min_shards 2 / 5s this file held before:
 * - max_samples_per_send 1000: a zone's global is usually in another region. With 500 per request
 *   (2.42) one shard carries at most 500 samples per round trip, so at 50 ms it falls behind at
 *   10k samples/s and delivery latency grows to seconds; 1000 keeps it at ~0.1 s. 2000 halved the
 *   requests again but doubled the time a batch takes to fill on a same-cluster link.
 * - capacity 5000 (5x, inside the 3-10x the remote-write guide recommends).
 * - batch_send_deadline 1s: a quiet zone (a few hundred samples/s) sends partial batches every
 *   second instead of waiting up to 5 s for a full one.
 * - min_shards 1, max_shards 50: one shard carries a zone's steady state (the bench never needed
 *   more than one); 50 caps a catch-up, so zones returning from an outage cannot hit the one
 *   global receiver with 200 concurrent writes each.
 * - min_backoff 30ms / max_backoff 5s: the upstream values; retries continue for as long as the
 *   WAL holds the data (outage-survival.ts), so nothing is dropped by giving up.
 * - retry_on_http_429 true: a throttling receiver (Mimir, AMP, an overloaded global) must not make
 *   zones drop samples; 2.42 defaults this to false and drops every throttled batch.
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
    capacity: 5000,
    max_shards: 50,
    min_shards: 1,
    max_samples_per_send: 1000,
    batch_send_deadline: "1s",
    min_backoff: "30ms",
    max_backoff: "5s",
    retry_on_http_429: true,
};

/** Metadata is small; send it with the same batch size the queue uses. */
export const ZONE_REMOTE_WRITE_METADATA = { send: true, send_interval: "1m", max_samples_per_send: ZONE_REMOTE_WRITE_QUEUE.max_samples_per_send } as const;

/** Per-request timeout; the upstream default, stated so it does not drift. */
export const REMOTE_WRITE_TIMEOUT = "30s";
