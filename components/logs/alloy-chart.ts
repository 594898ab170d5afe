/**
 * The upstream grafana/alloy chart, pinned. 1.11.1 ships Alloy v1.18.1 (Chart.yaml appVersion); its
 * values keys are checked against the upstream values.yaml in tests (upstream has no values.schema.json).
 */
export const ALLOY_CHART = {
    chart: "alloy",
    version: "1.11.1",
    repo: "https://grafana.github.io/helm-charts",
    appVersion: "v1.18.1",
} as const;

/** The key of our ConfigMap the chart runs: it mounts the ConfigMap at /etc/alloy and runs /etc/alloy/<key>. */
export const ALLOY_CONFIG_KEY = "config.alloy";
/**
 * --storage.path, on a hostPath: loki.source.file keeps its read positions there, so a restarted or
 * upgraded pod resumes where the last one stopped instead of re-sending or skipping lines (the
 * reference promtail keeps its positions on a hostPath too). The chart default /tmp/alloy dies with the pod.
 */
export const ALLOY_STORAGE_PATH = "/var/lib/alloy/data";
/** Host directory under which each release keeps its storage. */
const HOST_DATA_ROOT = "/var/lib/meshobs-alloy";
const DATA_VOLUME = "alloy-data";

/** Requests and limits of the Alloy container. */
export const ALLOY_RESOURCES = { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } } as const;

export interface AlloyChartSettings {
    /** Name of the DaemonSet and its objects (fullnameOverride); also names the host storage directory. */
    readonly fullname: string;
    /** Our ConfigMap holding the Alloy config under ALLOY_CONFIG_KEY. */
    readonly configMapName: string;
}

/**
 * Values for the alloy chart: a DaemonSet running our ConfigMap (configMap.create false), the host's
 * /var/log mounted read-only for the pod log files, positions on a hostPath, no PodLogs CRDs (the
 * config does not use loki.source.podlogs) and no usage reporting. The container runs as root, the
 * only non-default: the kubelet's /var/log/pods files are root-owned and not world-readable; everything
 * else is restricted (no capabilities, no privilege escalation, read-only root filesystem).
 * The chart's config-reloader sidecar stays on, so a changed ConfigMap is reloaded without a restart.
 */
export function buildAlloyChartValues(s: AlloyChartSettings): Record<string, unknown> {
    return {
        fullnameOverride: s.fullname,
        crds: { create: false },
        alloy: {
            configMap: { create: false, name: s.configMapName, key: ALLOY_CONFIG_KEY },
            storagePath: ALLOY_STORAGE_PATH,
            enableReporting: false,
            mounts: {
                varlog: true,
                extra: [{ name: DATA_VOLUME, mountPath: ALLOY_STORAGE_PATH }],
            },
            securityContext: {
                runAsUser: 0,
                runAsGroup: 0,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
            },
            resources: { requests: { ...ALLOY_RESOURCES.requests }, limits: { ...ALLOY_RESOURCES.limits } },
        },
        controller: {
            type: "daemonset",
            volumes: {
                extra: [{ name: DATA_VOLUME, hostPath: { path: `${HOST_DATA_ROOT}/${s.fullname}`, type: "DirectoryOrCreate" } }],
            },
        },
    };
}
