import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { lookupEksCluster } from "../components/aws/eks-kubeconfig";
import { KubernetesTargetConfig } from "./config/kubernetes-target";

/** Where manifests go when a stack names no target: nothing is deployed by accident. */
export function defaultRenderDirectory(stack: string): string {
    return `.rendered/${stack}`;
}

/** What a stack on EKS knows about its cluster: enough to build IRSA roles for its workloads. */
export interface EksCluster {
    readonly name: string;
    readonly region: string;
    /** AWS provider of the cluster's region (stacks disable the default one). */
    readonly awsProvider: aws.Provider;
    /** OIDC issuer without https:// (the IRSA condition key prefix). */
    readonly oidcIssuer: pulumi.Output<string>;
    /** ARN of the cluster's IAM OIDC provider, in the caller's account. */
    readonly oidcProviderArn: pulumi.Output<string>;
}

export interface ClusterTarget {
    /** The stack's one Kubernetes provider. */
    readonly provider: k8s.Provider;
    /** Set when the target is an EKS cluster. */
    readonly eks?: EksCluster;
    /** AWS providers by region, created on first use (one per region and stack). */
    readonly awsProviders: Map<string, aws.Provider>;
}

/**
 * The stack's one Kubernetes provider. Every Kubernetes resource is created through it (the
 * stack files disable the default providers), so a missing or wrong target cannot deploy to
 * whatever the ambient kubeconfig points at. EKS clusters are looked up by name in their region
 * and reached with a kubeconfig whose token comes from `aws eks get-token`.
 */
export function clusterTarget(stack: string, target: KubernetesTargetConfig | undefined): ClusterTarget {
    if (target?.eks !== undefined) {
        const e = target.eks;
        const cluster = lookupEksCluster(e.clusterName, e.region, { profile: e.profile, roleArn: e.roleArn });
        const account = aws.getCallerIdentityOutput({}, { provider: cluster.provider }).accountId;
        return {
            provider: new k8s.Provider(`${stack}-k8s`, { kubeconfig: cluster.kubeconfig }),
            awsProviders: new Map([[e.region, cluster.provider]]),
            eks: {
                name: e.clusterName,
                region: e.region,
                awsProvider: cluster.provider,
                oidcIssuer: cluster.oidcIssuer,
                oidcProviderArn: pulumi.interpolate`arn:aws:iam::${account}:oidc-provider/${cluster.oidcIssuer}`,
            },
        };
    }
    if (target?.context !== undefined) {
        return {
            awsProviders: new Map(),
            provider: new k8s.Provider(`${stack}-k8s`, {
                context: target.context,
                ...(target.kubeconfig !== undefined ? { kubeconfig: target.kubeconfig } : {}),
            }),
        };
    }
    return { provider: new k8s.Provider(`${stack}-k8s`, { renderYamlToDirectory: target?.renderYamlToDirectory ?? defaultRenderDirectory(stack) }), awsProviders: new Map() };
}

/** The stack's AWS provider for a region (the cluster's own when it is on EKS there). */
export function regionalAwsProvider(stack: string, region: string, cluster: ClusterTarget): aws.Provider {
    let provider = cluster.awsProviders.get(region);
    if (provider === undefined) {
        provider = new aws.Provider(`${stack}-aws-${region}`, { region });
        cluster.awsProviders.set(region, provider);
    }
    return provider;
}
