import { StackEvaluation } from "../../infra/plan/evaluate-stack";
import { ZoneCredentialSecret, zoneCredentialOutput } from "../../infra/global-outputs";
import { BasicAuth } from "./loopback-http";
import { output } from "./plan-access";
import { freePort } from "./ports";
import { PrometheusProcess } from "./prometheus-process";
import { MaterializedContainer, prometheusPod, startPodPrometheus } from "./rendered-pod";
import { PrometheusConfig, rewriteAddresses } from "./swap-discovery";

export interface LocalGlobal {
    readonly global: PrometheusProcess;
    /** The laid-out pod it runs from (its mounted files: e.g. rewrite the web config Secret there). */
    readonly pod: MaterializedContainer;
    /** The flags from the rendered container the process got (rendered-pod.ts PodPrometheus.args). */
    readonly args: readonly string[];
    /** The config the process runs (localised). */
    readonly config: PrometheusConfig;
    /** The first declared zone's active credential (any accepted user may also query the global). */
    readonly writer: BasicAuth;
    /** Each zone's active credential, from its own secret output of the global. */
    readonly writers: Readonly<Record<string, BasicAuth>>;
    /** Origin of the receiver URL the zones were given (rewritten to the local process by callers). */
    readonly receiverBase: string;
}

export interface GeneratedGlobalOptions {
    /** Test overrides of the rendered container's flags, each replacing the flag of its name (e.g. a scaled block duration); default none. */
    readonly flagOverrides?: readonly string[];
    /** Last edit of the localised config (e.g. a control run without one block); default none. */
    readonly transform?: (cfg: PrometheusConfig) => PrometheusConfig;
}

/**
 * Runs the global Prometheus from its rendered StatefulSet (rendered-pod.ts: the container's args,
 * its mounted config, web config and rules) on a free loopback port; the only change to the config
 * is its self-scrape address.
 */
export async function startGeneratedGlobal(globalEv: StackEvaluation, name = "global", opts: GeneratedGlobalOptions = {}): Promise<LocalGlobal> {
    const writers = zoneWriters(globalEv);
    const writer = writers[(output(globalEv, "zones") as string[])[0]];
    const port = await freePort();
    const started = await startPodPrometheus(prometheusPod(globalEv, "global-prometheus"), {
        name,
        port,
        readyAuth: writer,
        flagOverrides: opts.flagOverrides,
        localise: (cfg) => {
            const localised = rewriteAddresses(cfg, { "localhost:9090": `127.0.0.1:${port}` });
            return opts.transform ? opts.transform(localised) : localised;
        },
    });
    return { global: started.prometheus, pod: started.pod, args: started.args, config: started.config, writer, writers, receiverBase: new URL(String(output(globalEv, "remoteWriteUrl"))).origin };
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
