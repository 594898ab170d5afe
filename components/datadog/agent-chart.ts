import { CP_METRICS_PATH, CP_METRICS_PORT } from "../mesh/kuma-facts";
import { sha256 } from "../kernel/checksum";
import { renderYaml } from "../kernel/render-yaml";

/**
 * The Datadog Agent chart, pinned (DataDog/helm-charts, tag datadog-3.240.0; apiVersion v1 chart,
 * appVersion "7"). Its values are checked against the upstream values.yaml and values.schema.json in tests.
 */
export const DATADOG_CHART = {
    chart: "datadog",
    version: "3.240.0",
    repo: "https://helm.datadoghq.com",
    appVersion: "7",
} as const;

/**
 * Datadog sites. The chart documents all but ap2 under `datadog.site`; ap2 is named in its
 * `registryMigrationMode` comment. Every site's API is `https://api.<site>/`.
 */
export const DATADOG_SITES = [
    "datadoghq.com",
    "datadoghq.eu",
    "us3.datadoghq.com",
    "us5.datadoghq.com",
    "ap1.datadoghq.com",
    "ap2.datadoghq.com",
    "ddog-gov.com",
] as const;
export type DatadogSite = (typeof DATADOG_SITES)[number];

export function assertDatadogSite(site: string): asserts site is DatadogSite {
    if (!(DATADOG_SITES as readonly string[]).includes(site)) {
        throw new Error(`"${site}" is not a Datadog site; allowed: ${DATADOG_SITES.join(", ")}`);
    }
}

/** API URL of a site for the Pulumi provider (`apiUrl` must not end in /api/). */
export function datadogApiUrl(site: string): string {
    assertDatadogSite(site);
    return `https://api.${site}/`;
}

/** Trace agent TCP port (chart `datadog.apm.port`); the Service `trace-svc` exposes it as the Kong Mesh docs do. */
export const APM_PORT = 8126;
/** TCP port of the agent's log listener that MeshAccessLog's `Tcp` backend writes to (our choice; 10514-10518 are customary). */
export const LOGS_TCP_PORT = 10518;
/** The chart reads the API key from this key of `datadog.apiKeyExistingSecret`, and no other. */
export const API_KEY_SECRET_KEY = "api-key";
/** The chart reads the Cluster Agent token from this key of `clusterAgent.tokenExistingSecret`. */
export const CLUSTER_AGENT_TOKEN_KEY = "token";
/** Name of the Service the Kong Mesh docs give the trace agent (MeshTrace's Datadog backend URL points at it). */
export const TRACE_SERVICE_NAME = "trace-svc";

/**
 * OpenMetrics check namespaces: metrics arrive as `<namespace>.<name>` (counters as
 * `<namespace>.<name without _total>.count`), and each check reports the service check
 * `<namespace>.openmetrics.health`. Dashboards and monitors are built from these.
 */
export const METRIC_NAMESPACES = { dataplane: "kuma_dp", controlPlane: "kuma_cp" } as const;

/**
 * Which Prometheus families the checks keep (regexes, matched from the start of the name).
 * Envoy alone exposes thousands of series per proxy and each is a Datadog custom metric, so we keep
 * what the dashboard and monitors read plus a few neighbours; widen through `metrics` if needed.
 */
export const DEFAULT_DATAPLANE_METRICS = [
    "^envoy_server_live",
    "^envoy_cluster_upstream_rq",
    "^envoy_cluster_upstream_cx_active",
    "^envoy_http_downstream_rq",
    "^envoy_control_plane_connected_state",
] as const;
export const DEFAULT_CONTROL_PLANE_METRICS = ["^cp_info", "^leader", "^resources_count", "^xds_", "^kds_", "^dp_server_"] as const;

/**
 * Autodiscovery identifiers are short image names, not container names: the sidecar and the
 * control plane run `kuma-dp` / `kuma-cp` images in Kuma (kumahq/…) and Kong Mesh (kong/…) alike.
 */
export const KUMA_IMAGES = { dataplane: "kuma-dp", controlPlane: "kuma-cp" } as const;

/** Where the agent's init container copies `*.yaml` from into conf.d (keeping sub-directories). */
export const CONFD_MOUNT_DIR = "/conf.d";
const CHECKS_VOLUME = "meshobs-checks";

export interface MetricsEndpoint {
    /** Port of the Prometheus endpoint on the pod. */
    readonly port: number;
    /** HTTP path, starting with "/". */
    readonly path: string;
}

