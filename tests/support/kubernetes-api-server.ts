import * as http from "http";
import { listenOnLoopback } from "./loopback-http";
import { assertPodShape, PodObject } from "./kubernetes-pods";

/**
 * A loopback Kubernetes API server for pods: what a client-go informer (Prometheus'
 * `kubernetes_sd_configs` role pod) needs, served the way kube-apiserver serves it, so the real
 * discovery client runs unchanged against test pods. Prometheus points at it with `api_server`
 * (discovery/kubernetes/kubernetes.go, v3.5.0: an explicit api_server builds a rest.Config with
 * that host and the http client config; no in-cluster service account, no kubeconfig).
 *
 * Served (Kubernetes API concepts, kubernetes.io/docs/reference/using-api/api-concepts/):
 *   GET /api/v1/pods, /api/v1/namespaces/<ns>/pods: a PodList with metadata.resourceVersion;
 *     `resourceVersion` ("" = latest, "0" = any, "N" + `resourceVersionMatch` NotOlderThan/Exact),
 *     `limit` + `continue` (consistent pages of the snapshot the first page was cut from; with
 *     `maxPageSize` the server returns shorter pages than asked, which the API allows, so client-go's
 *     pager really follows continue tokens), an expired snapshot answers 410 Expired.
 *   the same with `watch=true`: a stream of JSON watch events (ADDED / MODIFIED / DELETED, BOOKMARK
 *     when `allowWatchBookmarks=true`), from the given resourceVersion (events newer than it; a
 *     compacted one gets an ERROR event with a 410 Status, as kube-apiserver sends), or, for "" / "0",
 *     synthetic ADDED events for the current state first; `sendInitialEvents=true` (the watch-list
 *     protocol) sends the current state then a BOOKMARK annotated `k8s.io/initial-events-end`;
 *     `timeoutSeconds` ends the stream like the server does.
 * Everything else (and any label or field selector, which this fixture does not evaluate) gets a
 * Status error and is recorded, so a test can assert that the client asked for nothing unserved.
 * Bodies are JSON: client-go asks for protobuf but accepts `*\/*` and decodes by the response's
 * Content-Type, as it does for any server that answers JSON.
 */

