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

