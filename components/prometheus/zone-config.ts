import { formatPromDuration, parsePromDuration } from "./duration";
import { REMOTE_WRITE_TIMEOUT, ZONE_REMOTE_WRITE_METADATA, ZONE_REMOTE_WRITE_QUEUE } from "./remote-write-queue";
import { renderYaml } from "../render-yaml";

/** Job names the Kuma Grafana dashboards expect (kuma dashboards/grafana/README.md). */
export const DATAPLANES_JOB = "kuma-dataplanes";
export const CONTROL_PLANE_JOB = "kuma-control-plane";
/** Scrape timeout Prometheus uses unless the interval is shorter. */
const DEFAULT_SCRAPE_TIMEOUT_MS = 10_000;

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
    /** Dataplane discovery through the zone control plane's MADS. */
    readonly discovery: KumaDiscoverySettings;
    /** host:port of the zone control plane's metrics endpoint. */
    readonly controlPlaneMetricsTarget: string;
    /** Where and as whom to remote-write. */
    readonly remoteWrite: {
        /** Receiver URL (…/api/v1/write). */
        readonly url: string;
        /** Basic-auth user. */
        readonly username: string;
        /** Path of the mounted file holding the password; the password itself is never in this file. */
        readonly passwordFile: string;
    };
}

/** A scrape_timeout that Prometheus accepts: at most the interval, at most the 10s default. */
function scrapeTimeout(interval: string): string {
    const ms = parsePromDuration(interval);
    if (ms === undefined) throw new Error(`invalid scrape interval ${JSON.stringify(interval)}`);
    return formatPromDuration(Math.min(ms, DEFAULT_SCRAPE_TIMEOUT_MS));
}

/** The dataplane job: kuma_sd against MADS with the relabeling of the Kong Mesh docs. */
export function kumaDataplanesJob(s: ZonePrometheusSettings): Record<string, unknown> {
    const sd: Record<string, unknown> = {
        server: s.discovery.madsUrl,
        refresh_interval: s.discovery.refreshInterval,
        fetch_timeout: s.discovery.fetchTimeout,
    };
    if (s.discovery.clientId !== undefined) sd.client_id = s.discovery.clientId;
    return {
        job_name: DATAPLANES_JOB,
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

/** The zone Prometheus's prometheus.yml as an object (see renderZonePrometheusConfig). */
export function buildZonePrometheusConfig(s: ZonePrometheusSettings): Record<string, unknown> {
    return {
        global: {
            scrape_interval: s.scrapeInterval,
            scrape_timeout: scrapeTimeout(s.scrapeInterval),
            evaluation_interval: s.scrapeInterval,
            // zone last: a typo'd extra label can never shadow the zone identity.
            external_labels: { ...s.externalLabels, zone: s.zone },
        },
        scrape_configs: [
            kumaDataplanesJob(s),
            {
                job_name: CONTROL_PLANE_JOB,
                metrics_path: "/metrics",
                static_configs: [{ targets: [s.controlPlaneMetricsTarget] }],
            },
            // Self-scrape: the global sees each zone's remote-write health (prometheus_remote_storage_*).
            { job_name: "prometheus", static_configs: [{ targets: ["localhost:9090"] }] },
        ],
        remote_write: [
            {
                name: "global",
                url: s.remoteWrite.url,
                remote_timeout: REMOTE_WRITE_TIMEOUT,
                basic_auth: { username: s.remoteWrite.username, password_file: s.remoteWrite.passwordFile },
                queue_config: { ...ZONE_REMOTE_WRITE_QUEUE },
                metadata_config: { ...ZONE_REMOTE_WRITE_METADATA },
            },
        ],
    };
}

export function renderZonePrometheusConfig(s: ZonePrometheusSettings): string {
    return renderYaml(buildZonePrometheusConfig(s));
}
