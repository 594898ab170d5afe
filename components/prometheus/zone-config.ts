import { httpUrl } from "./http-url";
import { assertAgentCompatible, PrometheusMode } from "./prometheus-mode";
import { remoteWriteAuthFields, ZoneRemoteWrite } from "./remote-write-auth";
import { remoteWriteProtocolFields } from "./remote-write-protocol";
import { REMOTE_WRITE_TIMEOUT, ZONE_REMOTE_WRITE_METADATA, ZONE_REMOTE_WRITE_QUEUE } from "./remote-write-queue";
import { scrapeTimeout } from "./scrape-timeout";
import { renderYaml } from "../kernel/render-yaml";
import { KumaKubernetesDiscoverySettings, kumaKubernetesScrapeJobs } from "./kubernetes-discovery";
import { CP_METRICS_PATH, KUMA_CONTROL_PLANE_JOB, KUMA_DATAPLANES_JOB } from "../mesh/kuma-facts";

export type { ZoneRemoteWrite } from "./remote-write-auth";

/** The zone Prometheus' self-scrape: the series the global's zone alerts and `npm run verify` read. */
export const SELF_SCRAPE_JOB = "prometheus";

export interface KumaDiscoverySettings {
    /** MADS base URL of the zone control plane (http://<service>.<namespace>:5676). */
    readonly madsUrl: string;
    /** kuma_sd refresh_interval (Prometheus duration). */
    readonly refreshInterval: string;
    /** kuma_sd fetch_timeout (Prometheus duration); "0s" disables long polling. */
    readonly fetchTimeout: string;
    /** kuma_sd client_id; omitted when unset (Prometheus then sends its hostname). */
    readonly clientId?: string;
}

export interface ZonePrometheusSettings {
    /** Zone name; becomes the `zone` external label on every series sent to global. */
    readonly zone: string;
    /** Further external labels (never `zone`). */
    readonly externalLabels: Readonly<Record<string, string>>;
    /** Default scrape interval (control plane and self). */
    readonly scrapeInterval: string;
    /** Scrape interval of the dataplane job. */
    readonly dataplaneScrapeInterval: string;
    /** Dataplane discovery through the zone control plane's MADS (Kuma 2.x, or universal); or use kubernetesDiscovery. */
    readonly discovery?: KumaDiscoverySettings;
    /** host:port of the zone control plane's metrics endpoint (with `discovery`). */
    readonly controlPlaneMetricsTarget?: string;
    /**
     * Kubernetes pod discovery instead of MADS (Kuma 3.x on Kubernetes, where MADS is gone): the same
     * job names, and each control plane replica scraped by pod. Exactly one of this and `discovery`.
     */
    readonly kubernetesDiscovery?: KumaKubernetesDiscoverySettings;
    /**
     * Where and how to remote-write: basic auth {url, username, passwordFile}, SigV4 {url, sigv4: {region, roleArn?}}
     * or none {url}, each with optional headers. Unset: no remote write (the global federates this zone; server mode only).
     */
    readonly remoteWrite?: ZoneRemoteWrite;
    /** server (default) or agent (forward-only; needs remoteWrite, refuses ruleFiles). */
    readonly mode?: PrometheusMode;
    /** rule_files (mounted paths or globs): ZonePrometheus's alert rules; default none; server mode only. */
    readonly ruleFiles?: readonly string[];
}

/** The dataplane job: kuma_sd against MADS with the relabeling of the Kong Mesh docs. */
export function kumaDataplanesJob(s: ZonePrometheusSettings & { readonly discovery: KumaDiscoverySettings }): Record<string, unknown> {
    const sd: Record<string, unknown> = {
        server: s.discovery.madsUrl,
        refresh_interval: s.discovery.refreshInterval,
        fetch_timeout: s.discovery.fetchTimeout,
    };
    if (s.discovery.clientId !== undefined) sd.client_id = s.discovery.clientId;
    return {
        job_name: KUMA_DATAPLANES_JOB,
        scrape_interval: s.dataplaneScrapeInterval,
        scrape_timeout: scrapeTimeout(s.dataplaneScrapeInterval),
        relabel_configs: [
            { source_labels: ["__meta_kuma_mesh"], regex: "(.*)", target_label: "mesh" },
            { source_labels: ["__meta_kuma_dataplane"], regex: "(.*)", target_label: "dataplane" },
            { action: "labelmap", regex: "__meta_kuma_label_(.+)" },
        ],
        kuma_sd_configs: [sd],
    };
}

