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
    /** The first declared zone's active credential (any accepted user may also query the global); a federating global has none (reading it throws). */
    readonly writer: BasicAuth;
    /** Each zone's active credential, from its own secret output of the global; {} on a federating global. */
    readonly writers: Readonly<Record<string, BasicAuth>>;
    /** The read-only credential the global exports (readerCredential); undefined when Grafana is off. */
    readonly reader: BasicAuth | undefined;
    /** Origin of the receiver URL the zones were given (rewritten to the local process by callers); a federating global has none (reading it throws). */
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
 * is its self-scrape address (and the caller's `transform`, e.g. the zone addresses a federating
 * global scrapes and remote-reads). A global that federates its zones has no zone writer: its
 * readiness probe then authenticates as the exported reader (Grafana's).
 */
export async function startGeneratedGlobal(globalEv: StackEvaluation, name = "global", opts: GeneratedGlobalOptions = {}): Promise<LocalGlobal> {
    const federating = output(globalEv, "metricsTransport") === "federation";
    const writers = federating ? {} : zoneWriters(globalEv);
    const writer: BasicAuth | undefined = writers[(output(globalEv, "zones") as string[])[0]];
    const reader = readerCredential(globalEv);
    const readyAuth = writer ?? reader;
    if (readyAuth === undefined) throw new Error(`${globalEv.stack}: neither a zone writer nor Grafana's reader to authenticate as`);
    const only = <T>(what: string, value: T | undefined): T => {
        if (value === undefined) throw new Error(`${globalEv.stack} federates its zones: no zone remote-writes to it, so it has no ${what}`);
        return value;
    };
    const receiverBase = federating ? undefined : new URL(String(output(globalEv, "remoteWriteUrl"))).origin;
    const port = await freePort();
    const started = await startPodPrometheus(prometheusPod(globalEv, "global-prometheus"), {
        name,
        port,
        readyAuth,
        flagOverrides: opts.flagOverrides,
        localise: (cfg) => {
            const localised = rewriteAddresses(cfg, { "localhost:9090": `127.0.0.1:${port}` });
            return opts.transform ? opts.transform(localised) : localised;
        },
    });
    return {
        global: started.prometheus,
        pod: started.pod,
        args: started.args,
        config: started.config,
        get writer() {
            return only("writer", writer);
        },
        writers,
        reader,
        get receiverBase() {
            return only("receiver", receiverBase);
        },
    };
}

/** The read-only credential the global exports (prometheusReadUsername, secret prometheusReadPassword: Grafana's, what `npm run verify` queries as); undefined when it has none. */
export function readerCredential(globalEv: StackEvaluation): BasicAuth | undefined {
    const username = String(output(globalEv, "prometheusReadUsername"));
    const password = String(output(globalEv, "prometheusReadPassword"));
    return username === "" || password === "" ? undefined : { username, password };
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
