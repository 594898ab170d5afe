import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { prometheusModeFlags } from "../../components/prometheus/prometheus-mode";
import { StackEvaluation } from "../../infra/plan/evaluate-stack";
import { KubeObject, objectRef } from "../../infra/plan/kube-object";
import { BasicAuth } from "./loopback-http";
import { Container, contentOf, keysOf, PodSpec, workloads } from "./pod-wiring";
import { PrometheusProcess, startPrometheus } from "./prometheus-process";
import { CHART_TYPE } from "../../infra/plan/mock-runtime";
import { RenderedStack, renderRelease } from "./rendered-environments";
import { findNonLoopbackAddresses, parsePrometheusYaml, PrometheusConfig, renderPrometheusYaml } from "./swap-discovery";

/** What a pod is laid out from: a stack's rendered objects (a whole render, or renderRelease's). */
export type PodObjects = Pick<RenderedStack, "stack" | "objects">;

/**
 * A container of a rendered workload, laid out on this machine as the kubelet would lay out its pod:
 * every ConfigMap and Secret volume it mounts is written under a temporary root at `<root><mountPath>`
 * (keys as files, `items` and `subPath` honoured, Secret data decoded), and every mount path in its
 * args, its env and those files is remapped to its place under the root. Nothing else changes.
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
    /** Every file of its ConfigMap and Secret mounts: path in the pod → content as rendered (not remapped). */
    readonly files: ReadonlyMap<string, string>;
    /** Mount paths of its other volumes (the data volume, emptyDirs): the harness gives them directories of its own. */
    readonly otherMounts: readonly string[];
    /** Its environment: `value`s, and `secretKeyRef` / `configMapKeyRef` / `envFrom` read from the rendered objects; mount paths remapped. */
    readonly env: Readonly<Record<string, string>>;
    /** Local path of a file the container sees at `podPath`. */
    local(podPath: string): string;
    dispose(): void;
}

type VolumeSource = { object: KubeObject; items?: Array<{ key: string; path: string }> };

function source(pod: PodSpec, volumeName: string, objects: readonly KubeObject[], namespace: string): VolumeSource | undefined {
    const v = (pod.volumes ?? []).find((x) => x.name === volumeName);
    const ref = v?.configMap ? { kind: "ConfigMap", name: v.configMap.name, items: v.configMap.items } : v?.secret ? { kind: "Secret", name: v.secret.secretName, items: v.secret.items } : undefined;
    if (ref === undefined) return undefined;
    const object = objects.find((o) => o.kind === ref.kind && o.metadata.name === ref.name && o.metadata.namespace === namespace);
    assert.ok(object, `${ref.kind} ${namespace}/${ref.name} mounted as volume ${volumeName} is not rendered`);
    return { object, items: ref.items };
}

function findObject(objects: readonly KubeObject[], kind: string, name: string, namespace: string): KubeObject | undefined {
    return objects.find((o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === namespace);
}

/** The container's env as the kubelet resolves it (envFrom first, then env, which wins), from the rendered objects. */
function containerEnv(c: Container, objects: readonly KubeObject[], namespace: string, where: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const from of c.envFrom ?? []) {
        const ref = from.secretRef ? { kind: "Secret", ...from.secretRef } : from.configMapRef ? { kind: "ConfigMap", ...from.configMapRef } : undefined;
        assert.ok(ref, `${where}: envFrom ${JSON.stringify(from)} is neither a Secret nor a ConfigMap`);
        const o = findObject(objects, ref.kind, ref.name, namespace);
        assert.ok(o || ref.optional, `${where}: envFrom ${ref.kind} ${namespace}/${ref.name} is not rendered`);
        for (const k of o ? keysOf(o) : []) env[k] = contentOf(o!, k)!;
    }
    for (const v of c.env ?? []) {
        if (v.valueFrom === undefined) {
            env[v.name] = String(v.value ?? "");
            continue;
        }
        const ref = v.valueFrom.secretKeyRef ? { kind: "Secret", ...v.valueFrom.secretKeyRef } : v.valueFrom.configMapKeyRef ? { kind: "ConfigMap", ...v.valueFrom.configMapKeyRef } : undefined;
        assert.ok(ref, `${where}: env ${v.name} comes from ${Object.keys(v.valueFrom).join()}, which the emulation does not resolve`);
        const o = findObject(objects, ref.kind, ref.name, namespace);
        const value = o && contentOf(o, ref.key);
        if (value === undefined && ref.optional) continue;
        assert.ok(value !== undefined, `${where}: env ${v.name}: ${ref.kind} ${namespace}/${ref.name} key ${ref.key} is not rendered`);
        env[v.name] = value;
    }
    return env;
}

