/**
 * A minimal protobuf wire-format decoder for OTLP's ExportTraceServiceRequest, written from the
 * opentelemetry-proto field numbers. Independent of the SDK's encoder on purpose: the peer test
 * must not read the bytes back with the same code that wrote them. (@opentelemetry/otlp-transformer
 * 0.218.0 no longer ships a protobufjs root, and no .proto files are in node_modules.)
 *
 *   ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
 *   ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
 *   Resource      { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
 *   ScopeSpans    { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
 *   InstrumentationScope { string name = 1; string version = 2; ... }
 *   Span          { bytes trace_id = 1; bytes span_id = 2; ...; string name = 5; SpanKind kind = 6; ...; repeated KeyValue attributes = 9; ... }
 *   KeyValue      { string key = 1; AnyValue value = 2; }
 *   AnyValue      { oneof: string_value = 1; bool_value = 2; int_value = 3; double_value = 4;
 *                   ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7; }
 *   ArrayValue / KeyValueList { repeated AnyValue / KeyValue values = 1; }
 */
import { Field, fields } from "./protobuf-wire";

export type AttributeValue = string | boolean | number | bigint | AttributeValue[] | { readonly [key: string]: AttributeValue };

export interface DecodedSpan {
    readonly name: string;
    readonly traceId: string;
    readonly spanId: string;
    readonly kind: number;
    readonly attributes: Record<string, AttributeValue>;
}

export interface DecodedResourceSpans {
    readonly resource: Record<string, AttributeValue>;
    readonly scopes: Array<{ readonly name: string; readonly version: string; readonly spans: DecodedSpan[] }>;
}

const bytes = (f: Field): Buffer => f.value as Buffer;
const text = (f: Field): string => bytes(f).toString("utf8");

function anyValue(buf: Buffer): AttributeValue {
    let value: AttributeValue = "";
    for (const f of fields(buf)) {
        if (f.no === 1) value = text(f);
        else if (f.no === 2) value = (f.value as bigint) !== 0n;
        else if (f.no === 3) value = BigInt.asIntN(64, f.value as bigint);
        else if (f.no === 4) value = bytes(f).readDoubleLE(0);
        else if (f.no === 5) value = [...fields(bytes(f))].filter((x) => x.no === 1).map((x) => anyValue(bytes(x)));
        else if (f.no === 6) value = keyValues([...fields(bytes(f))].filter((x) => x.no === 1).map(bytes));
        else if (f.no === 7) value = bytes(f).toString("hex");
    }
    return typeof value === "bigint" && value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

function keyValues(entries: Buffer[]): Record<string, AttributeValue> {
    const out: Record<string, AttributeValue> = {};
    for (const entry of entries) {
        let key = "";
        let value: AttributeValue = "";
        for (const f of fields(entry)) {
            if (f.no === 1) key = text(f);
            else if (f.no === 2) value = anyValue(bytes(f));
        }
        out[key] = value;
    }
    return out;
}

function span(buf: Buffer): DecodedSpan {
    let name = "";
    let traceId = "";
    let spanId = "";
    let kind = 0;
    const attributes: Buffer[] = [];
    for (const f of fields(buf)) {
        if (f.no === 1) traceId = bytes(f).toString("hex");
        else if (f.no === 2) spanId = bytes(f).toString("hex");
        else if (f.no === 5) name = text(f);
        else if (f.no === 6) kind = Number(f.value as bigint);
        else if (f.no === 9) attributes.push(bytes(f));
    }
    return { name, traceId, spanId, kind, attributes: keyValues(attributes) };
}

export function decodeExportTraceServiceRequest(buf: Buffer): DecodedResourceSpans[] {
    return [...fields(buf)]
        .filter((f) => f.no === 1)
        .map((rs) => {
            let resource: Record<string, AttributeValue> = {};
            const scopes: DecodedResourceSpans["scopes"] = [];
            for (const f of fields(bytes(rs))) {
                if (f.no === 1) resource = keyValues([...fields(bytes(f))].filter((x) => x.no === 1).map(bytes));
                else if (f.no === 2) {
                    let scopeName = "";
                    let scopeVersion = "";
                    const spans: DecodedSpan[] = [];
                    for (const g of fields(bytes(f))) {
                        if (g.no === 1) {
                            for (const h of fields(bytes(g))) {
                                if (h.no === 1) scopeName = text(h);
                                else if (h.no === 2) scopeVersion = text(h);
                            }
                        } else if (g.no === 2) spans.push(span(bytes(g)));
                    }
                    scopes.push({ name: scopeName, version: scopeVersion, spans });
                }
            }
            return { resource, scopes };
        });
}
