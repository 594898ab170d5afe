import * as snappy from "snappyjs";
import { fields, varintAt } from "./protobuf-wire";

/**
 * Reads Prometheus remote-write 1.0 request bodies: snappy block format around a prompb
 * WriteRequest (https://prometheus.io/docs/specs/prw/remote_write_spec/), decoded from the field
 * numbers:
 *
 *   WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
 *   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; repeated Exemplar exemplars = 3; repeated Histogram histograms = 4; }
 *   Label        { string name = 1; string value = 2; }
 *   Sample       { double value = 1; int64 timestamp = 2; }   (timestamp: ms since 1970)
 */

export interface WireSample {
    readonly value: number;
    readonly timestampMs: number;
}

export interface WireSeries {
    readonly labels: Readonly<Record<string, string>>;
    readonly samples: readonly WireSample[];
}

export function uncompressSnappy(body: Buffer): Buffer {
    return Buffer.from(snappy.uncompress(body));
}

function sample(buf: Buffer): WireSample {
    let value = 0;
    let timestampMs = 0;
    for (const f of fields(buf)) {
        if (f.no === 1 && f.wire === 1) value = (f.value as Buffer).readDoubleLE(0);
        else if (f.no === 2 && f.wire === 0) timestampMs = Number(BigInt.asIntN(64, f.value as bigint));
    }
    return { value, timestampMs };
}

function label(buf: Buffer): [string, string] {
    let name = "";
    let value = "";
    for (const f of fields(buf)) {
        if (f.no === 1) name = (f.value as Buffer).toString("utf8");
        else if (f.no === 2) value = (f.value as Buffer).toString("utf8");
    }
    return [name, value];
}

/** The series of one snappy-compressed remote-write body (metadata entries are skipped). */
export function decodeWriteRequest(body: Buffer): WireSeries[] {
    const out: WireSeries[] = [];
    for (const ts of fields(uncompressSnappy(body))) {
        if (ts.no !== 1) continue;
        const labels: Record<string, string> = {};
        const samples: WireSample[] = [];
        for (const f of fields(ts.value as Buffer)) {
            if (f.no === 1) {
                const [n, v] = label(f.value as Buffer);
                labels[n] = v;
            } else if (f.no === 2) samples.push(sample(f.value as Buffer));
        }
        out.push({ labels, samples });
    }
    return out;
}

/** The remote-write protobuf messages (prometheus config/config.go RemoteWriteProtoMsgV1 / V2 at v3.5.0). */
export type RemoteWriteMessage = "prometheus.WriteRequest" | "io.prometheus.write.v2.Request";

/**
 * Which message a request carries, from its Content-Type (prometheus storage/remote/client.go at
 * v3.5.3: 1.0 sends plain `application/x-protobuf`, 2.0 adds `;proto=io.prometheus.write.v2.Request`).
 */
export function remoteWriteMessageOf(contentType: string | undefined): RemoteWriteMessage {
    return /;\s*proto=io\.prometheus\.write\.v2\.Request\b/.test(contentType ?? "") ? "io.prometheus.write.v2.Request" : "prometheus.WriteRequest";
}

/**
 * The fast path for the bench, which reads every sample of a catch-up (over 100k samples/s):
 * calls `visit` with each series' raw label bytes and each of its samples' timestamps, without
 * decoding label text. 1.0 (`prometheus.WriteRequest`): series are field 1 and their label bytes
 * a stable key (Prometheus sends a series' labels the same way every time). 2.0
 * (`io.prometheus.write.v2.Request`, prompb/io/prometheus/write/v2/types.proto at v3.5.3): series
 * are field 5, field 1 of a series is its packed `labels_refs` into the request's own symbol
 * table, so the key is unique within one request only; samples are field 2 as in 1.0.
 * A negative timestamp (a 10-byte varint) is refused by varintAt rather than misread.
 */
export function scanWriteRequest(body: Buffer, visit: (seriesKey: string, timestampMs: number) => void, message: RemoteWriteMessage = "prometheus.WriteRequest"): number {
    const seriesTag = ((message === "prometheus.WriteRequest" ? 1 : 5) << 3) | 2;
    const buf = uncompressSnappy(body);
    let samples = 0;
    let pos = 0;
    const lengthDelimited = (at: number): [number, number] => {
        const [len, start] = varintAt(buf, at);
        if (start + len > buf.length) throw new Error("truncated field");
        return [start, start + len];
    };
    const skip = (wire: number, at: number): number => {
        if (wire === 0) return varintAt(buf, at)[1];
        if (wire === 1) return at + 8;
        if (wire === 2) return lengthDelimited(at)[1];
        if (wire === 5) return at + 4;
        throw new Error(`unsupported wire type ${wire}`);
    };
    while (pos < buf.length) {
        const [tag, next] = varintAt(buf, pos);
        if (tag !== seriesTag) {
            pos = skip(tag & 7, next);
            continue;
        }
        const [tsStart, tsEnd] = lengthDelimited(next);
        let key = "";
        const timestamps: number[] = [];
        for (let p = tsStart; p < tsEnd; ) {
            const [t, at] = varintAt(buf, p);
            if (t === ((1 << 3) | 2)) {
                const [s, e] = lengthDelimited(at);
                key += buf.toString("latin1", s, e);
                p = e;
            } else if (t === ((2 << 3) | 2)) {
                const [s, e] = lengthDelimited(at);
                for (let q = s; q < e; ) {
                    const [st, sat] = varintAt(buf, q);
                    if (st === ((2 << 3) | 0)) {
                        const [ms, after] = varintAt(buf, sat);
                        timestamps.push(ms);
                        q = after;
                    } else q = skip(st & 7, sat);
                }
                p = e;
            } else p = skip(t & 7, at);
        }
        for (const ms of timestamps) visit(key, ms);
        samples += timestamps.length;
        pos = tsEnd;
    }
    return samples;
}
