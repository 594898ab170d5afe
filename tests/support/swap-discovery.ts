import * as YAML from "yaml";

/**
 * Pure rewrites of a parsed prometheus.yml so that a config generated for a cluster can run on
 * loopback against Debian's Prometheus builds (3.5, and 2.42 for the 2.x checks): kuma SD becomes http SD (pointing at the
 * kuma-http-sd-bridge), cluster addresses become 127.0.0.1 ports, and secret file paths become
 * temp files. Every function returns a new object and leaves its input untouched, so a test can
 * assert on the generated config and on the rewritten one side by side.
 */

export type PrometheusConfig = Record<string, unknown>;

/** A kuma_sd_configs entry as written in prometheus.yml. */
export interface KumaSdEntry {
    server: string;
    client_id?: string;
    refresh_interval?: string;
    fetch_timeout?: string;
    [httpConfigField: string]: unknown;
}

/** Fields of kuma_sd_configs that http_sd_configs does not know (or that mean MADS-specific things). */
export const KUMA_ONLY_FIELDS = ["server", "client_id", "fetch_timeout"] as const;

/** Prometheus' code default for kuma_sd_configs refresh_interval (DefaultKumaSDConfig); http_sd's own default is 60s. */
export const KUMA_SD_DEFAULT_REFRESH_INTERVAL = "15s";
/** Prometheus' default kuma_sd_configs fetch_timeout. */
export const KUMA_SD_DEFAULT_FETCH_TIMEOUT = "2m";

/** Keys whose string value is a file path Prometheus reads (http_config auth and TLS). */
export const FILE_PATH_KEYS = ["username_file", "password_file", "credentials_file", "bearer_token_file", "client_secret_file", "ca_file", "cert_file", "key_file"] as const;

export function parsePrometheusYaml(text: string): PrometheusConfig {
    const parsed: unknown = YAML.parse(text);
    if (!isRecord(parsed)) throw new Error("prometheus.yml does not hold a mapping at the top level");
    return parsed;
}

export function renderPrometheusYaml(config: PrometheusConfig): string {
    return YAML.stringify(config, { lineWidth: 0 });
}

/** Every kuma_sd_configs entry with its job name, e.g. to start one bridge per (server, client_id). */
export function kumaSdEntries(config: PrometheusConfig): Array<{ jobName: string; entry: KumaSdEntry }> {
    const out: Array<{ jobName: string; entry: KumaSdEntry }> = [];
    for (const job of scrapeConfigs(config)) {
        for (const entry of asArray(job["kuma_sd_configs"])) {
            if (isRecord(entry)) out.push({ jobName: String(job["job_name"] ?? ""), entry: structuredClone(entry) as KumaSdEntry });
        }
    }
    return out;
}

/**
 * Replaces each kuma_sd_configs entry with an http_sd_configs entry `{url, refresh_interval}`.
 * refresh_interval is kept from the kuma entry; when the kuma entry has none, Prometheus' kuma
 * default (15s) is written, because http_sd's default (60s) would change the timing under test.
 * `opts.refreshInterval` overrides it for every entry (fast tests). server/client_id/fetch_timeout
 * and the kuma entry's http_config (auth, TLS meant for the control plane) are dropped: they belong
 * to the bridge, which `bridgeUrlByServer` receives them through. relabel_configs and all other keys
 * are left as they are; the http_sd key takes the kuma key's place so the YAML keeps its order.
 */
export function swapKumaSdForHttpSd(
    config: PrometheusConfig,
    bridgeUrlByServer: (server: string, clientId: string | undefined, entry: KumaSdEntry) => string,
    opts: { refreshInterval?: string } = {},
): PrometheusConfig {
    const out = structuredClone(config);
    const jobs = asArray(out["scrape_configs"]);
    out["scrape_configs"] = jobs.map((job) => {
        if (!isRecord(job) || !("kuma_sd_configs" in job)) return job;
        const replacement = asArray(job["kuma_sd_configs"])
            .filter(isRecord)
            .map((raw) => {
                const entry = raw as KumaSdEntry;
                return {
                    url: bridgeUrlByServer(entry.server, entry.client_id, structuredClone(entry)),
                    refresh_interval: opts.refreshInterval ?? entry.refresh_interval ?? KUMA_SD_DEFAULT_REFRESH_INTERVAL,
                };
            });
        const rebuilt: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(job)) {
            if (key === "kuma_sd_configs") rebuilt["http_sd_configs"] = [...asArray(job["http_sd_configs"]), ...replacement];
            else if (key !== "http_sd_configs") rebuilt[key] = value;
        }
        return rebuilt;
    });
    return out;
}

