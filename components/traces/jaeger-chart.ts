import type { types } from "@pulumi/kubernetes";
import { ServiceExposure } from "../kernel/service-exposure";
import { BADGER_DIR, JaegerStorage, OTLP_GRPC_PORT, OTLP_HTTP_PORT, QUERY_HTTP_PORT } from "./jaeger-config";

/**
 * The upstream jaegertracing/jaeger chart, pinned. 4.11.1 ships Jaeger v2 2.19.0 (Chart.yaml
 * appVersion) as one all-in-one Deployment behind one Service; its values keys are checked against
 * the upstream values.yaml in tests (upstream has no values.schema.json).
 */
export const JAEGER_CHART = {
    chart: "jaeger",
    version: "4.11.1",
    repo: "https://jaegertracing.github.io/helm-charts",
    appVersion: "2.19.0",
} as const;

/** Where our config ConfigMap is mounted and the file Jaeger is started with. */
export const JAEGER_CONFIG_DIR = "/etc/jaeger/meshobs";
export const JAEGER_CONFIG_KEY = "config.yaml";
const CONFIG_VOLUME = "meshobs-config";
const BADGER_VOLUME = "badger-data";
/** UID/GID the chart runs Jaeger as (jaeger.podSecurityContext); fsGroup makes the badger volume writable. */
const JAEGER_UID = 10001;

export interface JaegerChartSettings {
    /** Name of the Deployment and Service (fullnameOverride). */
    readonly fullname: string;
    /** Name of our ConfigMap holding the Jaeger config under JAEGER_CONFIG_KEY. */
    readonly configMapName: string;
    /** Trace storage (decides the extra volume). */
    readonly storage: JaegerStorage;
    /** PVC mounted at BADGER_DIR; required for badger storage, refused otherwise. */
    readonly badgerClaimName?: string;
}

/**
 * Values for the jaeger chart: the all-in-one v2 Deployment started with `--config` on our own
 * ConfigMap (the chart's `userconfig` would re-render the file from values, and names its ConfigMap
 * `user-config` whatever the release), one replica (memory and badger are per-process stores), a
 * restricted security context, and the chart's Service left ClusterIP: it carries the query UI and
 * API, which have no authentication, so only the OTLP ports are ever exposed (buildJaegerExposure).
 */
export function buildJaegerValues(s: JaegerChartSettings): Record<string, unknown> {
    if (s.storage.type === "badger" && s.badgerClaimName === undefined) throw new Error("jaeger values: badger storage needs badgerClaimName");
    if (s.storage.type !== "badger" && s.badgerClaimName !== undefined) throw new Error(`jaeger values: badgerClaimName given for ${s.storage.type} storage`);
    const volumes: Record<string, unknown>[] = [{ name: CONFIG_VOLUME, configMap: { name: s.configMapName } }];
    const mounts: Record<string, unknown>[] = [{ name: CONFIG_VOLUME, mountPath: JAEGER_CONFIG_DIR, readOnly: true }];
    if (s.badgerClaimName !== undefined) {
        volumes.push({ name: BADGER_VOLUME, persistentVolumeClaim: { claimName: s.badgerClaimName } });
        mounts.push({ name: BADGER_VOLUME, mountPath: BADGER_DIR });
    }
    return {
        fullnameOverride: s.fullname,
        jaeger: {
            replicas: 1,
            args: [`--config=${JAEGER_CONFIG_DIR}/${JAEGER_CONFIG_KEY}`],
            extraVolumes: volumes,
            extraVolumeMounts: mounts,
            podSecurityContext: {
                runAsUser: JAEGER_UID,
                runAsGroup: JAEGER_UID,
                fsGroup: JAEGER_UID,
                runAsNonRoot: true,
                seccompProfile: { type: "RuntimeDefault" },
            },
            securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
            },
            ingress: { enabled: false },
        },
    };
}

/** Pod labels of the chart's all-in-one Deployment (templates/jaeger/jaeger-deploy.yaml, selectorLabels in _helpers.tpl). */
export function jaegerSelectorLabels(release: string): Record<string, string> {
    return { "app.kubernetes.io/name": JAEGER_CHART.chart, "app.kubernetes.io/instance": release, "app.kubernetes.io/component": "all-in-one" };
}

export interface JaegerExposure {
    /** A LoadBalancer Service carrying only the OTLP ports (LoadBalancer exposure). */
    readonly service?: { readonly metadata: types.input.meta.v1.ObjectMeta; readonly spec: types.input.core.v1.ServiceSpec };
    /** An Ingress for OTLP/HTTP trace ingestion only (Ingress exposure). */
    readonly ingress?: { readonly metadata: types.input.meta.v1.ObjectMeta; readonly spec: types.input.networking.v1.IngressSpec };
    /** OTLP/gRPC endpoint as zones in other clusters reach it (scheme http = plain text); undefined where gRPC is not exposed. */
    readonly otlpGrpcEndpoint?: string;
    /** OTLP/HTTP base URL as zones reach it; exporters append /v1/traces. */
    readonly otlpHttpEndpoint: string;
    /** Problems a reviewer should see in the plan. */
    readonly warnings: readonly string[];
}

