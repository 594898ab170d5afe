import { ProxiedRequest } from "../support/loopback-proxy";
import { remoteWriteMessageOf, scanWriteRequest } from "../support/remote-write-wire";

/**
 * Delivery latency at millisecond resolution, measured on the wire. Prometheus' own lag metrics
 * (`highest_timestamp_in` − `queue_highest_sent_timestamp`) are whole seconds in 2.42, too coarse
 * for batches that fill in a fraction of a second. Fed by the loopback proxy in front of the global
 * with every answered write: each sample of an accepted (2xx) request counts as delivered when the
 * global's answer passed the proxy, and its latency is that moment minus the sample's timestamp
 * (the scrape's start).
 */

/** Latencies in 5 ms buckets up to 10 min; what is above lands in the last bucket. */
export class LatencyHistogram {
    static readonly BUCKET_MS = 5;
    private readonly buckets = new Float64Array((600_000 / LatencyHistogram.BUCKET_MS) + 1);
    count = 0;
    max = 0;
    private sum = 0;

    add(latencyMs: number, n = 1): void {
        const i = Math.min(this.buckets.length - 1, Math.max(0, Math.floor(latencyMs / LatencyHistogram.BUCKET_MS)));
        this.buckets[i] += n;
        this.count += n;
        this.sum += latencyMs * n;
        if (latencyMs > this.max) this.max = latencyMs;
    }

    mean(): number {
        return this.count === 0 ? NaN : this.sum / this.count;
    }

    /** Upper edge of the bucket holding the q-quantile (0 < q ≤ 1), in ms. */
    quantile(q: number): number {
        if (this.count === 0) return NaN;
        const rank = q * this.count;
        let seen = 0;
        for (let i = 0; i < this.buckets.length; i++) {
            seen += this.buckets[i];
            if (seen >= rank) return (i + 1) * LatencyHistogram.BUCKET_MS;
        }
        return this.max;
    }
}

/** Samples whose timestamps fall in [fromMs, toMs): how many arrived and when the last of them did. */
export interface WindowDelivery {
    readonly fromMs: number;
    /** Infinity while the window is open (e.g. during an outage whose end is not known yet). */
    toMs: number;
    samples: number;
    lastDeliveredAt: number;
}

/** Deliveries of samples whose timestamps fall in consecutive buckets from `fromMs`, `bucketMs` wide. */
export interface BucketedDelivery {
    readonly fromMs: number;
    readonly bucketMs: number;
    /** Samples delivered per bucket (bucket i holds timestamps in [fromMs + i·bucketMs, fromMs + (i+1)·bucketMs)). */
    readonly samples: Float64Array;
    /** When the last sample of each bucket was delivered (ms since 1970; 0: none yet). */
    readonly lastDeliveredAt: Float64Array;
}

export class DeliveryTracker {
    /** Latencies of samples delivered while `measuring` is on. */
    latency = new LatencyHistogram();
    measuring = false;
    /** Every accepted sample since the start. */
    delivered = 0;
    /** Accepted samples, and the bytes of their request bodies (snappy-compressed, as on the wire), while `measuring`. */
    measuredSamples = 0;
    measuredBodyBytes = 0;
    /** Content-Type of the accepted writes while `measuring` (one entry per distinct value). */
    readonly contentTypes = new Set<string>();
    /** Requests the proxy answered, by status (0: connection reset). */
    readonly answered = new Map<number, number>();
    private readonly windows: WindowDelivery[] = [];
    private readonly bucketed: BucketedDelivery[] = [];

    /** Hand this to startLoopbackProxy's `onAnswered`. */
    readonly onAnswered = (body: Buffer, request: ProxiedRequest): void => {
        if (request.method !== "POST" || !request.path.startsWith("/api/v1/write")) return;
        this.answered.set(request.status, (this.answered.get(request.status) ?? 0) + 1);
        if (request.status < 200 || request.status >= 300) return;
        const now = Date.now();
        const contentType = String(request.headers["content-type"] ?? "");
        const samples = scanWriteRequest(body, (_series, ts) => {
            if (this.measuring) this.latency.add(now - ts);
            for (const w of this.windows) {
                if (ts >= w.fromMs && ts < w.toMs) {
                    w.samples++;
                    if (now > w.lastDeliveredAt) w.lastDeliveredAt = now;
                }
            }
            for (const b of this.bucketed) {
                const i = Math.floor((ts - b.fromMs) / b.bucketMs);
                if (i >= 0 && i < b.samples.length) {
                    b.samples[i]++;
                    b.lastDeliveredAt[i] = now;
                }
            }
        }, remoteWriteMessageOf(contentType));
        this.delivered += samples;
        if (this.measuring) {
            this.measuredSamples += samples;
            this.measuredBodyBytes += body.length;
            this.contentTypes.add(contentType);
        }
    };

    /** Starts counting the deliveries of samples scraped in [fromMs, toMs); close an open window by setting toMs. */
    watch(fromMs: number, toMs = Infinity): WindowDelivery {
        const w: WindowDelivery = { fromMs, toMs, samples: 0, lastDeliveredAt: 0 };
        this.windows.push(w);
        return w;
    }

    /** Starts counting deliveries in `count` buckets of `bucketMs` from `fromMs` (one lookup per sample, however many buckets). */
    watchBuckets(fromMs: number, bucketMs: number, count: number): BucketedDelivery {
        const b: BucketedDelivery = { fromMs, bucketMs, samples: new Float64Array(count), lastDeliveredAt: new Float64Array(count) };
        this.bucketed.push(b);
        return b;
    }

    startMeasuring(): void {
        this.latency = new LatencyHistogram();
        this.measuredSamples = 0;
        this.measuredBodyBytes = 0;
        this.contentTypes.clear();
        this.measuring = true;
    }
}
