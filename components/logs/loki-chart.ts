import type { types } from "@pulumi/kubernetes";
import { ServiceExposure } from "../kernel/service-exposure";
import { parsePromDuration } from "../kernel/duration";
import { S3_KEY_REFERENCES, s3KeysEnvFrom } from "../aws/s3-keys";

/**
 * The Loki chart, pinned. Its OSS home moved to grafana-community/helm-charts on 2026-03-16
 * (grafana/loki's own chart is now for GEL only); 18.11.0 ships Loki 3.7.6 (Chart.yaml appVersion).
 * Values are checked against upstream values.yaml and values.schema.json in tests.
 */
export const LOKI_CHART = {
    chart: "loki",
    version: "18.11.0",
    repo: "https://grafana-community.github.io/helm-charts",
    appVersion: "3.7.6",
} as const;

/** Loki's HTTP port (loki.server.http_listen_port) and the chart's nginx gateway (Service port 80 → container 8080 "http"). */
export const LOKI_HTTP_PORT = 3100;
export const GATEWAY_SERVICE_PORT = 80;
const GATEWAY_CONTAINER_PORT_NAME = "http";
/** Loki push API and OTLP logs endpoint (loki-http-api.md); OTel exporters are given `…/otlp` and append /v1/logs. */
export const PUSH_PATH = "/loki/api/v1/push";
export const OTLP_BASE_PATH = "/otlp";
export const OTLP_LOGS_PATH = "/otlp/v1/logs";
/**
 * The first day of the schema. It must never change once data exists (Loki picks the schema of
 * a chunk by its date), so it is a constant, not derived from "today".
 */
export const SCHEMA_FROM = "2024-04-01";
/**
 * OTLP resource attributes indexed as labels on top of Loki's defaults (service.name,
 * k8s.namespace.name, ... ): `zone` is set by each zone's collector and is what every dashboard
 * filters on; without this it would only be structured metadata.
 */
export const OTLP_INDEX_LABELS = ["zone"] as const;

export type LokiStorage =
    | { readonly type: "filesystem"; readonly size: string }
    | { readonly type: "s3"; readonly bucket: string; readonly region: string; readonly endpoint?: string };

export interface LokiChartSettings {
    /** Name of Loki's objects (fullnameOverride): the Service `<fullname>`, the gateway `<fullname>-gateway`. */
    readonly fullname: string;
    /** Monolithic replicas: 1, or 3 and more with object storage (HA monolithic). */
    readonly replicas: number;
    /** limits_config.retention_period, enforced by the compactor (Prometheus-style duration, at least 24h). */
    readonly retention: string;
    /** Chunk and index store. */
    readonly storage: LokiStorage;
    /** How zones reach the push endpoints (Ingress is rendered by the chart; LoadBalancer and NodePort by buildLokiExposedService). */
    readonly exposure: ServiceExposure;
    /** Annotations of Loki's ServiceAccount (named `fullname`), e.g. the IRSA role for its S3 bucket; default none. */
    readonly serviceAccountAnnotations?: Readonly<Record<string, string>>;
    /** Secret with the S3 keys (components/aws/s3-keys.ts) for clusters without IRSA; s3 storage only; default none. */
    readonly s3KeysSecret?: string;
}

const DAY_MS = 24 * 3600 * 1000;
/** PVC size for WAL, index cache and compactor state when chunks and index are on s3. */
const S3_LOCAL_VOLUME_SIZE = "10Gi";

/**
 * replication_factor: 1 for a single replica (the chart's default 3 cannot be met by one ingester
 * and every push would fail), 3 from three replicas on. Two replicas are refused: with factor 2 the
 * write quorum is 2, so losing either pod stops ingestion (no gain over one), and factor 3 cannot
 * be met.
 */
export function lokiReplicationFactor(replicas: number): number {
    if (!Number.isInteger(replicas) || replicas < 1) throw new Error(`loki: replicas must be a positive integer, got ${replicas}`);
    if (replicas === 2) {
        throw new Error("loki: 2 replicas cannot tolerate a failure (replication factor 2 needs both for every write) and cannot hold factor 3; use 1, or 3 and more");
    }
    return replicas === 1 ? 1 : 3;
}

/**
 * Values for the Loki chart in monolithic mode (`deploymentMode: Monolithic`; the chart's 12.0 rename
 * of SingleBinary, which is still accepted but deprecated), with the chart rendering loki.yaml from
 * these values. Unlike Prometheus and Jaeger, the config is not ours byte for byte: the chart's own
 * validation (schema_config required, replicas vs object storage), its gateway's nginx config, its
 * memberlist join address and its probes all read the same `loki.*` values, so a separate file would
 * duplicate each of them and could drift.
 */
