import * as path from "path";
import { parse } from "yaml";
import { KubeObject, objectRef } from "../../infra/plan/kube-object";

/**
 * Reads rendered workloads the way the kubelet would: which ConfigMap or Secret key a path inside a
 * container comes from (volumes, volumeMounts with subPath, items), which files a container's flags
 * and config files name, which ports it listens on. Pure functions over rendered objects, shared by
 * the wiring tests and the pod emulation (rendered-pod.ts).
 */
export const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet"] as const;

export interface Container {
    readonly name: string;
    readonly image?: string;
    readonly command?: string[];
    readonly args?: string[];
    readonly env?: Array<{ name: string; value?: string; valueFrom?: Record<string, any> }>;
    readonly envFrom?: Array<{ secretRef?: { name: string; optional?: boolean }; configMapRef?: { name: string; optional?: boolean } }>;
    readonly ports?: Array<{ name?: string; containerPort: number; protocol?: string }>;
    readonly volumeMounts?: Array<{ name: string; mountPath: string; subPath?: string | null; readOnly?: boolean }>;
    readonly livenessProbe?: Probe;
    readonly readinessProbe?: Probe;
    readonly startupProbe?: Probe;
}

export interface Probe {
    readonly httpGet?: { port: number | string; path?: string };
    readonly tcpSocket?: { port: number | string };
    readonly grpc?: { port: number };
}

export interface Volume {
    readonly name: string;
    readonly configMap?: { name: string; items?: Array<{ key: string; path: string }>; optional?: boolean };
    readonly secret?: { secretName: string; items?: Array<{ key: string; path: string }>; optional?: boolean };
    readonly hostPath?: { path: string };
    readonly [source: string]: unknown;
}

export interface PodSpec {
    readonly containers: Container[];
    readonly initContainers?: Container[];
    readonly volumes?: Volume[];
}

export interface Workload {
    readonly object: KubeObject;
    readonly pod: PodSpec;
}

/** Workloads with their pod spec; a StatefulSet's volumeClaimTemplates appear among the volumes, as in its pods. */
export function workloads(objects: readonly KubeObject[]): Workload[] {
    return objects
        .filter((o) => (WORKLOAD_KINDS as readonly string[]).includes(o.kind))
        .map((o) => {
            const spec = (o as any).spec;
            const pod = spec.template.spec as PodSpec;
            const claims = ((spec.volumeClaimTemplates ?? []) as Array<{ metadata: { name: string } }>).map((t) => ({ name: t.metadata.name, persistentVolumeClaim: { claimName: t.metadata.name } }));
            return { object: o, pod: claims.length === 0 ? pod : { ...pod, volumes: [...(pod.volumes ?? []), ...claims] } };
        });
}

export function allContainers(pod: PodSpec): Container[] {
    return [...(pod.initContainers ?? []), ...pod.containers];
}

/** Where a file inside a container comes from. */
export interface FileSource {
    readonly kind: "ConfigMap" | "Secret";
    readonly name: string;
    readonly key: string;
    /** The mount it came through. */
    readonly mountPath: string;
}

/** Keys of a ConfigMap (data, binaryData) or Secret (data, stringData). */
export function keysOf(o: KubeObject): string[] {
    const x = o as any;
    return [...Object.keys(x.data ?? {}), ...Object.keys(x.stringData ?? {}), ...Object.keys(x.binaryData ?? {})];
}

/** The content of a ConfigMap or Secret key (Secret data decoded from base64). */
export function contentOf(o: KubeObject, key: string): string | undefined {
    const x = o as any;
    if (x.stringData?.[key] !== undefined) return String(x.stringData[key]);
    if (x.data?.[key] !== undefined) return o.kind === "Secret" ? Buffer.from(String(x.data[key]), "base64").toString("utf8") : String(x.data[key]);
    if (x.binaryData?.[key] !== undefined) return Buffer.from(String(x.binaryData[key]), "base64").toString("utf8");
    return undefined;
}

/**
 * The ConfigMap or Secret key a file path in a container reads, through the container's mounts (the
 * deepest mount holding the path wins, as in the container's file system); an error string when the
 * path is on no ConfigMap/Secret mount, or the object or key is not there.
 */
export function resolveFile(pod: PodSpec, container: Container, file: string, objects: readonly KubeObject[], namespace: string): FileSource | string {
    const mounts = [...(container.volumeMounts ?? [])]
        .filter((m) => file === m.mountPath || file.startsWith(m.mountPath.endsWith("/") ? m.mountPath : `${m.mountPath}/`))
        .sort((a, b) => b.mountPath.length - a.mountPath.length);
    const mount = mounts[0];
    if (mount === undefined) return `${file}: on no volume mount of container ${container.name}`;
    const volume = (pod.volumes ?? []).find((v) => v.name === mount.name);
    if (volume === undefined) return `${file}: mount ${mount.mountPath} names volume ${mount.name}, which the pod does not declare`;
    const source = volume.configMap ? { kind: "ConfigMap" as const, name: volume.configMap.name, items: volume.configMap.items } : volume.secret ? { kind: "Secret" as const, name: volume.secret.secretName, items: volume.secret.items } : undefined;
    if (source === undefined) return `${file}: mount ${mount.mountPath} is volume ${mount.name} (${Object.keys(volume).filter((k) => k !== "name").join()}), not a ConfigMap or Secret`;
    let inVolume: string;
    if (mount.subPath) {
        if (file !== mount.mountPath) return `${file}: under a subPath mount (${mount.mountPath}), which is a single file`;
        inVolume = mount.subPath;
    } else {
        inVolume = path.posix.relative(mount.mountPath, file);
    }
    const key = source.items ? source.items.find((i) => i.path === inVolume)?.key : inVolume;
    if (key === undefined) return `${file}: ${source.kind} ${source.name} is mounted with items ${JSON.stringify(source.items)}, none at ${inVolume}`;
    const object = objects.find((o) => o.kind === source.kind && o.metadata.name === source.name && o.metadata.namespace === namespace);
    if (object === undefined) return `${file}: ${source.kind} ${namespace}/${source.name} is not created by the stack`;
    if (!keysOf(object).includes(key)) return `${file}: ${objectRef(object)} has no key ${key} (keys: ${keysOf(object).join(", ")})`;
    return { kind: source.kind, name: source.name, key, mountPath: mount.mountPath };
}

