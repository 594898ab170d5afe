import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { workloadAnnotations } from "./workload-files";

/**
 * A ConfigMap whose keys a workload mounts as files, byte for byte (we render them; no chart
 * re-renders them from values). The workload annotation is how the plan writes them under
 * files/<workload>/. `objectName` differs from the resource name only where the name carries a
 * content hash to roll the pod.
 */
export function mountedConfigMap(
    parent: pulumi.Resource,
    name: string,
    namespace: pulumi.Input<string>,
    workload: string,
    files: Readonly<Record<string, pulumi.Input<string>>>,
    objectName: string = name,
): k8s.core.v1.ConfigMap {
    return new k8s.core.v1.ConfigMap(
        name,
        {
            metadata: { name: objectName, namespace, annotations: workloadAnnotations(workload) },
            data: files,
        },
        { parent },
    );
}
