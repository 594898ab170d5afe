/**
 * The upstream prometheus-community/prometheus chart, pinned. 29.27.0 ships Prometheus v3.14.0
 * (Chart.yaml appVersion); its values keys are checked against the upstream values.yaml and
 * values.schema.json in tests.
 */
export const PROMETHEUS_CHART = {
    chart: "prometheus",
    version: "29.27.0",
    repo: "https://prometheus-community.github.io/helm-charts",
    appVersion: "v3.14.0",
} as const;

/** Where the chart mounts the config ConfigMap and which key it reads (server.configPath). */
export const CONFIG_MOUNT_DIR = "/etc/config";
export const CONFIG_FILE_KEY = "prometheus.yml";
/** Container port of the Prometheus server and the chart's default Service port. */
export const PROMETHEUS_PORT = 9090;
export const SERVICE_PORT = 80;
/** Where the chart mounts the data volume (server.persistentVolume.mountPath default); an agent keeps its WAL there. */
export const DATA_MOUNT_PATH = "/data";
