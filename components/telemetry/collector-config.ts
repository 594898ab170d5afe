import { assertDatadogSite } from "../datadog/agent-chart";
import { validateLokiTenant } from "../logs/loki-chart";
import { ZONE_ATTRIBUTE } from "../mesh/control-plane-telemetry";
import { renderYaml } from "../kernel/render-yaml";
import { TENANT_HEADER } from "../kernel/tenant-header";
import { assertKumaZoneName } from "../mesh/kuma-facts";

/** OTLP receiver ports (the collector's defaults, and what the chart's `otlp` / `otlp-http` ports name). */
export const COLLECTOR_OTLP_GRPC_PORT = 4317;
export const COLLECTOR_OTLP_HTTP_PORT = 4318;
/** health_check extension; the chart's liveness and readiness probes GET / on this port (values.yaml livenessProbe). */
export const COLLECTOR_HEALTH_PORT = 13133;
/** The collector's own metrics (Prometheus pull), the port the chart's `metrics` port names. */
export const COLLECTOR_METRICS_PORT = 8888;

/**
 * The zone goes on every span and log record under two keys, both upserted so a sender can never
 * claim another zone: `kuma.zone`, the key kuma-cp's own spans carry (control-plane-telemetry.ts sets
 * it through OTEL_RESOURCE_ATTRIBUTES), so control plane and dataplane spans of a zone match; and
 * `zone`, the one resource attribute the global Loki indexes as a label (OTLP_INDEX_LABELS) and the
 * name every dashboard and the Prometheus external label use.
 */
export const ZONE_RESOURCE_ATTRIBUTES = [ZONE_ATTRIBUTE, "zone"] as const;

/**
 * memory_limiter as the chart configures it by default (values.yaml config.processors.memory_limiter):
 * percentages of the container's memory limit, which the chart values always set.
 */
export const MEMORY_LIMITER = { check_interval: "5s", limit_percentage: 80, spike_limit_percentage: 25 } as const;

/**
 * Component IDs. The OTLP exporters use the names the collector adopted in v0.144.0 (`otlp_grpc`,
 * `otlp_http`); the old `otlp` / `otlphttp` are deprecated aliases that log a warning on start. The
 * pinned image (0.158.0) has both.
 */
export const JAEGER_EXPORTER = "otlp_grpc/jaeger";
/** Jaeger behind an HTTP(S) Ingress, which carries OTLP/HTTP but not gRPC. */
export const JAEGER_HTTP_EXPORTER = "otlp_http/jaeger";
export const LOKI_EXPORTER = "otlp_http/loki";
export const DATADOG_EXPORTER = "datadog";
/** Computes Datadog APM stats (hits, errors, latency); the datadog exporter no longer does by default. */
export const DATADOG_CONNECTOR = "datadog/connector";
/** The datadog exporter's README asked for a 10s batch timeout on traces (open-telemetry/opentelemetry-collector-contrib exporter/datadogexporter/README.md). */
const DATADOG_BATCH = "batch/datadog";

export type TracesBackend =
    /** OTLP/gRPC to the central Jaeger: host:port (or http://host:port / https://host:port, which must agree with insecure). */
    | { readonly type: "otlp"; readonly endpoint: string; readonly insecure: boolean }
    /** OTLP/HTTP to the central Jaeger: its base URL (http(s)://host[:port][/prefix]); the exporter appends /v1/traces. */
    | { readonly type: "otlp-http"; readonly endpoint: string }
    /** Datadog intake of `site` (e.g. datadoghq.com); the API key is read from the env var `apiKeyEnv`, set from a Secret. */
    | { readonly type: "datadog"; readonly site: string; readonly apiKeyEnv: string }
    | { readonly type: "none" };

export type LogsBackend =
    /** Loki's OTLP base URL (e.g. http://loki-gateway.obs/otlp; the exporter appends /v1/logs), pushed as tenant `tenant`. */
    | { readonly type: "loki-otlp"; readonly endpoint: string; readonly tenant: string }
    | { readonly type: "none" };

export interface ZoneCollectorSettings {
    /** Zone name; upserted as every ZONE_RESOURCE_ATTRIBUTES key on all telemetry passing through. */
    readonly zone: string;
    /** Where spans go (MeshTrace's OpenTelemetry backend and kuma-cp send them here). */
    readonly traces: TracesBackend;
    /** Where log records go (MeshAccessLog's OpenTelemetry backend sends them here). */
    readonly logs: LogsBackend;
}

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const HOST_PORT = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?:[0-9]{1,5}$/;

/**
 * host:port for the otlp_grpc exporter. A scheme is accepted (GlobalJaeger exports http://host:4317)
 * but must agree with `insecure`: with https:// the exporter turns TLS on whatever insecure says,
 * so a mismatch would silently ignore one of the two.
 */
export function grpcHostPort(endpoint: string, insecure: boolean): string {
    const m = /^(?:(https?):\/\/)?([^/]+)$/.exec(endpoint);
    if (m === null || !HOST_PORT.test(m[2])) {
        const allowed = "jaeger.obs.svc.cluster.local:4317 (or http:// / https:// before it, no path)";
        throw new Error(`traces.endpoint ${JSON.stringify(endpoint)} is not host:port; allowed: ${allowed}`);
    }
    if (m[1] !== undefined && (m[1] === "http") !== insecure) {
        throw new Error(`traces.endpoint ${endpoint} with insecure=${insecure}: http:// is plain text (insecure true), https:// is TLS (insecure false)`);
    }
    return m[2];
}