export function materializeContainer(stack: PodObjects, kind: string, workloadName: string, containerName: string): MaterializedContainer {
    const w = workloads(stack.objects).find((x) => x.object.kind === kind && x.object.metadata.name === workloadName);
    assert.ok(w, `${stack.stack}: no rendered ${kind} ${workloadName}`);
    const container = w.pod.containers.find((c) => c.name === containerName);
    assert.ok(container, `${objectRef(w.object)}: no container ${containerName}`);
    const namespace = w.object.metadata.namespace!;
    const mounts = new Map<string, string>();
    const files = new Map<string, string>();
    const otherMounts: string[] = [];
    const root = fs.mkdtempSync(path.join(os.tmpdir(), `pod-${workloadName}-`));
    for (const m of container.volumeMounts ?? []) {
        const src = source(w.pod, m.name, stack.objects, namespace);
        if (src === undefined) {
            otherMounts.push(m.mountPath);
            continue;
        }
        mounts.set(m.mountPath, path.join(root, m.mountPath));
        const entries = src.items ?? keysOf(src.object).map((k) => ({ key: k, path: k }));
        for (const { key, path: rel } of entries) {
            const content = contentOf(src.object, key);
            assert.ok(content !== undefined, `${objectRef(src.object)} has no key ${key}`);
            if (m.subPath) {
                if (rel === m.subPath) files.set(m.mountPath, content);
            } else {
                files.set(path.posix.join(m.mountPath, rel), content);
            }
        }
    }
    // One pass, longest mount path first, so /etc/prometheus/secrets/auth wins over a shorter prefix and nothing is remapped twice.
    const byLength = [...mounts.keys()].sort((a, b) => b.length - a.length);
    const pattern = byLength.length > 0 ? new RegExp(byLength.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g") : undefined;
    const remap = (text: string): string => (pattern === undefined ? text : text.replace(pattern, (m) => mounts.get(m)!));
    try {
        for (const [podPath, content] of files) {
            const file = remap(podPath);
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, remap(content), { mode: 0o600 });
        }
        const env = Object.fromEntries(Object.entries(containerEnv(container, stack.objects, namespace, `${objectRef(w.object)} ${containerName}`)).map(([k, v]) => [k, remap(v)]));
        return {
            workload: w.object,
            container,
            root,
            args: (container.args ?? []).map(remap),
            mounts,
            files,
            otherMounts,
            env,
            local: (podPath) => remap(podPath),
            dispose: () => fs.rmSync(root, { recursive: true, force: true }),
        };
    } catch (e) {
        fs.rmSync(root, { recursive: true, force: true });
        throw e;
    }
}

