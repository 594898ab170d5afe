import { OVERVIEW_QUERIES } from "../../components/grafana/overview-dashboard";
import { FEDERATION_JOB_PREFIX } from "../../components/prometheus/federation";
import { SELF_SCRAPE_JOB } from "../../components/prometheus/zone-config";
import { KUMA_CONTROL_PLANE_JOB, KUMA_DATAPLANES_JOB } from "../../components/mesh/kuma-facts";
import { GlobalStackOutputs } from "../global-outputs";

/**
 * What `npm run verify` asks the global for, per zone: PromQL only, no I/O. The lag and target
 * queries are the overview dashboard's own (one home for them), with its `$zone` variable set.
 */

/** A vector sample as Prometheus' /api/v1/query returns it. */
export interface VectorSample {
    readonly metric: Readonly<Record<string, string>>;
    readonly value: readonly [number, string];
}

/** Zone names are DNS labels (global-schema), so they are literal inside a regex matcher. */
const forZone = (query: string, zone: string) => query.replace(/\$zone/g, zone);

/**
 * A series that has a sample for as long as the zone's metrics arrive. Remote write: the zone
 * Prometheus' self-scrape, which it writes for as long as it writes anything (as ZoneStoppedSending
 * reads it). Federation: the global's own successful scrapes of the zone's /federate.
 */
const heartbeat = (zone: string, transport: GlobalStackOutputs["metricsTransport"]) =>
    transport === "federation" ? `(up{job="${FEDERATION_JOB_PREFIX}${zone}", zone="${zone}"} == 1)` : `up{job="${SELF_SCRAPE_JOB}", zone="${zone}"}`;

export interface ZoneQueries {
    /** Timestamp of the newest heartbeat sample within the query lookback (5m). */
    readonly newest: string;
    /** Timestamp of the newest one in the last hour (30 s resolution: for "last seen", not for freshness). */
    readonly lastHour: string;
    readonly remoteWriteLag: string;
    readonly targetsUp: string;
    readonly targetsTotal: string;
}

export function zoneQueries(zone: string, transport: GlobalStackOutputs["metricsTransport"] = "remote-write"): ZoneQueries {
    const beat = heartbeat(zone, transport);
    return {
        newest: `max(timestamp(${beat}))`,
        lastHour: `max(max_over_time(timestamp(${beat})[1h:30s]))`,
        remoteWriteLag: forZone(OVERVIEW_QUERIES.remoteWriteLag, zone),
        targetsUp: forZone(OVERVIEW_QUERIES.targetsUp, zone),
        targetsTotal: forZone(OVERVIEW_QUERIES.targetsTotal, zone),
    };
}

export type ZoneQueryResults = { readonly [K in keyof ZoneQueries]: readonly VectorSample[] };

/** One zone's metrics as the global sees them, at `now` (Unix seconds). */
export interface ZoneMetrics {
    readonly zone: string;
    /** Seconds since the newest self-scrape sample; undefined: none in the last 5 minutes. */
    readonly newestSampleAgeSeconds?: number;
    /** Seconds since the last sample seen over the last hour (±30 s); undefined: none in the hour. */
    readonly lastSeenSecondsAgo?: number;
    /** Worst remote-write queue lag of the zone; undefined: no such series (federation, or nothing arrived). */
    readonly remoteWriteLagSeconds?: number;
    readonly controlPlane: TargetCount;
    readonly dataplanes: TargetCount;
}

export interface TargetCount {
    readonly up: number;
    readonly total: number;
}

const scalar = (rs: readonly VectorSample[]): number | undefined => (rs.length === 0 ? undefined : Math.max(...rs.map((s) => Number(s.value[1]))));

function targets(up: readonly VectorSample[], total: readonly VectorSample[], job: string): TargetCount {
    const of = (rs: readonly VectorSample[]) => rs.filter((s) => s.metric.job === job).reduce((n, s) => n + Number(s.value[1]), 0);
    return { up: of(up), total: of(total) };
}

/** From the query results to the zone's figures; `now` in Unix seconds. */
export function zoneMetrics(zone: string, r: ZoneQueryResults, now: number): ZoneMetrics {
    const newest = scalar(r.newest);
    const lastHour = scalar(r.lastHour);
    const lag = scalar(r.remoteWriteLag);
    return {
        zone,
        ...(newest !== undefined ? { newestSampleAgeSeconds: Math.max(0, now - newest) } : {}),
        ...(lastHour !== undefined ? { lastSeenSecondsAgo: Math.max(0, now - lastHour) } : {}),
        ...(lag !== undefined ? { remoteWriteLagSeconds: lag } : {}),
        controlPlane: targets(r.targetsUp, r.targetsTotal, KUMA_CONTROL_PLANE_JOB),
        dataplanes: targets(r.targetsUp, r.targetsTotal, KUMA_DATAPLANES_JOB),
    };
}
