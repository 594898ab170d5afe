import * as http from "http";
import { AddressInfo } from "net";
import { parseGoDuration } from "./durations";
import { unrefServer, waitFor } from "./loopback-http";

/**
 * A fake Kuma zone control plane MADS endpoint (monitoring assignment discovery), speaking the
 * REST-JSON xDS "fetch" protocol that Prometheus' kuma SD uses (Kuma >= 2.7 has no gRPC MADS):
 *
 *   POST /v3/discovery:monitoringassignments?fetch-timeout=<Go duration>
 *   body: envoy DiscoveryRequest JSON (snake_case from Prometheus; camelCase also accepted)
 *   200:  DiscoveryResponse {version_info, type_url, nonce, resources: [{"@type", mesh, service, labels, targets}]}
 *   304:  empty body, when version_info equals the current version. With fetch-timeout > 0 the
 *         request is held (long poll) until the assignments change or the timeout elapses;
 *         0s (or less) answers at once, as Kuma does (pkg/mads/v1/service/http.go).
 *
 * Mirrors Kuma's behaviour: unparseable body or fetch-timeout -> 400 with Kuma's error JSON,
 * missing fetch-timeout -> the server default (Kuma: 30s).
 */

export const MADS_TYPE_URL = "type.googleapis.com/kuma.observability.v1.MonitoringAssignment";
export const MADS_PATH = "/v3/discovery:monitoringassignments";
/** Kuma's fallback client when node.id matches no MeshMetric clientId (FallBackNodeHash). */
export const KUMA_DEFAULT_CLIENT_ID = "_kuma-default-client";

/** Snake-case field names, as on the wire (Kuma marshals with OrigName: true). */
export interface MadsTarget {
    name: string;
    scheme: string;
    address: string;
    metrics_path: string;
    labels?: Record<string, string>;
}

export interface MonitoringAssignment {
    mesh: string;
    service: string;
    labels?: Record<string, string>;
    targets: MadsTarget[];
}

export interface MadsRequestRecord {
    nodeId: string;
    /** Raw `fetch-timeout` query value, null when absent. */
    fetchTimeout: string | null;
    /** Effective hold time (ms) after defaulting; null when the value did not parse. */
    fetchTimeoutMs: number | null;
    versionInfo: string;
    responseNonce: string;
    typeUrl: string;
    contentType: string;
    userAgent: string;
    receivedAt: number;
    /** Null while the request is still held (or if the client went away first). */
    status: number | null;
    answeredAt: number | null;
    /** version_info of a 200 reply, else null. */
    versionSent: string | null;
    /** The client closed the connection before an answer was written. */
    abandoned: boolean;
}

export interface MadsServerOptions {
    /** Go duration used when the request has no fetch-timeout (Kuma default: 30s). */
    defaultFetchTimeout?: string;
    /** Upper bound on any long poll, so no request is held forever (default 10 min). */
    maxHoldMs?: number;
    /** Listen on this port instead of a kernel-chosen one. */
    port?: number;
}

export interface MadsServer {
    /** http://127.0.0.1:<port>, i.e. what goes into kuma_sd_configs[].server */
    readonly url: string;
    readonly port: number;
    /** Current version_info (a counter, bumped by every setAssignments). */
    readonly version: string;
    /** Every request received, in arrival order (live array; held requests have status null). */
    readonly requests: readonly MadsRequestRecord[];
    /** Requests currently held in a long poll. */
    readonly heldPolls: number;
    readonly listening: boolean;
    /**
     * Replaces the assignments (for one client id, or the default ones every other client gets),
     * bumps the version and answers every held long poll with the new snapshot.
     */
    setAssignments(list: MonitoringAssignment[], clientId?: string): void;
    /** Answer every request (including held ones when released) with this status; null restores normal behaviour. */
    failWith(status: number | null): void;
    /** Makes the server unreachable: stops listening and drops open connections (held polls included). */
    stopListening(): Promise<void>;
    /** Listens again on the same port. */
    resumeListening(): Promise<void>;
    /** Waits until at least `count` requests (matching `filter`) have been answered. */
    waitForAnswered(count: number, timeoutMs: number, filter?: (r: MadsRequestRecord) => boolean): Promise<MadsRequestRecord[]>;
    stop(): Promise<void>;
}

