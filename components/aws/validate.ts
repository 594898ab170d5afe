import * as pulumi from "@pulumi/pulumi";

/**
 * Shared input checks for the AWS building blocks. Every error names where the value went in
 * (`<builder or component>: <setting>`), the value, what is wrong and what is allowed, in the
 * repository's usual `…; allowed: …` form.
 */
export function invalid(where: string, setting: string, value: unknown, problem: string, allowed: string): Error {
    return new Error(`${where}: ${setting} ${JSON.stringify(value)} ${problem}; allowed: ${allowed}`);
}

/** AWS partitions as they appear in ARNs (aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-eusc, …). */
const PARTITION = "aws(?:-[a-z]+)*";
const ACCOUNT = "\\d{12}";
/** Region names: us-east-1, eu-central-2, us-gov-west-1, ap-southeast-5, … */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

export const ARN_PATTERNS = {
    /** arn:<partition>:iam::<account>:oidc-provider/<issuer host/path> */
    oidcProvider: new RegExp(`^arn:${PARTITION}:iam::${ACCOUNT}:oidc-provider/(.+)$`),
    /** arn:<partition>:aps:<region>:<account>:workspace/<workspace id> */
    ampWorkspace: new RegExp(`^arn:${PARTITION}:aps:[a-z0-9-]+:${ACCOUNT}:workspace/[A-Za-z0-9-]+$`),
    /** arn:<partition>:s3:::<bucket> (the bucket itself, not an object path) */
    s3Bucket: new RegExp(`^arn:${PARTITION}:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`),
    /** arn:<partition>:kms:<region>:<account>:key/<id> (an alias ARN cannot be granted in IAM) */
    kmsKey: new RegExp(`^arn:${PARTITION}:kms:[a-z0-9-]+:${ACCOUNT}:key/[A-Za-z0-9-]+$`),
    /** arn:<partition>:iam::<account>:role/<path/name> */
    iamRole: new RegExp(`^arn:${PARTITION}:iam::${ACCOUNT}:role/[\\w+=,.@/-]+$`),
    /** arn:<partition>:iam::<account|aws>:policy/<path/name> (customer or AWS managed) */
    iamPolicy: new RegExp(`^arn:${PARTITION}:iam::(${ACCOUNT}|aws):policy/[\\w+=,.@/-]+$`),
} as const;

/** DNS-1123 label (Kubernetes namespace names): lower-case alphanumerics and '-', at most 63. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** DNS-1123 subdomain (ServiceAccount names): labels joined by '.', at most 253. */
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