/**
 * How zones reach the OTLP receivers:
 * - ClusterIP: the chart's Service by cluster DNS (zones in the same cluster, or a mesh spanning clusters);
 * - LoadBalancer: a Service of our own with only 4317 and 4318, never the unauthenticated query ports;
 * - NodePort: a Service of our own with only 4318 on the configured node port (one port per exposure:
 *   OTLP/HTTP, as through an Ingress);
 * - Ingress: OTLP/HTTP on `https://<host>/v1/traces`. OTLP/gRPC is not offered: proxying gRPC through an
 *   Ingress needs HTTP/2 to the backend, which is controller-specific (e.g. nginx's backend-protocol
 *   annotation); zones export OTLP/HTTP (or use a LoadBalancer exposure when they must speak gRPC).
 */
export function buildJaegerExposure(exposure: ServiceExposure, fullname: string, namespace: string, release: string): JaegerExposure {
    const inCluster = `${fullname}.${namespace}.svc.cluster.local`;
    switch (exposure.type) {
        case "ClusterIP":
            return {
                otlpGrpcEndpoint: `http://${inCluster}:${OTLP_GRPC_PORT}`,
                otlpHttpEndpoint: `http://${inCluster}:${OTLP_HTTP_PORT}`,
                warnings: [],
            };
        case "LoadBalancer":
            return {
                service: {
                    metadata: objectMeta(`${fullname}-otlp`, namespace, exposure.annotations),
                    spec: {
                        type: "LoadBalancer",
                        selector: jaegerSelectorLabels(release),
                        ports: [
                            { name: "otlp-grpc", port: OTLP_GRPC_PORT, targetPort: OTLP_GRPC_PORT, protocol: "TCP", appProtocol: "grpc" },
                            { name: "otlp-http", port: OTLP_HTTP_PORT, targetPort: OTLP_HTTP_PORT, protocol: "TCP", appProtocol: "http" },
                        ],
                        ...(exposure.sourceRanges !== undefined ? { loadBalancerSourceRanges: [...exposure.sourceRanges] } : {}),
                    },
                },
                otlpGrpcEndpoint: `http://${exposure.host}:${OTLP_GRPC_PORT}`,
                otlpHttpEndpoint: `http://${exposure.host}:${OTLP_HTTP_PORT}`,
                warnings: [
                    `jaeger OTLP is exposed without TLS or authentication at ${exposure.host}:${OTLP_GRPC_PORT}/${OTLP_HTTP_PORT}; ` +
                        "restrict sourceRanges or use an ingress with TLS",
                ],
            };
        case "NodePort":
            return {
                service: {
                    metadata: objectMeta(`${fullname}-otlp`, namespace, exposure.annotations),
                    spec: {
                        type: "NodePort",
                        selector: jaegerSelectorLabels(release),
                        ports: [{ name: "otlp-http", port: OTLP_HTTP_PORT, targetPort: OTLP_HTTP_PORT, protocol: "TCP", appProtocol: "http", nodePort: exposure.nodePort }],
                    },
                },
                otlpHttpEndpoint: `http://${exposure.host}:${exposure.nodePort}`,
                warnings: [
                    `jaeger OTLP/HTTP is exposed without TLS or authentication on every node's port ${exposure.nodePort} (${exposure.host}); use it where the node network is private (kind, a lab), else an ingress with TLS`,
                    `jaeger node port ${exposure.host}:${exposure.nodePort} carries OTLP/HTTP only: zones must export traces over OTLP/HTTP, not gRPC`,
                ],
            };
        case "Ingress": {
            const tls = exposure.tlsSecretName !== undefined;
            return {
                ingress: {
                    metadata: objectMeta(`${fullname}-otlp`, namespace, exposure.annotations),
                    spec: {
                        ...(exposure.ingressClassName !== undefined ? { ingressClassName: exposure.ingressClassName } : {}),
                        rules: [
                            {
                                host: exposure.host,
                                http: {
                                    paths: [
                                        { path: "/v1/traces", pathType: "Prefix", backend: { service: { name: fullname, port: { number: OTLP_HTTP_PORT } } } },
                                    ],
                                },
                            },
                        ],
                        ...(tls ? { tls: [{ hosts: [exposure.host], secretName: exposure.tlsSecretName }] } : {}),
                    },
                },
                otlpHttpEndpoint: `${tls ? "https" : "http"}://${exposure.host}`,
                warnings: [
                    ...(tls ? [] : [`jaeger ingress ${exposure.host} has no tlsSecretName: traces cross the network in clear text`]),
                    `jaeger ingress ${exposure.host} carries OTLP/HTTP only: zones must export traces over OTLP/HTTP, not gRPC`,
                ],
            };
        }
    }
}

function objectMeta(name: string, namespace: string, annotations: Record<string, string> | undefined): types.input.meta.v1.ObjectMeta {
    return { name, namespace, ...(annotations !== undefined ? { annotations: { ...annotations } } : {}) };
}

/** In-cluster URL of the Jaeger query service (Grafana's Jaeger datasource). */
export function jaegerQueryUrl(fullname: string, namespace: string): string {
    return `http://${fullname}.${namespace}.svc.cluster.local:${QUERY_HTTP_PORT}`;
}
