import * as path from "path";
import { KubernetesTargetConfig } from "./config/kubernetes-target";
import { defaultRenderDirectory } from "./kubernetes-provider";
import { StackIdentity, stackFile } from "./stack-identity";

/** Where a stack's Kubernetes objects land, as far as its stack file can tell. */
export interface ClusterIdentity {
    /** Equal for two targets that reach the same cluster (or the same render directory). */
    readonly key: string;
    /** The target as a reader of the stack file knows it. */
    readonly description: string;
    /** A cluster (EKS, context), or a render directory: manifests that may go to any cluster. */
    readonly kind: "eks" | "context" | "render";
}

/**
 * A stack's cluster: the EKS cluster by name and region, the kubeconfig context by name (whatever
 * kubeconfig file holds it: one context name in two files is far more often one cluster than two),
 * or the render directory, normalized, where manifests go when no cluster is named.
 */
export function clusterIdentity(stack: string, target: KubernetesTargetConfig | undefined): ClusterIdentity {
    if (target?.eks !== undefined) {
        const { clusterName, region } = target.eks;
        return { key: `eks:${region}/${clusterName}`, description: `EKS cluster "${clusterName}" in ${region}`, kind: "eks" };
    }
    if (target?.context !== undefined) return { key: `context:${target.context}`, description: `context "${target.context}"`, kind: "context" };
    const dir = target?.renderYamlToDirectory ?? defaultRenderDirectory(stack);
    return { key: `render:${path.posix.normalize(dir).replace(/\/+$/, "")}`, description: `render directory "${dir}"`, kind: "render" };
}

/** What one stack file of the environment says about where it deploys. */
export interface StackTarget {
    readonly identity: StackIdentity;
    readonly kubernetes?: KubernetesTargetConfig;
    /** Its observability namespace. */
    readonly namespace: string;
}

/**
 * Why a zone stack may not deploy beside its siblings. A Kuma zone is one cluster: two zone stacks
 * aimed at one cluster would both create Alloy's ClusterRole/Binding and the mesh policies
 * (AlreadyExists on the second, or with upserts the last zone silently taking over), both tail every
 * pod's log and both scrape the one control plane, so every line and series would arrive twice
 * under two zone labels. The global may share a zone's cluster (its objects are named apart from
 * the zone's: `global-*` releases, no Alloy, no policies), but not its namespace.
 */
export function sharedClusterProblems(self: StackTarget, siblings: readonly StackTarget[], project: string): string[] {
    if (self.identity.role !== "zone") return [];
    const mine = clusterIdentity(self.identity.stack, self.kubernetes);
    const problems: string[] = [];
    for (const other of siblings) {
        if (other.identity.stack === self.identity.stack || clusterIdentity(other.identity.stack, other.kubernetes).key !== mine.key) continue;
        if (other.identity.role === "zone") {
            problems.push(
                `${project}:kubernetes: ${mine.description} is also the target of zone stack ${stackFile(other.identity.stack)}; ` +
                    "allowed: one cluster per zone (a Kuma zone is one cluster; two zone stacks there collide on cluster-scoped objects and mesh policies, and ship every log line and control plane series twice): give each zone stack its own context, EKS cluster or render directory",
            );
        } else if (other.namespace === self.namespace) {
            problems.push(
                `${project}:namespace: ${JSON.stringify(self.namespace)} is also the namespace of ${stackFile(other.identity.stack)}, in the same cluster (${mine.description}); ` +
                    "allowed: another namespace (the global may share a zone's cluster, not its namespace)",
            );
        }
    }
    return problems;
}
