import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { buildMeshPolicies, KumaResource, MESH_LABEL, MeshPolicySettings, renderMeshPolicies, SIGNAL_LABEL } from "./policies";

/** File name of the rendered policies in `files`. */
export const MESH_POLICIES_FILE = "mesh-policies.yaml";

export interface MeshPoliciesArgs {
    /** Meshes, system namespace, mesh version and backends (plain values: they decide which resources exist). */
    readonly settings: MeshPolicySettings;
}

/**
 * MeshMetric, MeshTrace and MeshAccessLog (plus MeshOpenTelemetryBackend from 2.14) for every mesh,
 * as custom resources in the control plane's system namespace. The kuma.io CRDs must exist (the
 * control plane chart installs them); order it after the chart with `dependsOn`.
 */
export class MeshPolicies extends pulumi.ComponentResource {
    /** The same resources as one multi-document YAML, for teams that apply policies themselves. */
    public readonly policyYaml: pulumi.Output<string>;
    /** File name → content, for the orchestrator to write or mount as it sees fit. */
    public readonly files: Record<string, string>;
    /** The generated resources, as applied. */
    public readonly resources: readonly KumaResource[];

    constructor(name: string, args: MeshPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        const resources = buildMeshPolicies(args.settings); // invalid settings fail before anything is registered
        super("meshobs:mesh:MeshPolicies", name, {}, opts);
        this.resources = resources;
        const yaml = renderMeshPolicies(args.settings);
        this.files = { [MESH_POLICIES_FILE]: yaml };
        this.policyYaml = pulumi.output(yaml);

        const created = this.resources.map(
            (r) =>
                new k8s.apiextensions.CustomResource(
                    childName(name, r),
                    { apiVersion: r.apiVersion, kind: r.kind, metadata: r.metadata, spec: r.spec },
                    { parent: this },
                ),
        );
        this.registerOutputs({ policyYaml: this.policyYaml, resources: created.map((c) => c.urn) });
    }
}

/** `${name}-<kind>-<mesh>`; a MeshOpenTelemetryBackend also carries its signal (one per signal and mesh). */
function childName(name: string, r: KumaResource): string {
    const signal = r.metadata.labels[SIGNAL_LABEL];
    return [name, r.kind.toLowerCase(), ...(signal !== undefined ? [signal] : []), r.metadata.labels[MESH_LABEL]].join("-");
}
