import * as fs from "fs";
import * as path from "path";
import { renderYaml } from "../../components/kernel/render-yaml";
import { WORKLOAD_ANNOTATION } from "../../components/kernel/workload-files";
import { PlannedResource, StackEvaluation } from "./evaluate-stack";
import { containsSecret, revealOrMask, SECRET_MASK } from "./secret-values";

/** A file a workload mounts, as the plan writes it under `<stack>/files/<workload>/<name>`. */
export interface WorkloadFile {
    readonly workload: string;
    readonly name: string;
    readonly content: string;
    /** Held in a Kubernetes Secret: written only with --show-secrets. */
    readonly secret: boolean;
}

/** Files handed to workloads: ConfigMap `data` and Secret `stringData`, keyed by the workload annotation. */
export function workloadFiles(resources: readonly PlannedResource[]): WorkloadFile[] {
    const files: WorkloadFile[] = [];
    for (const r of resources) {
        const isConfigMap = r.type === "kubernetes:core/v1:ConfigMap";
        const isSecret = r.type === "kubernetes:core/v1:Secret";
        if (!isConfigMap && !isSecret) continue;
        const meta = revealOrMask(r.inputs.metadata, true) as { annotations?: Record<string, string> } | undefined;
        const workload = meta?.annotations?.[WORKLOAD_ANNOTATION];
        if (workload === undefined) continue;
        const data = revealOrMask(isConfigMap ? r.inputs.data : r.inputs.stringData, true) as Record<string, string> | undefined;
        const secretData = isSecret || containsSecret(isConfigMap ? r.inputs.data : undefined);
        for (const [name, content] of Object.entries(data ?? {})) {
            files.push({ workload, name, content, secret: secretData });
        }
    }
    return files;
}

/** Kuma custom resources (the mesh policies) as applied, in one multi-document file; undefined when there are none. */
export function kumaPolicyFile(resources: readonly PlannedResource[]): WorkloadFile | undefined {
    const docs = resources
        .filter((r) => r.type.startsWith("kubernetes:kuma.io/"))
        .map((r) => {
            const { apiVersion, kind, metadata, spec } = revealOrMask(r.inputs, true) as Record<string, unknown>;
            return renderYaml({ apiVersion, kind, metadata, spec }, `${String(kind)} (applied by ${r.name})`);
        });
    if (docs.length === 0) return undefined;
    return { workload: "kuma-control-plane", name: "mesh-policies.yaml", content: docs.join("---\n"), secret: false };
}

/** Outputs that are files to paste somewhere (Helm values, Prometheus config, policy YAML). */
const SNIPPET_OUTPUT = /(Snippet|Yaml)$/;

export interface RenderOptions {
    readonly outDir: string;
    readonly showSecrets: boolean;
}

/** Writes resources.json, outputs.json and files/ for one stack; returns the paths written. */
export function renderStack(ev: StackEvaluation, o: RenderOptions): string[] {
    const dir = path.join(o.outDir, ev.stack);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const written: string[] = [];
    const write = (rel: string, content: string) => {
        const file = path.join(dir, rel);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, content);
        written.push(file);
    };
    const resources = ev.resources.map((r) => ({
        type: r.type,
        name: r.name,
        ...(r.parent !== undefined ? { parent: r.parent } : {}),
        inputs: revealOrMask(r.inputs, o.showSecrets),
    }));
    write("resources.json", `${JSON.stringify(resources, null, 2)}\n`);
    const outputs = Object.fromEntries(
        Object.entries(ev.outputs).map(([k, out]) => [k, out.secret && !o.showSecrets ? SECRET_MASK : out.value]),
    );
    write("outputs.json", `${JSON.stringify(outputs, null, 2)}\n`);
    // Copy-paste artefacts a stack exports (values snippets, policy YAML): also as files, for review and use.
    for (const [key, out] of Object.entries(ev.outputs)) {
        if (SNIPPET_OUTPUT.test(key) && !out.secret && typeof out.value === "string" && out.value !== "") write(path.join("snippets", `${key}.yaml`), out.value);
    }
    const policies = kumaPolicyFile(ev.resources);
    for (const f of [...workloadFiles(ev.resources), ...(policies ? [policies] : [])]) {
        if (f.secret && !o.showSecrets) continue;
        write(path.join("files", f.workload, f.name), f.content);
    }
    return written;
}

/** Resources by type, for the per-stack summary. */
export function countByType(resources: readonly PlannedResource[]): [string, number][] {
    const counts = new Map<string, number>();
    for (const r of resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => a[0].localeCompare(b[0]));
}