/** The value of `--<flag>=` in args, or undefined. */
export function flagValue(args: readonly string[], flag: string): string | undefined {
    const prefix = `--${flag}=`;
    return args.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

/**
 * The chart's flags with `overrides` appended; an override that names one of them replaces it
 * (Prometheus refuses a repeated flag), e.g. a test's scaled `--storage.tsdb.min-block-duration`.
 */
export function withFlags(flags: readonly string[], overrides: readonly string[] = []): string[] {
    const name = (f: string) => f.replace(/=.*$/, "");
    const replaced = new Set(overrides.map(name));
    return [...flags.filter((f) => !replaced.has(name(f))), ...overrides];
}

/**
 * The Prometheus container of the prometheus chart: `{{ template "prometheus.name" . }}-{{ .Values.server.name }}`
 * (prometheus-community/helm-charts charts/prometheus/templates/deploy.yaml, values.yaml `server.name: server`, tag prometheus-29.27.0).
 */
export const PROMETHEUS_CONTAINER = "prometheus-server";

/**
 * The Prometheus container of an evaluated stack's Prometheus (component `global-prometheus` or
 * `zone-prometheus`, release `<component>-chart`) laid out under a temporary root: from a whole render,
 * or from an evaluation, its release then rendered alone with the stack's own objects (renderRelease,
 * memoised). The caller disposes it (startPodPrometheus hands it to the process, which removes it
 * when stopped for good).
 */
export function prometheusPod(from: StackEvaluation | RenderedStack, component: string): MaterializedContainer {
    const ev = "manifests" in from ? from.evaluation : from;
    const chart = ev.resources.find((r) => r.type === CHART_TYPE && r.name === `${component}-chart`);
    assert.ok(chart, `${ev.stack}: no Helm release ${component}-chart`);
    const rendered = "manifests" in from ? from : renderRelease(ev, chart.name);
    const group = rendered.manifests.groups.find((g) => g.from !== undefined && g.name === String(chart.inputs.name));
    const w = workloads(group?.objects ?? []).find((x) => x.pod.containers.some((c) => c.name === PROMETHEUS_CONTAINER));
    assert.ok(w, `${ev.stack}: release ${chart.inputs.name} renders no workload with container ${PROMETHEUS_CONTAINER}`);
    return materializeContainer(rendered, w.object.kind, w.object.metadata.name, PROMETHEUS_CONTAINER);
}

/** `fn` on the laid-out Prometheus pod of an evaluated stack, the pod removed after (promtool checks, file reads). */
export function withPrometheusPod<T>(ev: StackEvaluation | RenderedStack, component: string, fn: (pod: MaterializedContainer) => T): T {
    const pod = prometheusPod(ev, component);
    try {
        return fn(pod);
    } finally {
        pod.dispose();
    }
}

/** The files of one mount of a laid-out pod as rendered: key (path under the mount) → content. */
export function mountedFiles(pod: MaterializedContainer, mountPath: string): Record<string, string> {
    const prefix = `${mountPath}/`;
    return Object.fromEntries([...pod.files].filter(([f]) => f.startsWith(prefix)).map(([f, c]) => [f.slice(prefix.length), c]));
}

/** The text of a Prometheus pod's `--config.file` as rendered (mount paths not remapped): equal across pods that mount the same config. */
export function renderedConfigText(pod: MaterializedContainer): string {
    const file = flagValue(pod.container.args ?? [], "config.file");
    const text = file === undefined ? undefined : pod.files.get(file);
    assert.ok(text !== undefined, `${objectRef(pod.workload)}: --config.file ${file} is not a mounted file`);
    return text;
}

/** The config a Prometheus pod mounts (its `--config.file`, mount paths remapped). */
export function podPrometheusConfig(pod: MaterializedContainer): PrometheusConfig {
    const configFile = flagValue(pod.args, "config.file");
    assert.ok(configFile !== undefined && fs.existsSync(configFile), `${objectRef(pod.workload)}: --config.file ${configFile} is not a mounted file`);
    return parsePrometheusYaml(fs.readFileSync(configFile, "utf8"));
}

/** The agent-mode switch on 2.x and 3.x (`--enable-feature=agent`, `--agent`), as prometheusModeFlags gives it. */
const MODE_FLAGS: readonly string[] = ["2.42.0", "3.0.0"].map((version) => prometheusModeFlags({ mode: "agent", version, storagePath: "/" })[0]);

export interface PodPrometheusOptions {
    /** Process name (temp dir prefix, logs). */
    readonly name: string;
    /** The port the process listens on (the config's self-scrape names it). */
    readonly port: number;
    /** The loopback changes to the mounted config (addresses, the kuma_sd swap); asserted to leave no address off loopback. */
    readonly localise: (cfg: PrometheusConfig) => PrometheusConfig;
    /** Basic auth for the readiness probe when the web config protects the server. */
    readonly readyAuth?: BasicAuth;
    /** The Prometheus binary; default the harness's (3.5). */
    readonly bin?: string;
    /** Environment on top of the container's (e.g. what keeps the AWS SDK on loopback); default none. */
    readonly env?: Readonly<Record<string, string>>;
    /** Test overrides of the rendered flags, each replacing the flag of its name (or added), e.g. scaled block durations; default none. */
    readonly flagOverrides?: readonly string[];
}

export interface PodPrometheus {
    readonly prometheus: PrometheusProcess;
    readonly pod: MaterializedContainer;
    /** The config the process runs: the mounted one, `localise`d. */
    readonly config: PrometheusConfig;
    /** The rendered container's flags the process got besides the mode and storage flags (after those and the harness's config file and listen address), overrides applied. */
    readonly args: string[];
}

/**
 * Starts a laid-out Prometheus container on loopback: its own args and env, its mounted files. The
 * harness sets only `--config.file` (the localised config), `--web.listen-address` (127.0.0.1:port)
 * and its data dir in place of the pod's data volume (every flag naming a non-ConfigMap/Secret mount,
 * e.g. `--storage.tsdb.path=/data` or an agent's `--storage.agent.path=/data`); the mode and storage
 * flags keep the pod's order. The process owns the pod root from here: stopAllPrometheus removes it.
 */
export async function startPodPrometheus(pod: MaterializedContainer, opts: PodPrometheusOptions): Promise<PodPrometheus> {
    let config: PrometheusConfig;
    try {
        config = opts.localise(podPrometheusConfig(pod));
        assert.deepEqual(findNonLoopbackAddresses(config), [], `${opts.name}: every address is loopback`);
    } catch (e) {
        pod.dispose();
        throw e;
    }
    const onData = (a: string) => pod.otherMounts.find((m) => a.endsWith(`=${m}`) || a.includes(`=${m}/`));
    // The mode and storage flags, in the pod's order, go where the harness puts its own (startPrometheus storageFlags).
    const isModeOrStorage = (a: string) => MODE_FLAGS.includes(a) || onData(a) !== undefined;
    const args = withFlags(
        pod.args.filter((a) => !a.startsWith("--config.file=") && !isModeOrStorage(a)),
        opts.flagOverrides,
    );
    const storage = pod.args.filter(isModeOrStorage);
    const prometheus = await startPrometheus({
        name: opts.name,
        bin: opts.bin,
        port: opts.port,
        configYaml: renderPrometheusYaml(config),
        extraArgs: args,
        agent: storage.some((a) => MODE_FLAGS.includes(a)),
        storageFlags: (dataDir) => storage.map((a) => (onData(a) === undefined ? a : a.replace(`=${onData(a)!}`, `=${dataDir}`))),
        env: { ...pod.env, ...opts.env },
        readyAuth: opts.readyAuth,
        ownedDirs: [pod.root],
    });
    return { prometheus, pod, config, args };
}
