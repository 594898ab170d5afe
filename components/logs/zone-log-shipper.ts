import * as pulumi from "@pulumi/pulumi";
import { mountedConfigMap } from "../kernel/mounted-config-map";
import { pinnedChart } from "../kernel/pinned-chart";
import { assertKumaZoneName } from "../mesh/kuma-facts";
import { ALLOY_CHART, ALLOY_CONFIG_KEY, buildAlloyChartValues } from "./alloy-chart";
import { renderAlloyConfig } from "./alloy-config";

export interface ZoneLogShipperArgs {
    /** Namespace to deploy into (must exist). */
    readonly namespace: pulumi.Input<string>;
    /** Zone name, the `zone` label on every stream. */
    readonly zone: string;
    /** Loki push URL (…/loki/api/v1/push), e.g. from the global stack. */
    readonly lokiPushUrl: pulumi.Input<string>;
    /** Loki tenant (X-Scope-OrgID). */
    readonly tenant: pulumi.Input<string>;
}

/**
 * A zone's log shipper: Grafana Alloy as a DaemonSet (alloy chart, pinned) tailing every container's
 * log on each node, Kuma access logs included, and pushing them to the global Loki with the zone label.
 */
export class ZoneLogShipper extends pulumi.ComponentResource {
    /** The generated Alloy config, byte for byte as mounted. */
    public readonly configText: pulumi.Output<string>;

    constructor(name: string, args: ZoneLogShipperArgs, opts?: pulumi.ComponentResourceOptions) {
        const configMapName = `${name}-config`;
        // What can be checked without the endpoint fails here, before any resource (this one included) is registered.
        assertKumaZoneName(args.zone);
        const values = buildAlloyChartValues({
            // The ClusterRole/Binding (alloy chart 1.11.1 templates/rbac.yaml: alloy.fullname) and the
            // hostPath are cluster-wide: named after the zone, they stay apart even beside another zone's.
            fullname: `${name}-${args.zone}`,
            configMapName,
        });
        super("meshobs:logs:ZoneLogShipper", name, {}, opts);

        this.configText = pulumi
            .all([args.lokiPushUrl, args.tenant])
            .apply(([lokiPushUrl, tenant]) => renderAlloyConfig({ zone: args.zone, lokiPushUrl, tenant }));

        const configMap = mountedConfigMap(this, configMapName, args.namespace, "alloy", { [ALLOY_CONFIG_KEY]: this.configText });

        const chart = pinnedChart(name, ALLOY_CHART, { namespace: args.namespace, values }, { parent: this, dependsOn: [configMap] });
        this.registerOutputs({ configText: this.configText, chart: chart.urn });
    }
}
