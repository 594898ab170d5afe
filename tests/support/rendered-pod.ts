import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { KubeObject, objectRef } from "../../infra/plan/kube-object";
import { KumaHttpSdBridge, startKumaHttpSdBridge } from "./kuma-http-sd-bridge";
import { MadsServer, MonitoringAssignment, startMadsServer } from "./mads-server";
import { Container, contentOf, keysOf, PodSpec, workloads } from "./pod-wiring";
import { freePort } from "./ports";
import { PrometheusProcess, startPrometheus } from "./prometheus-process";
import { RenderedStack } from "./rendered-environments";
import { findNonLoopbackAddresses, kumaSdEntries, parsePrometheusYaml, PrometheusConfig, renderPrometheusYaml, rewriteAddresses, swapKumaSdForHttpSd } from "./swap-discovery";
import { BasicAuth } from "./loopback-http";

/**
 * A container of a rendered workload, laid out on this machine as the kubelet would lay out its pod:
 * every ConfigMap and Secret volume it mounts is written under a temporary root at `<root><mountPath>`
 * (keys as files, `items` and `subPath` honoured, Secret data decoded), and every mount path in its
 * args and in those files is remapped to its place under the root. Nothing else changes.
 */
export interface MaterializedContainer {
    readonly workload: KubeObject;
    readonly container: Container;
    /** Temporary root the mounts are written under; removed by dispose(). */
    readonly root: string;
    /** The container's args (command excluded) with mount paths remapped. */
    readonly args: string[];
    /** Mount path in the pod → its directory (or file, for subPath mounts) here. */
    readonly mounts: ReadonlyMap<string, string>;
    /** Local path of a file the container sees at `podPath`. */
    local(podPath: string): string;
    dispose(): void;
}

function source(pod: PodSpec, volumeName: string, objects: readonly KubeObject[], namespace: string): { object: KubeObject; items?: Array<{ key: string; path: string }> } | undefined {
    const v = (pod.volumes ?? []).find((x) => x.name === volumeName);
    const ref = v?.configMap ? { kind: "ConfigMap", name: v.configMap.name, items: v.configMap.items } : v?.secret ? { kind: "Secret", name: v.secret.secretName, items: v.secret.items } : undefined;
    if (ref === undefined) return undefined;
    const object = objects.find((o) => o.kind === ref.kind && o.metadata.name === ref.name && o.metadata.namespace === namespace);
    assert.ok(object, `${ref.kind} ${namespace}/${ref.name} mounted as volume ${volumeName} is not rendered`);
    return { object, items: ref.items };
}

export function materializeContainer(stack: RenderedStack, kind: string, workloadName: string, containerName: string): MaterializedContainer {
    const w = workloads(stack.objects).find((x) => x.object.kind === kind && x.object.metadata.name === workloadName);
    assert.ok(w, `${stack.stack}: no rendered ${kind} ${workloadName}`);
    const container = w.pod.containers.find((c) => c.name === containerName);
    assert.ok(container, `${objectRef(w.object)}: no container ${containerName}`);
    const namespace = w.object.metadata.namespace!;
    const root = fs.mkdtempSync(path.join(os.tmpdir(), `pod-${workloadName}-`));
    const mounts = new Map<string, string>();
    const files = new Map<string, string>();
    for (const m of container.volumeMounts ?? []) {
        const src = source(w.pod, m.name, stack.objects, namespace);
        if (src === undefined) continue;
        const local = path.join(root, m.mountPath);
        mounts.set(m.mountPath, local);
        const entries = src.items ?? keysOf(src.object).map((k) => ({ key: k, path: k }));
        for (const { key, path: rel } of entries) {
            const content = contentOf(src.object, key);
            assert.ok(content !== undefined, `${objectRef(src.object)} has no key ${key}`);
            if (m.subPath) {
                if (rel === m.subPath) files.set(local, content);
            } else {
                files.set(path.join(local, rel), content);
            }
        }
    }
    // One pass, longest mount path first, so /etc/prometheus/secrets/auth wins over a shorter prefix and nothing is remapped twice.
    const byLength = [...mounts.keys()].sort((a, b) => b.length - a.length);
    const pattern = byLength.length > 0 ? new RegExp(byLength.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g") : undefined;
    const remap = (text: string): string => (pattern === undefined ? text : text.replace(pattern, (m) => mounts.get(m)!));
    for (const [file, content] of files) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, remap(content), { mode: 0o600 });
    }
    return {
        workload: w.object,
        container,
        root,
        args: (container.args ?? []).map(remap),
        mounts,
        local: (podPath) => remap(podPath),
        dispose: () => fs.rmSync(root, { recursive: true, force: true }),
    };
}

