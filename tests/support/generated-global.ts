import { strict as assert } from "assert";
import { StackEvaluation } from "../../infra/plan/evaluate-stack";
import { BasicAuth } from "./loopback-http";
import { localPrometheusInputs } from "./mounted-workload";
import { output } from "./plan-access";
import { freePort } from "./ports";
import { PrometheusProcess, startPrometheus } from "./prometheus-process";
import { findNonLoopbackAddresses, parsePrometheusYaml, renderPrometheusYaml, rewriteAddresses, rewriteFilePaths } from "./swap-discovery";

export interface LocalGlobal {
    readonly global: PrometheusProcess;
    /** The zones' credential, from the global's outputs. */
    readonly writer: BasicAuth;
    /** Origin of the receiver URL the zones were given (rewritten to the local process by callers). */
    readonly receiverBase: string;
}

/**
 * Runs the global Prometheus exactly as generated (prometheus.yml, web config with basic auth, the
 * chart's flags) on a free loopback port; only addresses and mounted file paths are localised.
 */
export async function startGeneratedGlobal(globalEv: StackEvaluation, name = "global"): Promise<LocalGlobal> {
    const writer = { username: String(output(globalEv, "remoteWriteUsername")), password: String(output(globalEv, "remoteWritePassword")) };
    const g = localPrometheusInputs(globalEv, "global-prometheus");
    const port = await freePort();
    const cfg = rewriteFilePaths(rewriteAddresses(parsePrometheusYaml(g.configYaml), { "localhost:9090": `127.0.0.1:${port}` }), g.pathMap);
    assert.deepEqual(findNonLoopbackAddresses(cfg), [], `${name}: every address is loopback`);
    const global = await startPrometheus({ name, port, configYaml: renderPrometheusYaml(cfg), files: g.files, extraArgs: g.flags, readyAuth: writer });
    return { global, writer, receiverBase: new URL(String(output(globalEv, "remoteWriteUrl"))).origin };
}