/**
 * Points cluster addresses at loopback. Keys without "://" ("kuma-control-plane.kuma-system:5680")
 * replace exact static_configs targets (scrape jobs and alertmanagers) and the host:port of URLs;
 * keys with a scheme ("https://aps-workspaces.us-east-1.amazonaws.com") replace that URL prefix,
 * scheme included, in remote_write[].url, remote_read[].url, kuma_sd_configs[].server and
 * http_sd_configs[].url. URL keys match by origin with default ports made explicit (":80" and no
 * port are the same) and by path prefix on a segment boundary.
 */
export function rewriteAddresses(config: PrometheusConfig, map: Record<string, string>): PrometheusConfig {
    const out = structuredClone(config);
    const rewriteTarget = (target: unknown): unknown => (typeof target === "string" && hasKey(map, target) && !target.includes("://") ? map[target] : target);
    const rewriteStatic = (holder: Record<string, unknown>): void => {
        for (const sc of asArray(holder["static_configs"])) {
            if (isRecord(sc) && Array.isArray(sc["targets"])) sc["targets"] = sc["targets"].map(rewriteTarget);
        }
    };
    const rewriteUrlField = (holder: unknown, field: string): void => {
        if (isRecord(holder) && typeof holder[field] === "string") holder[field] = rewriteUrl(holder[field] as string, map);
    };
    for (const job of scrapeConfigs(out)) {
        rewriteStatic(job);
        for (const kuma of asArray(job["kuma_sd_configs"])) rewriteUrlField(kuma, "server");
        for (const httpSd of asArray(job["http_sd_configs"])) rewriteUrlField(httpSd, "url");
    }
    const alerting = out["alerting"];
    if (isRecord(alerting)) for (const am of asArray(alerting["alertmanagers"])) if (isRecord(am)) rewriteStatic(am);
    for (const rw of asArray(out["remote_write"])) rewriteUrlField(rw, "url");
    for (const rr of asArray(out["remote_read"])) rewriteUrlField(rr, "url");
    return out;
}

/** Rewrites every FILE_PATH_KEYS value (anywhere in the config) found in `map`, e.g. to temp files. */
export function rewriteFilePaths(config: PrometheusConfig, map: Record<string, string>): PrometheusConfig {
    const out = structuredClone(config);
    const keys = new Set<string>(FILE_PATH_KEYS);
    walk(out, (node) => {
        for (const [key, value] of Object.entries(node)) {
            if (keys.has(key) && typeof value === "string" && hasKey(map, value)) node[key] = map[value];
        }
    });
    return out;
}

/**
 * Lists what in the config would make Prometheus talk to something other than loopback:
 * non-loopback static targets and URLs, and service discovery kinds other than static/file/http-to-loopback.
 * Tests assert this is empty before starting Prometheus, so a missed rewrite fails loudly
 * instead of sending traffic off the machine.
 */
