import { METRIC_NAMESPACES } from "./agent-chart";

/** The Envoy gauge every live dataplane reports (1 per proxy); its absence means the zone went quiet. */
export const DATAPLANE_LIVE_METRIC = `${METRIC_NAMESPACES.dataplane}.envoy_server_live`;
/** Service check the OpenMetrics check of each zone control plane pod reports (CRITICAL when the scrape fails). */
export const CONTROL_PLANE_HEALTH_CHECK = `${METRIC_NAMESPACES.controlPlane}.openmetrics.health`;

/** Window of the stopped-reporting query; Datadog recommends no-data timeframes of at least twice the window. */
const STOPPED_REPORTING_WINDOW_MINUTES = 5;

export interface MeshMonitorSettings {
    /** Environment name (`env:<environment>` scopes every query and tags every monitor). */
    readonly environment: string;
    /** Every zone of the environment (each must send `zone:<zone>`). */
    readonly zones: readonly string[];
    /** Notification handle appended to every message, e.g. `@slack-mesh`. */
    readonly notify?: string;
    /** Minutes without dataplane metrics from a zone before it alerts; default 10, at least 10 (2 × the 5m window). */
    readonly stoppedReportingMinutes?: number;
}

/** Consecutive failed control plane scrapes before it alerts: one failed scrape is a warning, not a page. */
const CONTROL_PLANE_FAILURES = 2;

/** A monitor as `datadog.Monitor` takes it (same field names), plus the resource name suffix. */
export interface MonitorDefinition {
    /** Suffix of the Pulumi resource name. */
    readonly key: string;
    readonly name: string;
    readonly type: "metric alert" | "service check";
    readonly query: string;
    readonly message: string;
    readonly monitorThresholds: { readonly critical: string; readonly warning?: string; readonly ok?: string };
    readonly notifyNoData: boolean;
    /** Minutes. */
    readonly noDataTimeframe: number;
    readonly requireFullWindow?: boolean;
    readonly includeTags: boolean;
    readonly priority: string;
    readonly tags: readonly string[];
}

function checkSettings(s: MeshMonitorSettings): void {
    if (s.zones.length === 0) throw new Error("zones is empty: nothing to monitor");
    const seen = new Set<string>();
    for (const z of s.zones) {
        if (seen.has(z)) throw new Error(`zone "${z}" is listed twice`);
        seen.add(z);
    }
    const minutes = s.stoppedReportingMinutes ?? 10;
    if (!Number.isInteger(minutes) || minutes < 2 * STOPPED_REPORTING_WINDOW_MINUTES) {
        throw new Error(`stoppedReportingMinutes ${minutes} must be a whole number ≥ ${2 * STOPPED_REPORTING_WINDOW_MINUTES} (twice the ${STOPPED_REPORTING_WINDOW_MINUTES}m query window)`);
    }
}

function commonTags(s: MeshMonitorSettings): string[] {
    return [`env:${s.environment}`, "managed-by:pulumi", "project:mesh-observability"];
}

function withNotify(body: string, notify: string | undefined): string {
    return notify === undefined ? body : `${body}\n\n${notify}`;
}

/**
 * One monitor per zone on its control plane's health. A per-zone simple monitor (not a multi-alert)
 * so that no-data also fires for a zone that never reported, which a multi-alert cannot know about.
 */
export function controlPlaneHealthMonitor(s: MeshMonitorSettings, zone: string): MonitorDefinition {
    const critical = CONTROL_PLANE_FAILURES;
    const last = critical + 1;
    const scope = `"env:${s.environment}","zone:${zone}"`;
    return {
        key: `control-plane-${zone}`,
        name: `[${s.environment}] Kuma control plane unhealthy in zone ${zone}`,
        type: "service check",
        query: `"${CONTROL_PLANE_HEALTH_CHECK}".over(${scope}).by("zone").last(${last}).count_by_status()`,
        message: withNotify(
            [
                `{{#is_alert}}The Datadog agents of zone ${zone} (env ${s.environment}) failed ${critical} scrapes in a row of the Kuma control plane's metrics endpoint: the control plane is down or unreachable. Check the kuma-control-plane pods in that zone.{{/is_alert}}`,
                `{{#is_no_data}}No control plane health check from zone ${zone} (env ${s.environment}): the zone's Datadog agents are not running, or no control plane pod exists there.{{/is_no_data}}`,
                `{{#is_recovery}}The control plane of zone ${zone} answers its metrics scrape again.{{/is_recovery}}`,
            ].join("\n"),
            s.notify,
        ),
        monitorThresholds: { critical: String(critical), warning: "1", ok: "1" },
        notifyNoData: true,
        noDataTimeframe: 10,
        includeTags: true,
        priority: "2",
        tags: [...commonTags(s), `zone:${zone}`, "service:kuma-control-plane"],
    };
}

/**
 * One multi-alert over the environment, grouped by zone: fires when a zone's live dataplanes drop to
 * none, and (notify_no_data) when a zone that reported stops sending dataplane metrics at all.
 */
export function zoneStoppedReportingMonitor(s: MeshMonitorSettings): MonitorDefinition {
    const minutes = s.stoppedReportingMinutes ?? 10;
    return {
        key: "zone-stopped-reporting",
        name: `[${s.environment}] Zone {{zone.name}} stopped reporting mesh metrics`,
        type: "metric alert",
        query: `max(last_${STOPPED_REPORTING_WINDOW_MINUTES}m):sum:${DATAPLANE_LIVE_METRIC}{env:${s.environment}} by {zone} < 1`,
        message: withNotify(
            [
                `{{#is_alert}}Zone {{zone.name}} (env ${s.environment}) reports no live dataplane: every Envoy in the zone reports envoy_server_live = 0.{{/is_alert}}`,
                `{{#is_no_data}}No dataplane metrics from zone {{zone.name}} (env ${s.environment}) for ${minutes} minutes: the zone's Datadog agents stopped sending, the zone lost its network path to Datadog, or MeshMetric no longer exposes the Prometheus endpoint.{{/is_no_data}}`,
                `{{#is_recovery}}Zone {{zone.name}} reports live dataplanes again.{{/is_recovery}}`,
                `Zones of ${s.environment}: ${s.zones.join(", ")}.`,
            ].join("\n"),
            s.notify,
        ),
        monitorThresholds: { critical: "1" },
        notifyNoData: true,
        noDataTimeframe: minutes,
        // Sparse or late points must not skip evaluations.
        requireFullWindow: false,
        includeTags: true,
        priority: "2",
        tags: [...commonTags(s), ...s.zones.map((z) => `zone:${z}`)],
    };
}

/** Every monitor of the environment: one control plane monitor per zone, one stopped-reporting multi-alert. */
export function buildMeshMonitors(s: MeshMonitorSettings): MonitorDefinition[] {
    checkSettings(s);
    return [...s.zones.map((z) => controlPlaneHealthMonitor(s, z)), zoneStoppedReportingMonitor(s)];
}
