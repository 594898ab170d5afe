import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { lokiBucketPolicy, validateIrsaTrust, validateServiceAccount } from "./iam-policies";
import { IrsaRole } from "./irsa-role";
import { invalid } from "../kernel/validators";

/** Who may use the bucket: Loki's ServiceAccount, through an IrsaRole. */
export interface LokiBucketIrsa {
    /** ARN of the cluster's IAM OIDC provider. */
    readonly oidcProviderArn: pulumi.Input<string>;
    /** The cluster's OIDC issuer without https://. */
    readonly oidcIssuer: pulumi.Input<string>;
    /** Loki's namespace. */
    readonly namespace: string;
    /** Loki's ServiceAccount name (the chart's `serviceAccount.name`). */
    readonly serviceAccount: string;
    /** The role's name (irsaRoleName), so its ARN is known at preview; default: auto-named. */
    readonly roleName?: string;
}

/** Days after which an unfinished multipart upload is aborted (its parts are billed until then). */
const ABORT_INCOMPLETE_UPLOAD_DAYS = 7;

/**
 * The bucket's one lifecycle rule, over every object (`prefix: ""`: an empty filter block draws a
 * provider warning): objects (chunks, index) expire after `retentionDays`. Loki's compactor deletes
 * expired chunks itself; this is the backstop that bounds the bucket even when the compactor's
 * retention is off, so keep it at or above Loki's. The bucket is not versioned (Loki rewrites nothing
 * it needs back, and versions would double storage), so there are no noncurrent versions to expire.
 */
export function lokiLifecycleRules(retentionDays: number): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
    return [
        {
            id: "loki-retention",
            status: "Enabled",
            filter: { prefix: "" },
            expiration: { days: retentionDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_INCOMPLETE_UPLOAD_DAYS },
        },
    ];
}

export interface LokiBucketArgs {
    /** Bucket name (global, what Loki's `storage.bucketNames` get): 3–63 lower-case letters, digits, '-'; no dots. */
    readonly bucketName: string;
    /** Days until objects expire (lifecycle); at least Loki's retention, integer ≥ 1. */
    readonly retentionDays: number;
    /** Tags on the bucket (and the role); default none. */
    readonly tags?: Readonly<Record<string, string>>;
    /** An IAM role for Loki's ServiceAccount with lokiBucketPolicy; default: none (grant access elsewhere). */
    readonly irsa?: LokiBucketIrsa;
}

const positiveDays = (where: string, setting: string, v: unknown, allowed = "a whole number of days ≥ 1"): void => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw invalid(where, setting, v, "is not a whole number of days ≥ 1", allowed);
};

/** Checks the arguments; exported for config validation ahead of any resource. */
export function validateLokiBucketArgs(args: LokiBucketArgs, where = "LokiBucket"): void {
    const n = args.bucketName;
    if (typeof n !== "string" || !/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(n)) {
        throw invalid(where, "bucketName", n, "is not an S3 bucket name we create", "3–63 lower-case letters, digits and '-', starting and ending with a letter or digit (no dots: they break TLS for virtual-hosted requests)");
    }
    if (/^(xn--|sthree-|amzn-s3-demo-)/.test(n) || /(-s3alias|--ol-s3|--x-s3|--table-s3)$/.test(n)) {
        throw invalid(where, "bucketName", n, "uses a prefix or suffix S3 reserves", "no xn--, sthree-, amzn-s3-demo- prefix and no -s3alias, --ol-s3, --x-s3, --table-s3 suffix");
    }
    positiveDays(where, "retentionDays", args.retentionDays, "a whole number of days ≥ 1, at least Loki's retention");
    if (args.irsa !== undefined) {
        // Checked here too: the role registers after the bucket, so its own checks would come too late.
        const { oidcProviderArn, oidcIssuer, namespace, serviceAccount } = args.irsa;
        validateServiceAccount(namespace, serviceAccount, `${where}: irsa`);
        if (typeof oidcProviderArn === "string" && typeof oidcIssuer === "string") validateIrsaTrust({ oidcProviderArn, oidcIssuer, namespace, serviceAccount }, `${where}: irsa`);
    }
}

/**
 * Loki's object store: a private S3 bucket (all public access blocked, ACLs disabled by
 * BucketOwnerEnforced), encrypted at rest, with a lifecycle that bounds it, and optionally the
 * IRSA role Loki's pods use to reach it. Each setting is its own resource, as AWS provider 7.x
 * wants (the inline Bucket arguments are deprecated).
 */
export class LokiBucket extends pulumi.ComponentResource {
    /** Bucket name, for Loki's `storage.bucketNames.{chunks,ruler}`. */
    public readonly bucketName: pulumi.Output<string>;
    /** Bucket ARN. */
    public readonly bucketArn: pulumi.Output<string>;
    /** ARN of Loki's role, undefined without `irsa`. */
    public readonly roleArn: pulumi.Output<string | undefined>;
    /** Annotations for Loki's ServiceAccount (`{}` without `irsa`). */
    public readonly serviceAccountAnnotations: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: LokiBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        validateLokiBucketArgs(args, `LokiBucket ${name}`);
        super("meshobs:aws:LokiBucket", name, {}, opts);
        const parent = { parent: this };

        const bucket = new aws.s3.Bucket(
            `${name}-bucket`,
            // Kept on destroy: a destroy fails on a non-empty bucket rather than deleting the logs.
            { bucket: args.bucketName, forceDestroy: false, ...(args.tags !== undefined ? { tags: { ...args.tags } } : {}) },
            parent,
        );
        const publicAccess = new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access`,
            { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            parent,
        );
        // BucketOwnerEnforced disables ACLs: every object belongs to the bucket owner, access is IAM only.
        const ownership = new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, parent);
        const sse = new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            {
                bucket: bucket.id,
                // SSE-S3: encrypted at rest with no KMS key to grant or pay for.
                rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
            },
            parent,
        );
        const lifecycle = new aws.s3.BucketLifecycleConfiguration(`${name}-lifecycle`, { bucket: bucket.id, rules: lokiLifecycleRules(args.retentionDays) }, parent);

        let role: IrsaRole | undefined;
        if (args.irsa !== undefined) {
            role = new IrsaRole(
                `${name}-irsa`,
                {
                    ...args.irsa,
                    policy: bucket.arn.apply(lokiBucketPolicy),
                    description: `Loki (${args.irsa.namespace}/${args.irsa.serviceAccount}) on s3://${args.bucketName}`,
                    ...(args.tags !== undefined ? { tags: args.tags } : {}),
                },
                parent,
            );
        }

        this.bucketName = bucket.bucket;
        this.bucketArn = bucket.arn;
        this.roleArn = role !== undefined ? role.roleArn.apply((a): string | undefined => a) : pulumi.output(undefined);
        this.serviceAccountAnnotations = role !== undefined ? role.serviceAccountAnnotations : pulumi.output<Record<string, string>>({});
        this.registerOutputs({
            bucketName: this.bucketName,
            bucketArn: this.bucketArn,
            roleArn: this.roleArn,
            serviceAccountAnnotations: this.serviceAccountAnnotations,
            settings: [publicAccess.urn, ownership.urn, sse.urn, lifecycle.urn],
        });
    }
}
