import { StackEvaluation } from "../../infra/plan/evaluate-stack";
import { KumaHttpSdBridge, startKumaHttpSdBridge } from "./kuma-http-sd-bridge";
import { MadsServer, MonitoringAssignment, startMadsServer } from "./mads-server";
import { output } from "./plan-access";
import { freePort } from "./ports";
import { PrometheusProcess } from "./prometheus-process";
import { MaterializedContainer, podPrometheusConfig, prometheusPod, startPodPrometheus } from "./rendered-pod";
import { kumaSdEntries, PrometheusConfig, rewriteAddresses, swapKumaSdForHttpSd } from "./swap-discovery";

export interface GeneratedZoneOptions {
    /** The zone stack's evaluation (its Prometheus release is rendered and its pod laid out). */
    readonly zoneEv: StackEvaluation;
    /** Process name (temp dir prefix, logs). */
    readonly name: string;
    /** What the fake MADS serves: the zone's dataplanes. */
    readonly assignments: MonitoringAssignment[];
    /** host:port of the fake control plane's metrics (:5680 in the cluster). */
    readonly controlPlaneAddress: string;
    /** Origin of the receiver the zone was generated with (the global's outputs); unset for a zone that does not remote-write (its global federates it). */
    readonly receiverBase?: string;
    /** Where its remote write goes here: the global, or a proxy in front of it; set exactly when receiverBase is. */
    readonly receiverUrl?: string;
    /** Discovery refresh for the bridge and http_sd; default the generated kuma_sd refresh_interval. */
    readonly refreshInterval?: string;
    /** Last edit of the localised config (e.g. another queue_config for the bench); default none. */
    readonly transform?: (cfg: PrometheusConfig) => PrometheusConfig;
    /** Test overrides of the rendered container's flags, each replacing the flag of its name (e.g. the bench's scaled block and segment sizes); default none. */
    readonly flagOverrides?: readonly string[];
    /** The Prometheus binary; default the harness's (3.5). PROMETHEUS2_BIN for the 2.x compatibility checks. */
    readonly bin?: string;
    /** Environment on top of the container's (its Secret references resolved), e.g. what keeps the AWS SDK on loopback; default none. */
    readonly env?: Readonly<Record<string, string>>;
}

export interface LocalZone {
    readonly prometheus: PrometheusProcess;
    /** The laid-out pod it runs from (its mounted files: e.g. swap the credential Secret there). */
    readonly pod: MaterializedContainer;
    /** The flags from the rendered container the process got (rendered-pod.ts PodPrometheus.args). */
    readonly args: readonly string[];
    readonly mads: MadsServer;
    readonly bridge: KumaHttpSdBridge;
    /** The config the process runs (localised). */
    readonly config: PrometheusConfig;
    /** Stops the bridge and MADS (the Prometheus process is the caller's: tests stop them all at once). */
    stopDiscovery(): Promise<void>;
}

/**
 * Runs a zone Prometheus from its rendered StatefulSet or Deployment (rendered-pod.ts: the
 * container's args and env, its mounted config, credential and rules), with only the documented
 * loopback changes: kuma_sd swapped for http_sd through the bridge to a fake MADS (same
 * `__meta_kuma_*` labels), the control plane, receiver and self-scrape addresses pointed at
 * loopback. Shared by the integration tests and the remote-write bench so that all run the same thing.
 */
export async function startGeneratedZone(opts: GeneratedZoneOptions): Promise<LocalZone> {
    if ((opts.receiverBase === undefined) !== (opts.receiverUrl === undefined)) throw new Error(`${opts.name}: receiverBase and receiverUrl go together`);
    const pod = prometheusPod(opts.zoneEv, "zone-prometheus");
    let mads: MadsServer | undefined;
    let bridge: KumaHttpSdBridge | undefined;
    try {
        const [{ entry: kuma }] = kumaSdEntries(podPrometheusConfig(pod));
        mads = await startMadsServer(opts.assignments);
        // The bridge polls the fake MADS exactly as kuma_sd would with the generated settings.
        bridge = await startKumaHttpSdBridge({
            server: mads.url,
            clientId: kuma.client_id,
            fetchTimeout: String(kuma.fetch_timeout),
            refreshInterval: opts.refreshInterval ?? String(kuma.refresh_interval),
        });
        const port = await freePort();
        const sdUrl = bridge.url;
        const started = await startPodPrometheus(pod, {
            name: opts.name,
            port,
            bin: opts.bin,
            env: opts.env,
            flagOverrides: opts.flagOverrides,
            localise: (generated) => {
                const cfg = rewriteAddresses(swapKumaSdForHttpSd(generated, () => sdUrl, opts.refreshInterval !== undefined ? { refreshInterval: opts.refreshInterval } : undefined), {
                    [String(output(opts.zoneEv, "madsServer")).replace(/^http:\/\//, "").replace(/:5676$/, ":5680")]: opts.controlPlaneAddress,
                    ...(opts.receiverBase !== undefined ? { [opts.receiverBase]: opts.receiverUrl! } : {}),
                    "localhost:9090": `127.0.0.1:${port}`,
                });
                return opts.transform ? opts.transform(cfg) : cfg;
            },
        });
        const [m, b] = [mads, bridge];
        return {
            prometheus: started.prometheus,
            pod,
            args: started.args,
            mads: m,
            bridge: b,
            config: started.config,
            stopDiscovery: async () => {
                await b.stop();
                await m.stop();
            },
        };
    } catch (err) {
        pod.dispose();
        await bridge?.stop();
        await mads?.stop();
        throw err;
    }
}
