import { CONFIG_FILE_KEY, CONFIG_MOUNT_DIR, DATA_MOUNT_PATH, PROMETHEUS_CHART } from "./chart";
import { EnvVarFromSecret } from "./aws-credentials";
import { PrometheusMode, prometheusModeFlags } from "./prometheus-mode";
import { ServiceExposure } from "../kernel/service-exposure";

/** A Secret mounted into the Prometheus container (chart `server.extraSecretMounts`). */
export interface SecretMount {
    /** Volume name. */
    readonly name: string;
    /** Directory in the container. */
    readonly mountPath: string;
    /** Name of the Kubernetes Secret. */
    readonly secretName: string;
}

/** A ConfigMap mounted into the Prometheus container (chart `server.extraConfigmapMounts`), e.g. rule files. */
export interface ConfigMapMount {
    /** Volume name. */
    readonly name: string;
    /** Directory in the container. */
    readonly mountPath: string;
    /** Name of the ConfigMap. */
    readonly configMap: string;
    /** sha256 of the mounted content: a change rolls the pod (annotation `meshobs.io/<name>-sha256`). */
    readonly checksum: string;
}

export interface PrometheusChartSettings {
    /** Container requests and limits (server.resources), e.g. from sizing.ts; default none. */
    readonly resources?: { readonly requests: Readonly<Record<string, string>>; readonly limits: Readonly<Record<string, string>> };
    /** Kubernetes pod discovery is in use: the chart's RBAC (pods list/watch) is then needed; default false. */
    readonly podDiscovery?: boolean;
    /** Name of the server's objects (Service, StatefulSet): server.fullnameOverride. */
    readonly fullname: string;
    /** Suffix of our own config ConfigMap: the chart mounts `<release>-<suffix>` and renders none itself. */
    readonly configMapOverrideName: string;
    /** sha256 of the mounted prometheus.yml: a change rolls the pod where no reloader runs. */
    readonly configChecksum: string;
    /** --storage.tsdb.retention.time; server mode only; unset: the chart's 15d. */
    readonly retention?: string;
    /** --storage.tsdb.retention.size; server mode only; unset for time-only retention. */
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
    /** server (default) or agent; an agent's flags replace the chart's defaults (server.defaultFlagsOverride). */
    readonly mode?: PrometheusMode;
    /** Extra container environment (chart `server.env`), e.g. AWS keys from a Secret; default none. */
    readonly env?: readonly ContainerEnvVar[];
    /** Annotations of the server's ServiceAccount (chart `serviceAccounts.server.annotations`), e.g. IRSA's role; default none. */
    readonly serviceAccountAnnotations?: Readonly<Record<string, string>>;
    /** ConfigMaps mounted as files (rule files); default none. */
    readonly configMapMounts?: readonly ConfigMapMount[];
}

/** A container environment variable: a literal value or a Secret key. */
export type ContainerEnvVar = { readonly name: string; readonly value: string } | EnvVarFromSecret;

/**
 * Every flag of an agent, for `server.defaultFlagsOverride`. The chart renders its default flags
 * (--storage.tsdb.path, --storage.tsdb.retention.time, the console flags) and extraFlags/extraArgs
 * only when defaultFlagsOverride is empty, and has no agent switch of its own; an agent refuses
 * any --storage.tsdb.* flag, so the whole list is ours: config file, mode and storage, then the
 * caller's flags. The agent's WAL lives on the same PVC (server.persistentVolume.mountPath).
 */
export function agentFlags(s: PrometheusChartSettings): string[] {
    return [
        `--config.file=${CONFIG_MOUNT_DIR}/${CONFIG_FILE_KEY}`,
        ...prometheusModeFlags({
            mode: "agent",
            // The image the chart runs (no image override here), whose release decides the agent flag.
            version: PROMETHEUS_CHART.appVersion,
            storagePath: DATA_MOUNT_PATH,
            retention: s.retention,
            retentionSize: s.retentionSize,
        }),
        ...s.extraFlags.map((f) => `--${f}`),
        ...Object.entries(s.extraArgs).map(([k, v]) => `--${k}=${v}`),
    ];
}