export interface KubernetesApiServerOptions {
    /** Pods present at start (created in order, one resourceVersion each). */
    readonly pods?: readonly PodObject[];
    /** Cap on the items of one list page (only when the client sends `limit`); default: the client's limit. */
    readonly maxPageSize?: number;
    /** How often an open watch that allows bookmarks gets a BOOKMARK; default 5 s (kube-apiserver: about a minute). */
    readonly bookmarkIntervalMs?: number;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

/** One request as the fixture saw it. */
export interface ApiRequest {
    readonly method: string;
    readonly path: string;
    readonly query: Readonly<Record<string, string>>;
    readonly userAgent: string;
    readonly accept: string;
    /** list / watch, or "unserved" for what the fixture answered with an error Status. */
    readonly kind: "list" | "watch" | "unserved";
    readonly status: number;
}

/** One event written to a watch stream. */
export interface DeliveredEvent {
    /** The watched collection's path. */
    readonly path: string;
    readonly type: WatchEventType | "BOOKMARK" | "ERROR";
    /** namespace/name of the pod (absent for BOOKMARK and ERROR). */
    readonly pod?: string;
    /** The event object's resourceVersion (BOOKMARK, pods) or the Status code (ERROR). */
    readonly resourceVersion?: string;
    readonly code?: number;
    readonly initialEventsEnd?: boolean;
}

export interface KubernetesApiServer {
    /** http://127.0.0.1:<port>, the value for `api_server`. */
    readonly url: string;
    /** The latest resourceVersion. */
    readonly resourceVersion: number;
    /** Watches currently streaming. */
    readonly openWatches: number;
    /** Every request so far, in order. */
    requests(): readonly ApiRequest[];
    /** Every event written to any watch stream so far, in order. */
    deliveredEvents(): readonly DeliveredEvent[];
    /** The pods now stored (latest state). */
    pods(): readonly PodObject[];
    /** Creates a pod (ADDED); fails if it exists. Returns the stored object with its resourceVersion. */
    create(pod: PodObject): PodObject;
    /** Replaces a pod (MODIFIED); fails unless it exists. */
    update(pod: PodObject): PodObject;
    /** Deletes a pod (DELETED, carrying its last state and the deletion's resourceVersion). */
    delete(namespace: string, name: string): void;
    /** Forgets the event history up to now: watches resuming from an older resourceVersion get 410 and must relist. */
    compact(): void;
    /** Ends every open watch stream (as an API server restart or a load balancer would). */
    endWatches(): void;
    stop(): Promise<void>;
}

interface StoredEvent {
    readonly rv: number;
    readonly type: WatchEventType;
    readonly object: PodObject;
}

interface Watcher {
    readonly namespace: string | undefined;
    send(type: WatchEventType | "BOOKMARK" | "ERROR", object: unknown): void;
    end(): void;
}

const POD_LIST_PATH = /^\/api\/v1\/(?:namespaces\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/)?pods$/;
/** kube-apiserver's annotation on the bookmark that ends a watch-list's initial events. */
export const INITIAL_EVENTS_END_ANNOTATION = "k8s.io/initial-events-end";

const key = (namespace: string, name: string) => `${namespace}/${name}`;
const keyOf = (pod: PodObject) => key(pod.metadata.namespace, pod.metadata.name);

function status(code: number, reason: string, message: string): Record<string, unknown> {
    return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
}

/** Starts the fixture on 127.0.0.1 (free port). */
export async function startKubernetesApiServer(opts: KubernetesApiServerOptions = {}): Promise<KubernetesApiServer> {
    const bookmarkIntervalMs = opts.bookmarkIntervalMs ?? 5_000;
    /** Events after `compactedThrough`; the state at `compactedThrough` is `base`. */
    const events: StoredEvent[] = [];
    let compactedThrough = 0;
    let base = new Map<string, PodObject>();
    let rv = 0;
    const current = new Map<string, PodObject>();
    const watchers = new Set<Watcher>();
    const log: ApiRequest[] = [];
    const delivered: DeliveredEvent[] = [];

    const record = (type: WatchEventType, pod: PodObject): PodObject => {
        assertPodShape(pod);
        rv += 1;
        const stored = structuredClone(pod);
        stored.metadata.resourceVersion = String(rv);
        stored.metadata.creationTimestamp = current.get(keyOf(pod))?.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, "Z");
        if (type === "DELETED") current.delete(keyOf(stored));
        else current.set(keyOf(stored), stored);
        events.push({ rv, type, object: stored });
        for (const w of watchers) if (w.namespace === undefined || w.namespace === stored.metadata.namespace) w.send(type, stored);
        return structuredClone(stored);
    };

