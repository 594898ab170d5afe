/**
 * Protobuf wire format, read field by field (https://protobuf.dev/programming-guides/encoding/).
 * The test decoders (OTLP traces, Prometheus remote write) are written from the field numbers on
 * purpose: a peer test must not read bytes back with the code that wrote them.
 */

export interface Field {
    readonly no: number;
    readonly wire: number;
    /** varint value, or the payload bytes of fixed32/fixed64/length-delimited fields. */
    readonly value: bigint | Buffer;
}

export function* fields(buf: Buffer): Generator<Field> {
    let pos = 0;
    const varint = (): bigint => {
        let result = 0n;
        for (let shift = 0n; ; shift += 7n) {
            if (pos >= buf.length) throw new Error("truncated varint");
            const b = buf[pos++];
            result |= BigInt(b & 0x7f) << shift;
            if ((b & 0x80) === 0) return result;
            if (shift > 63n) throw new Error("varint too long");
        }
    };
    const take = (n: number): Buffer => {
        if (pos + n > buf.length) throw new Error("truncated field");
        const out = buf.subarray(pos, pos + n);
        pos += n;
        return out;
    };
    while (pos < buf.length) {
        const tag = varint();
        const no = Number(tag >> 3n);
        const wire = Number(tag & 7n);
        if (wire === 0) yield { no, wire, value: varint() };
        else if (wire === 1) yield { no, wire, value: take(8) };
        else if (wire === 2) yield { no, wire, value: take(Number(varint())) };
        else if (wire === 5) yield { no, wire, value: take(4) };
        else throw new Error(`unsupported wire type ${wire} (field ${no})`);
    }
}

/**
 * A varint as a JS number, for the hot paths (remote-write timestamps, lengths): exact up to 2^53,
 * which a millisecond timestamp or a length never reaches. Returns the value and the next offset.
 */
export function varintAt(buf: Buffer, pos: number): [number, number] {
    let result = 0;
    let scale = 1;
    for (;;) {
        if (pos >= buf.length) throw new Error("truncated varint");
        const b = buf[pos++];
        result += (b & 0x7f) * scale;
        if ((b & 0x80) === 0) return [result, pos];
        scale *= 128;
        if (scale > 2 ** 56) throw new Error("varint beyond 2^53: read it with fields()");
    }
}