/** The remote_write entry towards the global (or AMP / Mimir), with its queue pinned. */
function remoteWriteEntry(rw: ZoneRemoteWrite): Record<string, unknown> {
    return {
        name: "global",
        url: httpUrl(rw.url, "remoteWrite.url"),
        remote_timeout: REMOTE_WRITE_TIMEOUT,
        ...remoteWriteAuthFields(rw, "remoteWrite"),
        queue_config: { ...ZONE_REMOTE_WRITE_QUEUE },
        ...remoteWriteProtocolFields(rw.protocol ?? "1.0", ZONE_REMOTE_WRITE_METADATA, "remoteWrite.protocol"),
    };
}

/** The zone Prometheus's prometheus.yml as an object (see renderZonePrometheusConfig). */
export function buildZonePrometheusConfig(s: ZonePrometheusSettings): Record<string, unknown> {
    const mode = s.mode ?? "server";
    if (mode !== "server" && mode !== "agent") throw new Error(`mode: ${JSON.stringify(mode)} is not a Prometheus mode; allowed: server, agent`);
    if (mode === "agent" && s.remoteWrite === undefined) {
        throw new Error("remoteWrite: missing but mode is agent; allowed: a remote-write target (an agent keeps nothing queryable, so it must forward), or mode server");
    }
    const config: Record<string, unknown> = {
        global: {
            scrape_interval: s.scrapeInterval,
            scrape_timeout: scrapeTimeout(s.scrapeInterval),
            evaluation_interval: s.scrapeInterval,
            // zone last: a typo'd extra label can never shadow the zone identity.
            external_labels: { ...s.externalLabels, zone: s.zone },
        },
        scrape_configs: [
            ...meshJobs(s),
            // Self-scrape: the global sees each zone's remote-write health (prometheus_remote_storage_*).
            { job_name: SELF_SCRAPE_JOB, static_configs: [{ targets: ["localhost:9090"] }] },
        ],
    };
    if (s.ruleFiles !== undefined && s.ruleFiles.length > 0) config.rule_files = [...s.ruleFiles];
    if (s.remoteWrite !== undefined) config.remote_write = [remoteWriteEntry(s.remoteWrite)];
    // Checked on the finished object, so no future server-only block can slip into an agent's file.
    if (mode === "agent") assertAgentCompatible(config, `zone ${s.zone} prometheus.yml`);
    return config;
}

/** The mesh's scrape jobs: kuma_sd plus the control plane Service, or Kubernetes pod discovery. */
function meshJobs(s: ZonePrometheusSettings): Record<string, unknown>[] {
    const k8s = s.kubernetesDiscovery;
    if ((s.discovery === undefined) === (k8s === undefined)) {
        throw new Error("discovery / kubernetesDiscovery: exactly one is required; allowed: kuma_sd (MADS) settings, or Kubernetes pod discovery (Kuma 3.x)");
    }
    if (k8s !== undefined) return kumaKubernetesScrapeJobs(k8s);
    if (s.controlPlaneMetricsTarget === undefined) throw new Error("controlPlaneMetricsTarget: missing; allowed: host:port of the control plane's /metrics (5680)");
    return [
        kumaDataplanesJob({ ...s, discovery: s.discovery! }),
        { job_name: KUMA_CONTROL_PLANE_JOB, metrics_path: CP_METRICS_PATH, static_configs: [{ targets: [s.controlPlaneMetricsTarget] }] },
    ];
}

export function renderZonePrometheusConfig(s: ZonePrometheusSettings): string {
    return renderYaml(buildZonePrometheusConfig(s));
}
