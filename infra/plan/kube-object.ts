/** A Kubernetes object as applied: what the plan's rendered manifests hold. */
export interface KubeObject {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: {
        readonly name: string;
        readonly namespace?: string;
        readonly labels?: Record<string, string>;
        readonly annotations?: Record<string, string>;
        readonly [field: string]: unknown;
    };
    readonly [field: string]: unknown;
}

/** `<kind> <namespace>/<name>` (or `<kind> <name>` when cluster-scoped), for messages and keys. */
export function objectRef(o: KubeObject): string {
    return o.metadata.namespace ? `${o.kind} ${o.metadata.namespace}/${o.metadata.name}` : `${o.kind} ${o.metadata.name}`;
}
