import { METRIC_NAMESPACES } from "./agent-chart";
import { CONTROL_PLANE_HEALTH_CHECK, DATAPLANE_LIVE_METRIC } from "./monitors";

/**
 * Metrics the dashboard reads, as the zone agents' OpenMetrics checks name them: `<namespace>.<family>`,
 * counters with `_total` dropped and `.count` appended (Envoy's upstream_rq_total becomes
 * envoy_cluster_upstream_rq.count; upstream_rq_xx, a counter without _total, envoy_cluster_upstream_rq_xx.count).
 */
export const DASHBOARD_METRICS = {
    liveDataplanes: DATAPLANE_LIVE_METRIC,
    requests: `${METRIC_NAMESPACES.dataplane}.envoy_cluster_upstream_rq.count`,
    responsesByClass: `${METRIC_NAMESPACES.dataplane}.envoy_cluster_upstream_rq_xx.count`,
    controlPlaneResources: `${METRIC_NAMESPACES.controlPlane}.resources_count`,
    xdsGenerationErrors: `${METRIC_NAMESPACES.controlPlane}.xds_generation_errors.count`,
} as const;

/** Inbound traffic: Kuma names a dataplane's inbound clusters localhost_<port> (as its own Grafana dashboards filter). */
const INBOUND = "envoy_cluster_name:localhost_*";
const SERVER_ERRORS = "envoy_response_code_class:5";

export interface MeshDashboardSettings {
    /** Environment name; every query is scoped to `env:<environment>`. */
    readonly environment: string;
    /** Zones, one widget group each (in this order). */
    readonly zones: readonly string[];
}

type Widget = { readonly definition: Record<string, unknown> };

interface MetricQuery {
    readonly name: string;
    readonly query: string;
}

function timeseries(title: string, queries: MetricQuery[], formula: string, alias?: string): Widget {
    return {
        definition: {
            type: "timeseries",
            title,
            show_legend: true,
            requests: [
                {
                    response_format: "timeseries",
                    display_type: "line",
                    queries: queries.map((q) => ({ data_source: "metrics", name: q.name, query: q.query })),
                    formulas: [{ formula, ...(alias !== undefined ? { alias } : {}) }],
                },
            ],
        },
    };
}

function queryValue(title: string, query: string): Widget {
    return {
        definition: {
            type: "query_value",
            title,
            precision: 0,
            autoscale: true,
            requests: [
                {
                    response_format: "scalar",
                    queries: [{ data_source: "metrics", name: "q", query, aggregator: "last" }],
                    formulas: [{ formula: "q" }],
                },
            ],
        },
    };
}

function controlPlaneStatus(title: string, tags: string[], groupBy: string[]): Widget {
    return { definition: { type: "check_status", title, check: CONTROL_PLANE_HEALTH_CHECK, grouping: "cluster", group_by: groupBy, tags } };
}

function group(title: string, widgets: Widget[]): Widget {
    return { definition: { type: "group", title, layout_type: "ordered", widgets } };
}

/** Request rate and 5xx ratio widgets for a scope, split by `by`. */
function trafficWidgets(scope: string, by: string, label: string): Widget[] {
    const requests = `sum:${DASHBOARD_METRICS.requests}{${scope},${INBOUND}} by {${by}}.as_rate()`;
    const errors = `sum:${DASHBOARD_METRICS.responsesByClass}{${scope},${INBOUND},${SERVER_ERRORS}} by {${by}}.as_rate()`;
    return [
        timeseries(`Incoming requests/s by ${label}`, [{ name: "requests", query: requests }], "requests"),
        timeseries(
            `5xx responses (% of incoming requests) by ${label}`,
            [
                { name: "errors", query: errors },
                { name: "requests", query: requests },
            ],
            "100 * errors / requests",
            "5xx %",
        ),
    ];
}

function zoneGroup(s: MeshDashboardSettings, zone: string): Widget {
    const scope = `env:${s.environment},zone:${zone}`;
    return group(`Zone ${zone}`, [
        queryValue("Live dataplanes", `sum:${DASHBOARD_METRICS.liveDataplanes}{${scope},$mesh}`),
        queryValue("Dataplanes known to the control plane", `sum:${DASHBOARD_METRICS.controlPlaneResources}{${scope},resource_type:dataplane}`),
        controlPlaneStatus("Control plane health", [`env:${s.environment}`, `zone:${zone}`], []),
        timeseries("Live dataplanes by mesh", [{ name: "live", query: `sum:${DASHBOARD_METRICS.liveDataplanes}{${scope},$mesh} by {mesh}` }], "live"),
        ...trafficWidgets(`${scope},$mesh`, "mesh", "mesh"),
        timeseries(
            "Control plane xDS generation errors/s",
            [{ name: "errors", query: `sum:${DASHBOARD_METRICS.xdsGenerationErrors}{${scope}}.as_rate()` }],
            "errors",
        ),
    ]);
}

/** The environment's mesh dashboard: an all-zones overview, then one group per zone. */
export function buildMeshDashboard(s: MeshDashboardSettings): Record<string, unknown> {
    if (s.zones.length === 0) throw new Error("zones is empty: nothing to put on the dashboard");
    const env = `env:${s.environment}`;
    return {
        title: `Kuma mesh: ${s.environment}`,
        description: `Dataplanes, traffic and control plane health of every zone of ${s.environment} (${s.zones.join(", ")}), from the zone Datadog agents' OpenMetrics checks. Managed by Pulumi (mesh-observability): edits in the UI are overwritten.`,
        layout_type: "ordered",
        reflow_type: "auto",
        template_variables: [{ name: "mesh", prefix: "mesh", available_values: [], default: "*" }],
        widgets: [
            group(`All zones of ${s.environment}`, [
                timeseries(
                    "Live dataplanes by zone",
                    [{ name: "live", query: `sum:${DASHBOARD_METRICS.liveDataplanes}{${env},$mesh} by {zone}` }],
                    "live",
                ),
                ...trafficWidgets(`${env},$mesh`, "zone,mesh", "zone and mesh"),
                controlPlaneStatus("Control plane health by zone", [env], ["zone"]),
            ]),
            ...s.zones.map((z) => zoneGroup(s, z)),
        ],
    };
}

/** The dashboard as `datadog.DashboardJson` takes it. */
export function renderMeshDashboardJson(s: MeshDashboardSettings): string {
    return JSON.stringify(buildMeshDashboard(s));
}
