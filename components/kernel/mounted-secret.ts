import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { workloadAnnotations } from "./workload-files";

/**
 * A Secret whose keys a workload mounts as files (credentials referenced by `*_file` settings).
 * Every value is made secret here, whatever the caller passed, so no credential file can reach
 * state or plan output in clear; the workload annotation lets the plan list the files under
 * files/<workload>/ (written only with --show-secrets).
 */
export function mountedSecret(
    parent: pulumi.Resource,
    name: string,
    namespace: pulumi.Input<string>,
    workload: string,
    files: Record<string, pulumi.Input<string>>,
): k8s.core.v1.Secret {
    return new k8s.core.v1.Secret(
        name,
        {
            metadata: { name, namespace, annotations: workloadAnnotations(workload) },
            type: "Opaque",
            stringData: Object.fromEntries(Object.entries(files).map(([k, v]) => [k, pulumi.secret(v)])),
        },
        { parent },
    );
}
