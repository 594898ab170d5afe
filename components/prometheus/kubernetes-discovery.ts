import {
    CP_METRICS_PATH,
    CP_METRICS_PORT,
    DATAPLANE_METRICS_PATH,
    DATAPLANE_METRICS_PORT,
    KUMA_CONTROL_PLANE_APP_LABEL,
    KUMA_CONTROL_PLANE_JOB,
    KUMA_DATAPLANES_JOB,
    KUMA_ZONE_PROXIES_JOB,
    ZONE_PROXY_STATS_PATH,
    ZONE_PROXY_STATS_PORT,
} from "../mesh/kuma-facts";
import { formatPromDuration, parsePromDuration } from "../kernel/duration";
import { DNS_LABEL } from "../kernel/validators";

/**
 * Kuma 3.x on Kubernetes: Prometheus' own Kubernetes pod discovery in place of kuma_sd.
 *
 * Why: MADS (kuma_sd's server, :5676) is deprecated on Kubernetes in 2.14 and does not start on
 * Kubernetes control planes from 3.0 (kumahq/kuma PR #17868, issue #17765); UPGRADE.md tells
 * Kubernetes users to "migrate to `MeshMetric` with Prometheus Kubernetes service discovery"
 * (kumahq/kuma UPGRADE.md on master; pkg/mads/server/server.go). The jobs keep the names the Kuma
 * dashboards filter on (`kuma-dataplanes`, `kuma-zone-proxies`, `kuma-control-plane`: kumahq/kuma
 * dashboards/grafana/README.md, from v2.14.0) and the labels of the MADS job (`mesh`, `dataplane`, `pod`,
 * `namespace`); `zone` stays an external label, as in the MADS config.
 *
 * The recipe, and where each piece comes from. The notes give only part of it (marked "notes");
 * the rest was read from public sources and is marked with its source.
 *
 * Which pods are dataplanes: exactly the pods the control plane itself makes a Dataplane for.
 * kumahq/kuma pkg/plugins/runtime/k8s/controllers/pod_controller.go (PodReconciler.Reconcile):
 * a pod annotated `kuma.io/gateway: builtin` becomes a builtin-gateway Dataplane, and otherwise
 * only a pod whose `kuma.io/sidecar-injected` annotation parses as enabled (`true`, `yes` or
 * `enabled`: metadata.Annotations.GetEnabled) gets one ("only Pods with injected Kuma need a
 * Dataplane descriptor"). The injector sets `kuma.io/sidecar-injected` itself
 * (pkg/plugins/runtime/k8s/metadata/annotations.go, "Annotations that are being automatically set
 * by the Kuma Sidecar Injector").
 *
 * Mesh: the pod label `kuma.io/mesh` (metadata/labels.go on kumahq/kuma master, 3.0:
 * "KumaMeshLabel defines a Pod label to associate objects with a particular Mesh"), else the pod
 * annotation `kuma.io/mesh` that 2.x and builtin gateway pods carry (metadata/annotations.go
 * before 3.0; notes §1: kumactl's promtail relabels `__meta_kubernetes_pod_annotation_kuma_io_mesh`).
 * When a pod has neither (its namespace picks the mesh, which pod SD cannot see), no `mesh` target
 * label is set and the `mesh` label kuma-dp puts on every MeshMetric sample stands (notes §4).
 *
 * Port and path: the MeshMetric Prometheus backend's `port` (default 5670) and `path` (default
 * /metrics) (notes §4, MeshMetric schema). The `prometheus.metrics.kuma.io/port|path` pod
 * annotations are NOT honoured: they configured the legacy `Mesh.metrics` backend, are absent from
 * metadata/annotations.go on 3.0 master, and Kuma's "3.0 Observability - User Stories" (kumahq/kuma
 * design doc, §2.1 "Remove metrics pod annotations") removes them in favour of MeshMetric; a stale
 * annotation would point Prometheus at a port nothing listens on.
 *
 * Service labels: pod SD has no Kuma service tags (MADS' `__meta_kuma_label_*` came from Dataplane
 * tags). With MeshMetric those are empty anyway and kuma-dp adds `kuma_io_service`, `service`,
 * `kuma_workload`, `dataplane`, `mesh`, `zone` to its own samples (notes §4), so they arrive
 * in the scraped series; no target label of ours shadows them except `mesh` and `dataplane`, which
 * the MADS job set too (the scraped copies then become `exported_mesh` / `exported_dataplane`, as
 * docs/design.md's label caveat says).
 *
 * Zone proxies: Kong's mesh observability scenario (Kong/developer.konghq.com
 * app/mesh/scenarios/observability-in-practice.md, "kuma-zone-proxies ... new in 2.14") keeps pods labelled
 * `k8s.kuma.io/zone-proxy-type: ingress|egress`, copies it to `proxy`, `kuma.io/mesh` to `mesh`,
 * and scrapes `:9902/stats/prometheus` in the control plane namespace; kumahq/kuma
 * dashboards/grafana/README.md (a 2.14-era version) gives the same port, path and `proxy`/`pod`/`namespace` labels
 * (notes §7 name the job and labels). The 2.x zone-wide proxies (chart `ingress.enabled` /
 * `egress.enabled`) are recognised by the annotations the 2.x pod controller reads,
 * `kuma.io/ingress` / `kuma.io/egress` (GetEnabled, as above). Mesh-scoped zone proxies are
 * sidecar-injected, so the dataplane job drops pods carrying the zone-proxy label: each proxy is
 * scraped by one job only.
 *
 * Control plane: every pod labelled `app: <appLabel>` in the control plane namespace, on :5680
 * /metrics (Kuma docs, app/_src/production/use-mesh.md, control plane ports). `kuma-control-plane` is the chart's pod label
 * (`{{ include "kuma.name" . }}-control-plane` in the selector labels quoted by controlPlane.affinity,
 * kumahq/kuma v2.14.3 deployments/charts/kuma/values.yaml). Scraping each pod, not the Service, gives HA
 * control planes one series per replica instead of whichever replica the Service picked.
 *
 * Every job keeps only `Running` pods: a Pending pod's proxy is not listening yet (a permanent
 * `up == 0`), and the IPs of Succeeded/Failed pods get reused by other pods. Addresses are built
 * from `__meta_kubernetes_pod_ip` (IPv6 bracketed) because pod SD emits one target per declared
 * container port; after the rewrite those targets are identical and Prometheus scrapes them once.
 */

