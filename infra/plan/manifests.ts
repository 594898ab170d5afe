import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { ChartRelease, ChartSource, clusterScopedCustomKinds, isNamespaced, templateRelease } from "./chart-template";
import { PlannedResource, StackEvaluation } from "./evaluate-stack";
import { KubeObject } from "./kube-object";
import { CHART_TYPE } from "./mock-runtime";
import { revealOrMask, SECRET_MASK, secretStrings } from "./secret-values";


/** One manifest file: the objects of a Helm release or of a component's own resources. */
export interface ManifestGroup {
    /** File name without `.yaml`: the release name, or the top-level component's name. */
    readonly name: string;
    /** Objects, secrets revealed (masked only when written). */
    readonly objects: KubeObject[];
    /** Strings that are secret wherever they appear in these objects. */
    readonly secrets: string[];
    /** For a release: what was rendered, and what stood in for the pinned chart if anything. */
    readonly from?: string;
    readonly standIn?: string;
    /** Seconds `helm template` took (releases only). */
    readonly seconds?: number;
}

export interface StackManifests {
    readonly stack: string;
    readonly groups: ManifestGroup[];
}

/** Every object of a stack, across its groups. */
export function allObjects(m: StackManifests): KubeObject[] {
    return m.groups.flatMap((g) => g.objects);
}

const key = (r: { type: string; name: string }) => `${r.type}::${r.name}`;

/** Name of the top-level component a resource belongs to (itself when it has no parent). */
function rootName(r: PlannedResource, byKey: ReadonlyMap<string, PlannedResource>): string {
    let at = r;
    for (let guard = 0; at.parent !== undefined && guard < 100; guard++) {
        const up = byKey.get(at.parent);
        if (up === undefined || up.type === "pulumi:pulumi:Stack") break;
        at = up;
    }
    return at.name;
}

function isOwnKubernetesObject(r: PlannedResource): boolean {
    return r.custom && r.type.startsWith("kubernetes:") && r.type !== CHART_TYPE;
}

/**
 * Every Kubernetes object a stack creates: its own (as registered under the mock runtime) and each
 * Helm release expanded as Chart v4 expands it (see templateRelease). Namespaced objects registered
 * without a namespace land in the provider's default, `default`, as they would with a real provider.
 */
export function stackManifests(ev: StackEvaluation, source: ChartSource): StackManifests {
    const byKey = new Map(ev.resources.map((r) => [key(r), r]));
    const groups = new Map<string, { objects: KubeObject[]; secrets: string[]; from?: string; standIn?: string; seconds?: number }>();
    const group = (name: string) => {
        let g = groups.get(name);
        if (!g) groups.set(name, (g = { objects: [], secrets: [] }));
        return g;
    };
    const own = ev.resources.filter(isOwnKubernetesObject);
    const ownObjects = own.map((r) => revealOrMask(r.inputs, true) as KubeObject);
    const clusterCustom = clusterScopedCustomKinds(ownObjects);
    own.forEach((r, i) => {
        const o = ownObjects[i];
        const obj = isNamespaced(o.kind, clusterCustom) && !o.metadata.namespace ? { ...o, metadata: { ...o.metadata, namespace: "default" } } : o;
        const g = group(rootName(r, byKey));
        g.objects.push(obj);
        g.secrets.push(...secretStrings(r.inputs));
    });
    for (const r of ev.resources.filter((x) => x.type === CHART_TYPE)) {
        const inputs = revealOrMask(r.inputs, true) as { name: string; namespace: string; chart: string; version: string; repositoryOpts: { repo: string }; values?: Record<string, unknown> };
        const release: ChartRelease = { release: inputs.name, namespace: inputs.namespace, chart: inputs.chart, version: inputs.version, repo: inputs.repositoryOpts.repo, values: inputs.values ?? {} };
        const started = process.hrtime.bigint();
        const rendered = templateRelease(release, source);
        const g = group(release.release);
        g.objects.push(...rendered.objects);
        g.secrets.push(...secretStrings(r.inputs));
        g.from = rendered.from;
        g.seconds = Number(process.hrtime.bigint() - started) / 1e9;
        if (rendered.standIn !== undefined) g.standIn = rendered.standIn;
    }
    return { stack: ev.stack, groups: [...groups.entries()].map(([name, g]) => ({ name, ...g })) };
}

/**
 * Secret strings shorter than this are masked only in Secrets, not wherever they appear: a secret
 * user name like `admin` also spells parts of object names, which masking would garble.
 */
const MIN_MASKED_LENGTH = 8;

/**
 * An object as written to disk: unless secrets are shown, a Secret's data and stringData values are
 * masked, and so is every secret string wherever a chart copied it (a password in a config file).
 */
export function maskedObject(o: KubeObject, secrets: readonly string[]): KubeObject {
    const strong = secrets.filter((s) => s.length >= MIN_MASKED_LENGTH).sort((a, b) => b.length - a.length);
    const mask = (v: unknown): unknown => {
        if (typeof v === "string") return strong.reduce((s, secret) => s.split(secret).join(SECRET_MASK), v);
        if (Array.isArray(v)) return v.map(mask);
        if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mask(x)]));
        return v;
    };
    const masked = mask(o) as Record<string, unknown>;
    if (o.kind === "Secret" && o.apiVersion === "v1") {
        for (const field of ["data", "stringData"]) {
            const d = masked[field];
            if (typeof d === "object" && d !== null) masked[field] = Object.fromEntries(Object.keys(d).map((k) => [k, SECRET_MASK]));
        }
    }
    return masked as unknown as KubeObject;
}

/** Writes `<dir>/<group>.yaml` per group (multi-document YAML); returns the paths written. */
export function writeManifests(m: StackManifests, dir: string, showSecrets: boolean): string[] {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    return m.groups.map((g) => {
        const header = g.from !== undefined ? `# Helm release ${g.name} of stack ${m.stack}, rendered from ${g.from}${g.standIn ? `\n# stand-in: ${g.standIn}` : ""}\n` : `# Objects of ${g.name} in stack ${m.stack}\n`;
        const docs = g.objects.map((o) => stringify(showSecrets ? o : maskedObject(o, g.secrets), { lineWidth: 0, aliasDuplicateObjects: false }));
        const file = path.join(dir, `${g.name}.yaml`);
        fs.writeFileSync(file, header + docs.map((d) => `---\n${d}`).join(""));
        return file;
    });
}

/** Objects by kind, for the per-stack summary. */
export function countByKind(objects: readonly KubeObject[]): [string, number][] {
    const counts = new Map<string, number>();
    for (const o of objects) counts.set(o.kind, (counts.get(o.kind) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => a[0].localeCompare(b[0]));
}
