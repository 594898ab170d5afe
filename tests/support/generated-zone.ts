import { strict as assert } from "assert";
import { StackEvaluation } from "../../infra/plan/evaluate-stack";
import { KumaHttpSdBridge, startKumaHttpSdBridge } from "./kuma-http-sd-bridge";
import { MadsServer, MonitoringAssignment, startMadsServer } from "./mads-server";
import { localPrometheusInputs, withFlags, withoutFlagsNamed } from "./mounted-workload";
import { output } from "./plan-access";
import { freePort } from "./ports";
import { PrometheusProcess, startPrometheus } from "./prometheus-process";
import { findNonLoopbackAddresses, kumaSdEntries, parsePrometheusYaml, PrometheusConfig, renderPrometheusYaml, rewriteAddresses, rewriteFilePaths, swapKumaSdForHttpSd } from "./swap-discovery";

export interface GeneratedZoneOptions {
    /** The zone stack's evaluation (its plan holds the generated prometheus.yml, flags and mounts). */
    readonly zoneEv: StackEvaluation;
    /** Process name (temp dir prefix, logs). */
    readonly name: string;
    /** What the fake MADS serves: the zone's dataplanes. */
    readonly assignments: MonitoringAssignment[];
    /** host:port of the fake control plane's metrics (:5680 in the cluster). */
    readonly controlPlaneAddress: string;
    /** Origin of the receiver the zone was generated with (the global's outputs). */
    readonly receiverBase: string;
    /** Where its remote write goes here: the global, or a proxy in front of it. */
    readonly receiverUrl: string;
    /** Discovery refresh for the bridge and http_sd; default the generated kuma_sd refresh_interval. */
    readonly refreshInterval?: string;
    /** Last edit of the localised config (e.g. the mounted rule files, another queue_config). */
    readonly transform?: (cfg: PrometheusConfig) => PrometheusConfig;
    /** Files besides the generated mounts (e.g. the rule file). */
    readonly extraFiles?: Readonly<Record<string, string>>;
    /** Flags after the chart's own, replacing any of the same name (e.g. the bench's scaled block and segment sizes); default none. */
    readonly extraArgs?: readonly string[];
    /** The Prometheus binary; default the harness's (3.5). PROMETHEUS2_BIN for the 2.x compatibility checks. */
    readonly bin?: string;
    /** Environment on top of the chart's (`server.env`, Secret references resolved), e.g. what keeps the AWS SDK on loopback; default none. */
    readonly env?: Readonly<Record<string, string>>;
}

export interface LocalZone {
    readonly prometheus: PrometheusProcess;
    readonly mads: MadsServer;
    readonly bridge: KumaHttpSdBridge;
    /** The config the process runs (localised). */
    readonly config: PrometheusConfig;
    /** Stops the bridge and MADS (the Prometheus process is the caller's: tests stop them all at once). */
    stopDiscovery(): Promise<void>;
}

/**
 * Runs a zone Prometheus exactly as generated, with only the documented loopback changes: kuma_sd
 * swapped for http_sd through the bridge to a fake MADS (same `__meta_kuma_*` labels), the control
 * plane and receiver addresses and the mounted file paths localised. Shared by the metrics-path and
 * fault tests and the remote-write bench so that all three run the same thing.
 */
export async function startGeneratedZone(opts: GeneratedZoneOptions): Promise<LocalZone> {
    const mads = await startMadsServer(opts.assignments);
    let bridge: KumaHttpSdBridge | undefined;
    try {
        const z = localPrometheusInputs(opts.zoneEv, "zone-prometheus");
        const generated = parsePrometheusYaml(z.configYaml);
        const [{ entry: kuma }] = kumaSdEntries(generated);
        // The bridge polls the fake MADS exactly as kuma_sd would with the generated settings.
        bridge = await startKumaHttpSdBridge({
            server: mads.url,
            clientId: kuma.client_id,
            fetchTimeout: String(kuma.fetch_timeout),
            refreshInterval: opts.refreshInterval ?? String(kuma.refresh_interval),
        });
        const port = await freePort();
        const sdUrl = bridge.url;
        let cfg = swapKumaSdForHttpSd(generated, () => sdUrl, opts.refreshInterval !== undefined ? { refreshInterval: opts.refreshInterval } : undefined);
        cfg = rewriteAddresses(cfg, {
            [String(output(opts.zoneEv, "madsServer")).replace(/^http:\/\//, "").replace(/:5676$/, ":5680")]: opts.controlPlaneAddress,
            [opts.receiverBase]: opts.receiverUrl,
            "localhost:9090": `127.0.0.1:${port}`,
        });
        cfg = rewriteFilePaths(cfg, z.pathMap);
        if (opts.transform) cfg = opts.transform(cfg);
        assert.deepEqual(findNonLoopbackAddresses(cfg), [], `${opts.name}: every address is loopback`);
        const prometheus = await startPrometheus({
            name: opts.name,
            bin: opts.bin,
            port,
            configYaml: renderPrometheusYaml(cfg),
            files: { ...z.files, ...opts.extraFiles },
            extraArgs: withFlags(z.flags, opts.extraArgs),
            // An agent's storage flags (e.g. its WAL segment size) are replaced by extra flags of the same name too.
            storageFlags: z.storageFlags && ((dataDir: string) => withoutFlagsNamed(z.storageFlags!(dataDir), opts.extraArgs)),
            env: { ...z.env, ...opts.env },
        });
        const b = bridge;
        return {
            prometheus,
            mads,
            bridge: b,
            config: cfg,
            stopDiscovery: async () => {
                await b.stop();
                await mads.stop();
            },
        };
    } catch (err) {
        await bridge?.stop();
        await mads.stop();
        throw err;
    }
}