/** Annotation values Kuma's GetEnabled reads as true (metadata/annotations.go). */
const ENABLED_VALUES = "true|yes|enabled";

/** Prometheus' default scrape_timeout; a job may not wait longer than its interval either. */
const DEFAULT_SCRAPE_TIMEOUT_MS = 10_000;

export interface KumaKubernetesDiscoverySettings {
    /** MeshMetric Prometheus backend port every dataplane serves (spec.default.backends[].prometheus.port); default 5670; TCP port. */
    readonly meshMetricPort?: number;
    /** MeshMetric Prometheus backend path; default "/metrics"; absolute URL path. */
    readonly meshMetricPath?: string;
    /** The zone control plane: where its pods run and how they are labelled. */
    readonly controlPlane: {
        /** Namespace of the control plane and of the zone proxies (kuma-system, kong-mesh-system); required; DNS label. */
        readonly namespace: string;
        /** Value of the control plane pods' `app` label; default "kuma-control-plane" (Kong Mesh: the chart's name prefix, e.g. "kong-mesh-control-plane"). */
        readonly appLabel?: string;
        /** Control plane metrics port; default 5680; TCP port. */
        readonly metricsPort?: number;
    };
    /** Namespaces whose pods may be dataplanes; default: all namespaces (needs cluster-wide pod list/watch); DNS labels. */
    readonly namespaces?: readonly string[];
    /** Scrape interval of the zone proxy and control plane jobs; required; Prometheus duration (e.g. 15s). */
    readonly scrapeInterval: string;
    /** Scrape interval of the dataplane job; default scrapeInterval; Prometheus duration. */
    readonly dataplaneScrapeInterval?: string;
    /** Zone ingress/egress scrape endpoint; default port 9902, path "/stats/prometheus". */
    readonly zoneProxies?: {
        /** Default 9902; TCP port. */
        readonly port?: number;
        /** Default "/stats/prometheus"; absolute URL path. */
        readonly path?: string;
    };
}

const FN = "kumaKubernetesScrapeJobs";
/** Kubernetes label value syntax (at most 63 characters). */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

function port(value: number | undefined, fallback: number, setting: string): number {
    const p = value ?? fallback;
    if (!Number.isInteger(p) || p < 1 || p > 65535) throw new Error(`${FN}: ${setting} ${JSON.stringify(value)} is not a TCP port; allowed: an integer 1-65535`);
    return p;
}

