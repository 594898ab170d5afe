import { asArray, isRecord, PrometheusConfig } from "./swap-discovery";

/**
 * Points the generated `kubernetes_sd_configs` at a loopback API server (kubernetes-api-server.ts)
 * and changes nothing else: each entry gains `api_server`, the one setting that makes Prometheus'
 * Kubernetes discovery talk to a given host instead of the in-cluster service account
 * (prometheus/prometheus discovery/kubernetes/kubernetes.go, v3.5.0: New() builds a rest.Config
 * from api_server when set, else rest.InClusterConfig()). Entries that already say where the API
 * is (api_server, kubeconfig_file) or that need the pod's service account (namespaces.own_namespace,
 * which Prometheus refuses together with api_server) are refused, so a later change to the
 * generated block cannot be silently tested against something else.
 */

/** A kubernetes_sd_configs entry as written in prometheus.yml. */
export interface KubernetesSdEntry {
    role: string;
    api_server?: string;
    namespaces?: { names?: string[]; own_namespace?: boolean; [field: string]: unknown };
    [field: string]: unknown;
}

/** Every kubernetes_sd_configs entry with its job name. */
export function kubernetesSdEntries(config: PrometheusConfig): Array<{ jobName: string; entry: KubernetesSdEntry }> {
    const out: Array<{ jobName: string; entry: KubernetesSdEntry }> = [];
    for (const job of asArray(config["scrape_configs"]).filter(isRecord)) {
        for (const entry of asArray(job["kubernetes_sd_configs"])) {
            if (isRecord(entry)) out.push({ jobName: String(job["job_name"] ?? ""), entry: structuredClone(entry) as KubernetesSdEntry });
        }
    }
    return out;
}

/** A copy of `config` whose every kubernetes_sd_configs entry has `api_server: apiServerUrl` (a loopback http URL). */
export function pointKubernetesSdAt(config: PrometheusConfig, apiServerUrl: string): PrometheusConfig {
    const url = new URL(apiServerUrl);
    if (url.protocol !== "http:" || url.hostname !== "127.0.0.1") throw new Error(`pointKubernetesSdAt: ${apiServerUrl} is not an http://127.0.0.1 URL`);
    const out = structuredClone(config);
    for (const job of asArray(out["scrape_configs"]).filter(isRecord)) {
        const jobName = String(job["job_name"] ?? "");
        asArray(job["kubernetes_sd_configs"]).forEach((raw, i) => {
            if (!isRecord(raw)) throw new Error(`${jobName}: kubernetes_sd_configs[${i}] is not a mapping`);
            for (const field of ["api_server", "kubeconfig_file"]) {
                if (field in raw) throw new Error(`${jobName}: kubernetes_sd_configs[${i}] already sets ${field}; the test would not run the generated discovery`);
            }
            if (isRecord(raw["namespaces"]) && raw["namespaces"]["own_namespace"] === true) {
                throw new Error(`${jobName}: kubernetes_sd_configs[${i}] uses namespaces.own_namespace, which needs the in-cluster service account`);
            }
            raw["api_server"] = url.origin;
        });
    }
    return out;
}
