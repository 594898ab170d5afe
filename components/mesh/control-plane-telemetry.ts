import { isKumaZoneName } from "./kuma-facts";

/**
 * Environment that makes a Kuma / Kong Mesh control plane export its OpenTelemetry traces.
 *
 * kuma-cp enables tracing with KUMA_TRACING_OPENTELEMETRY_ENABLED and otherwise takes everything
 * from the standard OTEL_* variables: its exporter is otlptracegrpc configured from the
 * environment, and its resource is empty apart from what OTEL_RESOURCE_ATTRIBUTES and
 * OTEL_SERVICE_NAME give (pkg/plugins/runtime/opentelemetry/plugin.go, v2.14.3). Kong Mesh keeps the
 * KUMA_ prefix.
 */

/** Resource attribute carrying the zone name ("global" on the global control plane). */
export const ZONE_ATTRIBUTE = "kuma.zone";
/** service.name of the control plane's spans: the control plane binary of both products (infra/verify looks traces up by it). */
export const DEFAULT_CP_SERVICE_NAME = "kuma-cp";

export interface ControlPlaneTelemetrySettings {
    /** Zone name, or "global" for the global control plane. */
    readonly zone: string;
    /** OTLP gRPC receiver as http://host:port or https://host:port (normally port 4317), no path. */
    readonly otlpEndpoint: string;
    /** Plain-text gRPC; must agree with the endpoint's scheme (http ⇔ true). */
    readonly insecure: boolean;
}

export function controlPlaneOtelEnv(s: ControlPlaneTelemetrySettings): Record<string, string> {
    validate(s);
    return {
        KUMA_TRACING_OPENTELEMETRY_ENABLED: "true",
        // 2.14 turns OTLP metrics push on by default once OTEL_EXPORTER_OTLP_ENDPOINT is set (PR #16052),
        // so it is always turned off here (earlier releases do not read the variable): the zone
        // Prometheus already scrapes the control plane's /metrics, and the receiver may accept traces only.
        KUMA_METRICS_OPENTELEMETRY_ENABLED: "false",
        OTEL_EXPORTER_OTLP_ENDPOINT: s.otlpEndpoint,
        OTEL_EXPORTER_OTLP_INSECURE: String(s.insecure),
        // kuma-cp's trace exporter is gRPC whatever this says; it keeps any exporter that does read it on the same port.
        OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
        OTEL_SERVICE_NAME: DEFAULT_CP_SERVICE_NAME,
        OTEL_RESOURCE_ATTRIBUTES: encodeResourceAttributes({ [ZONE_ATTRIBUTE]: s.zone }),
    };
}

/**
 * `key=value,...` for OTEL_RESOURCE_ATTRIBUTES. Values are percent-encoded outside the W3C baggage
 * octets, plus `%` and `=` (the SDK spec: "," and "=" MUST be percent-encoded); Go's SDK decodes
 * values with url.PathUnescape and JS with decodeURIComponent. Keys are not decoded by the Go SDK, so
 * they are restricted to characters that never need encoding instead.
 */
export function encodeResourceAttributes(attributes: Readonly<Record<string, string>>): string {
    return Object.entries(attributes)
        .map(([k, v]) => {
            if (!ATTRIBUTE_KEY.test(k)) {
                throw new Error(`resource attribute key ${JSON.stringify(k)} is not allowed; allowed: letters, digits, '.', '_', '-', '/', starting with a letter`);
            }
            return `${k}=${encodeAttributeValue(v)}`;
        })
        .join(",");
}

const ATTRIBUTE_KEY = /^[A-Za-z][A-Za-z0-9._\-/]*$/;
/** Printable ASCII that is not a baggage octet (" , ; \), plus "%" and "=". */
const NOT_PLAIN = new Set([0x22, 0x2c, 0x3b, 0x5c, 0x25, 0x3d]);

function encodeAttributeValue(value: string): string {
    let out = "";
    for (const byte of Buffer.from(value, "utf8")) {
        // baggage-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E (W3C Baggage), minus "%" and "=".
        const plain = byte >= 0x21 && byte <= 0x7e && !NOT_PLAIN.has(byte);
        out += plain ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    }
    return out;
}

function validate(s: ControlPlaneTelemetrySettings): void {
    if (!isKumaZoneName(s.zone)) {
        throw new Error(`zone ${JSON.stringify(s.zone)} is not a zone name; allowed: lower-case DNS subdomain, or "global"`);
    }
    let url: URL;
    try {
        url = new URL(s.otlpEndpoint);
    } catch {
        throw new Error(`otlpEndpoint ${JSON.stringify(s.otlpEndpoint)} is not a URL; allowed: http://host:4317 or https://host:4317`);
    }
    const schemeHostPort = `${url.protocol}//${url.host}`;
    if ((url.protocol !== "http:" && url.protocol !== "https:") || url.port === "" || s.otlpEndpoint !== schemeHostPort) {
        const endpoint = JSON.stringify(s.otlpEndpoint);
        throw new Error(`otlpEndpoint ${endpoint} is not scheme://host:port; allowed: http://host:4317 or https://host:4317 (gRPC, no path)`);
    }
    // The exporters derive TLS from the scheme and then apply OTEL_EXPORTER_OTLP_INSECURE; a mismatch
    // means one of the two is silently ignored, depending on the SDK.
    if ((url.protocol === "http:") !== s.insecure) {
        const what = `otlpEndpoint ${s.otlpEndpoint} with insecure=${s.insecure}`;
        throw new Error(`${what}: an http:// endpoint is plain text (insecure true), https:// is TLS (insecure false)`);
    }
}
