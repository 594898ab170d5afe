import * as http from "http";
import * as os from "os";
import { formatPrometheusDuration, parsePrometheusDuration } from "./durations";
import { assertLoopbackUrl, listenOnLoopback, loopbackRequest, sleep, waitFor } from "./loopback-http";
import { MADS_PATH, MADS_TYPE_URL } from "./mads-server";

/**
 * Debian's Prometheus builds (3.5 and 2.42) lack kuma_sd_configs, so tests replace each kuma SD block
 * with an http_sd_configs block pointing here. This bridge is a MADS client that copies what
 * Prometheus' kuma SD does (discovery/xds/{client,xds,kuma}.go):
 *  - POST <server>/v3/discovery:monitoringassignments?fetch-timeout=<model.Duration string>
 *    with node.id = client id, echoing the last version_info and nonce, HTTP timeout = fetch_timeout + 15s;
 *  - 304 = "no change"; any failure keeps the last known targets;
 *  - polls on a Go-ticker schedule: the next poll waits for the next refresh_interval tick, or goes
 *    at once if a tick already passed during a long poll;
 *  - labels exactly as convertKumaV1MonitoringAssignment builds them.
 * It serves the current targets at GET /targets in http_sd JSON.
 *
 * Differences that remain visible to Prometheus (inherent to http_sd, not fixable here):
 *  - every target also carries `__meta_url` (the bridge URL), which http_sd adds;
 *  - the http_sd refresh_interval adds its own delay on top of the MADS poll schedule.
 */

export interface KumaHttpSdBridgeOptions {
    /** MADS server URL as in kuma_sd_configs[].server (http://host:port[/base]). */
    server: string;
    /** node.id sent to MADS. Prometheus defaults to the host FQDN; we use os.hostname(). */
    clientId?: string;
    /** Prometheus duration, as kuma_sd_configs[].fetch_timeout (Prometheus default 2m). */
    fetchTimeout: string;
    /** Prometheus duration, as kuma_sd_configs[].refresh_interval (Prometheus code default 15s). */
    refreshInterval: string;
    /** Safety bound: the poll loop ends after this many fetches (default 100 000). */
    maxFetches?: number;
    /** Safety bound: the poll loop ends after this long (default 30 min). */
    maxLifetimeMs?: number;
}

/** One http_sd target group; http_sd wants string label values. */
export interface HttpSdTargetGroup {
    targets: string[];
    labels: Record<string, string>;
}

export interface KumaHttpSdBridge {
    /** http://127.0.0.1:<port>/targets, i.e. what goes into http_sd_configs[].url */
    readonly url: string;
    readonly port: number;
    readonly clientId: string;
    /** MADS requests started. */
    readonly fetches: number;
    /** 200 replies that were applied. */
    readonly updates: number;
    /** 304 replies (Prometheus: prometheus_sd_kuma_fetch_skipped_updates_total). */
    readonly skipped: number;
    /** Errors: transport, non-200/304 status, bad body (Prometheus: prometheus_sd_kuma_fetch_failures_total). */
    readonly failures: number;
    readonly lastError: string | null;
    /** version_info last received (echoed on the next request). */
    readonly versionInfo: string;
    /** GET /targets requests served (i.e. Prometheus http_sd refreshes). */
    readonly served: number;
    /** The target groups /targets serves right now. */
    targetGroups(): HttpSdTargetGroup[];
    /** Waits until `updates` reaches at least `count`. */
    waitForUpdates(count: number, timeoutMs: number): Promise<void>;
    /** Waits until at least `count` fetches have completed (any outcome). */
    waitForCompletedFetches(count: number, timeoutMs: number): Promise<void>;
    stop(): Promise<void>;
}

/** A MADS target as decoded from JSON (protojson accepts both metrics_path and metricsPath). */
export interface WireTarget {
    name?: string;
    scheme?: string;
    address?: string;
    metrics_path?: string;
    metricsPath?: string;
    labels?: Record<string, string>;
}

/** A MonitoringAssignment resource as decoded from JSON. */
export interface WireAssignment {
    "@type"?: string;
    mesh?: string;
    service?: string;
    labels?: Record<string, string>;
    targets?: WireTarget[];
}

