import { z } from "zod";

/**
 * Where a stack's Kubernetes resources go. Exactly one target: render manifests to a directory
 * (no cluster, no credentials: the `local` environment's default) or a kubeconfig context.
 */
export const kubernetesTarget = z
    .object({
        /** Directory for rendered manifests (relative to the project). */
        renderYamlToDirectory: z.string().min(1).optional(),
        /** kubeconfig context to deploy to. */
        context: z.string().min(1).optional(),
        /** Path to a kubeconfig file; default: the ambient KUBECONFIG / ~/.kube/config. */
        kubeconfig: z.string().min(1).optional(),
    })
    .strict()
    .superRefine((v, ctx) => {
        const targets = [v.renderYamlToDirectory, v.context].filter((t) => t !== undefined).length;
        if (targets > 1) {
            ctx.addIssue({
                code: "custom",
                message: "renderYamlToDirectory and context are mutually exclusive; allowed: exactly one of them",
            });
        }
        if (v.kubeconfig !== undefined && v.context === undefined) {
            ctx.addIssue({ code: "custom", path: ["kubeconfig"], message: "kubeconfig needs context; allowed: set both, or neither" });
        }
    });

export type KubernetesTargetConfig = z.infer<typeof kubernetesTarget>;
