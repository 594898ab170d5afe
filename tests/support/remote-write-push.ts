import * as snappy from "snappyjs";
import { encodeLabels, encodeWriteRequest, prepareSeries } from "../bench/remote-write-rig";
import { BasicAuth, loopbackRequest, LoopbackResponse } from "./loopback-http";

/**
 * One remote-write 1.0 request carrying one sample of one series at `timestampMs`, posted as a
 * zone's queue would (snappy, protobuf, version header), so a test can see how a receiver answers
 * a sample of a given age: the status decides whether the sender retries (5xx) or drops it (4xx).
 */
export function pushOneSample(url: string, labels: Array<[string, string]>, timestampMs: number, auth?: BasicAuth): Promise<LoopbackResponse> {
    const body = Buffer.from(snappy.compress(encodeWriteRequest([prepareSeries(encodeLabels(labels))], () => 1, timestampMs)));
    return loopbackRequest({
        method: "POST",
        url,
        body,
        auth,
        headers: { "Content-Encoding": "snappy", "Content-Type": "application/x-protobuf", "X-Prometheus-Remote-Write-Version": "0.1.0" },
    });
}
