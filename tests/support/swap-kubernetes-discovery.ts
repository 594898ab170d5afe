import { PrometheusConfig } from "./swap-discovery";

/**
 * The kubernetes_sd counterpart of swap-discovery.ts' swapKumaSdForHttpSd: replaces each
 * `kubernetes_sd_configs` entry of a parsed prometheus.yml with an `http_sd_configs` entry
 * pointing at kubernetes-pod-sd.ts, and touches nothing else (relabel_configs, intervals, paths
 * stay as generated). Only what the fake can emulate faithfully is accepted: role `pod` and
 * `namespaces.names`; anything else (selectors, attach_metadata, api_server, kubeconfig_file,
 * own_namespace, other roles) throws, so a later change to the generated block cannot be
 * silently tested against the wrong discovery.
 */

/** A kubernetes_sd_configs entry as written in prometheus.yml. */
export interface KubernetesSdEntry {
    role: string;
    namespaces?: { names?: string[]; [field: string]: unknown };
    [field: string]: unknown;
}

/**
 * http_sd's refresh default is 60s, while kubernetes_sd is watch-based (changes arrive within a
 * second or so); 1s keeps the emulation close to that and the tests fast.
 */
export const KUBERNETES_SD_EMULATED_REFRESH = "1s";

const SUPPORTED_FIELDS = new Set(["role", "namespaces"]);

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

/**
 * Replaces every kubernetes_sd_configs entry with `{url: urlFor(namespaces, jobName), refresh_interval}`;
 * `namespaces` is the entry's `namespaces.names`, or undefined for all namespaces. The http_sd key
 * takes the kubernetes key's place so the YAML keeps its order.
 */
export function swapKubernetesSdForHttpSd(
    config: PrometheusConfig,
    urlFor: (namespaces: readonly string[] | undefined, jobName: string) => string,
    opts: { refreshInterval?: string } = {},
): PrometheusConfig {
    const out = structuredClone(config);
    out["scrape_configs"] = asArray(out["scrape_configs"]).map((job) => {
        if (!isRecord(job) || !("kubernetes_sd_configs" in job)) return job;
        const jobName = String(job["job_name"] ?? "");
        const replacement = asArray(job["kubernetes_sd_configs"]).map((raw, i) => {
            if (!isRecord(raw)) throw new Error(`${jobName}: kubernetes_sd_configs[${i}] is not a mapping`);
            const entry = raw as KubernetesSdEntry;
            const unsupported = Object.keys(entry).filter((k) => !SUPPORTED_FIELDS.has(k));
            if (unsupported.length > 0) throw new Error(`${jobName}: kubernetes_sd_configs[${i}] has ${unsupported.join(", ")}, which the pod SD fake does not emulate`);
            if (entry.role !== "pod") throw new Error(`${jobName}: kubernetes_sd_configs[${i}] role ${JSON.stringify(entry.role)}; the fake emulates role pod only`);
            let names: string[] | undefined;
            if (entry.namespaces !== undefined) {
                const extra = Object.keys(entry.namespaces).filter((k) => k !== "names");
                if (extra.length > 0) throw new Error(`${jobName}: kubernetes_sd_configs[${i}].namespaces has ${extra.join(", ")}, which the fake does not emulate`);
                names = entry.namespaces.names !== undefined ? [...entry.namespaces.names] : undefined;
            }
            return { url: urlFor(names, jobName), refresh_interval: opts.refreshInterval ?? KUBERNETES_SD_EMULATED_REFRESH };
        });
        const rebuilt: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(job)) {
            if (key === "kubernetes_sd_configs") rebuilt["http_sd_configs"] = [...asArray(job["http_sd_configs"]), ...replacement];
            else if (key !== "http_sd_configs") rebuilt[key] = value;
        }
        return rebuilt;
    });
    return out;
}

function asArray(value: unknown): unknown[] {
    return Array.isArray(value) ? value : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}
