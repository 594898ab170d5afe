/**
 * ConfigMaps and Secrets that a workload mounts as files carry this annotation. It is how the
 * offline plan finds "every configuration file the stack hands a workload" from the resources
 * themselves, instead of from a second list that could drift from what is deployed.
 */
export const WORKLOAD_ANNOTATION = "meshobs.io/workload";

export function workloadAnnotations(workload: string): Record<string, string> {
    return { [WORKLOAD_ANNOTATION]: workload };
}