function urlPath(value: string | undefined, fallback: string, setting: string): string {
    const p = value ?? fallback;
    if (!/^\/[^\s?#]*$/.test(p)) throw new Error(`${FN}: ${setting} ${JSON.stringify(value)} is not an absolute URL path; allowed: "/" followed by path characters, no spaces, query or fragment (e.g. /metrics)`);
    return p;
}

function namespaceName(value: string, setting: string): string {
    if (!DNS_LABEL.test(value)) throw new Error(`${FN}: ${setting} ${JSON.stringify(value)} is not a namespace name; allowed: a DNS label (a-z, 0-9, "-", at most 63)`);
    return value;
}

function interval(value: string, setting: string): { interval: string; timeout: string } {
    const ms = parsePromDuration(value);
    if (ms === undefined || ms === 0) throw new Error(`${FN}: ${setting} ${JSON.stringify(value)} is not a positive Prometheus duration; allowed: e.g. 15s, 1m, 1h30m`);
    // At most the interval (Prometheus refuses longer), at most the 10s default.
    return { interval: value, timeout: formatPromDuration(Math.min(ms, DEFAULT_SCRAPE_TIMEOUT_MS)) };
}

/** RE2-escapes a literal for a relabel regex (Prometheus anchors the whole expression). */
function literal(value: string): string {
    return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** kubernetes_sd_configs entry: role pod, limited to `names` when given. */
function podDiscovery(names: readonly string[] | undefined): Record<string, unknown>[] {
    return [{ role: "pod", ...(names !== undefined ? { namespaces: { names: [...names] } } : {}) }];
}

/** Running pods only (see the file comment). */
const RUNNING_ONLY = { source_labels: ["__meta_kubernetes_pod_phase"], regex: "Running", action: "keep" };

/** `__address__` = pod IP and a fixed port; an IPv6 pod IP (it contains ":") is bracketed. */
function podAddress(p: number): Record<string, unknown>[] {
    return [
        { source_labels: ["__meta_kubernetes_pod_ip"], regex: "([^:]+)", target_label: "__address__", replacement: `$1:${p}` },
        { source_labels: ["__meta_kubernetes_pod_ip"], regex: "(.+:.+)", target_label: "__address__", replacement: `[$1]:${p}` },
    ];
}

/** `pod` and `namespace`, as the kumactl MADS job derived them from k8s_kuma_io_name / k8s_kuma_io_namespace. */
const POD_AND_NAMESPACE = [
    { source_labels: ["__meta_kubernetes_pod_name"], regex: "(.*)", target_label: "pod" },
    { source_labels: ["__meta_kubernetes_namespace"], regex: "(.*)", target_label: "namespace" },
];

/**
 * The three scrape jobs (kuma-dataplanes, kuma-zone-proxies, kuma-control-plane) that replace the
 * kuma_sd job and the static control plane target for Kuma 3.x on Kubernetes. Pure; throws with
 * the setting's name on invalid input.
 */
export function kumaKubernetesScrapeJobs(s: KumaKubernetesDiscoverySettings): Record<string, unknown>[] {
    const meshMetricPort = port(s.meshMetricPort, DATAPLANE_METRICS_PORT, "meshMetricPort");
    const meshMetricPath = urlPath(s.meshMetricPath, DATAPLANE_METRICS_PATH, "meshMetricPath");
    const cpNamespace = namespaceName(s.controlPlane.namespace, "controlPlane.namespace");
    const cpApp = s.controlPlane.appLabel ?? KUMA_CONTROL_PLANE_APP_LABEL;
    if (cpApp === "" || !LABEL_VALUE.test(cpApp)) {
        throw new Error(`${FN}: controlPlane.appLabel ${JSON.stringify(cpApp)} is not a Kubernetes label value; allowed: 1-63 of A-Z a-z 0-9 - _ . starting and ending alphanumeric`);
    }
    const cpPort = port(s.controlPlane.metricsPort, CP_METRICS_PORT, "controlPlane.metricsPort");
    const proxyPort = port(s.zoneProxies?.port, ZONE_PROXY_STATS_PORT, "zoneProxies.port");
    const proxyPath = urlPath(s.zoneProxies?.path, ZONE_PROXY_STATS_PATH, "zoneProxies.path");
    if (s.namespaces !== undefined) {
        if (s.namespaces.length === 0) throw new Error(`${FN}: namespaces is empty; allowed: omit it for all namespaces, or list at least one`);
        s.namespaces.forEach((n, i) => namespaceName(n, `namespaces[${i}]`));
        const dup = s.namespaces.find((n, i) => s.namespaces!.indexOf(n) !== i);
        if (dup !== undefined) throw new Error(`${FN}: namespaces lists ${JSON.stringify(dup)} twice; allowed: each namespace once`);
    }
    const main = interval(s.scrapeInterval, "scrapeInterval");
    const dp = interval(s.dataplaneScrapeInterval ?? s.scrapeInterval, "dataplaneScrapeInterval");

    const dataplanes = {
        job_name: KUMA_DATAPLANES_JOB,
        scrape_interval: dp.interval,
        scrape_timeout: dp.timeout,
        metrics_path: meshMetricPath,
        kubernetes_sd_configs: podDiscovery(s.namespaces),
        relabel_configs: [
            RUNNING_ONLY,
            // The pods Kuma's pod controller makes a Dataplane for. Deliberately not filtered on the
            // kuma-sidecar container: as a native sidecar it is an init container, which older
            // Prometheus pod SD does not list; every target of a pod relabels to the same labels,
            // so Prometheus scrapes the pod once whichever containers it declares.
            {
                source_labels: ["__meta_kubernetes_pod_annotation_kuma_io_sidecar_injected", "__meta_kubernetes_pod_annotation_kuma_io_gateway"],
                regex: `(${ENABLED_VALUES});.*|.*;builtin`,
                action: "keep",
            },
            // Mesh-scoped zone proxies are injected too; they belong to kuma-zone-proxies only.
            { source_labels: ["__meta_kubernetes_pod_label_k8s_kuma_io_zone_proxy_type"], regex: ".+", action: "drop" },
            ...podAddress(meshMetricPort),
            // Annotation first, label second: the 3.x label wins when a pod has both.
            { source_labels: ["__meta_kubernetes_pod_annotation_kuma_io_mesh"], regex: "(.+)", target_label: "mesh" },
            { source_labels: ["__meta_kubernetes_pod_label_kuma_io_mesh"], regex: "(.+)", target_label: "mesh" },
            // The Dataplane's name on Kubernetes is <pod>.<namespace>: what kuma_sd put in
            // __meta_kuma_dataplane and `instance`, so series keep their identity across the switch.
            { source_labels: ["__meta_kubernetes_pod_name", "__meta_kubernetes_namespace"], separator: ".", regex: "(.*)", target_label: "dataplane" },
            { source_labels: ["__meta_kubernetes_pod_name", "__meta_kubernetes_namespace"], separator: ".", regex: "(.*)", target_label: "instance" },
            ...POD_AND_NAMESPACE,
        ],
    };

    const zoneProxies = {
        job_name: KUMA_ZONE_PROXIES_JOB,
        scrape_interval: main.interval,
        scrape_timeout: main.timeout,
        metrics_path: proxyPath,
        kubernetes_sd_configs: podDiscovery([cpNamespace]),
        relabel_configs: [
            RUNNING_ONLY,
            // 2.x zone-wide proxies by their annotations, then the 3.x label (last, so it wins).
            { source_labels: ["__meta_kubernetes_pod_annotation_kuma_io_ingress"], regex: ENABLED_VALUES, target_label: "proxy", replacement: "ingress" },
            { source_labels: ["__meta_kubernetes_pod_annotation_kuma_io_egress"], regex: ENABLED_VALUES, target_label: "proxy", replacement: "egress" },
            { source_labels: ["__meta_kubernetes_pod_label_k8s_kuma_io_zone_proxy_type"], regex: "(ingress|egress)", target_label: "proxy" },
            { source_labels: ["proxy"], regex: "ingress|egress", action: "keep" },
            ...podAddress(proxyPort),
            { source_labels: ["__meta_kubernetes_pod_label_kuma_io_mesh"], regex: "(.+)", target_label: "mesh" },
            ...POD_AND_NAMESPACE,
        ],
    };

    const controlPlane = {
        job_name: KUMA_CONTROL_PLANE_JOB,
        scrape_interval: main.interval,
        scrape_timeout: main.timeout,
        metrics_path: CP_METRICS_PATH,
        kubernetes_sd_configs: podDiscovery([cpNamespace]),
        relabel_configs: [
            RUNNING_ONLY,
            { source_labels: ["__meta_kubernetes_pod_label_app"], regex: literal(cpApp), action: "keep" },
            ...podAddress(cpPort),
            ...POD_AND_NAMESPACE,
        ],
    };

    // Fresh objects: the shared rule constants above must never be mutated through a caller's copy.
    return structuredClone([dataplanes, zoneProxies, controlPlane]);
}
