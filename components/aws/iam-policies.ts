import { ARN_PATTERNS, DNS_LABEL, DNS_SUBDOMAIN, invalid } from "../kernel/validators";

/**
 * IAM policy documents as plain objects, least privilege: every statement names its actions and
 * resources exactly, nothing is wildcarded. Callers JSON.stringify them into aws.iam resources.
 */

/** One IAM policy statement (only the fields these builders use). */
export interface PolicyStatement {
    /** Statement id (alphanumeric), for readers of the policy in the console. */
    readonly Sid?: string;
    /** Allow or Deny. */
    readonly Effect: "Allow" | "Deny";
    /** Who may act (trust policies only). */
    readonly Principal?: { readonly Federated: string };
    /** Actions, always a list. */
    readonly Action: readonly string[];
    /** Resource ARNs, always a list (absent in trust policies). */
    readonly Resource?: readonly string[];
    /** Conditions: operator → condition key → value. */
    readonly Condition?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** An IAM policy document; Version is the only current policy language version. */
export interface PolicyDocument {
    /** Always "2012-10-17" (the older "2008-10-17" lacks policy variables). */
    readonly Version: "2012-10-17";
    /** At least one statement. */
    readonly Statement: readonly PolicyStatement[];
}

export interface IrsaTrustPolicyArgs {
    /** ARN of the cluster's IAM OIDC provider, arn:aws:iam::<account>:oidc-provider/<oidcIssuer>. */
    readonly oidcProviderArn: string;
    /** The cluster's OIDC issuer without https:// (oidc.eks.<region>.amazonaws.com/id/<id>). */
    readonly oidcIssuer: string;
    /** Namespace of the ServiceAccount allowed to assume the role (DNS label). */
    readonly namespace: string;
    /** Name of the ServiceAccount allowed to assume the role. */
    readonly serviceAccount: string;
}

const TRUST = "irsaTrustPolicy";

/** Checks IRSA trust inputs; exported so components can fail before registering anything. */
export function validateIrsaTrust(a: IrsaTrustPolicyArgs, where = TRUST): void {
    if (typeof a.oidcIssuer !== "string" || a.oidcIssuer.length === 0) {
        throw invalid(where, "oidcIssuer", a.oidcIssuer, "is empty", "the cluster's OIDC issuer host/path, e.g. oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE");
    }
    if (/^[a-z]+:\/\//i.test(a.oidcIssuer)) {
        throw invalid(where, "oidcIssuer", a.oidcIssuer, "carries a URL scheme (IAM condition keys are the issuer without it)", `the host/path alone: ${JSON.stringify(a.oidcIssuer.replace(/^[a-z]+:\/\//i, ""))}`);
    }
    if (!/^[A-Za-z0-9.-]+(\/[A-Za-z0-9._-]+)*$/.test(a.oidcIssuer) || /[*?]/.test(a.oidcIssuer)) {
        throw invalid(where, "oidcIssuer", a.oidcIssuer, "is not an issuer host/path", "a host name followed by path segments, no wildcards or trailing '/'");
    }
    const m = ARN_PATTERNS.oidcProvider.exec(a.oidcProviderArn ?? "");
    if (m === null) {
        throw invalid(where, "oidcProviderArn", a.oidcProviderArn, "is not an IAM OIDC provider ARN", "arn:aws:iam::<12-digit account>:oidc-provider/<issuer host/path>");
    }
    // The provider ARN ends with the issuer it was created for; a mismatch means two clusters got mixed up.
    if (m[1] !== a.oidcIssuer) {
        throw invalid(where, "oidcProviderArn", a.oidcProviderArn, `is the provider of issuer ${JSON.stringify(m[1])}, not of oidcIssuer ${JSON.stringify(a.oidcIssuer)}`, "the OIDC provider ARN of the same cluster as oidcIssuer");
    }
    validateServiceAccount(a.namespace, a.serviceAccount, where);
}

/** Checks the ServiceAccount a trust policy names: exact Kubernetes names, so nothing can act as a wildcard. */
export function validateServiceAccount(namespace: string, serviceAccount: string, where = TRUST): void {
    if (typeof namespace !== "string" || !DNS_LABEL.test(namespace)) {
        throw invalid(where, "namespace", namespace, "is not a Kubernetes namespace name", "a DNS label: lower-case alphanumerics and '-', at most 63 characters, no wildcards");
    }
    if (typeof serviceAccount !== "string" || !DNS_SUBDOMAIN.test(serviceAccount)) {
        throw invalid(where, "serviceAccount", serviceAccount, "is not a ServiceAccount name", "a DNS subdomain: lower-case alphanumerics, '-' and '.', at most 253 characters, no wildcards");
    }
}

/**
 * Trust policy for IAM Roles for Service Accounts: only the projected token of exactly
 * `system:serviceaccount:<namespace>:<serviceAccount>`, issued for STS (`aud`), may assume the role.
 * StringEquals (not StringLike) so no other ServiceAccount of the cluster can match.
 */
export function irsaTrustPolicy(a: IrsaTrustPolicyArgs): PolicyDocument {
    validateIrsaTrust(a);
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "EksServiceAccount",
                Effect: "Allow",
                Principal: { Federated: a.oidcProviderArn },
                Action: ["sts:AssumeRoleWithWebIdentity"],
                Condition: {
                    StringEquals: {
                        [`${a.oidcIssuer}:sub`]: `system:serviceaccount:${a.namespace}:${a.serviceAccount}`,
                        [`${a.oidcIssuer}:aud`]: "sts.amazonaws.com",
                    },
                },
            },
        ],
    };
}

