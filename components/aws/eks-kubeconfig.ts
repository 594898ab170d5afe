import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { ARN_PATTERNS, invalid, AWS_REGION } from "../kernel/validators";

/** The exec credential API the kubeconfig asks for (what `aws eks get-token` prints). */
export const EXEC_API_VERSION = "client.authentication.k8s.io/v1beta1";

export interface EksKubeconfigArgs {
    /** EKS cluster name (1–100 letters, digits, '-', '_', starting with a letter or digit). */
    readonly clusterName: string;
    /** Region of the cluster, e.g. eu-west-1; the token is requested there. */
    readonly region: string;
    /** API server endpoint, https://<id>.<gr7>.<region>.eks.amazonaws.com. */
    readonly endpoint: string;
    /** Cluster CA bundle, base64 (certificateAuthority.data as EKS returns it). */
    readonly certificateAuthorityData: string;
    /** AWS CLI profile the token is made with (env AWS_PROFILE); default: the ambient credentials. */
    readonly profile?: string;
    /** Role the CLI assumes for the token (--role-arn); default: none. */
    readonly roleArn?: string;
}

const WHERE = "eksKubeconfig";

/** Checks the settings decided by config (everything but endpoint and CA, which come from AWS). */
export function validateEksTarget(a: Pick<EksKubeconfigArgs, "clusterName" | "region" | "profile" | "roleArn">, where = WHERE): void {
    if (typeof a.clusterName !== "string" || !/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/.test(a.clusterName)) {
        throw invalid(where, "clusterName", a.clusterName, "is not an EKS cluster name", "1–100 letters, digits, '-' and '_', starting with a letter or digit");
    }
    if (typeof a.region !== "string" || !AWS_REGION.test(a.region)) {
        throw invalid(where, "region", a.region, "is not an AWS region", "a region name such as us-east-1 or eu-central-1");
    }
    if (a.profile !== undefined && (typeof a.profile !== "string" || !/^[A-Za-z0-9._@+=,-]+$/.test(a.profile))) {
        throw invalid(where, "profile", a.profile, "is not an AWS CLI profile name", "letters, digits and . _ @ + = , - (no spaces), or unset");
    }
    if (a.roleArn !== undefined && (typeof a.roleArn !== "string" || !ARN_PATTERNS.iamRole.test(a.roleArn))) {
        throw invalid(where, "roleArn", a.roleArn, "is not an IAM role ARN", "arn:aws:iam::<12-digit account>:role/<name>, or unset");
    }
}

/**
 * A kubeconfig for one EKS cluster whose user execs `aws eks get-token` on every use: no token is
 * stored, so the file holds no credential and never goes stale. `--output json` because get-token
 * honours the CLI's default output format, and kubectl only reads JSON.
 */
export function eksKubeconfig(a: EksKubeconfigArgs): string {
    validateEksTarget(a);
    let endpoint: URL | undefined;
    try {
        endpoint = new URL(a.endpoint);
    } catch {
        endpoint = undefined;
    }
    if (endpoint === undefined || endpoint.protocol !== "https:" || endpoint.pathname !== "/" || endpoint.search !== "") {
        throw invalid(WHERE, "endpoint", a.endpoint, "is not a cluster API endpoint", "an https:// URL with no path, e.g. https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com");
    }
    const ca = a.certificateAuthorityData;
    if (typeof ca !== "string" || ca.length === 0 || ca.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(ca)) {
        throw invalid(WHERE, "certificateAuthorityData", typeof ca === "string" && ca.length > 40 ? `${ca.slice(0, 40)}…` : ca, "is not base64", "the cluster's certificateAuthority.data, base64 of a PEM bundle");
    }
    // Cluster names repeat across regions; the entry name carries both so merged kubeconfigs do not collide.
    const entry = `${a.clusterName}.${a.region}`;
    const args = ["eks", "get-token", "--cluster-name", a.clusterName, "--region", a.region, "--output", "json"];
    if (a.roleArn !== undefined) args.push("--role-arn", a.roleArn);
    const doc = {
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: entry, cluster: { server: a.endpoint.replace(/\/$/, ""), "certificate-authority-data": ca } }],
        contexts: [{ name: entry, context: { cluster: entry, user: entry } }],
        "current-context": entry,
        users: [
            {
                name: entry,
                user: {
                    exec: {
                        apiVersion: EXEC_API_VERSION,
                        command: "aws",
                        args,
                        ...(a.profile !== undefined ? { env: [{ name: "AWS_PROFILE", value: a.profile }] } : {}),
                    },
                },
            },
        ],
    };
    return stringify(doc, { lineWidth: 0 });
}

