import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GlobalNetworkPolicySettings, globalNetworkPolicies, NetworkPolicyDoc, ZoneNetworkPolicySettings, zoneNetworkPolicies } from "./network-policies";

export type ObservabilityNetworkPoliciesArgs =
    | { readonly role: "global"; readonly settings: GlobalNetworkPolicySettings }
    | { readonly role: "zone"; readonly settings: ZoneNetworkPolicySettings };

/**
 * The observability namespace's NetworkPolicies (default-deny ingress, then one allow policy per
 * workload; see network-policies.ts). Children are named `${name}-<role>` (also their Kubernetes
 * names), e.g. `zone-network-default-deny-ingress`, `zone-network-collector`.
 */
export class ObservabilityNetworkPolicies extends pulumi.ComponentResource {
    /** The policies as built, in creation order (default-deny first). */
    public readonly policies: readonly NetworkPolicyDoc[];
    /** Names of the NetworkPolicy objects created. */
    public readonly policyNames: pulumi.Output<string[]>;

    constructor(name: string, args: ObservabilityNetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        // Built before registering anything, so invalid settings fail without a half-made component.
        const policies = args.role === "global" ? globalNetworkPolicies(name, args.settings) : zoneNetworkPolicies(name, args.settings);
        super("meshobs:network:ObservabilityNetworkPolicies", name, {}, opts);
        this.policies = policies;
        for (const p of policies) {
            new k8s.networking.v1.NetworkPolicy(
                `${name}-${p.role}`,
                { metadata: { ...p.metadata, labels: { ...p.metadata.labels } }, spec: structuredClone(p.spec) as unknown as k8s.types.input.networking.v1.NetworkPolicySpec },
                { parent: this },
            );
        }
        this.policyNames = pulumi.output(policies.map((p) => p.metadata.name));
        this.registerOutputs({ policyNames: this.policyNames });
    }
}
