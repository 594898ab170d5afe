import * as pulumi from "@pulumi/pulumi";

/**
 * One home for the shapes every builder and the stack-config schema check: DNS names, AWS regions
 * and ARNs, and (in duration.ts) Prometheus durations. Callers keep their own error messages (each
 * names its setting); the pattern is the fact and lives here only. `invalid` builds the usual
 * `<where>: <setting> <value> <problem>; allowed: …` error of the AWS building blocks.
 */
export function invalid(where: string, setting: string, value: unknown, problem: string, allowed: string): Error {
    return new Error(`${where}: ${setting} ${JSON.stringify(value)} ${problem}; allowed: ${allowed}`);
}

/** AWS partitions as they appear in ARNs (aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-eusc, …). */
const PARTITION = "aws(?:-[a-z]+)*";
const ACCOUNT = "\\d{12}";
/** AWS region names: us-east-1, eu-central-2, us-gov-west-1, ap-southeast-5, … */
export const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

export const ARN_PATTERNS = {
    /** arn:<partition>:iam::<account>:oidc-provider/<issuer host/path> */
    oidcProvider: new RegExp(`^arn:${PARTITION}:iam::${ACCOUNT}:oidc-provider/(.+)$`),
    /** arn:<partition>:aps:<region>:<account>:workspace/<workspace id> */
    ampWorkspace: new RegExp(`^arn:${PARTITION}:aps:[a-z0-9-]+:${ACCOUNT}:workspace/[A-Za-z0-9-]+$`),
    /** arn:<partition>:s3:::<bucket> (the bucket itself, not an object path) */
    s3Bucket: new RegExp(`^arn:${PARTITION}:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`),
    /** arn:<partition>:iam::<account>:role/<path/name> */
    iamRole: new RegExp(`^arn:${PARTITION}:iam::${ACCOUNT}:role/[\\w+=,.@/-]+$`),
} as const;

/**
 * RFC 1123 DNS label (Kubernetes namespace names, zone and mesh names, which become Kubernetes names,
 * label values and DNS names): lower-case alphanumerics and '-', at most 63
 * (kubernetes/apimachinery pkg/util/validation/validation.go IsDNS1123Label).
 */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/**
 * RFC 1123 DNS subdomain (ServiceAccount and Secret names; what kuma-cp accepts as a zone name):
 * labels joined by '.', at most 253 (validation.go IsDNS1123Subdomain).
 */
export const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Runs `check` on an input now when its value is plain (so bad config fails before any resource
 * registers), and again on the resolved value of an Output (which cannot be seen any earlier).
 */
export function checkedInput<T>(input: pulumi.Input<T>, check: (value: T) => void): pulumi.Output<T> {
    if (!pulumi.Output.isInstance(input) && !(input instanceof Promise)) check(input as T);
    return pulumi.output(input).apply((v) => {
        check(v as T);
        return v;
    }) as pulumi.Output<T>;
}