/** The value of `--<flag>=` in args, or undefined. */
export function flagValue(args: readonly string[], flag: string): string | undefined {
    const prefix = `--${flag}=`;
    return args.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

export interface RenderedPrometheus {
    readonly prometheus: PrometheusProcess;
    readonly pod: MaterializedContainer;
    /** The config the process runs: the ConfigMap's, mount paths remapped, then `localise`d. */
    readonly config: PrometheusConfig;
    /** Args from the rendered container that the process got (all but the config and TSDB paths, which the harness sets). */
    readonly args: string[];
    /** Stops the process's helpers (not the process: stopAllPrometheus does) and removes the pod root. */
    dispose(): Promise<void>;
}

/**
 * Starts the `prometheus-server` container of a rendered StatefulSet on loopback: its own args
 * (except `--config.file` and `--storage.tsdb.path`, which the harness sets to its temp dir and data
 * dir), its mounted files, its config with `localise` applied (addresses to loopback; asserted to leave
 * nothing else). `port` is the port the process listens on (the config's self-scrape names it).
 */
export async function startRenderedPrometheus(
    stack: RenderedStack,
    statefulSet: string,
    opts: { name: string; port: number; localise: (cfg: PrometheusConfig) => PrometheusConfig; readyAuth?: BasicAuth; onDispose?: () => Promise<void> },
): Promise<RenderedPrometheus> {
    const pod = materializeContainer(stack, "StatefulSet", statefulSet, "prometheus-server");
    try {
        const configFile = flagValue(pod.args, "config.file");
        assert.ok(configFile !== undefined && fs.existsSync(configFile), `${statefulSet}: --config.file ${configFile} is not a mounted file`);
        const config = opts.localise(parsePrometheusYaml(fs.readFileSync(configFile, "utf8")));
        assert.deepEqual(findNonLoopbackAddresses(config), [], `${opts.name}: every address is loopback`);
        const args = pod.args.filter((a) => !a.startsWith("--config.file=") && !a.startsWith("--storage.tsdb.path="));
        const prometheus = await startPrometheus({ name: opts.name, port: opts.port, configYaml: renderPrometheusYaml(config), extraArgs: args, readyAuth: opts.readyAuth });
        return {
            prometheus,
            pod,
            config,
            args,
            dispose: async () => {
                await opts.onDispose?.();
                pod.dispose();
            },
        };
    } catch (e) {
        pod.dispose();
        await opts.onDispose?.();
        throw e;
    }
}

export interface RenderedZoneOptions {
    readonly name: string;
    /** What the fake MADS serves. */
    readonly assignments: MonitoringAssignment[];
    /** host:port of the fake control plane metrics. */
    readonly controlPlaneAddress: string;
    /** Where remote write goes here (the global's loopback URL); the rendered URL's origin is replaced by it. */
    readonly receiverUrl: string;
}

/**
 * The rendered zone Prometheus with the only loopback changes the harness makes everywhere: kuma_sd
 * swapped for http_sd through the bridge to a fake MADS (Debian's builds lack kuma_sd), the control
 * plane and receiver addresses pointed at loopback.
 */
export async function startRenderedZonePrometheus(stack: RenderedStack, o: RenderedZoneOptions): Promise<RenderedPrometheus & { mads: MadsServer; bridge: KumaHttpSdBridge }> {
    const pod = materializeContainer(stack, "StatefulSet", "zone-prometheus", "prometheus-server");
    const generated = parsePrometheusYaml(fs.readFileSync(flagValue(pod.args, "config.file")!, "utf8"));
    pod.dispose();
    const [{ entry: kuma }] = kumaSdEntries(generated);
    const rendered = generated.remote_write as Array<{ url: string }>;
    const mads = await startMadsServer(o.assignments);
    let bridge: KumaHttpSdBridge | undefined;
    try {
        bridge = await startKumaHttpSdBridge({ server: mads.url, clientId: kuma.client_id, fetchTimeout: String(kuma.fetch_timeout), refreshInterval: String(kuma.refresh_interval ?? "15s") });
        const b = bridge;
        const port = await freePort();
        const cpMetrics = `${new URL(kuma.server).hostname}:5680`;
        const started = await startRenderedPrometheus(stack, "zone-prometheus", {
            name: o.name,
            port,
            localise: (cfg) =>
                rewriteAddresses(swapKumaSdForHttpSd(cfg, () => b.url), {
                    [cpMetrics]: o.controlPlaneAddress,
                    [new URL(rendered[0].url).origin]: o.receiverUrl,
                    "localhost:9090": `127.0.0.1:${port}`,
                }),
            onDispose: async () => {
                await b.stop();
                await mads.stop();
            },
        });
        return { ...started, mads, bridge: b };
    } catch (e) {
        await bridge?.stop();
        await mads.stop();
        throw e;
    }
}
