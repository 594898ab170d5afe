import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { pinnedChart } from "../kernel/pinned-chart";
import { controlPlaneNamespace, MeshProduct } from "./control-plane";
import { buildControlPlaneValues, CONTROL_PLANE_CHARTS, ControlPlaneValuesSettings, KONG_MESH_LICENSE_KEY } from "./control-plane-chart";
import { hasCurrentChartLayout } from "./kuma-facts";

export interface ControlPlaneInstallArgs {
    /** kuma or kong-mesh: chart, release name and default namespace. */
    readonly product: MeshProduct;
    /** Zone name: a zone control plane (the global one is never installed here). */
    readonly zone: string;
    /** Global CP KDS address, grpcs://host:5685; unset: a standalone zone. */
    readonly kdsGlobalAddress?: string;
    /** Extra control plane environment (controlPlane.envVars), e.g. controlPlaneOtelEnv(); may come from another stack. */
    readonly env: pulumi.Input<Record<string, string>>;
    /** Kong Mesh: name of the licence Secret this component creates in the namespace; default DEFAULT_LICENSE_SECRET. */
    readonly licenseSecret?: string;
    /** Kong Mesh: the licence (license.json's content; kept secret); required for kong-mesh. */
    readonly license?: pulumi.Input<string>;
    /** Namespace this component creates and installs into; default the product's system namespace (kuma-system / kong-mesh-system). */
    readonly namespace?: string;
    /** Chart version (2.x), equal to the control plane release; default the pinned one (KUMA_CHART / KONG_MESH_CHART). */
    readonly version?: string;
}

/** Name of the Kong Mesh licence Secret when none is configured. */
export const DEFAULT_LICENSE_SECRET = "kong-mesh-license";

/**
 * The label the kuma chart's pre-install hook puts on its namespace, so the control plane's own pods
 * get no sidecar (kuma 2.14.3 templates/pre-install-patch-namespace-job.yaml; with noHelmHooks the
 * chart demands it as `kuma.io/sidecar-injection: "false"` on a namespace created beforehand).
 */
export const CONTROL_PLANE_NAMESPACE_LABELS = { "kuma.io/sidecar-injection": "false" } as const;

/**
 * The zone control plane from the pinned kuma or kong-mesh chart, with our environment
 * in controlPlane.envVars. The release is named after the product, as in the install docs; the
 * charts name their objects `<product>-control-plane` whatever the release.
 */
export class ControlPlaneInstall extends pulumi.ComponentResource {
    /** Namespace the control plane runs in. */
    public readonly namespace: string;
    /** Chart values as passed to Helm. */
    public readonly values: pulumi.Output<Record<string, unknown>>;

    constructor(name: string, args: ControlPlaneInstallArgs, opts?: pulumi.ComponentResourceOptions) {
        const licenseSecret = args.product === "kong-mesh" ? (args.licenseSecret ?? DEFAULT_LICENSE_SECRET) : args.licenseSecret;
        const settings = (env: Record<string, string>): ControlPlaneValuesSettings => ({
            product: args.product,
            zone: args.zone,
            kdsGlobalAddress: args.kdsGlobalAddress,
            env,
            licenseSecret,
        });
        buildControlPlaneValues(settings({})); // bad zone/KDS address/licence fail before anything is registered, not inside an apply
        const chart = CONTROL_PLANE_CHARTS[args.product];
        const version = args.version ?? chart.version;
        // The values layout (kuma's keys, kong-mesh's under kuma:) holds from 2.0.0: kong-mesh 1.x wrapped older kuma charts.
        if (!hasCurrentChartLayout(version)) throw new Error(`${chart.chart} chart version ${version} is older than 2.0.0; allowed: 2.x releases`);
        // The licence Secret lives in the namespace created below, so it cannot exist before this stack runs.
        if (args.product === "kong-mesh" && args.license === undefined) throw new Error(`ControlPlaneInstall ${name}: Kong Mesh needs its licence (license.json), from secret config`);
        if (args.product !== "kong-mesh" && args.license !== undefined) throw new Error(`ControlPlaneInstall ${name}: a licence is for kong-mesh only`);
        super("meshobs:mesh:ControlPlaneInstall", name, {}, opts);
        this.namespace = args.namespace ?? controlPlaneNamespace(args.product);
        this.values = pulumi.output(args.env).apply((env) => buildControlPlaneValues(settings(env)));

        // Chart v4 skips hooks, so the chart's pre-install Job never creates this namespace: every
        // namespaced object of the release needs it first.
        const namespace = new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: { name: this.namespace, labels: { ...CONTROL_PLANE_NAMESPACE_LABELS } } }, { parent: this });
        const dependsOn: pulumi.Resource[] = [namespace];
        if (args.license !== undefined && licenseSecret !== undefined) {
            dependsOn.push(
                new k8s.core.v1.Secret(
                    `${name}-license`,
                    { metadata: { name: licenseSecret, namespace: this.namespace }, type: "Opaque", stringData: { [KONG_MESH_LICENSE_KEY]: pulumi.secret(args.license) } },
                    { parent: this, dependsOn: [namespace] },
                ),
            );
        }
        const release = pinnedChart(name, { ...chart, version }, { release: args.product, namespace: this.namespace, values: this.values }, { parent: this, dependsOn });
        this.registerOutputs({ namespace: this.namespace, values: this.values, chart: release.urn });
    }
}