function requireArn(where: string, setting: string, value: string, pattern: RegExp, allowed: string): void {
    if (typeof value !== "string" || !pattern.test(value)) throw invalid(where, setting, value, "is not the ARN expected here", allowed);
}

/**
 * What a Prometheus (or collector) needs to remote-write into one AMP workspace: aps:RemoteWrite
 * on that workspace only. AWS's managed AmazonPrometheusRemoteWriteAccess grants it on every
 * workspace ("*"), which is why we do not attach that.
 */
export function ampRemoteWritePolicy(workspaceArn: string): PolicyDocument {
    requireArn("ampRemoteWritePolicy", "workspaceArn", workspaceArn, ARN_PATTERNS.ampWorkspace, "an AMP workspace ARN, arn:aws:aps:<region>:<account>:workspace/<id>");
    return { Version: "2012-10-17", Statement: [{ Sid: "AmpRemoteWrite", Effect: "Allow", Action: ["aps:RemoteWrite"], Resource: [workspaceArn] }] };
}

/** The read API Grafana's Prometheus datasource (SigV4) uses, on one workspace only (= AmazonPrometheusQueryAccess's actions, scoped). */
export function ampQueryPolicy(workspaceArn: string): PolicyDocument {
    requireArn("ampQueryPolicy", "workspaceArn", workspaceArn, ARN_PATTERNS.ampWorkspace, "an AMP workspace ARN, arn:aws:aps:<region>:<account>:workspace/<id>");
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "AmpQuery",
                Effect: "Allow",
                Action: ["aps:QueryMetrics", "aps:GetSeries", "aps:GetLabels", "aps:GetMetricMetadata"],
                Resource: [workspaceArn],
            },
        ],
    };
}

/**
 * What Loki needs on its chunk/index bucket: list the bucket, read, write and delete objects
 * (the compactor deletes expired chunks). The bucket is encrypted with SSE-S3 (AES256), which needs
 * no KMS permission.
 */
export function lokiBucketPolicy(bucketArn: string): PolicyDocument {
    return objectStoreBucketPolicy("Loki", bucketArn);
}

/**
 * The same for any store keeping its objects in one bucket (Loki's chunks, Mimir's blocks, rules
 * and alertmanager state: Mimir's compactor deletes blocks as Loki's compactor deletes chunks).
 * `who` names the statements (alphanumeric Sids).
 */
export function objectStoreBucketPolicy(who: "Loki" | "Mimir", bucketArn: string): PolicyDocument {
    const where = `${who.toLowerCase()}BucketPolicy`;
    requireArn(where, "bucketArn", bucketArn, ARN_PATTERNS.s3Bucket, "an S3 bucket ARN, arn:aws:s3:::<bucket> (no object path)");
    const statements: PolicyStatement[] = [
        { Sid: `${who}ListBucket`, Effect: "Allow", Action: ["s3:ListBucket"], Resource: [bucketArn] },
        { Sid: `${who}Objects`, Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: [`${bucketArn}/*`] },
    ];
    return { Version: "2012-10-17", Statement: statements };
}

/** The ARN of an S3 bucket by name (bucket ARNs carry no account or region: S3 ARN format). */
export function s3BucketArn(bucket: string): string {
    return `arn:aws:s3:::${bucket}`;
}

/** Checks a policy document given to a role or user: version, statements, no wildcard-only grants. */
export function validateIdentityPolicy(doc: PolicyDocument, where: string, setting = "policy"): void {
    if (doc === null || typeof doc !== "object" || doc.Version !== "2012-10-17") {
        throw invalid(where, `${setting}.Version`, (doc as any)?.Version, "is not the IAM policy language version", '"2012-10-17"');
    }
    if (!Array.isArray(doc.Statement) || doc.Statement.length === 0) {
        throw invalid(where, `${setting}.Statement`, doc.Statement, "is empty", "at least one statement");
    }
    doc.Statement.forEach((s, i) => {
        const at = `${setting}.Statement[${i}]`;
        if (s.Effect !== "Allow" && s.Effect !== "Deny") throw invalid(where, `${at}.Effect`, s.Effect, "is not an effect", '"Allow" or "Deny"');
        if (s.Principal !== undefined) throw invalid(where, `${at}.Principal`, s.Principal, "is set in an identity policy", "no Principal (the role or user is the principal)");
        if (!Array.isArray(s.Action) || s.Action.length === 0) throw invalid(where, `${at}.Action`, s.Action, "is empty", "a list of service:Action names");
        if (s.Action.some((a: string) => a === "*" || a.endsWith(":*"))) throw invalid(where, `${at}.Action`, s.Action, "grants every action", "named actions only");
        if (!Array.isArray(s.Resource) || s.Resource.length === 0) throw invalid(where, `${at}.Resource`, s.Resource, "is empty", "a list of resource ARNs");
        if (s.Resource.includes("*")) throw invalid(where, `${at}.Resource`, s.Resource, "grants on every resource", "named resource ARNs only");
    });
}
