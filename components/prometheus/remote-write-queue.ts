/**
 * The remote-write queue every zone uses. Set explicitly because the defaults moved between
 * Prometheus releases (2.42: capacity 2500, max_shards 200, max_samples_per_send 500; 2.44+ and
 * 3.x: 10000 / 50 / 2000 — prometheus config/config.go at v2.43.0 vs v2.44.0), and the zone,
 * global and test binaries are not always the same release. Choices:
 * - max_samples_per_send 2000 and capacity 10000 (5x, inside the 3-10x the remote-write guide
 *   recommends): large batches keep request overhead low for a mesh's many small series.
 * - max_shards 50: one global receiver per environment; 200 shards from every zone would let a
 *   catch-up after an outage hit it with thousands of concurrent writes.
 * - min_shards 2: a zone does not start a backlog on a single shard after a restart (the guide:
 *   raising min_shards avoids falling behind at start-up).
 * - batch_send_deadline 5s: a quiet zone still delivers within one dataplane scrape interval or so.
 * - min_backoff 30ms / max_backoff 5s: the upstream values; retries continue for as long as the
 *   WAL holds the data (about 2h), so nothing is dropped by giving up.
 * - retry_on_http_429 true: a throttling receiver (Mimir, AMP, an overloaded global) must not make
 *   zones drop samples; 2.42 defaults this to false.
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
    min_shards: 2,
    max_samples_per_send: 2000,
    batch_send_deadline: "5s",
    min_backoff: "30ms",
    max_backoff: "5s",
    retry_on_http_429: true,
};

/** Metadata is small; send it with the same batch size the queue uses. */
export const ZONE_REMOTE_WRITE_METADATA = { send: true, send_interval: "1m", max_samples_per_send: 2000 } as const;

/** Per-request timeout; the upstream default, stated so it does not drift. */
export const REMOTE_WRITE_TIMEOUT = "30s";