interface HeldPoll {
    /** Answer now (200 if the version moved on, else 304). */
    release(): void;
    /** Forget without answering (the connection is being torn down). */
    drop(): void;
}

export async function startMadsServer(initial: MonitoringAssignment[], opts: MadsServerOptions = {}): Promise<MadsServer> {
    const defaultFetchTimeoutMs = parseGoDuration(opts.defaultFetchTimeout ?? "30s");
    const maxHoldMs = opts.maxHoldMs ?? 600_000;
    let versionCounter = 1;
    let nonceCounter = 0;
    let failStatus: number | null = null;
    let defaultAssignments = structuredClone(initial);
    const perClient = new Map<string, MonitoringAssignment[]>();
    const requests: MadsRequestRecord[] = [];
    const held = new Set<HeldPoll>();
    let listening = false;
    let stopped = false;

    const version = (): string => String(versionCounter);

    const snapshotFor = (nodeId: string): MonitoringAssignment[] => perClient.get(nodeId) ?? defaultAssignments;

    const sendJson = (res: http.ServerResponse, status: number, body: unknown): void => {
        const text = JSON.stringify(body);
        res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
        res.end(text);
    };

    const answer = (res: http.ServerResponse, record: MadsRequestRecord): void => {
        if (res.writableEnded || res.destroyed) return;
        record.answeredAt = Date.now();
        if (failStatus !== null) {
            record.status = failStatus;
            sendJson(res, failStatus, { title: "Injected failure", details: `fake MADS server failWith(${failStatus})` });
            return;
        }
        if (record.versionInfo === version()) {
            record.status = 304;
            res.writeHead(304);
            res.end();
            return;
        }
        nonceCounter += 1;
        record.status = 200;
        record.versionSent = version();
        sendJson(res, 200, {
            version_info: version(),
            resources: snapshotFor(record.nodeId).map((a) => ({
                "@type": MADS_TYPE_URL,
                mesh: a.mesh,
                service: a.service,
                labels: a.labels ?? {},
                targets: a.targets.map((t) => ({
                    name: t.name,
                    scheme: t.scheme,
                    address: t.address,
                    metrics_path: t.metrics_path,
                    labels: t.labels ?? {},
                })),
            })),
            type_url: MADS_TYPE_URL,
            nonce: String(nonceCounter),
        });
    };

    const handle = (req: http.IncomingMessage, res: http.ServerResponse, rawBody: string): void => {
        const url = new URL(req.url ?? "/", "http://127.0.0.1");
        // Prometheus keeps any base path of `server` as a prefix, so match on the suffix.
        if (!url.pathname.endsWith(MADS_PATH)) {
            sendJson(res, 404, { title: "Not found", details: url.pathname });
            return;
        }
        if (req.method !== "POST") {
            res.setHeader("Allow", "POST");
            sendJson(res, 405, { title: "Method not allowed", details: req.method ?? "" });
            return;
        }
        const fetchTimeout = url.searchParams.get("fetch-timeout");
        const record: MadsRequestRecord = {
            nodeId: "",
            fetchTimeout,
            fetchTimeoutMs: null,
            versionInfo: "",
            responseNonce: "",
            typeUrl: "",
            contentType: req.headers["content-type"] ?? "",
            userAgent: req.headers["user-agent"] ?? "",
            receivedAt: Date.now(),
            status: null,
            answeredAt: null,
            versionSent: null,
            abandoned: false,
        };
        requests.push(record);
        const badRequest = (title: string, details: string): void => {
            record.status = 400;
            record.answeredAt = Date.now();
            sendJson(res, 400, { title, details });
        };

        let body: Record<string, unknown>;
        try {
            const parsed: unknown = JSON.parse(rawBody);
            if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("body is not a JSON object");
            body = parsed as Record<string, unknown>;
        } catch (err) {
            badRequest("Could not parse request body", (err as Error).message);
            return;
        }
        const str = (a: string, b: string): string => {
            const value = body[a] ?? body[b];
            return typeof value === "string" ? value : "";
        };
        record.versionInfo = str("version_info", "versionInfo");
        record.responseNonce = str("response_nonce", "responseNonce");
        record.typeUrl = str("type_url", "typeUrl");
        const node = body["node"];
        if (node && typeof node === "object" && typeof (node as Record<string, unknown>)["id"] === "string") {
            record.nodeId = (node as Record<string, string>)["id"];
        }

        let timeoutMs: number;
        try {
            timeoutMs = fetchTimeout === null ? defaultFetchTimeoutMs : parseGoDuration(fetchTimeout);
        } catch (err) {
            badRequest("Could not parse fetch-timeout", (err as Error).message);
            return;
        }
        record.fetchTimeoutMs = timeoutMs;

        // Nothing to hold for: a new client, a stale version, an injected failure, or a synchronous fetch.
        if (failStatus !== null || record.versionInfo !== version() || timeoutMs <= 0) {
            answer(res, record);
            return;
        }

        // Long poll: hold until setAssignments() or the fetch timeout (-> 304), whichever is first.
        const poll: HeldPoll = {
            release: () => {
                cleanup();
                answer(res, record);
            },
            drop: () => cleanup(),
        };
        const timer = setTimeout(poll.release, Math.min(timeoutMs, maxHoldMs));
        timer.unref(); // the client's own timeout keeps Node alive while it waits, not us
        const cleanup = (): void => {
            clearTimeout(timer);
            held.delete(poll);
        };
        res.on("close", () => {
            if (!res.writableEnded) record.abandoned = true;
            cleanup();
        });
        held.add(poll);
    };

    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (chunk: Buffer) => chunks.push(chunk));
        req.on("end", () => handle(req, res, Buffer.concat(chunks).toString("utf8")));
    });
    unrefServer(server);

    const listen = (port: number): Promise<number> =>
        new Promise((resolve, reject) => {
            server.once("error", reject);
            server.listen({ host: "127.0.0.1", port }, () => {
                server.off("error", reject);
                listening = true;
                resolve((server.address() as AddressInfo).port);
            });
        });

    const stopListening = async (): Promise<void> => {
        if (!listening) return;
        listening = false;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        for (const poll of [...held]) poll.drop();
        await closed;
    };

    const port = await listen(opts.port ?? 0);

    return {
        url: `http://127.0.0.1:${port}`,
        port,
        get version() {
            return version();
        },
        requests,
        get heldPolls() {
            return held.size;
        },
        get listening() {
            return listening;
        },
        setAssignments(list, clientId) {
            if (clientId === undefined) defaultAssignments = structuredClone(list);
            else perClient.set(clientId, structuredClone(list));
            versionCounter += 1;
            for (const poll of [...held]) poll.release();
        },
        failWith(status) {
            failStatus = status;
        },
        stopListening,
        async resumeListening() {
            if (stopped) throw new Error("fake MADS server: resumeListening after stop()");
            if (!listening) await listen(port);
        },
        async waitForAnswered(count, timeoutMs, filter = () => true) {
            return waitFor(
                `${count} answered MADS requests`,
                () => {
                    const done = requests.filter((r) => r.status !== null && filter(r));
                    return done.length >= count ? done : undefined;
                },
                { timeoutMs, intervalMs: 20 },
            );
        },
        async stop() {
            stopped = true;
            await stopListening();
        },
    };
}