/** Every key a mounted directory holds (for globs such as rule_files: /etc/prometheus/rules/*.yml). */
export function filesUnder(pod: PodSpec, container: Container, dir: string, objects: readonly KubeObject[], namespace: string): string[] {
    const mount = (container.volumeMounts ?? []).find((m) => m.mountPath === dir && !m.subPath);
    const volume = mount && (pod.volumes ?? []).find((v) => v.name === mount.name);
    const ref = volume?.configMap ? { kind: "ConfigMap", name: volume.configMap.name, items: volume.configMap.items } : volume?.secret ? { kind: "Secret", name: volume.secret.secretName, items: volume.secret.items } : undefined;
    if (ref === undefined) return [];
    const o = objects.find((x) => x.kind === ref.kind && x.metadata.name === ref.name && x.metadata.namespace === namespace);
    if (o === undefined) return [];
    return ref.items ? ref.items.map((i) => `${dir}/${i.path}`) : keysOf(o).map((k) => `${dir}/${k}`);
}

/** Flags whose value is a file the process reads at start (Prometheus, Loki, Jaeger v2, the collector, Alloy). */
const FILE_FLAGS = /^--?(config\.file|web\.config\.file|config|config-file)=(.+)$/;

/** The files a container's command line names: `--config.file=`, `--web.config.file=`, `--config=`, `-config.file=`, Alloy's `run <file>`. */
export function commandLineFiles(c: Container): string[] {
    const argv = [...(c.command ?? []), ...(c.args ?? [])];
    const files: string[] = [];
    argv.forEach((a, i) => {
        const m = FILE_FLAGS.exec(a);
        if (m && m[2].startsWith("/")) files.push(m[2]);
        if (a === "run" && argv[i + 1]?.startsWith("/")) files.push(argv[i + 1]);
    });
    return files;
}

/**
 * Absolute paths a YAML config names under file keys (`*_file`, `*_files`, `file`, `rule_files`),
 * e.g. Prometheus' password_file and rule_files, Loki's runtime_config.file.
 */
export function configFileReferences(text: string): string[] {
    let doc: unknown;
    try {
        doc = parse(text);
    } catch {
        return [];
    }
    const out: string[] = [];
    const walk = (v: unknown, key: string): void => {
        if (Array.isArray(v)) return v.forEach((x) => walk(x, key));
        if (typeof v === "object" && v !== null) return Object.entries(v).forEach(([k, x]) => walk(x, k));
        if (typeof v === "string" && /(^|_)files?$/.test(key) && v.startsWith("/")) out.push(v);
    };
    walk(doc, "");
    return out;
}

/** Ports a container listens on: its declared ports, `*listen-addr*=host:port` flags, and `endpoint: host:port` / `port:` in its YAML config. */
export function listeningPorts(c: Container, configTexts: readonly string[]): { numbers: Set<number>; names: Set<string> } {
    const numbers = new Set((c.ports ?? []).map((p) => p.containerPort));
    const names = new Set((c.ports ?? []).flatMap((p) => (p.name ? [p.name] : [])));
    for (const a of [...(c.command ?? []), ...(c.args ?? [])]) {
        const m = /listen-addr(?:ess)?=.*:(\d+)$/.exec(a);
        if (m) numbers.add(Number(m[1]));
    }
    for (const text of configTexts) {
        let doc: unknown;
        try {
            doc = parse(text);
        } catch {
            continue;
        }
        const walk = (v: unknown, key: string): void => {
            if (Array.isArray(v)) return v.forEach((x) => walk(x, key));
            if (typeof v === "object" && v !== null) return Object.entries(v).forEach(([k, x]) => walk(x, k));
            if (key === "endpoint" && typeof v === "string" && /^[^/]*:\d+$/.test(v)) numbers.add(Number(v.split(":").pop()));
            if (/(^|_)listen_port$/.test(key) && typeof v === "number") numbers.add(v);
        };
        walk(doc, "");
    }
    return { numbers, names };
}

export function probesOf(c: Container): Array<{ kind: string; port: number | string }> {
    const out: Array<{ kind: string; port: number | string }> = [];
    for (const kind of ["livenessProbe", "readinessProbe", "startupProbe"] as const) {
        const p = c[kind];
        const port = p?.httpGet?.port ?? p?.tcpSocket?.port ?? p?.grpc?.port;
        if (port !== undefined) out.push({ kind, port });
    }
    return out;
}
