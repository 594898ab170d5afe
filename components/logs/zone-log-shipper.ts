import * as pulumi from "@pulumi/pulumi";
import { mountedConfigMap } from "../kernel/mounted-config-map";
import { mountedSecret } from "../kernel/mounted-secret";
import { pinnedChart } from "../kernel/pinned-chart";
import { ALLOY_CHART, ALLOY_CONFIG_KEY, alloySecretDir, buildAlloyChartValues } from "./alloy-chart";
import { checkZoneLabels, renderAlloyConfig } from "./alloy-config";

/** Volume (and directory) of the Loki credential, and the Secret key holding the password. */
const CREDENTIAL_MOUNT = "loki-push";
const PASSWORD_KEY = "password";

export interface ZoneLogShipperArgs {
    /** Namespace to deploy into (must exist). */
    readonly namespace: pulumi.Input<string>;
    /** Zone name, the `zone` label on every stream. */
    readonly zone: string;
    /** Loki push URL (…/loki/api/v1/push), e.g. from the global stack. */
    readonly lokiPushUrl: pulumi.Input<string>;
    /** Loki tenant (X-Scope-OrgID). */
    readonly tenant: pulumi.Input<string>;
    /** Basic auth in front of Loki; the password (a secret) is mounted as a file, never inlined. Default: none. */
    readonly basicAuth?: { readonly username: pulumi.Input<string>; readonly password: pulumi.Input<string> };
    /** Further static labels on every stream (never `zone`); default none. */
    readonly extraLabels?: Readonly<Record<string, string>>;
}

/**
 * A zone's log shipper: Grafana Alloy as a DaemonSet (alloy chart, pinned) tailing every container's
 * log on each node, Kuma access logs included, and pushing them to the global Loki with the zone label.
 */
export class ZoneLogShipper extends pulumi.ComponentResource {
    /** The generated Alloy config, byte for byte as mounted. */
    public readonly configText: pulumi.Output<string>;

    constructor(name: string, args: ZoneLogShipperArgs, opts?: pulumi.ComponentResourceOptions) {
        const credentialName = `${name}-${CREDENTIAL_MOUNT}`;
        const passwordFile = `${alloySecretDir(CREDENTIAL_MOUNT)}/${PASSWORD_KEY}`;
        const configMapName = `${name}-config`;
        // What can be checked without the endpoint fails here, before any resource (this one included) is registered.
        checkZoneLabels(args.zone, args.extraLabels);
        const values = buildAlloyChartValues({
            // The ClusterRole/Binding (alloy chart 1.11.1 templates/rbac.yaml: alloy.fullname) and the
            // hostPath are cluster-wide: named after the zone, they stay apart even beside another zone's.
            fullname: `${name}-${args.zone}`,
            configMapName,
            secretMounts: args.basicAuth !== undefined ? [{ name: CREDENTIAL_MOUNT, secretName: credentialName }] : [],
        });
        super("meshobs:logs:ZoneLogShipper", name, {}, opts);

        this.configText = pulumi
            .all([args.lokiPushUrl, args.tenant, args.basicAuth?.username])
            .apply(([lokiPushUrl, tenant, username]) =>
                renderAlloyConfig({
                    zone: args.zone,
                    lokiPushUrl,
                    tenant,
                    basicAuth: username !== undefined ? { username, passwordFile } : undefined,
                    extraLabels: args.extraLabels,
                }),
            );

        const dependsOn: pulumi.Resource[] = [];
        if (args.basicAuth !== undefined) {
            dependsOn.push(mountedSecret(this, credentialName, args.namespace, "alloy", { [PASSWORD_KEY]: args.basicAuth.password }));
        }
        dependsOn.push(mountedConfigMap(this, configMapName, args.namespace, "alloy", { [ALLOY_CONFIG_KEY]: this.configText }));

        const chart = pinnedChart(name, ALLOY_CHART, { namespace: args.namespace, values }, { parent: this, dependsOn });
        this.registerOutputs({ configText: this.configText, chart: chart.urn });
    }
}
