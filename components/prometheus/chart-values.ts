/** A Secret mounted into the Prometheus container (chart `server.extraSecretMounts`). */
export interface SecretMount {
    /** Volume name. */
    readonly name: string;
    /** Directory in the container. */
    readonly mountPath: string;
    /** Name of the Kubernetes Secret. */
    readonly secretName: string;
}

/** How the Prometheus Service is exposed beyond the cluster. */
export type ServiceExposure =
    | { readonly type: "ClusterIP" }
    | { readonly type: "LoadBalancer"; readonly host: string; readonly annotations?: Record<string, string>; readonly sourceRanges?: readonly string[] }
    | {
          readonly type: "Ingress";
          readonly host: string;
          readonly ingressClassName?: string;
          readonly tlsSecretName?: string;
          readonly annotations?: Record<string, string>;
      };

export interface PrometheusChartSettings {
    /** Name of the server's objects (Service, StatefulSet): server.fullnameOverride. */
    readonly fullname: string;
    /** Suffix of our own config ConfigMap: the chart mounts `<release>-<suffix>` and renders none itself. */
    readonly configMapOverrideName: string;
    /** sha256 of the mounted prometheus.yml: a change rolls the pod where no reloader runs. */
    readonly configChecksum: string;
    /** --storage.tsdb.retention.time. */
    readonly retention: string;
    /** --storage.tsdb.retention.size; unset for time-only retention. */
    readonly retentionSize?: string;
    /** PVC size. */
    readonly storageSize: string;
    /** PVC StorageClass; unset for the cluster default. */
    readonly storageClassName?: string;
    /** Flags without value (chart `server.extraFlags`, without the leading --). */
    readonly extraFlags: readonly string[];
    /** Flags with value (chart `server.extraArgs`). */
    readonly extraArgs: Readonly<Record<string, string>>;
    /** Secrets mounted as files (credentials, web config). */
    readonly secretMounts: readonly SecretMount[];
    /** Run the config-reloader sidecar (it cannot authenticate, so only where the web API is open). */
    readonly reloader: boolean;
    /** TCP probes instead of HTTP, for servers whose every endpoint requires auth. */
    readonly tcpProbes: boolean;
    /** Service / Ingress exposure. */
    readonly exposure: ServiceExposure;
}

/**
 * Values for the prometheus-community/prometheus chart: only the server, as a StatefulSet (its
 * WAL must survive restarts so a zone loses nothing during an outage), with the subcharts
 * (alertmanager, kube-state-metrics, node-exporter, pushgateway) off, and no cluster-wide RBAC
 * because neither kuma_sd nor static targets read the Kubernetes API.
 */
export function buildPrometheusChartValues(s: PrometheusChartSettings): Record<string, unknown> {
    const server: Record<string, unknown> = {
        fullnameOverride: s.fullname,
        configMapOverrideName: s.configMapOverrideName,
        retention: s.retention,
        extraFlags: [...s.extraFlags],
        extraArgs: { ...s.extraArgs },
        extraSecretMounts: s.secretMounts.map((m) => ({ ...m, subPath: "", readOnly: true })),
        statefulSet: { enabled: true },
        persistentVolume: {
            enabled: true,
            size: s.storageSize,
            ...(s.storageClassName !== undefined ? { storageClass: s.storageClassName } : {}),
        },
        podAnnotations: { "meshobs.io/config-sha256": s.configChecksum },
        tcpSocketProbeEnabled: s.tcpProbes,
        service: serviceValues(s.exposure),
    };
    if (s.retentionSize !== undefined) server.retentionSize = s.retentionSize;
    if (s.exposure.type === "Ingress") {
        server.ingress = {
            enabled: true,
            hosts: [s.exposure.host],
            path: "/",
            pathType: "Prefix",
            ...(s.exposure.ingressClassName !== undefined ? { ingressClassName: s.exposure.ingressClassName } : {}),
            ...(s.exposure.annotations !== undefined ? { annotations: { ...s.exposure.annotations } } : {}),
            ...(s.exposure.tlsSecretName !== undefined ? { tls: [{ secretName: s.exposure.tlsSecretName, hosts: [s.exposure.host] }] } : {}),
        };
    }
    return {
        rbac: { create: false },
        configmapReload: { prometheus: { enabled: s.reloader } },
        server,
        alertmanager: { enabled: false },
        "kube-state-metrics": { enabled: false },
        "prometheus-node-exporter": { enabled: false },
        "prometheus-pushgateway": { enabled: false },
    };
}

function serviceValues(e: ServiceExposure): Record<string, unknown> {
    if (e.type === "LoadBalancer") {
        return {
            type: "LoadBalancer",
            ...(e.annotations !== undefined ? { annotations: { ...e.annotations } } : {}),
            ...(e.sourceRanges !== undefined ? { loadBalancerSourceRanges: [...e.sourceRanges] } : {}),
        };
    }
    return { type: "ClusterIP" };
}
