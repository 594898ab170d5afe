import * as pulumi from "@pulumi/pulumi";
import { pinnedChart } from "../pinned-chart";
import { controlPlaneNamespace, MeshProduct } from "./control-plane";
import { buildControlPlaneValues, CONTROL_PLANE_CHARTS, ControlPlaneValuesSettings } from "./control-plane-chart";
import { parseMeshVersion } from "./policies";

export interface ControlPlaneInstallArgs {
    /** kuma or kong-mesh: chart, release name and default namespace. */
    readonly product: MeshProduct;
    /** Control plane mode. */
    readonly mode: "zone" | "global";
    /** Zone name (zone mode). */
    readonly zone?: string;
    /** Global CP KDS address, grpcs://host:5685 (zone mode). */
    readonly kdsGlobalAddress?: string;
    /** Extra control plane environment (controlPlane.envVars), e.g. controlPlaneOtelEnv(); may come from another stack. */
    readonly env: pulumi.Input<Record<string, string>>;
    /** Kong Mesh: Secret with license.json in the namespace (must exist). */
    readonly licenseSecret?: string;
    /** Namespace to install into (must exist); default the product's system namespace (kuma-system / kong-mesh-system). */
    readonly namespace?: string;
    /** Chart version (2.x), equal to the control plane release; default the pinned one (KUMA_CHART / KONG_MESH_CHART). */
    readonly version?: string;
}

/**
 * The zone (or global) control plane from the pinned kuma or kong-mesh chart, with our environment
 * in controlPlane.envVars. The release is named after the product, as in the install docs; the
 * charts name their objects `<product>-control-plane` whatever the release.
 */
export class ControlPlaneInstall extends pulumi.ComponentResource {
    /** Namespace the control plane runs in. */
    public readonly namespace: string;
    /** Chart values as passed to Helm. */
    public readonly values: pulumi.Output<Record<string, unknown>>;

    constructor(name: string, args: ControlPlaneInstallArgs, opts?: pulumi.ComponentResourceOptions) {
        const settings = (env: Record<string, string>): ControlPlaneValuesSettings => ({
            product: args.product,
            mode: args.mode,
            zone: args.zone,
            kdsGlobalAddress: args.kdsGlobalAddress,
            env,
            licenseSecret: args.licenseSecret,
        });
        buildControlPlaneValues(settings({})); // bad mode/zone/licence fail before anything is registered, not inside an apply
        const chart = CONTROL_PLANE_CHARTS[args.product];
        const version = args.version ?? chart.version;
        // The values layout (kuma's keys, kong-mesh's under kuma:) holds from 2.0.0: kong-mesh 1.x wrapped older kuma charts.
        if (parseMeshVersion(version)[0] < 2) throw new Error(`${chart.chart} chart version ${version} is older than 2.0.0; allowed: 2.x releases`);
        super("meshobs:mesh:ControlPlaneInstall", name, {}, opts);
        this.namespace = args.namespace ?? controlPlaneNamespace(args.product);
        this.values = pulumi.output(args.env).apply((env) => buildControlPlaneValues(settings(env)));

        const release = pinnedChart(name, { ...chart, version }, { release: args.product, namespace: this.namespace, values: this.values }, { parent: this });
        this.registerOutputs({ namespace: this.namespace, values: this.values, chart: release.urn });
    }
}
