import { KubeObject } from "../../infra/plan/kube-object";
import { KumaCrd } from "./kuma-crds";

/**
 * Validation of rendered objects: built-in kinds against the Kubernetes v1.33.0 OpenAPI schemas that
 * the pinned `kubernetes-models` 4.5.1 compiles into each model's validate() (tommy351/kubernetes-models-ts,
 * first-party/kubernetes-models CHANGELOG 4.5.0 "Update schema version to v1.33.0"), the version charts
 * are rendered for (RENDER_KUBE_VERSION), strictly: a field the schema does not declare is an error, as
 * the API server's strict field validation makes it (`kubectl apply --validate=strict`, Kubernetes
 * docs "Field validation", kubernetes.io/docs/reference/using-api/api-concepts/#field-validation);
 * `kuma.io` objects against the Kuma CRDs (kuma-crds.ts). Returns the problems, empty when valid.
 */
/**
 * Group versions a v1.33 API server serves by default: the GA ones (Kubernetes API reference v1.33;
 * beta APIs are off by default since 1.24, and every beta our charts could pick was removed by 1.32,
 * kubernetes.io/docs/reference/using-api/deprecation-guide/). kubernetes-models also carries the
 * removed ones (policy/v1beta1, extensions/v1beta1, ...), so they are refused here.
 */
export const SERVED_GROUP_VERSIONS: ReadonlySet<string> = new Set([
    "v1",
    "admissionregistration.k8s.io/v1",
    "apiextensions.k8s.io/v1",
    "apiregistration.k8s.io/v1",
    "apps/v1",
    "authentication.k8s.io/v1",
    "authorization.k8s.io/v1",
    "autoscaling/v1",
    "autoscaling/v2",
    "batch/v1",
    "certificates.k8s.io/v1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "events.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1",
    "networking.k8s.io/v1",
    "node.k8s.io/v1",
    "policy/v1",
    "rbac.authorization.k8s.io/v1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1",
]);

export function validateObject(o: KubeObject, kumaCrds: ReadonlyMap<string, KumaCrd>): string[] {
    const [group, version] = o.apiVersion.includes("/") ? o.apiVersion.split("/") : ["", o.apiVersion];
    if (group === "kuma.io") {
        const crd = kumaCrds.get(o.kind);
        if (crd === undefined) return [`no kuma.io CRD for kind ${o.kind}`];
        if (!crd.versions.includes(version)) return [`kuma.io ${o.kind} serves ${crd.versions.join(", ")}, not ${version}`];
        return crd.validate(o) ? [] : (crd.validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
    }
    if (!SERVED_GROUP_VERSIONS.has(o.apiVersion)) return [`${o.apiVersion} ${o.kind} is not an API of Kubernetes v1.33 (served: GA group versions)`];
    const modelPath = group === "" ? `kubernetes-models/${version}/${o.kind}` : `kubernetes-models/${group}/${version}/${o.kind}`;
    let Model: { prototype: { validate(this: unknown): void } } | undefined;
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        Model = require(modelPath)[o.kind];
    } catch {
        Model = undefined;
    }
    if (Model === undefined) return [`${o.apiVersion} ${o.kind} is not an API of Kubernetes v1.33 (no ${modelPath})`];
    const { data, objects } = watched(o);
    try {
        // The model's validate() runs its compiled schema on `this`: here the watched copy, so the schema's reads are seen.
        Model.prototype.validate.call(data);
    } catch (e) {
        return [(e as Error).message];
    }
    return unknownFields(objects);
}

/** An object of the validated data and the property names the compiled schema read on it. */
interface Watched {
    readonly path: string;
    readonly value: Record<string, unknown>;
    readonly read: Set<string>;
    /** The schema enumerated its keys: a map (`additionalProperties`), whose keys are all allowed. */
    iterated: boolean;
}

/**
 * `o` behind proxies that record, per object, which properties the validator reads. kubernetes-models
 * compiles each OpenAPI schema with ajv into code that reads every declared property
 * (`void 0===data.replicas||…`) and enumerates the keys of maps; its schemas do not set
 * `additionalProperties: false`, so an unknown field passes validate() silently. What the schema of a
 * typed object never read is a field the schema does not declare.
 */
function watched(o: KubeObject): { data: unknown; objects: Watched[] } {
    const objects: Watched[] = [];
    const wrap = (value: unknown, path: string): unknown => {
        if (value === null || typeof value !== "object") return value;
        const w: Watched = { path, value: value as Record<string, unknown>, read: new Set(), iterated: false };
        if (!Array.isArray(value)) objects.push(w);
        const children = new Map<string, unknown>();
        return new Proxy(value as object, {
            get(target, key, receiver) {
                const v = Reflect.get(target, key, receiver);
                if (typeof key !== "string") return v;
                w.read.add(key);
                if (!children.has(key)) children.set(key, wrap(v, Array.isArray(value) ? `${path}[${key}]` : path === "" ? key : `${path}.${key}`));
                return children.get(key);
            },
            has(target, key) {
                if (typeof key === "string") w.read.add(key);
                return Reflect.has(target, key);
            },
            ownKeys(target) {
                w.iterated = true;
                return Reflect.ownKeys(target);
            },
        });
    };
    return { data: wrap(o, ""), objects };
}

/**
 * Fields the API server's strict field validation refuses (`kubectl apply --validate=strict`,
 * server-side `fieldValidation=Strict`: "unknown field"), worded as it words them. An object the schema
 * read no property of and did not enumerate is free-form there (`JSON`, `RawExtension`, a CRD's
 * `x-kubernetes-preserve-unknown-fields`) and is not checked, as the API server does not check it.
 */
function unknownFields(objects: readonly Watched[]): string[] {
    return objects
        .filter((w) => !w.iterated && w.read.size > 0)
        .flatMap((w) =>
            Object.keys(w.value)
                .filter((k) => !w.read.has(k) && !UNCOMPILED_FIELDS.has(k))
                .map((k) => `unknown field "${w.path === "" ? k : `${w.path}.${k}`}"`),
        );
}

/**
 * Fields of the v1.33 API that kubernetes-models' compiled schemas leave out, so no schema reads them:
 * every property named `description` (PriorityClass, CustomResourceColumnDefinition, JSONSchemaProps,
 * ExternalDocumentation) and JSONSchemaProps' `x-kubernetes-*` extensions. Each model's `.d.ts` (e.g.
 * `kubernetes-models/apiextensions.k8s.io/v1/JSONSchemaProps.d.ts`) declares them. Allowed wherever
 * they appear: a stray `description` on a kind without one is the one misspelling this cannot see.
 */
const UNCOMPILED_FIELDS: ReadonlySet<string> = new Set([
    "description",
    "x-kubernetes-embedded-resource",
    "x-kubernetes-int-or-string",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-list-type",
    "x-kubernetes-map-type",
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-validations",
]);