export interface LookupEksClusterOptions {
    /** AWS provider to look up with; default: a new aws.Provider for `region` (stacks may disable default providers). */
    readonly provider?: aws.Provider;
    /** Parent of the provider this creates; default none. */
    readonly parent?: pulumi.Resource;
    /** AWS CLI profile, for the created provider and the kubeconfig's AWS_PROFILE; default: ambient credentials. */
    readonly profile?: string;
    /** Role the kubeconfig's get-token assumes; default none. */
    readonly roleArn?: string;
}

export interface EksClusterLookup {
    /** API server endpoint. */
    readonly endpoint: pulumi.Output<string>;
    /** CA bundle, base64. */
    readonly certificateAuthorityData: pulumi.Output<string>;
    /** OIDC issuer without https:// (for irsaTrustPolicy / IrsaRole). */
    readonly oidcIssuer: pulumi.Output<string>;
    /** eksKubeconfig() of the cluster, for a k8s.Provider. Not secret: see lookupEksCluster. */
    readonly kubeconfig: pulumi.Output<string>;
    /** The provider the lookup used. */
    readonly provider: aws.Provider;
}

/**
 * Reads an existing EKS cluster through an explicit provider for its region and builds its
 * kubeconfig. The kubeconfig is deliberately NOT secret: it holds the public endpoint, the CA
 * certificate (public by nature) and the get-token command, but no token or key; marking it secret
 * would hide it from plans and diffs and taint every value derived from it as secret, for nothing.
 * Creates a provider named `<name>-<region>-aws` unless one is given, so call it once per cluster.
 */
export function lookupEksCluster(name: string, region: string, opts: LookupEksClusterOptions = {}): EksClusterLookup {
    validateEksTarget({ clusterName: name, region, profile: opts.profile, roleArn: opts.roleArn }, "lookupEksCluster");
    const provider =
        opts.provider ??
        new aws.Provider(`${name}-${region}-aws`, { region, ...(opts.profile !== undefined ? { profile: opts.profile } : {}) }, opts.parent !== undefined ? { parent: opts.parent } : {});
    const cluster = aws.eks.getClusterOutput({ name }, { provider, ...(opts.parent !== undefined ? { parent: opts.parent } : {}) });
    const endpoint = cluster.endpoint;
    const certificateAuthorityData = cluster.certificateAuthorities.apply((c) => c[0]?.data ?? "");
    const oidcIssuer = cluster.identities.apply((ids) => {
        const issuer = ids[0]?.oidcs[0]?.issuer;
        if (issuer === undefined) throw new Error(`lookupEksCluster: cluster ${name} in ${region} reports no OIDC issuer; allowed: a cluster with an OIDC issuer (every EKS cluster since 1.13)`);
        return issuer.replace(/^https:\/\//, "");
    });
    const kubeconfig = pulumi
        .all([endpoint, certificateAuthorityData])
        .apply(([ep, ca]) => eksKubeconfig({ clusterName: name, region, endpoint: ep, certificateAuthorityData: ca, profile: opts.profile, roleArn: opts.roleArn }));
    return { endpoint, certificateAuthorityData, oidcIssuer, kubeconfig, provider };
}