    /** The pods of `namespace` (all when undefined) at resourceVersion `at` (not compacted), sorted by key as etcd lists them. */
    const snapshot = (at: number, namespace: string | undefined): PodObject[] => {
        const state = new Map(at === rv ? current : base);
        if (at !== rv) for (const e of events) if (e.rv <= at) (e.type === "DELETED" ? state.delete(keyOf(e.object)) : state.set(keyOf(e.object), e.object));
        return [...state.entries()]
            .filter(([, p]) => namespace === undefined || p.metadata.namespace === namespace)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([, p]) => p);
    };

    const json = (res: http.ServerResponse, code: number, body: unknown): void => {
        const text = JSON.stringify(body);
        res.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), "Cache-Control": "no-cache, private" });
        res.end(text);
    };

    const parseRv = (value: string | null): number | "latest" | "any" | undefined => {
        if (value === null || value === "") return "latest";
        if (value === "0") return "any";
        return /^[1-9]\d*$/.test(value) ? Number(value) : undefined;
    };

    const list = (q: URLSearchParams, namespace: string | undefined): { code: number; body: unknown } => {
        const cont = q.get("continue");
        const limitRaw = q.get("limit");
        const limit = limitRaw === null || limitRaw === "0" ? undefined : Number(limitRaw);
        if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) return { code: 400, body: status(400, "BadRequest", `invalid limit ${limitRaw}`) };
        let at: number;
        let start = "";
        if (cont !== null && cont !== "") {
            if (q.get("resourceVersion")) return { code: 400, body: status(400, "BadRequest", "specifying resource version is not allowed when using continue") };
            let token: { rv?: unknown; start?: unknown };
            try {
                token = JSON.parse(Buffer.from(cont, "base64").toString("utf8"));
            } catch {
                return { code: 400, body: status(400, "BadRequest", "continue key is not valid") };
            }
            if (typeof token.rv !== "number" || typeof token.start !== "string") return { code: 400, body: status(400, "BadRequest", "continue key is not valid") };
            if (token.rv < compactedThrough) {
                return { code: 410, body: status(410, "Expired", "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.") };
            }
            at = token.rv;
            start = token.start;
        } else {
            const want = parseRv(q.get("resourceVersion"));
            if (want === undefined) return { code: 400, body: status(400, "BadRequest", `invalid resourceVersion ${q.get("resourceVersion")}`) };
            const match = q.get("resourceVersionMatch") ?? "";
            if (typeof want === "number" && want > rv) return { code: 504, body: status(504, "Timeout", `Too large resource version: ${want}, current: ${rv}`) };
            if (match === "Exact") {
                if (typeof want !== "number") return { code: 400, body: status(400, "BadRequest", "resourceVersionMatch Exact needs a resourceVersion") };
                if (want < compactedThrough) return { code: 410, body: status(410, "Expired", `too old resource version: ${want} (${compactedThrough})`) };
                at = want;
            } else if (match === "" || match === "NotOlderThan") {
                at = rv;
            } else {
                return { code: 400, body: status(400, "BadRequest", `unsupported resourceVersionMatch ${match}`) };
            }
        }
        const all = snapshot(at, namespace).filter((p) => keyOf(p) >= start);
        const size = limit === undefined ? all.length : Math.min(limit, opts.maxPageSize ?? limit);
        const page = all.slice(0, size);
        const rest = all.length - page.length;
        const metadata: Record<string, unknown> = { resourceVersion: String(at) };
        if (rest > 0) {
            metadata.continue = Buffer.from(JSON.stringify({ rv: at, start: keyOf(all[size]) })).toString("base64");
            metadata.remainingItemCount = rest;
        }
        // List items carry no kind/apiVersion (the list's own kind says it), as kube-apiserver serves them.
        const items = page.map(({ apiVersion: _a, kind: _k, ...fields }) => fields);
        return { code: 200, body: { kind: "PodList", apiVersion: "v1", metadata, items } };
    };

    const watch = (res: http.ServerResponse, path: string, q: URLSearchParams, namespace: string | undefined): number => {
        const want = parseRv(q.get("resourceVersion"));
        if (want === undefined) {
            json(res, 400, status(400, "BadRequest", `invalid resourceVersion ${q.get("resourceVersion")}`));
            return 400;
        }
        const bookmarks = q.get("allowWatchBookmarks") === "true";
        const initialEvents = q.get("sendInitialEvents") === "true";
        if (initialEvents && (q.get("resourceVersionMatch") !== "NotOlderThan" || !bookmarks)) {
            json(res, 422, status(422, "Invalid", "sendInitialEvents requires resourceVersionMatch=NotOlderThan and allowWatchBookmarks=true"));
            return 422;
        }
        res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache, private", "Transfer-Encoding": "chunked" });
        // kube-apiserver flushes the headers as soon as the watch is established, before any event.
        res.flushHeaders();
        let open = true;
        const timers: NodeJS.Timeout[] = [];
        const w: Watcher = {
            namespace,
            send(type, object) {
                if (!open) return;
                const o = object as Partial<PodObject> & { code?: number };
                delivered.push({
                    path,
                    type,
                    ...(type !== "BOOKMARK" && type !== "ERROR" ? { pod: `${o.metadata?.namespace}/${o.metadata?.name}` } : {}),
                    ...(o.metadata?.resourceVersion !== undefined ? { resourceVersion: o.metadata.resourceVersion } : {}),
                    ...(type === "ERROR" ? { code: o.code } : {}),
                    ...(o.metadata?.annotations?.[INITIAL_EVENTS_END_ANNOTATION] === "true" ? { initialEventsEnd: true } : {}),
                });
                res.write(JSON.stringify({ type, object }) + "\n");
            },
            end() {
                if (!open) return;
                open = false;
                timers.forEach(clearTimeout);
                watchers.delete(w);
                res.end();
            },
        };
        res.on("close", () => w.end());
        const bookmark = (annotations?: Record<string, string>) =>
            w.send("BOOKMARK", { kind: "Pod", apiVersion: "v1", metadata: { resourceVersion: String(rv), ...(annotations ? { annotations } : {}) } });
        if (initialEvents || typeof want !== "number") {
            for (const p of snapshot(rv, namespace)) w.send("ADDED", p);
            if (initialEvents) bookmark({ [INITIAL_EVENTS_END_ANNOTATION]: "true" });
        } else if (want < compactedThrough) {
            w.send("ERROR", status(410, "Expired", `too old resource version: ${want} (${compactedThrough})`));
            w.end();
            return 200;
        } else {
            for (const e of events) if (e.rv > want && (namespace === undefined || e.object.metadata.namespace === namespace)) w.send(e.type, e.object);
        }
        watchers.add(w);
        const timeoutSeconds = Number(q.get("timeoutSeconds") ?? "0");
        if (timeoutSeconds > 0) timers.push(setTimeout(() => w.end(), timeoutSeconds * 1000));
        if (bookmarks) {
            const tick = (): void => {
                bookmark();
                timers.push(setTimeout(tick, bookmarkIntervalMs));
            };
            timers.push(setTimeout(tick, bookmarkIntervalMs));
        }
        timers.forEach((t) => t.unref());
        return 200;
    };

    const server = http.createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://127.0.0.1");
        const q = url.searchParams;
        const match = POD_LIST_PATH.exec(url.pathname);
        const entry = (kind: ApiRequest["kind"], code: number): void => {
            log.push({
                method: req.method ?? "",
                path: url.pathname,
                query: Object.fromEntries(q.entries()),
                userAgent: req.headers["user-agent"] ?? "",
                accept: req.headers["accept"] ?? "",
                kind,
                status: code,
            });
        };
        if (req.method !== "GET" || match === null) {
            const code = req.method !== "GET" && match !== null ? 405 : 404;
            json(res, code, status(code, code === 405 ? "MethodNotAllowed" : "NotFound", `the fixture serves GET on pod lists only, not ${req.method} ${url.pathname}`));
            return entry("unserved", code);
        }
        if (q.get("labelSelector") || q.get("fieldSelector")) {
            json(res, 400, status(400, "BadRequest", "the fixture does not evaluate label or field selectors"));
            return entry("unserved", 400);
        }
        const namespace = match[1];
        if (q.get("watch") === "true" || q.get("watch") === "1") return entry("watch", watch(res, url.pathname, q, namespace));
        const { code, body } = list(q, namespace);
        json(res, code, body);
        entry("list", code);
    });
    const port = await listenOnLoopback(server);
    for (const p of opts.pods ?? []) record("ADDED", p);

    return {
        url: `http://127.0.0.1:${port}`,
        get resourceVersion() {
            return rv;
        },
        get openWatches() {
            return watchers.size;
        },
        requests: () => [...log],
        deliveredEvents: () => [...delivered],
        pods: () => snapshot(rv, undefined).map((p) => structuredClone(p)),
        create(pod) {
            if (current.has(keyOf(pod))) throw new Error(`pod ${keyOf(pod)} already exists`);
            return record("ADDED", pod);
        },
        update(pod) {
            if (!current.has(keyOf(pod))) throw new Error(`pod ${keyOf(pod)} not found`);
            return record("MODIFIED", pod);
        },
        delete(namespace, name) {
            const last = current.get(key(namespace, name));
            if (last === undefined) throw new Error(`pod ${key(namespace, name)} not found`);
            record("DELETED", last);
        },
        compact() {
            compactedThrough = rv;
            base = new Map(current);
            events.splice(0, events.length);
        },
        endWatches() {
            for (const w of [...watchers]) w.end();
        },
        stop: () =>
            new Promise<void>((resolve) => {
                for (const w of [...watchers]) w.end();
                server.close(() => resolve());
                server.closeAllConnections();
            }),
    };
}