/** Prometheus strutil.SanitizeLabelName: every character outside [a-zA-Z0-9_] becomes "_". */
export function sanitizeLabelName(name: string): string {
    return name.replace(/[^a-zA-Z0-9_]/g, "_");
}

/**
 * The label sets Prometheus' kuma SD produces for one MonitoringAssignment (one per target),
 * including __address__. Target labels are merged under the assignment labels (assignment wins).
 */
export function kumaTargetLabelSets(assignment: WireAssignment): Array<Record<string, string>> {
    const userLabels = (labels: Record<string, string> | undefined): Record<string, string> => {
        const out: Record<string, string> = {};
        for (const [key, value] of Object.entries(labels ?? {})) out[`__meta_kuma_label_${sanitizeLabelName(key)}`] = String(value);
        return out;
    };
    const common = {
        ...userLabels(assignment.labels),
        __meta_kuma_mesh: assignment.mesh ?? "",
        __meta_kuma_service: assignment.service ?? "",
    };
    return (assignment.targets ?? []).map((target) => ({
        ...userLabels(target.labels),
        ...common,
        __meta_kuma_dataplane: target.name ?? "",
        __address__: target.address ?? "",
        instance: target.name ?? "",
        __scheme__: target.scheme ?? "",
        __metrics_path__: target.metrics_path ?? target.metricsPath ?? "",
    }));
}

/** Converts kuma label sets to http_sd groups: one group per target, __address__ moved into `targets`. */
export function toHttpSdTargetGroups(labelSets: Array<Record<string, string>>): HttpSdTargetGroup[] {
    return labelSets.map((set) => {
        const { __address__: address, ...labels } = set;
        return { targets: [address], labels };
    });
}

/** Parses a MADS 200 body the way Prometheus does; throws on what Prometheus would reject. */
export function parseMadsResponse(body: string): { versionInfo: string; nonce: string; resources: WireAssignment[]; typeUrl: string } {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    if (parsed === null || typeof parsed !== "object") throw new Error("MADS response is not a JSON object");
    const pick = (a: string, b: string): unknown => parsed[a] ?? parsed[b];
    const resources = (parsed["resources"] ?? []) as WireAssignment[];
    if (!Array.isArray(resources)) throw new Error("MADS response resources is not an array");
    return {
        versionInfo: String(pick("version_info", "versionInfo") ?? ""),
        nonce: String(parsed["nonce"] ?? ""),
        typeUrl: String(pick("type_url", "typeUrl") ?? ""),
        resources,
    };
}

