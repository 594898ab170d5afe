import { httpUrl } from "./http-url";
import { validateZoneNames } from "./zone-endpoints";

/**
 * Remote read: the global queries a zone Prometheus's raw data on demand (POST /api/v1/read).
 * The zone's read handler strips its own external-label matchers from the query and adds its
 * external labels (zone) to what it returns, so results come back zone-labelled and a
 * `{zone="west"}` query gets nothing from east. `filter_external_labels: false` because the
 * global's own external labels (it sets none today) must never become selectors the zones'
 * data cannot match (prometheus/prometheus docs/configuration/configuration.md, <remote_read>; the option exists since 2.34, #10254).
 */

export interface ZoneRemoteRead {
    /** Zone name (DNS label); the entry is named zone-<zone>. */
    readonly zone: string;
    /** The zone Prometheus's read endpoint, http(s)://host[:port]/…/api/v1/read. */
    readonly url: string;
    /**
     * Also read time ranges the global's own storage covers; default false (upstream's default):
     * only older ranges go to the zone. Set true when the global holds none of this zone's data.
     */
    readonly readRecent?: boolean;
}

/** Path every Prometheus-compatible read endpoint ends with (web/api/v1/api.go@v2.42.0). */
export const REMOTE_READ_PATH_SUFFIX = "/api/v1/read";
/** Per-request timeout; the upstream default (1m), stated so it does not drift. */
export const REMOTE_READ_TIMEOUT = "1m";

/** The global's remote_read entries, one per zone. */
export function remoteReadConfigs(entries: readonly ZoneRemoteRead[], setting = "remoteRead"): Array<Record<string, unknown>> {
    if (!Array.isArray(entries) || entries.length === 0) throw new Error(`${setting}: empty; allowed: unset, or at least one {zone, url, readRecent?}`);
    validateZoneNames(entries, setting);
    return entries.map((e, i) => {
        const where = `${setting}[${i}]`;
        const url = new URL(httpUrl(e.url, `${where}.url`));
        if (!url.pathname.endsWith(REMOTE_READ_PATH_SUFFIX) || url.search !== "" || url.hash !== "") {
            throw new Error(`${where}.url: ${JSON.stringify(e.url)} is not a remote-read endpoint; allowed: http(s)://host[:port]/…${REMOTE_READ_PATH_SUFFIX}`);
        }
        if (e.readRecent !== undefined && typeof e.readRecent !== "boolean") {
            throw new Error(`${where}.readRecent: ${JSON.stringify(e.readRecent)} is not a boolean; allowed: true or false`);
        }
        return {
            name: `zone-${e.zone}`,
            url: e.url,
            remote_timeout: REMOTE_READ_TIMEOUT,
            read_recent: e.readRecent ?? false,
            filter_external_labels: false,
        };
    });
}
