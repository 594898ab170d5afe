import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { CONTROL_PLANE_CHARTS, ControlPlaneChart } from "../../components/mesh/control-plane-chart";
import { helmBinary } from "./helm-binary";
import { KubeObject } from "./kube-object";

/**
 * Kubernetes version charts are rendered for (`.Capabilities.KubeVersion`): the API version the
 * rendered objects are validated against (the tests' pinned `kubernetes-models` 4.5.1 carries the
 * v1.33.0 OpenAPI schemas, tommy351/kubernetes-models-ts first-party/kubernetes-models/CHANGELOG.md).
 * Chart v4 asks the cluster for its version; a cluster older than this may get other API versions.
 */
export const RENDER_KUBE_VERSION = "v1.33.0";

/** One `kubernetes:helm.sh/v4:Chart` as the program registered it (its resolved inputs). */
export interface ChartRelease {
    readonly release: string;
    readonly namespace: string;
    readonly chart: string;
    readonly version: string;
    readonly repo: string;
    readonly values: Record<string, unknown>;
}

/** Where charts come from: a folder of `<chart>-<version>.tgz` archives, or (undefined) their repositories over the network. */
export interface ChartSource {
    readonly chartsDir?: string;
}

/** What was rendered for a release, and from what. */
export interface RenderedRelease {
    readonly objects: KubeObject[];
    /** The archive or `<repo> <chart>` rendered. */
    readonly from: string;
    /** Set when another chart stood in for the pinned one (why, in words). */
    readonly standIn?: string;
}

/**
 * The chart to template and the values to give it. A packaged `<chart>-<version>.tgz` in the charts
 * folder wins; a chart that wraps the kuma chart (kong-mesh: its values nest kuma's under `kuma:`,
 * Kong/kong-mesh-charts index.yaml) and has no archive there is rendered from the wrapped
 * `kuma-<kumaVersion>.tgz` with the `kuma:` values unwrapped. Kong Mesh's own templates (its licence
 * handling, its images) are then not in the render: said as `standIn`.
 */
function chartReference(r: ChartRelease, source: ChartSource): { args: string[]; values: Record<string, unknown>; from: string; standIn?: string } {
    if (source.chartsDir === undefined) {
        return { args: [r.chart, "--repo", r.repo, "--version", r.version], values: r.values, from: `${r.repo} ${r.chart} ${r.version}` };
    }
    const archive = path.join(source.chartsDir, `${r.chart}-${r.version}.tgz`);
    if (fs.existsSync(archive)) return { args: [archive], values: r.values, from: archive };
    const wrapper = Object.values(CONTROL_PLANE_CHARTS).find((c: ControlPlaneChart) => c.chart === r.chart && c.kumaValuesKey !== undefined);
    if (wrapper?.kumaValuesKey !== undefined && wrapper.kumaVersion !== undefined) {
        const kuma = path.join(source.chartsDir, `kuma-${wrapper.kumaVersion}.tgz`);
        if (fs.existsSync(kuma)) {
            const inner = r.values[wrapper.kumaValuesKey];
            return {
                args: [kuma],
                values: typeof inner === "object" && inner !== null ? (inner as Record<string, unknown>) : {},
                from: kuma,
                standIn: `${r.chart} ${r.version} has no archive in ${source.chartsDir}; rendered the kuma ${wrapper.kumaVersion} chart it wraps, with the values under \`${wrapper.kumaValuesKey}:\``,
            };
        }
    }
    throw new Error(`release ${r.release}: no chart archive ${archive} (charts folder ${source.chartsDir} holds: ${fs.readdirSync(source.chartsDir).filter((f) => f.endsWith(".tgz")).join(", ")})`);
}

/**
 * Expands one release as Pulumi's Chart v4 does (pulumi/pulumi-kubernetes
 * provider/pkg/provider/helm/v4/chart.go): `helm template` with the release name and namespace,
 * hooks disabled (`DisableHooks = true`, so chart tests, which are hooks, go too), CRDs included
 * unless `skipCrds` (`IncludeCRDs = !SkipCrds`; the program never sets it). Objects without a
 * namespace then get the release namespace when their kind is namespaced, a CRD in the same objects
 * deciding a custom kind's scope (provider/pkg/provider/yaml/v2/yaml.go `Normalize`); `helm template`
 * itself does not do that, and neither step removes a namespace a chart sets on a cluster-scoped object. Helm runs with empty config/cache/data homes, so no local
 * repository settings leak in.
 */