export function findNonLoopbackAddresses(config: PrometheusConfig): string[] {
    const problems: string[] = [];
    const checkTarget = (where: string, target: unknown): void => {
        if (typeof target !== "string" || !isLoopbackHost(target.replace(/:\d+$/, ""))) problems.push(`${where}: ${String(target)}`);
    };
    const checkUrl = (where: string, url: unknown): void => {
        try {
            if (typeof url === "string" && isLoopbackHost(new URL(url).hostname)) return;
        } catch {
            // unparseable: report below
        }
        problems.push(`${where}: ${String(url)}`);
    };
    const checkStatic = (where: string, holder: Record<string, unknown>): void => {
        for (const sc of asArray(holder["static_configs"])) {
            if (isRecord(sc)) for (const t of asArray(sc["targets"])) checkTarget(`${where} static_configs`, t);
        }
    };
    for (const job of scrapeConfigs(config)) {
        const name = `scrape_configs[${String(job["job_name"])}]`;
        checkStatic(name, job);
        for (const [key, value] of Object.entries(job)) {
            if (!key.endsWith("_sd_configs")) continue;
            if (key === "http_sd_configs") for (const e of asArray(value)) checkUrl(`${name} http_sd_configs`, isRecord(e) ? e["url"] : e);
            else if (key === "kuma_sd_configs") for (const e of asArray(value)) checkUrl(`${name} kuma_sd_configs`, isRecord(e) ? e["server"] : e);
            // Without api_server, Kubernetes discovery uses the in-cluster API (point-kubernetes-discovery.ts).
            else if (key === "kubernetes_sd_configs") for (const e of asArray(value)) checkUrl(`${name} kubernetes_sd_configs api_server`, isRecord(e) ? e["api_server"] : e);
            else if (key !== "file_sd_configs") problems.push(`${name}: ${key} (discovery outside loopback)`);
        }
        if (job["proxy_url"] !== undefined) checkUrl(`${name} proxy_url`, job["proxy_url"]);
    }
    const alerting = config["alerting"];
    if (isRecord(alerting)) for (const am of asArray(alerting["alertmanagers"])) if (isRecord(am)) checkStatic("alerting.alertmanagers", am);
    for (const rw of asArray(config["remote_write"])) checkUrl("remote_write", isRecord(rw) ? rw["url"] : rw);
    for (const rr of asArray(config["remote_read"])) checkUrl("remote_read", isRecord(rr) ? rr["url"] : rr);
    return problems;
}

function rewriteUrl(url: string, map: Record<string, string>): string {
    const parts = splitUrl(url);
    if (!parts) return url;
    for (const [from, to] of Object.entries(map)) {
        const key = splitUrl(from);
        if (!key || !sameOrigin(key, parts)) continue;
        // Path prefix on a segment boundary: "/api" matches "/api/v1/write" but not "/apis".
        const base = key.rest.replace(/\/+$/, "");
        const rest = parts.rest;
        if (base !== "" && !(rest === base || rest.startsWith(base + "/") || rest.startsWith(base + "?"))) continue;
        return to.replace(/\/+$/, "") + rest.slice(base.length);
    }
    if (hasKey(map, parts.authority)) return `${parts.scheme}://${map[parts.authority]}${parts.rest}`;
    return url;
}

/** scheme, authority and the untouched remainder (path, query, fragment) of an absolute URL. */
function splitUrl(url: string): { scheme: string; authority: string; rest: string } | undefined {
    const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)(.*)$/.exec(url);
    return match ? { scheme: match[1].toLowerCase(), authority: match[2], rest: match[3] } : undefined;
}

/**
 * Compares origins with default ports made explicit, so a key built with `new URL(u).origin`
 * ("http://host", which drops ":80") still matches a config URL written as "http://host:80/...".
 */
function sameOrigin(a: { scheme: string; authority: string }, b: { scheme: string; authority: string }): boolean {
    const norm = (p: { scheme: string; authority: string }): string | undefined => {
        try {
            const u = new URL(`${p.scheme}://${p.authority}`);
            const port = u.port || (p.scheme === "https" ? "443" : p.scheme === "http" ? "80" : "");
            return `${p.scheme}://${u.username}:${u.password}@${u.hostname}:${port}`;
        } catch {
            return undefined;
        }
    };
    const na = norm(a);
    return na !== undefined && na === norm(b);
}

/** Own keys only: a plain `in` would also match "constructor" and friends. */
function hasKey(map: Record<string, string>, key: string): boolean {
    return Object.prototype.hasOwnProperty.call(map, key);
}

function isLoopbackHost(host: string): boolean {
    return host === "127.0.0.1" || host === "localhost" || host === "[::1]" || host === "::1";
}

function scrapeConfigs(config: PrometheusConfig): Array<Record<string, unknown>> {
    return asArray(config["scrape_configs"]).filter(isRecord);
}

export function asArray(value: unknown): unknown[] {
    return Array.isArray(value) ? value : [];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Visits every mapping in the tree (bounded by the tree's size; YAML.parse yields no cycles). */
function walk(node: unknown, visit: (record: Record<string, unknown>) => void): void {
    if (Array.isArray(node)) for (const item of node) walk(item, visit);
    else if (isRecord(node)) {
        visit(node);
        for (const value of Object.values(node)) walk(value, visit);
    }
}
