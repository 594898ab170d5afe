import { KUMA_CONTROL_PLANE_JOB, KUMA_DATAPLANES_JOB } from "../mesh/kuma-facts";
import { DATASOURCES } from "./datasources";

/** Stable uid and file name of our own multi-zone overview (links and bookmarks survive re-provisioning). */
export const OVERVIEW_DASHBOARD_UID = "meshobs-multizone-overview";
export const OVERVIEW_DASHBOARD_FILE = "meshobs-multizone-overview.json";

const PROMETHEUS = { type: DATASOURCES.prometheus.type, uid: DATASOURCES.prometheus.uid };
/** The mesh jobs every zone Prometheus scrapes (zone-config.ts). */
const MESH_JOBS = [KUMA_DATAPLANES_JOB, KUMA_CONTROL_PLANE_JOB].join("|");

/**
 * The queries, one set per zone (`$zone` is a single zone inside the repeated row). They read series
 * the zones remote-write: each zone's self-scrape (job "prometheus") carries the zone's `zone` external
 * label, the global's own self-scrape has none, so `zone=~".+"` leaves the global out.
 */
export const OVERVIEW_QUERIES = {
    /** Samples per second each zone sends to the global. */
    ingestRate: 'sum by (zone) (rate(prometheus_remote_storage_samples_total{zone=~"$zone"}[5m]))',
    /**
     * Seconds the zone's remote-write queue is behind its newest sample. The left side has no
     * remote_name/url labels, the right side one series per queue: ignoring + group_right matches each
     * queue to its Prometheus; max by zone keeps the worst queue.
     */
    remoteWriteLag:
        'max by (zone) (prometheus_remote_storage_highest_timestamp_in_seconds{zone=~"$zone"}' +
        ' - ignoring(remote_name, url) group_right prometheus_remote_storage_queue_highest_sent_timestamp_seconds{zone=~"$zone"})',
    /** Targets up, and targets known, per mesh job. */
    targetsUp: `sum by (zone, job) (up{zone=~"$zone", job=~"${MESH_JOBS}"})`,
    targetsTotal: `count by (zone, job) (up{zone=~"$zone", job=~"${MESH_JOBS}"})`,
} as const;

interface Target {
    readonly expr: string;
    readonly legendFormat: string;
}

function timeseries(id: number, title: string, unit: string, x: number, y: number, targets: readonly Target[], extra: Record<string, unknown> = {}) {
    return {
        id,
        type: "timeseries",
        title,
        datasource: PROMETHEUS,
        gridPos: { h: 8, w: 8, x, y },
        fieldConfig: { defaults: { unit, min: 0 }, overrides: [] },
        options: { legend: { displayMode: "list", placement: "bottom", showLegend: true }, tooltip: { mode: "multi", sort: "desc" } },
        targets: targets.map((t, i) => ({ datasource: PROMETHEUS, refId: String.fromCharCode(65 + i), expr: t.expr, legendFormat: t.legendFormat })),
        ...extra,
    };
}

/**
 * One multi-zone overview of the metrics path: a row per zone (repeated over the `zone` variable)
 * with its ingest rate at the global, its remote-write lag and its mesh targets up, by job.
 */
export function buildOverviewDashboard(): Record<string, unknown> {
    return {
        uid: OVERVIEW_DASHBOARD_UID,
        title: "Mesh observability: zones overview",
        description: "Per zone: samples remote-written to the global Prometheus, remote-write lag, and kuma-dataplanes / kuma-control-plane targets up.",
        tags: ["mesh-observability", "kuma", "multi-zone"],
        editable: false,
        graphTooltip: 1,
        schemaVersion: 39,
        version: 1,
        refresh: "30s",
        time: { from: "now-6h", to: "now" },
        timezone: "utc",
        templating: {
            list: [
                {
                    name: "zone",
                    label: "Zone",
                    type: "query",
                    datasource: PROMETHEUS,
                    query: { query: "label_values(prometheus_remote_storage_samples_total, zone)", refId: "zones" },
                    definition: "label_values(prometheus_remote_storage_samples_total, zone)",
                    refresh: 2,
                    sort: 1,
                    multi: true,
                    includeAll: true,
                    // Not ".*": "All" must not match the global's own series, which have no zone.
                    allValue: ".+",
                    current: { selected: true, text: ["All"], value: ["$__all"] },
                },
            ],
        },
        annotations: { list: [] },
        links: [],
        panels: [
            { id: 1, type: "row", title: "Zone $zone", repeat: "zone", collapsed: false, gridPos: { h: 1, w: 24, x: 0, y: 0 }, panels: [] },
            timeseries(2, "Ingest rate at the global", "short", 0, 1, [{ expr: OVERVIEW_QUERIES.ingestRate, legendFormat: "{{zone}} samples/s" }]),
            timeseries(3, "Remote-write lag", "s", 8, 1, [{ expr: OVERVIEW_QUERIES.remoteWriteLag, legendFormat: "{{zone}}" }], {
                fieldConfig: {
                    defaults: {
                        unit: "s",
                        min: 0,
                        thresholds: { mode: "absolute", steps: [{ color: "green", value: null }, { color: "orange", value: 60 }, { color: "red", value: 300 }] },
                        custom: { thresholdsStyle: { mode: "line" } },
                    },
                    overrides: [],
                },
            }),
            timeseries(4, "Mesh targets up", "short", 16, 1, [
                { expr: OVERVIEW_QUERIES.targetsUp, legendFormat: "{{job}} up" },
                { expr: OVERVIEW_QUERIES.targetsTotal, legendFormat: "{{job}} targets" },
            ]),
        ],
    };
}

/** The dashboard file as mounted (Grafana reads JSON; stable key order, trailing newline). */
export function renderOverviewDashboard(): string {
    return `${JSON.stringify(buildOverviewDashboard(), null, 2)}\n`;
}