export function templateRelease(r: ChartRelease, source: ChartSource): RenderedRelease {
    const ref = chartReference(r, source);
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "meshobs-helm-"));
    try {
        // Values may hold secrets (passwords, keys): a private file in a private directory, removed after.
        const valuesFile = path.join(home, "values.json");
        fs.writeFileSync(valuesFile, JSON.stringify(ref.values), { mode: 0o600 });
        const args = ["template", r.release, ...ref.args, "--namespace", r.namespace, "--values", valuesFile, "--include-crds", "--no-hooks", "--kube-version", RENDER_KUBE_VERSION];
        const env = { ...process.env, HELM_CACHE_HOME: path.join(home, "cache"), HELM_CONFIG_HOME: path.join(home, "config"), HELM_DATA_HOME: path.join(home, "data") };
        const run = spawnSync(helmBinary(), args, { env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, timeout: 300_000 });
        if (run.error) throw new Error(`release ${r.release}: helm did not run: ${run.error.message}`);
        if (run.status !== 0) throw new Error(`release ${r.release} (${ref.from}): helm template failed: ${run.stderr.trim()}`);
        const objects = parseManifest(run.stdout, `release ${r.release}`);
        return { objects: withReleaseNamespace(objects, r.namespace), from: ref.from, ...(ref.standIn !== undefined ? { standIn: ref.standIn } : {}) };
    } finally {
        fs.rmSync(home, { recursive: true, force: true });
    }
}

/** Every non-empty document of a multi-document manifest; `List` kinds flattened as Pulumi's yaml/v2 does. */
function parseManifest(text: string, what: string): KubeObject[] {
    const out: KubeObject[] = [];
    const add = (o: unknown): void => {
        if (o === null || o === undefined || (typeof o === "object" && Object.keys(o).length === 0)) return;
        const obj = o as KubeObject;
        if (typeof obj.kind === "string" && obj.kind.endsWith("List") && Array.isArray((obj as { items?: unknown }).items)) {
            for (const item of (obj as unknown as { items: unknown[] }).items) add(item);
            return;
        }
        if (typeof obj.apiVersion !== "string" || typeof obj.kind !== "string" || typeof obj.metadata?.name !== "string") {
            throw new Error(`${what}: an object without apiVersion, kind or metadata.name: ${JSON.stringify(o).slice(0, 200)}`);
        }
        out.push(obj);
    };
    for (const doc of parseAllDocuments(text)) {
        if (doc.errors.length > 0) throw new Error(`${what}: unparsable YAML: ${doc.errors[0].message}`);
        add(doc.toJS({ maxAliasCount: -1 }));
    }
    return out;
}

/**
 * Built-in kinds that are cluster-scoped (Kubernetes API reference, v1.33: `kubectl api-resources
 * --namespaced=false`); everything else, and every CRD kind whose CRD says `scope: Namespaced`, is namespaced.
 */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
    "APIService",
    "CertificateSigningRequest",
    "ClusterRole",
    "ClusterRoleBinding",
    "ClusterTrustBundle",
    "ComponentStatus",
    "CSIDriver",
    "CSINode",
    "CustomResourceDefinition",
    "DeviceClass",
    "FlowSchema",
    "IngressClass",
    "IPAddress",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "ResourceSlice",
    "RuntimeClass",
    "ServiceCIDR",
    "StorageClass",
    "StorageVersionMigration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
    "VolumeAttributesClass",
]);

/** Kinds of cluster-scoped custom resources among the objects (their CRDs say `scope: Cluster`). */
export function clusterScopedCustomKinds(objects: readonly KubeObject[]): Set<string> {
    const kinds = new Set<string>();
    for (const o of objects) {
        const spec = (o as { spec?: { scope?: string; names?: { kind?: string } } }).spec;
        if (o.kind === "CustomResourceDefinition" && spec?.scope === "Cluster" && spec.names?.kind) kinds.add(spec.names.kind);
    }
    return kinds;
}

export function isNamespaced(kind: string, clusterCustomKinds: ReadonlySet<string>): boolean {
    return !CLUSTER_SCOPED_KINDS.has(kind) && !clusterCustomKinds.has(kind);
}

function withReleaseNamespace(objects: KubeObject[], namespace: string): KubeObject[] {
    const clusterCustom = clusterScopedCustomKinds(objects);
    return objects.map((o) => (isNamespaced(o.kind, clusterCustom) && !o.metadata.namespace ? { ...o, metadata: { ...o.metadata, namespace } } : o));
}