/** A base URL for otlp_http, which appends /v1/<signal>; a URL already ending in it would post to …/v1/x/v1/x. */
function otlpHttpBase(endpoint: string, signal: "traces" | "logs"): string {
    const key = `${signal}.endpoint`;
    let url: URL;
    try {
        url = new URL(endpoint);
    } catch {
        throw new Error(`${key} ${JSON.stringify(endpoint)} is not a URL; allowed: http(s)://host[:port][/prefix], the OTLP/HTTP base URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`${key} ${endpoint}: allowed schemes are http and https`);
    if (new RegExp(`/v1/${signal}/?$`).test(url.pathname)) {
        throw new Error(`${key} ${endpoint} ends in /v1/${signal}; give the OTLP base URL, the exporter appends /v1/${signal}`);
    }
    return endpoint;
}

interface Pipeline {
    readonly receivers: string[];
    readonly processors: string[];
    readonly exporters: string[];
}

/**
 * The zone collector's config: OTLP in on every interface (the receiver's defaults are localhost),
 * memory_limiter first, the zone upserted on the resource, batching, and one pipeline per configured
 * signal. With Datadog, spans go through the datadog connector too, whose APM stats go out on a
 * metrics pipeline (the exporter stopped computing them itself).
 */
export function buildZoneCollectorConfig(s: ZoneCollectorSettings): Record<string, unknown> {
    assertKumaZoneName(s.zone);
    const exporters: Record<string, unknown> = {};
    const connectors: Record<string, unknown> = {};
    const pipelines: Record<string, Pipeline> = {};
    const common = ["memory_limiter", "resource"];

    switch (s.traces.type) {
        case "otlp":
            exporters[JAEGER_EXPORTER] = { endpoint: grpcHostPort(s.traces.endpoint, s.traces.insecure), tls: { insecure: s.traces.insecure } };
            pipelines.traces = { receivers: ["otlp"], processors: [...common, "batch"], exporters: [JAEGER_EXPORTER] };
            break;
        case "otlp-http":
            exporters[JAEGER_HTTP_EXPORTER] = { endpoint: otlpHttpBase(s.traces.endpoint, "traces") };
            pipelines.traces = { receivers: ["otlp"], processors: [...common, "batch"], exporters: [JAEGER_HTTP_EXPORTER] };
            break;
        case "datadog":
            assertDatadogSite(s.traces.site);
            if (!ENV_NAME.test(s.traces.apiKeyEnv)) {
                throw new Error(`traces.apiKeyEnv ${JSON.stringify(s.traces.apiKeyEnv)} is not an environment variable name`);
            }
            exporters[DATADOG_EXPORTER] = { api: { key: `\${env:${s.traces.apiKeyEnv}}`, site: s.traces.site } };
            connectors[DATADOG_CONNECTOR] = {};
            pipelines.traces = { receivers: ["otlp"], processors: [...common, DATADOG_BATCH], exporters: [DATADOG_CONNECTOR, DATADOG_EXPORTER] };
            pipelines["metrics/datadog-apm-stats"] = { receivers: [DATADOG_CONNECTOR], processors: [DATADOG_BATCH], exporters: [DATADOG_EXPORTER] };
            break;
        case "none":
            break;
    }
    if (s.logs.type === "loki-otlp") {
        exporters[LOKI_EXPORTER] = { endpoint: otlpHttpBase(s.logs.endpoint, "logs"), headers: { [TENANT_HEADER]: validateLokiTenant(s.logs.tenant) } };
        pipelines.logs = { receivers: ["otlp"], processors: [...common, "batch"], exporters: [LOKI_EXPORTER] };
    }
    if (Object.keys(pipelines).length === 0) {
        throw new Error("zone collector: neither traces nor logs has a backend; a collector without pipelines does not start");
    }

    const attributes = ZONE_RESOURCE_ATTRIBUTES.map((key) => ({ key, value: s.zone, action: "upsert" }));
    const allProcessors: Record<string, unknown> = {
        memory_limiter: { ...MEMORY_LIMITER },
        resource: { attributes },
        batch: {},
        [DATADOG_BATCH]: { timeout: "10s" },
    };
    const used = new Set(Object.values(pipelines).flatMap((p) => p.processors));
    const listen = (port: number) => `0.0.0.0:${port}`;

    return {
        receivers: {
            otlp: { protocols: { grpc: { endpoint: listen(COLLECTOR_OTLP_GRPC_PORT) }, http: { endpoint: listen(COLLECTOR_OTLP_HTTP_PORT) } } },
        },
        processors: Object.fromEntries(Object.entries(allProcessors).filter(([k]) => used.has(k))),
        exporters,
        ...(Object.keys(connectors).length > 0 ? { connectors } : {}),
        extensions: { health_check: { endpoint: listen(COLLECTOR_HEALTH_PORT) } },
        service: {
            extensions: ["health_check"],
            pipelines,
            telemetry: { metrics: { readers: [{ pull: { exporter: { prometheus: { host: "0.0.0.0", port: COLLECTOR_METRICS_PORT } } } }] } },
        },
    };
}

/** The config file as mounted (byte for byte what the collector reads). */
export function renderZoneCollectorConfig(s: ZoneCollectorSettings): string {
    return renderYaml(buildZoneCollectorConfig(s));
}

