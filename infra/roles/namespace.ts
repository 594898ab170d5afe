import * as k8s from "@pulumi/kubernetes";

/**
 * The observability namespace. Sidecar injection is disabled: Prometheus runs outside the mesh
 * (the production recommendation of the Kong Mesh docs), so a broken mesh cannot blind it.
 */
export function observabilityNamespace(stack: string, name: string, provider: k8s.Provider): k8s.core.v1.Namespace {
    return new k8s.core.v1.Namespace(
        `${stack}-namespace`,
        { metadata: { name, labels: { "kuma.io/sidecar-injection": "disabled", "app.kubernetes.io/part-of": "mesh-observability" } } },
        { provider },
    );
}
