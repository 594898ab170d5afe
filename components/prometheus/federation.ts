import { hostPort, httpUrl } from "./http-url";
import { scrapeTimeout } from "./scrape-timeout";
import { validateZoneNames } from "./zone-endpoints";

/**
 * Federation: the global Prometheus pulls selected series from each zone Prometheus's /federate
 * (docs/federation.md@v2.42.0). One scrape job per zone, so that each zone's health shows as
 * `up{job="federate-<zone>"}` and each zone keeps its own scheme and target.
 * `honor_labels: true` keeps the zone's own labels (job, instance, and its `zone` external label,
 * which /federate attaches) instead of renaming them exported_*; the target's static `zone`
 * label fills in only where a series carries none.
 */

export interface FederatedZone {
    /** Zone name (DNS label); becomes the job name federate-<zone> and the target's `zone` label. */
    readonly zone: string;
    /** http(s)://host[:port] of the zone Prometheus as the global reaches it; no path. */
    readonly url: string;
}

export interface FederationSettings {
    /** Zones to federate, each once. */
    readonly zones: readonly FederatedZone[];
    /** Instant-vector selectors sent as match[] (at least one; /federate returns nothing without). */
    readonly match: readonly string[];
    /** How often each zone is federated (Prometheus duration); scrape_timeout is min(interval, 10s). */
    readonly scrapeInterval: string;
}

/** Job name prefix; zone names are DNS labels, so federate-<zone> never clashes with `prometheus`. */
export const FEDERATION_JOB_PREFIX = "federate-";
export const FEDERATE_PATH = "/federate";

/** A metric name, optionally with a {…} matcher list; or a bare {…} matcher list. */
const INSTANT_SELECTOR = /^(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?|\{.*\})$/s;

/** Refuses selectors /federate would refuse or that match everything-or-nothing by mistake. */
export function validateMatchSelectors(match: readonly string[], setting = "federation.match"): void {
    if (!Array.isArray(match) || match.length === 0) {
        throw new Error(`${setting}: empty; allowed: at least one instant-vector selector, e.g. '{__name__=~"job:.*"}' (/federate returns nothing without match[])`);
    }
    const seen = new Set<string>();
    match.forEach((raw, i) => {
        const where = `${setting}[${i}]`;
        const selector = typeof raw === "string" ? raw.trim() : "";
        if (!INSTANT_SELECTOR.test(selector)) {
            throw new Error(`${where}: ${JSON.stringify(raw)} is not an instant-vector selector; allowed: metric_name, metric_name{label="v"} or {label=~"re"} (no range [5m], no functions)`);
        }
        // Prometheus refuses an empty matcher list (it would select every series).
        if (/^\{\s*\}$/.test(selector)) {
            throw new Error(`${where}: ${JSON.stringify(raw)} matches every series; allowed: at least one non-empty matcher, e.g. {job="kuma-dataplanes"}`);
        }
        if (seen.has(selector)) throw new Error(`${where}: ${JSON.stringify(raw)} is listed twice; allowed: each selector once`);
        seen.add(selector);
    });
}

/** The URL of a zone's Prometheus for federation: http(s)://host[:port] with nothing after it. */
function zoneBaseUrl(text: string, setting: string): URL {
    const url = new URL(httpUrl(text, setting));
    if ((url.pathname !== "/" && url.pathname !== "") || url.search !== "" || url.hash !== "") {
        throw new Error(`${setting}: ${JSON.stringify(text)} has a path, query or fragment; allowed: http(s)://host[:port] of the zone Prometheus (${FEDERATE_PATH} is added)`);
    }
    return url;
}

/** One scrape job per zone pulling `match` from its /federate. */
export function federationJobs(f: FederationSettings, setting = "federation"): Array<Record<string, unknown>> {
    if (!Array.isArray(f.zones) || f.zones.length === 0) {
        throw new Error(`${setting}.zones: empty; allowed: at least one {zone, url}`);
    }
    validateZoneNames(f.zones, `${setting}.zones`);
    validateMatchSelectors(f.match, `${setting}.match`);
    const timeout = scrapeTimeout(f.scrapeInterval, `${setting}.scrapeInterval`);
    return f.zones.map((z, i) => {
        const url = zoneBaseUrl(z.url, `${setting}.zones[${i}].url`);
        return {
            job_name: `${FEDERATION_JOB_PREFIX}${z.zone}`,
            honor_labels: true,
            metrics_path: FEDERATE_PATH,
            params: { "match[]": f.match.map((m) => m.trim()) },
            scrape_interval: f.scrapeInterval,
            scrape_timeout: timeout,
            scheme: url.protocol.replace(/:$/, ""),
            static_configs: [{ targets: [hostPort(url)], labels: { zone: z.zone } }],
        };
    });
}
