import { renderYaml } from "../kernel/render-yaml";

/** Ports of the Jaeger v2 binary (cmd/jaeger/Dockerfile EXPOSE; the chart's Service uses the same numbers). */
export const OTLP_GRPC_PORT = 4317;
export const OTLP_HTTP_PORT = 4318;
export const QUERY_HTTP_PORT = 16686;
export const QUERY_GRPC_PORT = 16685;
/** healthcheckv2: the chart's liveness and readiness probes GET /status on this port. */
export const HEALTH_PORT = 13133;
export const HEALTH_PATH = "/status";
/** Internal metrics: the chart annotates the pod prometheus.io/port "8888". */
export const METRICS_PORT = 8888;
/** Where a badger volume is mounted in the container. */
export const BADGER_DIR = "/badger";

/** The one storage backend this Jaeger writes to and queries (jaeger_storage backends are named). */
const STORE = "primary_store";

/** Trace storage of the global Jaeger. */
export type JaegerStorage =
    | { readonly type: "memory"; readonly maxTraces: number }
    | { readonly type: "badger"; readonly storageSize: string; readonly retention: string }
    | { readonly type: "elasticsearch"; readonly url: string; readonly indexPrefix: string };

/** Go time.ParseDuration syntax (badger ttl.spans is a Go duration: no "d"). */
const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;
const GO_UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds in a Go duration; undefined when the text is not one. */
export function goDurationMs(text: string): number | undefined {
    if (!GO_DURATION.test(text)) return undefined;
    let ms = 0;
    for (const m of text.matchAll(/([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * GO_UNIT_MS[m[2]];
    return ms;
}
/** A Kubernetes quantity as used for PVC sizes. */
export const K8S_QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

function backend(storage: JaegerStorage): Record<string, unknown> {
    switch (storage.type) {
        case "memory":
            if (!Number.isInteger(storage.maxTraces) || storage.maxTraces <= 0) {
                throw new Error(`jaeger memory storage: maxTraces must be a positive integer, got ${storage.maxTraces}`);
            }
            return { memory: { max_traces: storage.maxTraces } };
        case "badger":
            if (!((goDurationMs(storage.retention) ?? 0) > 0)) {
                throw new Error(`jaeger badger storage: retention ${JSON.stringify(storage.retention)} is not a positive Go duration (e.g. 72h, 168h)`);
            }
            if (!K8S_QUANTITY.test(storage.storageSize)) {
                throw new Error(`jaeger badger storage: storageSize ${JSON.stringify(storage.storageSize)} is not a Kubernetes quantity (e.g. 20Gi)`);
            }
            // ephemeral defaults to true in Jaeger's badger config: the directories are ignored unless it is off.
            return {
                badger: {
                    directories: { keys: `${BADGER_DIR}/keys`, values: `${BADGER_DIR}/values` },
                    ephemeral: false,
                    ttl: { spans: storage.retention },
                },
            };
        case "elasticsearch":
            if (!/^https?:\/\/[^/\s]+/.test(storage.url)) {
                throw new Error(`jaeger elasticsearch storage: url ${JSON.stringify(storage.url)} is not an http(s) URL`);
            }
            if (!/^[a-z0-9][a-z0-9._-]*$/.test(storage.indexPrefix)) {
                throw new Error(`jaeger elasticsearch storage: indexPrefix ${JSON.stringify(storage.indexPrefix)} is not a lower-case Elasticsearch index prefix`);
            }
            return { elasticsearch: { server_urls: [storage.url], indices: { index_prefix: storage.indexPrefix } } };
    }
}

/**
 * The Jaeger v2 configuration (an OpenTelemetry Collector config with Jaeger's extensions), shaped
 * like upstream's cmd/jaeger/config-*.yaml: OTLP in, batch, jaeger_storage_exporter out, jaeger_query
 * reading the same backend. Every listener binds 0.0.0.0 explicitly: the collector's defaults are
 * localhost, and the image's JAEGER_LISTEN_HOST only applies to the built-in all-in-one config.
 */
export function buildJaegerConfig(storage: JaegerStorage): Record<string, unknown> {
    const listen = (port: number) => `0.0.0.0:${port}`;
    return {
        service: {
            extensions: ["jaeger_storage", "jaeger_query", "healthcheckv2"],
            pipelines: {
                traces: { receivers: ["otlp"], processors: ["batch"], exporters: ["jaeger_storage_exporter"] },
            },
            telemetry: {
                resource: { "service.name": "jaeger" },
                metrics: { level: "detailed", readers: [{ pull: { exporter: { prometheus: { host: "0.0.0.0", port: METRICS_PORT } } } }] },
            },
        },
        extensions: {
            healthcheckv2: { use_v2: true, http: { endpoint: listen(HEALTH_PORT), status: { enabled: true, path: HEALTH_PATH } } },
            jaeger_query: {
                storage: { traces: STORE },
                http: { endpoint: listen(QUERY_HTTP_PORT) },
                grpc: { endpoint: listen(QUERY_GRPC_PORT) },
            },
            jaeger_storage: { backends: { [STORE]: backend(storage) } },
        },
        receivers: {
            otlp: { protocols: { grpc: { endpoint: listen(OTLP_GRPC_PORT) }, http: { endpoint: listen(OTLP_HTTP_PORT) } } },
        },
        processors: { batch: {} },
        exporters: { jaeger_storage_exporter: { trace_storage: STORE } },
    };
}

/** The config file as mounted (byte for byte what the pod reads). */
export function renderJaegerConfig(storage: JaegerStorage): string {
    return renderYaml(buildJaegerConfig(storage));
}
