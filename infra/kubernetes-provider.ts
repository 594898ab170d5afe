import * as k8s from "@pulumi/kubernetes";
import { KubernetesTargetConfig } from "./config/kubernetes-target";

/** Where manifests go when a stack names no target: nothing is deployed by accident. */
export function defaultRenderDirectory(stack: string): string {
    return `.rendered/${stack}`;
}

/**
 * The stack's one Kubernetes provider. Every Kubernetes resource is created through it (the
 * stack files disable the default provider), so a missing or wrong target cannot deploy to
 * whatever the ambient kubeconfig points at.
 */
export function kubernetesProvider(stack: string, target: KubernetesTargetConfig | undefined): k8s.Provider {
    if (target?.context !== undefined) {
        return new k8s.Provider(`${stack}-k8s`, {
            context: target.context,
            ...(target.kubeconfig !== undefined ? { kubeconfig: target.kubeconfig } : {}),
        });
    }
    return new k8s.Provider(`${stack}-k8s`, {
        renderYamlToDirectory: target?.renderYamlToDirectory ?? defaultRenderDirectory(stack),
    });
}
