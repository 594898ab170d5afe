import { renderYaml } from "../kernel/render-yaml";
import { DNS_LABEL } from "../kernel/validators";

/**
 * Alerting rules that go with remote write, as pure builders of Prometheus rule files.
 *
 * Global side — a zone that stopped sending. The receiver holds remote-written series, which do
 * not go stale on a missed scrape (no scrape happens here): a series just stops getting samples,
 * and an instant selector keeps returning its last sample for the 5m lookback, then nothing. So
 * neither `up == 0` nor `absent(...)` alone is right: `up` of a dead zone is never 0 here, and
 * `absent` waits the 5m lookback and never fires for a zone that was never configured to send.
 * We use, per zone, the zone Prometheus' self-scrape `up{job="prometheus", zone="<zone>"}`
 * (every zone scrapes itself, so this series exists for as long as the zone sends anything):
 *  - ZoneStoppedSending (per configured zone): `absent_over_time(up{job="prometheus", zone="<zone>"}[<window>])`,
 *    i.e. not one sample of the zone in the window — fires also for a configured zone that never
 *    sent; its labels are the selector's equality matchers, so `zone` is set. A backlog that
 *    arrives late (outage, then catch-up) fills the window and resolves the alert.
 *  - ZoneSendingLate (every declared zone seen in the last hour; any zone when none is declared):
 *    `time() - max by (zone) (max_over_time(timestamp(up{job="prometheus", zone=~"<zones>"})[1h:30s])) > <threshold>`,
 *    the age of the newest sample of each zone, which keeps working after the 5m lookback.
 * A zone removed from the environment on purpose (revoked, decommissioned) is no longer declared, so
 * neither rule pages for it, although its last samples stay in the TSDB for the retention.
 *
 * Zone side (server mode only: an agent refuses rule_files) — remote write falling behind:
 *    `prometheus_remote_storage_highest_timestamp_in_seconds - ignoring(remote_name, url) group_right
 *     prometheus_remote_storage_queue_highest_sent_timestamp_seconds > <threshold>` for 5m,
 * the newest sample appended locally minus the newest sample sent, per remote. It is evaluated by
 * the zone itself, so it fires while the global is unreachable; its ALERTS series also reaches the
 * global once writes flow again. Names are stable: dashboards and silences refer to them.
 */

export const GLOBAL_ALERTS_GROUP = "mesh-observability-global";
export const ZONE_ALERTS_GROUP = "mesh-observability-zone";
/** File names inside the mounted rules directory. */
export const GLOBAL_RULES_FILE = "global-alerts.yml";
export const ZONE_RULES_FILE = "zone-alerts.yml";
/** Where the rules ConfigMap is mounted in the Prometheus container. */
export const RULES_MOUNT_DIR = "/etc/prometheus/rules";

export interface AlertRule {
    readonly alert: string;
    readonly expr: string;
    readonly for?: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: Readonly<Record<string, string>>;
}

export interface GlobalAlertSettings {
    /** The environment's zones; each gets a ZoneStoppedSending rule. Empty: only ZoneSendingLate. */
    readonly zones: readonly string[];
}

export interface ZoneAlertSettings {
    /** The zone (also an external label, so alerts forwarded elsewhere carry it). */
    readonly zone: string;
}

/** ZoneStoppedSending: window without any sample of the zone's self-scrape. */
const SILENCE_WINDOW = "5m";
/** ZoneSendingLate: age (seconds) of a zone's newest sample. */
const LATE_AFTER_SECONDS = 300;
const GLOBAL_SEVERITY = "critical";
/** ZoneRemoteWriteLagging: lag (seconds) between the newest appended and the newest sent sample, lasting LAG_FOR. */
const LAG_THRESHOLD_SECONDS = 120;
const LAG_FOR = "5m";
/** A lagging zone still delivers: a warning, not a page. */
const ZONE_SEVERITY = "warning";

export function globalAlertRules(s: GlobalAlertSettings): AlertRule[] {
    const window = SILENCE_WINDOW;
    const late = LATE_AFTER_SECONDS;
    const severity = GLOBAL_SEVERITY;
    const seen = new Set<string>();
    const rules: AlertRule[] = s.zones.map((zone) => {
        if (!DNS_LABEL.test(zone)) throw new Error(`zones: ${JSON.stringify(zone)} is not a DNS label`);
        if (seen.has(zone)) throw new Error(`zones: ${JSON.stringify(zone)} is listed twice`);
        seen.add(zone);
        return {
            alert: "ZoneStoppedSending",
            expr: `absent_over_time(up{job="prometheus", zone="${zone}"}[${window}])`,
            labels: { severity, zone },
            annotations: {
                summary: `Zone ${zone} sends no metrics to the global Prometheus`,
                description: `No sample of zone ${zone}'s own Prometheus (up{job="prometheus", zone="${zone}"}) arrived in the last ${window}: the zone Prometheus is down, cannot reach the global, or is rejected. The zone keeps the unsent samples in its WAL for at least ~6h at the default zone size (100k series; less for bigger zones, docs/operations.md, Troubleshooting), then loses the whole backlog.`,
            },
        };
    });
    // Declared zones are DNS labels (checked above), so the alternation needs no escaping.
    const zoneMatcher = s.zones.length > 0 ? `zone=~"${s.zones.join("|")}"` : `zone!=""`;
    rules.push({
        alert: "ZoneSendingLate",
        expr: `time() - max by (zone) (max_over_time(timestamp(up{job="prometheus", ${zoneMatcher}})[1h:30s])) > ${late}`,
        labels: { severity },
        annotations: {
            summary: "Zone {{ $labels.zone }} has sent nothing for {{ $value | humanizeDuration }}",
            description: `The newest sample from zone {{ $labels.zone }} is older than ${late}s (checked over the last hour, so it keeps firing after the series goes out of the 5m lookback).`,
        },
    });
    return rules;
}

function zoneAlertRules(s: ZoneAlertSettings): AlertRule[] {
    const threshold = LAG_THRESHOLD_SECONDS;
    const forDuration = LAG_FOR;
    return [
        {
            alert: "ZoneRemoteWriteLagging",
            expr:
                "prometheus_remote_storage_highest_timestamp_in_seconds - ignoring(remote_name, url) group_right " +
                `prometheus_remote_storage_queue_highest_sent_timestamp_seconds > ${threshold}`,
            for: forDuration,
            labels: { severity: ZONE_SEVERITY, zone: s.zone },
            annotations: {
                summary: `Zone ${s.zone} remote write to {{ $labels.remote_name }} is {{ $value | humanizeDuration }} behind`,
                description: `The newest sample sent to {{ $labels.url }} is more than ${threshold}s older than the newest sample appended, for ${forDuration}. Samples are kept in the WAL and sent once the receiver accepts them; an outage longer than the WAL keeps them (at least ~6h at the default zone size, less for bigger zones) loses the whole backlog.`,
            },
        },
    ];
}

function renderRules(group: string, rules: readonly AlertRule[]): string {
    return renderYaml({
        groups: [
            {
                name: group,
                rules: rules.map((r) => ({ alert: r.alert, expr: r.expr, ...(r.for !== undefined ? { for: r.for } : {}), labels: { ...r.labels }, annotations: { ...r.annotations } })),
            },
        ],
    });
}

export function renderGlobalAlertRules(s: GlobalAlertSettings): string {
    return renderRules(GLOBAL_ALERTS_GROUP, globalAlertRules(s));
}

export function renderZoneAlertRules(s: ZoneAlertSettings): string {
    return renderRules(ZONE_ALERTS_GROUP, zoneAlertRules(s));
}
