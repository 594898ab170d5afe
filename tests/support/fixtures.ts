import { ZoneDecisions } from "../../infra/global-outputs";
import { ZonePrometheusSettings } from "../../components/prometheus/zone-config";

/** A complete, valid zone settings object; tests override what they examine. */
export const zoneSettings = (over: Partial<ZonePrometheusSettings> = {}): ZonePrometheusSettings => ({
    zone: "east",
    externalLabels: { environment: "test" },
    scrapeInterval: "15s",
    dataplaneScrapeInterval: "5s",
    discovery: { madsUrl: "http://kuma-control-plane.kuma-system:5676", refreshInterval: "30s", fetchTimeout: "2m" },
    controlPlaneMetricsTarget: "kuma-control-plane.kuma-system:5680",
    remoteWrite: { url: "https://global.example.com/api/v1/write", username: "zone-writer", passwordFile: "/etc/prometheus/secrets/remote-write/remote-write-password" },
    ...over,
});


/** A global's decision outputs as a zone reads them: a plain remote-writing Prometheus global with no traces or logs. */
export const zoneDecisions = (over: Partial<ZoneDecisions> = {}): ZoneDecisions => ({
    zones: ["east"],
    metricsBackend: "prometheus",
    metricsTransport: "remote-write",
    remoteReadZones: [],
    remoteWriteAuth: "basic",
    remoteWriteProtocol: "2.0",
    remoteWriteCredentials: { east: { active: { generation: 1, username: "zone-writer-east-g1" }, standby: null } },
    ampRegion: "",
    tracesBackend: "none",
    logsBackend: "none",
    datadogSite: "",
    otlpTracesEndpoint: "",
    otlpTracesProtocol: "",
    remoteWriteUrl: "https://global.example.com/api/v1/write",
    lokiPushUrl: "",
    lokiOtlpUrl: "",
    ...over,
});

/** An AMP workspace's remote-write URL and the role a zone assumes to write to it (documentation account). */
export const AMP_URL = "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-0123/api/v1/remote_write";
export const AMP_ROLE_ARN = "arn:aws:iam::123456789012:role/amp-ingest";