export function buildLokiValues(s: LokiChartSettings): Record<string, unknown> {
    const replicationFactor = lokiReplicationFactor(s.replicas);
    if (s.storage.type === "filesystem" && s.replicas !== 1) {
        // The chart refuses it too ("Cannot run more than 1 Monolithic replica without an object storage backend").
        throw new Error(`loki: ${s.replicas} replicas need object storage (s3); filesystem storage runs exactly one replica`);
    }
    const retentionMs = parsePromDuration(s.retention);
    if (retentionMs === undefined || retentionMs < DAY_MS) {
        throw new Error(`loki: retention ${JSON.stringify(s.retention)} is not a duration of at least 24h (e.g. 30d, 744h)`);
    }
    if (s.storage.type === "s3" && (s.storage.bucket === "" || s.storage.region === "")) throw new Error("loki: s3 storage needs bucket and region");
    const objectStore = s.storage.type === "s3" ? "s3" : "filesystem";

    const storage: Record<string, unknown> =
        s.storage.type === "s3"
            ? {
                  type: "s3",
                  // The ruler is off, so only the chunks bucket is read; the chart still looks up both names.
                  bucketNames: { chunks: s.storage.bucket, ruler: s.storage.bucket },
                  s3: {
                      region: s.storage.region,
                      ...(s.storage.endpoint !== undefined ? { endpoint: s.storage.endpoint } : {}),
                      ...(s.s3KeysSecret !== undefined ? { accessKeyId: S3_KEY_REFERENCES.accessKeyId, secretAccessKey: S3_KEY_REFERENCES.secretAccessKey } : {}),
                  },
              }
            : { type: "filesystem" };
    if (s.s3KeysSecret !== undefined && s.storage.type !== "s3") throw new Error("loki: s3KeysSecret is for s3 storage only");

    return {
        deploymentMode: "Monolithic",
        fullnameOverride: s.fullname,
        // defaults.extraEnvFrom: "Common source of environment injections to add to all pods directly managed by this chart" (values.yaml).
        ...(s.s3KeysSecret !== undefined ? { defaults: { extraEnvFrom: s3KeysEnvFrom(s.s3KeysSecret) } } : {}),
        ...(s.serviceAccountAnnotations !== undefined && Object.keys(s.serviceAccountAnnotations).length > 0
            ? { serviceAccount: { create: true, name: s.fullname, annotations: { ...s.serviceAccountAnnotations } } }
            : {}),
        loki: {
            // Multi-tenant: every request must carry X-Scope-OrgID (the tenant zones push as).
            auth_enabled: true,
            commonConfig: { replication_factor: replicationFactor },
            schemaConfig: {
                configs: [
                    { from: SCHEMA_FROM, store: "tsdb", object_store: objectStore, schema: "v13", index: { prefix: "loki_index_", period: "24h" } },
                ],
            },
            storage,
            limits_config: {
                retention_period: s.retention,
                // OTLP ingestion stores non-label attributes as structured metadata; without it Loki rejects OTLP pushes.
                allow_structured_metadata: true,
                otlp_config: { resource_attributes: { attributes_config: [{ action: "index_label", attributes: [...OTLP_INDEX_LABELS] }] } },
            },
            compactor: { retention_enabled: true, delete_request_store: objectStore, working_directory: "/var/loki/compactor" },
        },
        singleBinary: {
            replicas: s.replicas,
            persistence: {
                enabled: true,
                // With s3 the PVC holds only WAL, index cache and compactor state; no storageClass: the cluster default.
                size: s.storage.type === "filesystem" ? s.storage.size : S3_LOCAL_VOLUME_SIZE,
            },
        },
        // The chart defaults these simple-scalable targets to 3 replicas each; with monolithic replicas
        // its validation fails unless they are zero.
        read: { replicas: 0 },
        write: { replicas: 0 },
        backend: { replicas: 0 },
        gateway: {
            enabled: true,
            replicas: s.replicas > 1 ? 2 : 1,
            ...(s.exposure.type === "Ingress" ? { ingress: gatewayIngress(s.exposure) } : {}),
        },
        // Memcached caches default to 8 GiB + 1 GiB pods: sized for scalable installs, not a monolith.
        chunksCache: { enabled: false },
        resultsCache: { enabled: false },
        // No alerting rules live in Loki; the canary DaemonSet and helm test would push synthetic logs from every node.
        ruler: { enabled: false },
        sidecar: { rules: { enabled: false } },
        lokiCanary: { enabled: false },
        test: { enabled: false },
    };
}

/**
 * Ingress exposure through the chart's gateway ingress, with only the two ingestion paths: the
 * gateway also routes queries, deletes, /flush and the ring pages, none of which zones need.
 */
