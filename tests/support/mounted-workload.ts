import { DATA_MOUNT_PATH } from "../../components/prometheus/chart";
import { StackEvaluation } from "../../infra/plan/evaluate-stack";
import { workloadFiles } from "../../infra/plan/render";
import { one, revealed } from "./plan-access";

/**
 * Turns an evaluated stack's Prometheus into what a local process needs, changing nothing but
 * locations: each Secret the chart mounts becomes a directory next to the config (its keys as
 * files), and every path under the mount is rewritten to that directory. Flags are the chart's
 * own `extraFlags`/`extraArgs`, so the process runs with what the pod would run with.
 */
export interface LocalPrometheusInputs {
    /** prometheus.yml as generated (byte for byte). */
    readonly configYaml: string;
    /** Files to write next to the config: `<mount name>/<key>`. */
    readonly files: Record<string, string>;
    /** Command-line flags from the chart values, with mount paths rewritten (mode and storage flags apart). */
    readonly flags: string[];
    /**
     * An agent's mode and storage flags as the chart runs them (`server.defaultFlagsOverride`, e.g.
     * `--agent --storage.agent.path=/data`), the data mount replaced by the process's data dir; for
     * startPrometheus' storageFlags. Undefined for a server: the harness's `--storage.tsdb.path` stands
     * in for the chart's default flags.
     */
    readonly storageFlags?: (dataDir: string) => string[];
    /** Mount path (in the pod) → relative directory (next to the config). */
    readonly pathMap: Record<string, string>;
    /** The container environment from the chart values (`server.env`), each secretKeyRef read from its Secret in the plan. */
    readonly env: Record<string, string>;
}

export function localPrometheusInputs(ev: StackEvaluation, component: string): LocalPrometheusInputs {
    const values = revealed(one(ev, "kubernetes:helm.sh/v4:Chart", `${component}-chart`)).values;
    const server = values.server;
    const files: Record<string, string> = {};
    const pathMap: Record<string, string> = {};
    for (const mount of server.extraSecretMounts as Array<{ name: string; mountPath: string; secretName: string }>) {
        const secret = revealed(one(ev, "kubernetes:core/v1:Secret", mount.secretName));
        for (const [key, content] of Object.entries(secret.stringData as Record<string, string>)) {
            files[`${mount.name}/${key}`] = content;
            pathMap[`${mount.mountPath}/${key}`] = `${mount.name}/${key}`;
        }
    }
    const configYaml = workloadFiles(ev.resources).find((f) => f.workload === "prometheus" && f.name === "prometheus.yml")!.content;
    const remap = (v: string) => pathMap[v] ?? v;
    const remapFlag = (f: string) => f.replace(/^(--[^=]+=)(.*)$/, (_m, k: string, v: string) => k + remap(v));
    // The chart renders extraFlags/extraArgs only without defaultFlagsOverride, which an agent's values carry instead (chart-values.ts agentFlags).
    const override = ((server.defaultFlagsOverride ?? []) as string[]).filter((f) => !f.startsWith("--config.file="));
    const isModeOrStorage = (f: string) => f === "--agent" || f === "--enable-feature=agent" || f.startsWith("--storage.");
    const flags =
        override.length > 0
            ? override.filter((f) => !isModeOrStorage(f)).map(remapFlag)
            : [...(server.extraFlags as string[]).map((f) => `--${f}`), ...Object.entries(server.extraArgs as Record<string, string>).map(([k, v]) => `--${k}=${remap(v)}`)];
    const modeFlags = override.filter(isModeOrStorage);
    const storageFlags = modeFlags.length > 0 ? (dataDir: string) => modeFlags.map((f) => f.replace(`=${DATA_MOUNT_PATH}`, `=${dataDir}`)) : undefined;
    const env: Record<string, string> = {};
    for (const v of (server.env ?? []) as Array<{ name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }>) {
        const ref = v.valueFrom?.secretKeyRef;
        env[v.name] = ref ? String(revealed(one(ev, "kubernetes:core/v1:Secret", ref.name)).stringData[ref.key]) : String(v.value);
    }
    return { configYaml, files, flags, pathMap, env, storageFlags };
}

/**
 * The chart's flags with `extra` appended; an extra flag that names one of them replaces it
 * (Prometheus refuses a repeated flag), e.g. the bench's scaled `--storage.tsdb.wal-segment-size`.
 */
export function withFlags(flags: readonly string[], extra: readonly string[] = []): string[] {
    return [...withoutFlagsNamed(flags, extra), ...extra];
}

/** `flags` without those that `others` name (Prometheus refuses a repeated flag). */
export function withoutFlagsNamed(flags: readonly string[], others: readonly string[] = []): string[] {
    const name = (f: string) => f.replace(/=.*$/, "");
    const named = new Set(others.map(name));
    return flags.filter((f) => !named.has(name(f)));
}
