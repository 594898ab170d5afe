import { strict as assert } from "assert";
import { StackEvaluation } from "../../infra/plan/evaluate-stack";
import { ZoneCredentialSecret, zoneCredentialOutput } from "../../infra/global-outputs";
import { BasicAuth } from "./loopback-http";
import { localPrometheusInputs, withFlags } from "./mounted-workload";
import { output } from "./plan-access";
import { freePort } from "./ports";
import { PrometheusProcess, startPrometheus } from "./prometheus-process";
import { findNonLoopbackAddresses, parsePrometheusYaml, PrometheusConfig, renderPrometheusYaml, rewriteAddresses, rewriteFilePaths } from "./swap-discovery";

export interface LocalGlobal {
    readonly global: PrometheusProcess;
    /** The first declared zone's active credential (any accepted user may also query the global). */
    readonly writer: BasicAuth;
    /** Each zone's active credential, from its own secret output of the global. */
    readonly writers: Readonly<Record<string, BasicAuth>>;
    /** Origin of the receiver URL the zones were given (rewritten to the local process by callers). */
    readonly receiverBase: string;
}

export interface GeneratedGlobalOptions {
    /** Flags after the chart's own, replacing any of the same name (e.g. a scaled block duration); default none. */
    readonly extraArgs?: readonly string[];
    /** Last edit of the localised config (e.g. a control run without one block); default none. */
    readonly transform?: (cfg: PrometheusConfig) => PrometheusConfig;
}

/**
 * Runs the global Prometheus exactly as generated (prometheus.yml, web config with basic auth, the
 * chart's flags) on a free loopback port; only addresses and mounted file paths are localised.
 */
export async function startGeneratedGlobal(globalEv: StackEvaluation, name = "global", opts: GeneratedGlobalOptions = {}): Promise<LocalGlobal> {
    const writers = zoneWriters(globalEv);
    const writer = writers[(output(globalEv, "zones") as string[])[0]];
    const g = localPrometheusInputs(globalEv, "global-prometheus");
    const port = await freePort();
    const localised = rewriteFilePaths(rewriteAddresses(parsePrometheusYaml(g.configYaml), { "localhost:9090": `127.0.0.1:${port}` }), g.pathMap);
    const cfg = opts.transform ? opts.transform(localised) : localised;
    assert.deepEqual(findNonLoopbackAddresses(cfg), [], `${name}: every address is loopback`);
    const global = await startPrometheus({ name, port, configYaml: renderPrometheusYaml(cfg), files: g.files, extraArgs: withFlags(g.flags, opts.extraArgs), readyAuth: writer });
    return { global, writer, writers, receiverBase: new URL(String(output(globalEv, "remoteWriteUrl"))).origin };
}

/** Each remote-writing zone's active credential, read from its own secret output (`remoteWriteCredential-<zone>`). */
export function zoneWriters(globalEv: StackEvaluation): Record<string, BasicAuth> {
    return Object.fromEntries(
        (output(globalEv, "zones") as string[]).map((zone) => {
            const c = output(globalEv, zoneCredentialOutput(zone)) as ZoneCredentialSecret;
            return [zone, { username: c.active.username, password: c.active.password }];
        }),
    );
}
