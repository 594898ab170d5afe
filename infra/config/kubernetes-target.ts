import { z } from "zod";
import { awsRegion } from "./primitives";
import { ARN_PATTERNS } from "../../components/kernel/validators";

/** An EKS cluster looked up by name in its region; kubeconfig built from it, tokens from the AWS CLI. */
const eks = z
    .object({
        /** EKS cluster name. */
        clusterName: z.string().regex(/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/, { error: "allowed: 1-100 of letters, digits, '-', '_', starting alphanumeric (EKS cluster name)" }),
        region: awsRegion,
        /** AWS CLI profile the token command uses; default: the ambient credentials. */
        profile: z.string().min(1).optional(),
        /** Role the token command assumes (`aws eks get-token --role-arn`). */
        roleArn: z.string().regex(ARN_PATTERNS.iamRole, { error: "allowed: arn:aws:iam::<account>:role/<name>" }).optional(),
    })
    .strict();

/**
 * Where a stack's Kubernetes resources go. Exactly one target: render manifests to a directory
 * (no cluster, no credentials: the `local` environment's default), a kubeconfig context (GKE, AKS,
 * on-premises, or any cluster already in a kubeconfig), or an EKS cluster looked up by name.
 */
export const kubernetesTarget = z
    .object({
        /** Directory for rendered manifests (relative to the project). */
        renderYamlToDirectory: z.string().min(1).optional(),
        /** kubeconfig context to deploy to. */
        context: z.string().min(1).optional(),
        /** Path to a kubeconfig file; default: the ambient KUBECONFIG / ~/.kube/config. */
        kubeconfig: z.string().min(1).optional(),
        /** EKS cluster to deploy to. */
        eks: eks.optional(),
    })
    .strict()
    .superRefine((v, ctx) => {
        const targets = [v.renderYamlToDirectory, v.context, v.eks].filter((t) => t !== undefined).length;
        if (targets > 1) {
            ctx.addIssue({
                code: "custom",
                message: "renderYamlToDirectory, context and eks are mutually exclusive; allowed: exactly one of them",
            });
        }
        if (v.kubeconfig !== undefined && v.context === undefined) {
            ctx.addIssue({ code: "custom", path: ["kubeconfig"], message: "kubeconfig needs context; allowed: set both, or neither" });
        }
    });

export type KubernetesTargetConfig = z.infer<typeof kubernetesTarget>;
export type EksTargetConfig = NonNullable<KubernetesTargetConfig["eks"]>;
