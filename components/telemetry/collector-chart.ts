import { COLLECTOR_OTLP_GRPC_PORT, COLLECTOR_OTLP_HTTP_PORT } from "./collector-config";

/**
 * The upstream open-telemetry/opentelemetry-collector chart, pinned. 0.170.0 ships collector 0.158.0
 * (Chart.yaml appVersion); the contrib image is pinned to that tag because only contrib has the
 * datadog exporter and connector. Values are checked against the upstream values.yaml and
 * values.schema.json in tests.
 */
export const OTEL_COLLECTOR_CHART = {
    chart: "opentelemetry-collector",
    version: "0.170.0",
    repo: "https://open-telemetry.github.io/opentelemetry-helm-charts",
    appVersion: "0.158.0",
    image: "otel/opentelemetry-collector-contrib",
} as const;

/**
 * The key of the config ConfigMap the chart mounts: with configMap.existingName it mounts key `relay`
 * as /conf/relay.yaml and starts the collector with --config=/conf/relay.yaml (templates/_pod.tpl;
 * values.yaml: "The ConfigMap MUST include the collector configuration via a key named 'relay'").
 */
export const COLLECTOR_CONFIG_KEY = "relay";
/** The contrib image's binary (its entrypoint /otelcol-contrib); the chart runs /<command.name>. */
const CONTRIB_BINARY = "otelcol-contrib";
/** The user the collector images run as (open-telemetry/opentelemetry-collector-releases distributions/otelcol-contrib/Dockerfile: USER 10001). */
const COLLECTOR_UID = 10001;
/** Ports the chart enables by default for receivers our config does not run. */
const UNUSED_DEFAULT_PORTS = ["jaeger-compact", "jaeger-thrift", "jaeger-grpc", "zipkin"] as const;

/** Requests and limits: memory_limiter and GOMEMLIMIT (useGOMEMLIMIT) are both derived from the memory limit. */
export const COLLECTOR_RESOURCES = { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } } as const;

export interface CollectorChartSettings {
    /** Name of the Deployment and Service (fullnameOverride). */
    readonly fullname: string;
    /** Our ConfigMap holding the collector config under COLLECTOR_CONFIG_KEY. */
    readonly configMapName: string;
    /** sha256 of the mounted config: the chart's own checksum annotation only covers a ConfigMap it renders. */
    readonly configChecksum: string;
    /** Secret key exposed to the collector as env var `env` (the Datadog API key). */
    readonly apiKeySecret?: { readonly name: string; readonly key: string; readonly env: string };
}

/**
 * Values for the opentelemetry-collector chart: a Deployment of the contrib image reading our own
 * ConfigMap (configMap.create false: the chart renders and mounts nothing of its own), the two OTLP
 * ports on a ClusterIP Service and the chart's default Jaeger/Zipkin ports off, a restricted security
 * context, and no Kubernetes API token (no preset or processor here reads the API).
 */
export function buildCollectorChartValues(s: CollectorChartSettings): Record<string, unknown> {
    const ports: Record<string, unknown> = {
        otlp: { enabled: true, containerPort: COLLECTOR_OTLP_GRPC_PORT, servicePort: COLLECTOR_OTLP_GRPC_PORT, protocol: "TCP", appProtocol: "grpc" },
        "otlp-http": { enabled: true, containerPort: COLLECTOR_OTLP_HTTP_PORT, servicePort: COLLECTOR_OTLP_HTTP_PORT, protocol: "TCP" },
        ...Object.fromEntries(UNUSED_DEFAULT_PORTS.map((p) => [p, { enabled: false }])),
    };
    return {
        mode: "deployment",
        fullnameOverride: s.fullname,
        // One gateway per zone: it is stateless, and a rolling update surges a new pod before the old one goes.
        replicaCount: 1,
        // The chart has no default repository since it serves several distributions; it fails without one.
        image: { repository: OTEL_COLLECTOR_CHART.image, tag: OTEL_COLLECTOR_CHART.appVersion },
        command: { name: CONTRIB_BINARY },
        configMap: { create: false, existingName: s.configMapName },
        ports,
        service: { enabled: true, type: "ClusterIP" },
        podAnnotations: { "meshobs.io/config-sha256": s.configChecksum },
        resources: { requests: { ...COLLECTOR_RESOURCES.requests }, limits: { ...COLLECTOR_RESOURCES.limits } },
        serviceAccount: { create: true, automountServiceAccountToken: false },
        podSecurityContext: {
            runAsNonRoot: true,
            runAsUser: COLLECTOR_UID,
            runAsGroup: COLLECTOR_UID,
            seccompProfile: { type: "RuntimeDefault" },
        },
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
        ...(s.apiKeySecret !== undefined
            ? { extraEnvs: [{ name: s.apiKeySecret.env, valueFrom: { secretKeyRef: { name: s.apiKeySecret.name, key: s.apiKeySecret.key } } }] }
            : {}),
    };
}

/** In-cluster OTLP endpoints of the chart's Service (named fullnameOverride). */
export function collectorEndpoints(fullname: string, namespace: string): { readonly grpc: string; readonly http: string } {
    const host = `${fullname}.${namespace}.svc.cluster.local`;
    return { grpc: `${host}:${COLLECTOR_OTLP_GRPC_PORT}`, http: `http://${host}:${COLLECTOR_OTLP_HTTP_PORT}` };
}
