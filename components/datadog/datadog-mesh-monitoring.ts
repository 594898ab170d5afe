import * as datadog from "@pulumi/datadog";
import * as pulumi from "@pulumi/pulumi";
import { datadogApiUrl } from "./agent-chart";
import { renderMeshDashboardJson } from "./dashboard";
import { buildMeshMonitors } from "./monitors";

export interface DatadogMeshMonitoringArgs {
    /** Environment name; scopes every query (`env:<environment>`) and tags every monitor. */
    readonly environment: string;
    /** Every zone of the environment, as its agents tag it (`zone:<zone>`). */
    readonly zones: readonly string[];
    /** Datadog site (e.g. datadoghq.com, datadoghq.eu); the provider talks to https://api.<site>/. */
    readonly site: string;
    /** Datadog API key (made secret here whatever the caller passes). */
    readonly apiKey: pulumi.Input<string>;
    /** Datadog application key (made secret here whatever the caller passes). */
    readonly appKey: pulumi.Input<string>;
    /** Notification handle appended to every monitor message, e.g. `@slack-mesh`; default none. */
    readonly notify?: string;
    /** Minutes without dataplane metrics from a zone before it alerts; default 10 (minimum 10). */
    readonly stoppedReportingMinutes?: number;
}

/**
 * Global Datadog resources for the mesh: a dashboard across zones and the monitors (control plane
 * health per zone, zone stopped reporting), all created through this component's own provider so the
 * keys never come from ambient configuration.
 */
export class DatadogMeshMonitoring extends pulumi.ComponentResource {
    /** URL of the dashboard in Datadog. */
    public readonly dashboardUrl: pulumi.Output<string>;
    /** Monitor IDs, control plane monitors first (zone order), then zone-stopped-reporting. */
    public readonly monitorIds: pulumi.Output<string[]>;

    constructor(name: string, args: DatadogMeshMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("meshobs:datadog:DatadogMeshMonitoring", name, {}, opts);
        const provider = new datadog.Provider(
            `${name}-provider`,
            { apiKey: pulumi.secret(args.apiKey), appKey: pulumi.secret(args.appKey), apiUrl: datadogApiUrl(args.site) },
            { parent: this },
        );
        const children = { parent: this, provider };

        const dashboard = new datadog.DashboardJson(`${name}-dashboard`, { dashboard: renderMeshDashboardJson(args) }, children);

        const monitors = buildMeshMonitors(args).map(
            ({ key, ...m }) =>
                new datadog.Monitor(
                    `${name}-${key}`,
                    {
                        ...m,
                        monitorThresholds: { ...m.monitorThresholds },
                        tags: [...m.tags],
                    },
                    children,
                ),
        );

        this.dashboardUrl = dashboard.url;
        this.monitorIds = pulumi.all(monitors.map((m) => m.id));
        this.registerOutputs({ dashboardUrl: this.dashboardUrl, monitorIds: this.monitorIds });
    }
}