export async function startKumaHttpSdBridge(opts: KumaHttpSdBridgeOptions): Promise<KumaHttpSdBridge> {
    const clientId = opts.clientId ?? os.hostname();
    const fetchTimeoutMs = parsePrometheusDuration(opts.fetchTimeout);
    const refreshMs = parsePrometheusDuration(opts.refreshInterval);
    if (refreshMs <= 0) throw new Error(`kuma-http-sd-bridge: refreshInterval must be > 0, got ${opts.refreshInterval}`);
    const maxFetches = opts.maxFetches ?? 100_000;
    const maxLifetimeMs = opts.maxLifetimeMs ?? 30 * 60_000;

    const server = assertLoopbackUrl(opts.server); // fail at start, not on every poll
    const endpoint = new URL(server.toString());
    endpoint.pathname = (server.pathname.replace(/\/+$/, "") + MADS_PATH).replace(/^\/*/, "/");
    // Prometheus sends FetchTimeout.String() of a model.Duration, e.g. "2m", "1m30s", "0s".
    endpoint.search = new URLSearchParams({ "fetch-timeout": formatPrometheusDuration(fetchTimeoutMs) }).toString();

    const state = {
        fetches: 0,
        completed: 0,
        updates: 0,
        skipped: 0,
        failures: 0,
        served: 0,
        lastError: null as string | null,
        versionInfo: "",
        nonce: "",
        groups: [] as HttpSdTargetGroup[],
    };
    const abort = new AbortController();

    const fetchOnce = async (): Promise<void> => {
        state.fetches += 1;
        const request: Record<string, unknown> = {};
        // protojson omits empty fields, so the first request carries no version_info/response_nonce.
        if (state.versionInfo !== "") request["version_info"] = state.versionInfo;
        if (state.nonce !== "") request["response_nonce"] = state.nonce;
        request["node"] = { id: clientId };
        request["type_url"] = MADS_TYPE_URL;
        const res = await loopbackRequest({
            method: "POST",
            url: endpoint.toString(),
            headers: { "Content-Type": "application/json", Accept: "application/json", "User-Agent": "Prometheus/2.42.0 (kuma-http-sd-bridge)" },
            body: JSON.stringify(request),
            timeoutMs: fetchTimeoutMs + 15_000,
            signal: abort.signal,
            background: true,
        });
        if (res.status === 304) {
            state.skipped += 1;
            return;
        }
        if (res.status !== 200) throw new Error(`non 200 status '${res.status}' response during xDS fetch`);
        const parsed = parseMadsResponse(res.body);
        // Prometheus caches version and nonce as soon as the body decodes, before checking the resources.
        state.versionInfo = parsed.versionInfo;
        state.nonce = parsed.nonce;
        if (parsed.typeUrl !== MADS_TYPE_URL) throw new Error(`received invalid typeURL for Kuma MADS v1 Resource: ${parsed.typeUrl}`);
        const labelSets: Array<Record<string, string>> = [];
        for (const resource of parsed.resources) {
            if (resource["@type"] !== MADS_TYPE_URL) throw new Error(`mismatched message type: got ${String(resource["@type"])}`);
            labelSets.push(...kumaTargetLabelSets(resource));
        }
        state.groups = toHttpSdTargetGroups(labelSets);
        state.updates += 1;
    };

    const loop = async (): Promise<void> => {
        const start = Date.now();
        let lastTick = start;
        for (let i = 0; i < maxFetches && !abort.signal.aborted && Date.now() - start < maxLifetimeMs; i++) {
            try {
                await fetchOnce();
            } catch (err) {
                if (abort.signal.aborted) break;
                state.failures += 1;
                state.lastError = (err as Error).message;
            } finally {
                state.completed += 1;
            }
            // Go ticker semantics: a tick that fired during a long poll is buffered and consumed at once;
            // otherwise wait for the next tick.
            const now = Date.now();
            const nextTick = start + refreshMs * (Math.floor((now - start) / refreshMs) + 1);
            if (now - lastTick >= refreshMs) {
                lastTick = nextTick - refreshMs;
            } else {
                await sleep(nextTick - now, abort.signal, true);
                lastTick = nextTick;
            }
        }
    };

    const httpServer = http.createServer((req, res) => {
        const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
        if (req.method === "GET" && path === "/targets") {
            state.served += 1;
            const text = JSON.stringify(state.groups);
            // http_sd rejects anything but application/json (optionally charset=utf-8).
            res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
            res.end(text);
            return;
        }
        res.writeHead(404, { "Content-Type": "text/plain" });
        res.end("not found\n");
    });
    const port = await listenOnLoopback(httpServer);
    const looping = loop();

    return {
        url: `http://127.0.0.1:${port}/targets`,
        port,
        clientId,
        get fetches() {
            return state.fetches;
        },
        get updates() {
            return state.updates;
        },
        get skipped() {
            return state.skipped;
        },
        get failures() {
            return state.failures;
        },
        get lastError() {
            return state.lastError;
        },
        get versionInfo() {
            return state.versionInfo;
        },
        get served() {
            return state.served;
        },
        targetGroups: () => structuredClone(state.groups),
        async waitForUpdates(count, timeoutMs) {
            try {
                await waitFor(`${count} bridge updates`, () => (state.updates >= count ? true : undefined), { timeoutMs, intervalMs: 20 });
            } catch (err) {
                throw new Error(`${(err as Error).message} (have ${state.updates}, failures ${state.failures}, last error ${state.lastError})`);
            }
        },
        async waitForCompletedFetches(count, timeoutMs) {
            await waitFor(`${count} completed bridge fetches`, () => (state.completed >= count ? true : undefined), { timeoutMs, intervalMs: 20 });
        },
        async stop() {
            abort.abort();
            await looping;
            await new Promise<void>((resolve) => {
                httpServer.close(() => resolve());
                httpServer.closeAllConnections();
            });
        },
    };
}