export interface DatadogAgentSettings {
    /** Zone name: every metric, log, trace and service check carries `zone:<zone>`. */
    readonly zone: string;
    /** Environment name: tagged `env:<env>`. */
    readonly env: string;
    /** `datadog.clusterName`: dot-separated tokens of [a-z0-9-], each starting with a letter and ending alphanumeric; ≤ 80 chars. */
    readonly clusterName: string;
    /** Datadog site (`datadog.site`), e.g. datadoghq.eu. */
    readonly site: string;
    /** Secret holding the API key; the chart only reads key `api-key`. */
    readonly apiKeySecret: { readonly name: string; readonly key: string };
    /** The dataplanes' Prometheus endpoint (MeshMetric Prometheus backend; Kuma defaults 5670 and /metrics). */
    readonly dataplaneMetrics: MetricsEndpoint;
    /** Chart `fullnameOverride`: the DaemonSet's name and its pods' `app` label; default "datadog-agent". */
    readonly fullname?: string;
    /** Collect container logs and run the TCP access-log listener; false where another shipper owns logs; default true. */
    readonly collectLogs?: boolean;
}

/** Names of the objects that sit beside the chart (ours) or that the chart names after fullname. */
export interface AgentObjectNames {
    /** Our ConfigMap of check and log configs, mounted at /conf.d of the agent's init containers. */
    readonly checksConfigMap: string;
    /** Our Secret with the Cluster Agent token (`clusterAgent.tokenExistingSecret`). */
    readonly clusterAgentToken: string;
    /** Service in front of the node agents' trace port (the Kong Mesh docs' name). */
    readonly traceService: string;
    /** Service in front of the node agents' TCP log listener. */
    readonly logsService: string;
    /** Label the chart puts on node agent pods only (also its DaemonSet selector, hence stable): `app: <fullname>`. */
    readonly agentPodSelector: Readonly<Record<string, string>>;
}

export const DEFAULT_FULLNAME = "datadog-agent";

export function agentObjectNames(fullname: string = DEFAULT_FULLNAME): AgentObjectNames {
    return {
        checksConfigMap: `${fullname}-checks`,
        clusterAgentToken: `${fullname}-cluster-agent-token`,
        traceService: TRACE_SERVICE_NAME,
        logsService: `${fullname}-logs`,
        // The Kong Mesh docs select `app.kubernetes.io/name: datadog-agent-deployment`, the Datadog
        // Operator's label. The Helm chart 3.240.0 labels node agent pods `app: <fullname>`,
        // `app.kubernetes.io/name: <fullname>` and `app.kubernetes.io/component: agent`; the second
        // is shared with the Cluster Agent's pods, so `app` is the one that picks node agents only.
        agentPodSelector: { app: fullname },
    };
}

/** Where mesh traffic reaches a zone's agent: MeshTrace's Datadog backend and MeshAccessLog's TCP backend. */
export function agentEndpoints(fullname: string, namespace: string): { readonly apmUrl: string; readonly logsTcpAddress: string } {
    const names = agentObjectNames(fullname);
    return {
        apmUrl: `http://${names.traceService}.${namespace}.svc.cluster.local:${APM_PORT}`,
        logsTcpAddress: `${names.logsService}.${namespace}.svc.cluster.local:${LOGS_TCP_PORT}`,
    };
}

/** The files of our checks ConfigMap: key → content, and where each lands under conf.d. */
export interface AgentCheckFiles {
    /** ConfigMap data: file key → YAML text (byte for byte as mounted). */
    readonly files: Readonly<Record<string, string>>;
    /** ConfigMap volume items: key → path below /conf.d (the agent needs `<check>.d/` directories). */
    readonly items: ReadonlyArray<{ readonly key: string; readonly path: string }>;
}

const CLUSTER_NAME_TOKEN = /^[a-z]([a-z0-9-]*[a-z0-9])?$/;

function validate(s: DatadogAgentSettings): void {
    assertDatadogSite(s.site);
    if (s.apiKeySecret.key !== API_KEY_SECRET_KEY) {
        throw new Error(
            `apiKeySecret.key "${s.apiKeySecret.key}": the datadog chart reads the API key only from key "${API_KEY_SECRET_KEY}" of datadog.apiKeyExistingSecret`,
        );
    }
    if (s.clusterName.length > 80 || !s.clusterName.split(".").every((t) => CLUSTER_NAME_TOKEN.test(t))) {
        throw new Error(
            `clusterName "${s.clusterName}" is not a valid Datadog cluster name; allowed: dot-separated tokens of lower-case letters, digits and hyphens, each starting with a letter and ending with a letter or digit, at most 80 characters`,
        );
    }
    const e = s.dataplaneMetrics;
    if (!Number.isInteger(e.port) || e.port < 1 || e.port > 65535) throw new Error(`dataplaneMetrics.port ${e.port} is not a TCP port`);
    if (!e.path.startsWith("/")) throw new Error(`dataplaneMetrics.path "${e.path}" must start with "/"`);
}

function staticTags(s: DatadogAgentSettings): string[] {
    return [`zone:${s.zone}`, `env:${s.env}`];
}