function gatewayIngress(e: Extract<ServiceExposure, { type: "Ingress" }>): Record<string, unknown> {
    return {
        enabled: true,
        ...(e.ingressClassName !== undefined ? { ingressClassName: e.ingressClassName } : {}),
        ...(e.annotations !== undefined ? { annotations: { ...e.annotations } } : {}),
        hosts: [{ host: e.host, paths: [PUSH_PATH, OTLP_LOGS_PATH].map((path) => ({ path, pathType: "Prefix" })) }],
        // Always set: the chart's default tls entry names a `loki-gateway-tls` Secret that does not exist.
        tls: e.tlsSecretName !== undefined ? [{ secretName: e.tlsSecretName, hosts: [e.host] }] : [],
    };
}

/** Pod labels of the chart's gateway Deployment (the gateway's default anti-affinity selects the same labels). */
export function lokiGatewaySelectorLabels(release: string): Record<string, string> {
    return { "app.kubernetes.io/name": LOKI_CHART.chart, "app.kubernetes.io/instance": release, "app.kubernetes.io/component": "gateway" };
}

/**
 * LoadBalancer or NodePort exposure: a Service of our own in front of the gateway pods, because the
 * chart's gateway Service has no loadBalancerSourceRanges (and one Service shape serves both). Layer 4
 * cannot filter paths, so the whole Loki API (queries and admin endpoints too) is reachable from the
 * allowed ranges, or from whoever reaches a node; prefer an Ingress.
 */
export function buildLokiExposedService(
    e: Extract<ServiceExposure, { type: "LoadBalancer" | "NodePort" }>,
    fullname: string,
    namespace: string,
    release: string,
): { readonly metadata: types.input.meta.v1.ObjectMeta; readonly spec: types.input.core.v1.ServiceSpec } {
    const port = { name: "http", port: GATEWAY_SERVICE_PORT, targetPort: GATEWAY_CONTAINER_PORT_NAME, protocol: "TCP" };
    return {
        metadata: { name: `${fullname}-push`, namespace, ...(e.annotations !== undefined ? { annotations: { ...e.annotations } } : {}) },
        spec:
            e.type === "NodePort"
                ? { type: "NodePort", selector: lokiGatewaySelectorLabels(release), ports: [{ ...port, nodePort: e.nodePort }] }
                : {
                      type: "LoadBalancer",
                      selector: lokiGatewaySelectorLabels(release),
                      ports: [port],
                      ...(e.sourceRanges !== undefined ? { loadBalancerSourceRanges: [...e.sourceRanges] } : {}),
                  },
    };
}

export interface LokiEndpoints {
    /** Push API URL as zones reach it. */
    readonly pushUrl: string;
    /** OTLP base URL as zones reach it (OTel otlphttp exporters append /v1/logs). */
    readonly otlpUrl: string;
    /** In-cluster query URL through the gateway (Grafana's Loki datasource). */
    readonly queryUrl: string;
    /** Problems a reviewer should see in the plan. */
    readonly warnings: readonly string[];
}

/** URLs of a Loki release for a given exposure. */
export function lokiEndpoints(exposure: ServiceExposure, fullname: string, namespace: string): LokiEndpoints {
    const inCluster = `http://${fullname}-gateway.${namespace}.svc.cluster.local`;
    const warnings: string[] = [];
    let base: string;
    switch (exposure.type) {
        case "ClusterIP":
            base = inCluster;
            break;
        case "LoadBalancer":
            base = `http://${exposure.host}`;
            warnings.push(`loki is exposed without TLS at ${base}, with its whole HTTP API (queries and admin endpoints too); prefer exposure type "ingress" with tlsSecretName`);
            break;
        case "NodePort":
            base = `http://${exposure.host}:${exposure.nodePort}`;
            warnings.push(`loki is exposed without TLS on every node's port ${exposure.nodePort} (${base}), with its whole HTTP API (queries and admin endpoints too); use it where the node network is private (kind, a lab), else exposure type "ingress" with tlsSecretName`);
            break;
        case "Ingress":
            base = `${exposure.tlsSecretName !== undefined ? "https" : "http"}://${exposure.host}`;
            if (exposure.tlsSecretName === undefined) warnings.push(`loki ingress ${exposure.host} has no tlsSecretName: logs cross the network in clear text`);
            break;
    }
    if (exposure.type !== "ClusterIP") {
        warnings.push(`loki at ${base} authenticates nobody: X-Scope-OrgID only selects the tenant; restrict who can reach it`);
    }
    return { pushUrl: `${base}${PUSH_PATH}`, otlpUrl: `${base}${OTLP_BASE_PATH}`, queryUrl: inCluster, warnings };
}

/** A Loki tenant ID usable as X-Scope-OrgID (one tenant: no `|`), and as a literal in Grafana provisioning (no `$`). */
export function validateLokiTenant(tenant: string): string {
    if (!/^[A-Za-z0-9_.-]{1,150}$/.test(tenant) || tenant === "." || tenant === "..") {
        throw new Error(`loki tenant ${JSON.stringify(tenant)} is not a tenant ID; allowed: 1-150 of A-Z a-z 0-9 _ . - (not "." or "..")`);
    }
    return tenant;
}