/**
 * Container securityContext of the server and its config reloader (both `{}` upstream, so open maps):
 * no privilege escalation, read-only root filesystem, no capabilities. Fresh arrays per call.
 */
function restrictedContainer(): Record<string, unknown> {
    return { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };
}

/**
 * Values for the prometheus-community/prometheus chart: only the server, as a StatefulSet (its
 * WAL must survive restarts so a zone loses nothing during an outage), with the subcharts
 * (alertmanager, kube-state-metrics, node-exporter, pushgateway) off, and no cluster-wide RBAC
 * because neither kuma_sd nor static targets read the Kubernetes API.
 */
export function buildPrometheusChartValues(s: PrometheusChartSettings): Record<string, unknown> {
    const agent = (s.mode ?? "server") === "agent";
    const server: Record<string, unknown> = {
        fullnameOverride: s.fullname,
        configMapOverrideName: s.configMapOverrideName,
        // In agent mode the chart ignores retention/extraFlags/extraArgs; emptied so the values do not pretend otherwise.
        ...(agent ? { defaultFlagsOverride: agentFlags(s), retention: "" } : s.retention !== undefined ? { retention: s.retention } : {}),
        extraFlags: agent ? [] : [...s.extraFlags],
        extraArgs: agent ? {} : { ...s.extraArgs },
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
        // The chart's pod securityContext already runs as nobody (65534, runAsNonRoot); its container
        // context is empty upstream. Prometheus writes only to its PVC (server.persistentVolume), so
        // the image's root filesystem can be read-only.
        containerSecurityContext: restrictedContainer(),
    };
    if (s.retentionSize !== undefined && !agent) server.retentionSize = s.retentionSize;
    if (s.configMapMounts !== undefined && s.configMapMounts.length > 0) {
        server.extraConfigmapMounts = s.configMapMounts.map((m) => ({ name: m.name, mountPath: m.mountPath, subPath: "", configMap: m.configMap, readOnly: true }));
        // Where no reloader runs (the global), only a changed pod annotation makes the new rules load.
        const annotations = server.podAnnotations as Record<string, string>;
        for (const m of s.configMapMounts) annotations[`meshobs.io/${m.name}-sha256`] = m.checksum;
    }
    if (s.env !== undefined && s.env.length > 0) server.env = s.env.map((e) => structuredClone(e));
    if (s.resources !== undefined) server.resources = { requests: { ...s.resources.requests }, limits: { ...s.resources.limits } };
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
    const values: Record<string, unknown> = {
        // kuma_sd and static targets read no Kubernetes API; pod discovery (Kuma 3.x) lists pods.
        rbac: { create: s.podDiscovery ?? false },
        configmapReload: { prometheus: { enabled: s.reloader, containerSecurityContext: restrictedContainer() } },
        server,
        alertmanager: { enabled: false },
        "kube-state-metrics": { enabled: false },
        "prometheus-node-exporter": { enabled: false },
        "prometheus-pushgateway": { enabled: false },
    };
    if (s.serviceAccountAnnotations !== undefined && Object.keys(s.serviceAccountAnnotations).length > 0) {
        // Named explicitly (the chart's default is the same fullname) because an IRSA trust policy must name it.
        values.serviceAccounts = { server: { create: true, name: s.fullname, annotations: { ...s.serviceAccountAnnotations } } };
    }
    return values;
}

function serviceValues(e: ServiceExposure): Record<string, unknown> {
    if (e.type === "LoadBalancer") {
        return {
            type: "LoadBalancer",
            ...(e.annotations !== undefined ? { annotations: { ...e.annotations } } : {}),
            ...(e.sourceRanges !== undefined ? { loadBalancerSourceRanges: [...e.sourceRanges] } : {}),
        };
    }
    if (e.type === "NodePort") {
        // prometheus-community/helm-charts charts/prometheus/templates/service.yaml (29.27.0) sets the
        // http port's nodePort from server.service.nodePort when the type is NodePort.
        return { type: "NodePort", nodePort: e.nodePort, ...(e.annotations !== undefined ? { annotations: { ...e.annotations } } : {}) };
    }
    return { type: "ClusterIP" };
}