function openMetricsCheck(adIdentifier: string, endpoint: MetricsEndpoint, namespace: string, metrics: readonly string[], tags: string[]): unknown {
    return {
        ad_identifiers: [adIdentifier],
        init_config: {},
        instances: [
            {
                // %%host%% is the pod IP; the port is fixed because the sidecar declares no container port.
                openmetrics_endpoint: `http://%%host%%:${endpoint.port}${endpoint.path}`,
                namespace,
                metrics: [...metrics],
                // kuma-dp and kuma-cp put their own `zone` label on samples (the Kuma zone name); keep it
                // as kuma_zone so `zone` stays the one value this stack sets (Prometheus' exported_* rule).
                rename_labels: { zone: "kuma_zone" },
                // Explicit, because tags from datadog.tags are host tags and we want them on the check itself.
                tags,
            },
        ],
    };
}

/**
 * Our agent configuration files: OpenMetrics autodiscovery templates for the dataplanes and the
 * control plane (one check instance per matching container, on the node agent that runs it), and
 * the TCP log listener for MeshAccessLog's Tcp backend.
 */
export function renderAgentChecks(s: DatadogAgentSettings): AgentCheckFiles {
    validate(s);
    const tags = staticTags(s);
    const cp = { port: CP_METRICS_PORT, path: CP_METRICS_PATH };
    const dataplanes = openMetricsCheck(KUMA_IMAGES.dataplane, s.dataplaneMetrics, METRIC_NAMESPACES.dataplane, DEFAULT_DATAPLANE_METRICS, tags);
    const controlPlane = openMetricsCheck(KUMA_IMAGES.controlPlane, cp, METRIC_NAMESPACES.controlPlane, DEFAULT_CONTROL_PLANE_METRICS, tags);
    const files: Record<string, string> = {
        "kuma-dataplanes.yaml": renderYaml(dataplanes),
        "kuma-control-plane.yaml": renderYaml(controlPlane),
    };
    const items = [
        { key: "kuma-dataplanes.yaml", path: "openmetrics.d/kuma-dataplanes.yaml" },
        { key: "kuma-control-plane.yaml", path: "openmetrics.d/kuma-control-plane.yaml" },
    ];
    if (s.collectLogs ?? true) {
        files["kuma-access-logs.yaml"] = renderYaml({ logs: [{ type: "tcp", port: LOGS_TCP_PORT, source: "kuma", service: "kuma-access-log", tags }] });
        items.push({ key: "kuma-access-logs.yaml", path: "kuma_access_logs.d/conf.yaml" });
    }
    return { files, items };
}

/** sha256 over every checks file (key and content), for the pod annotation that rolls the agents. */
export function checksChecksum(checks: AgentCheckFiles): string {
    return sha256(
        Object.keys(checks.files)
            .sort()
            .map((k) => `${k}\n${checks.files[k]}`)
            .join("\n"),
    );
}

/**
 * Values for the datadog chart in one zone: node agents with logs (all containers, plus our TCP
 * listener), APM on 8126 reached through a Service (no hostPort, so zones may share a cluster),
 * our OpenMetrics checks mounted from our own ConfigMap, and an HA Cluster Agent whose token comes
 * from our Secret (the chart would otherwise draw a random token on every render and roll the agents).
 */
export function buildDatadogAgentValues(s: DatadogAgentSettings): Record<string, unknown> {
    const checks = renderAgentChecks(s);
    const fullname = s.fullname ?? DEFAULT_FULLNAME;
    const names = agentObjectNames(fullname);
    const collectLogs = s.collectLogs ?? true;
    return {
        fullnameOverride: fullname,
        datadog: {
            apiKeyExistingSecret: s.apiKeySecret.name,
            site: s.site,
            clusterName: s.clusterName,
            tags: staticTags(s),
            logs: { enabled: collectLogs, containerCollectAll: collectLogs },
            // The trace agent always listens on datadog.apm.port; portEnabled would add a hostPort,
            // useLocalService adds the chart's node-local Service. Our trace-svc reaches the pods directly.
            apm: { portEnabled: false, useLocalService: true, port: APM_PORT },
            // The operator subchart (default on) is not needed to run the agents from this chart.
            operator: { enabled: false },
        },
        clusterAgent: {
            enabled: true,
            // Two replicas run leader election, so one can go (node drain, rollout) under the PodDisruptionBudget.
            replicas: 2,
            tokenExistingSecret: names.clusterAgentToken,
            pdb: { create: true },
        },
        agents: {
            podAnnotations: { "meshobs.io/checks-sha256": checksChecksum(checks) },
            // Mounted where datadog.confd would be (so datadog.confd must stay unset): the init-config
            // container copies /conf.d/**/*.yaml into the agent's conf.d, keeping openmetrics.d/.
            volumes: [{ name: CHECKS_VOLUME, configMap: { name: names.checksConfigMap, items: checks.items.map((i) => ({ ...i })) } }],
            containers: {
                agent: { ports: collectLogs ? [{ name: "logs-tcp", containerPort: LOGS_TCP_PORT, protocol: "TCP" }] : [] },
                initContainers: { volumeMounts: [{ name: CHECKS_VOLUME, mountPath: CONFD_MOUNT_DIR, readOnly: true }] },
            },
        },
    };
}
