import { KubeObject } from "../../infra/plan/kube-object";
import { KumaCrd } from "./kuma-crds";

/**
 * Validation of rendered objects: built-in kinds against the Kubernetes v1.33.0 OpenAPI schemas that
 * the pinned `kubernetes-models` 4.5.1 compiles into each model's validate() (tommy351/kubernetes-models-ts,
 * first-party/kubernetes-models CHANGELOG 4.5.0 "Update schema version to v1.33.0"), the version charts
 * are rendered for (RENDER_KUBE_VERSION); `kuma.io` objects against the Kuma CRDs (kuma-crds.ts).
 * Returns the problems, empty when the object is valid.
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
    let Model: (new (data: unknown) => { validate(): void }) | undefined;
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        Model = require(modelPath)[o.kind];
    } catch {
        Model = undefined;
    }
    if (Model === undefined) return [`${o.apiVersion} ${o.kind} is not an API of Kubernetes v1.33 (no ${modelPath})`];
    try {
        new Model(o).validate();
        return [];
    } catch (e) {
        return [(e as Error).message];
    }
}
