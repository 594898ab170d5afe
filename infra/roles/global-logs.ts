import { IrsaRole, irsaRoleName } from "../../components/aws/irsa-role";
import { objectStoreBucketPolicy, s3BucketArn } from "../../components/aws/iam-policies";
import { LokiBucket } from "../../components/aws/loki-bucket";
import { GlobalLokiArgs } from "../../components/logs/global-loki";
import { parsePromDuration } from "../../components/kernel/duration";
import { GlobalConfig } from "../config/global-schema";
import { ClusterTarget, regionalAwsProvider } from "../kubernetes-provider";
import { staticS3Keys } from "./global-metrics";
import { LOKI_RELEASE } from "./releases";

/**
 * How Loki reaches its S3 bucket. The bucket, when the stack manages it: encrypted, public access
 * blocked, objects expiring after the retention. On EKS an IRSA role only Loki's ServiceAccount may
 * assume, allowed only that bucket (the managed one, or an existing one by name); elsewhere the S3
 * keys from secret config (the schema requires them). Nothing for filesystem storage.
 */
export function lokiBucketAccess(stack: string, cfg: GlobalConfig, cluster: ClusterTarget): Pick<GlobalLokiArgs, "serviceAccountAnnotations" | "s3Keys"> {
    const storage = cfg.logs.loki.storage;
    if (cfg.logs.backend !== "loki" || storage.type !== "s3") return {};
    const eks = cluster.eks;
    const irsa = eks !== undefined ? { oidcProviderArn: eks.oidcProviderArn, oidcIssuer: eks.oidcIssuer, namespace: cfg.namespace, serviceAccount: LOKI_RELEASE, roleName: irsaRoleName(stack, "loki-s3") } : undefined;
    if (storage.manage) {
        const bucket = new LokiBucket(
            "loki-bucket",
            {
                bucketName: storage.bucket,
                retentionDays: Math.ceil((parsePromDuration(cfg.logs.loki.retention) ?? 0) / 86_400_000),
                tags: { "mesh-observability/stack": stack },
                ...(irsa !== undefined ? { irsa } : {}),
            },
            { provider: regionalAwsProvider(stack, storage.region, cluster) },
        );
        return irsa !== undefined ? { serviceAccountAnnotations: bucket.serviceAccountAnnotations } : { s3Keys: staticS3Keys(cfg) };
    }
    if (eks !== undefined && irsa !== undefined) {
        const role = new IrsaRole(
            "loki-s3",
            { ...irsa, policy: objectStoreBucketPolicy("Loki", s3BucketArn(storage.bucket)), description: `Loki (${cfg.namespace}/${LOKI_RELEASE}) on s3://${storage.bucket}` },
            { provider: eks.awsProvider },
        );
        return { serviceAccountAnnotations: role.serviceAccountAnnotations };
    }
    return { s3Keys: staticS3Keys(cfg) };
}
