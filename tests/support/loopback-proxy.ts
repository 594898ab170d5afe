import * as http from "http";
import { assertLoopbackUrl, listenOnLoopback } from "./loopback-http";

/**
 * A loopback reverse proxy in front of a receiver (e.g. the global Prometheus' /api/v1/write). It
 * forwards byte for byte and records every request (method, path, headers, size, status), so a
 * test sees what the sender put on the wire (a SigV4 Authorization header, the tenant header).
 * It can also stand for the network and the receiver's failures:
 * - `failWith(status)`: answer every request with 429, 503, ... instead of forwarding; the counts
 *   per status prove the sender retried (a sender that dropped on 429 would send each batch once);
 * - `delayMs`: hold each request before forwarding, as a cross-region round trip does;
 * - `onAnswered`: hand each body to the caller once its status is known (the bench decodes the
 *   accepted remote-write requests with it).
 * An upstream that is down shows through as a reset connection (the sender sees a transport
 * error, as with the receiver itself down), not as a 502 invented here.
 */

export interface ProxiedRequest {
    /** Arrival time at the proxy (ms since 1970). */
    readonly at: number;
    readonly method: string;
    /** Path and query as received. */
    readonly path: string;
    /** Lower-cased header names, as Node delivers them. */
    readonly headers: http.IncomingHttpHeaders;
    readonly bodyBytes: number;
    /** Status written to the client; 0 when the connection was reset. */
    status: number;
    /** True when the request was answered by an injected fault, not by the upstream. */
    readonly injected: boolean;
}

export interface LoopbackProxyOptions {
    /** Held this long before forwarding (a WAN round trip); default 0. */
    readonly delayMs?: number;
    /**
     * The upstream path for a received one; default unchanged. Lets a plain Prometheus receiver
     * (`/api/v1/write`) stand in for AMP's workspace path or Mimir's `/api/v1/push`, which take the same body.
     */
    readonly upstreamPath?: (path: string) => string;
    /** Called with every request body once the client has its answer (`request.status` set; 0: reset). */
    readonly onAnswered?: (body: Buffer, request: ProxiedRequest) => void;
}

export interface LoopbackProxy {
    /** http://127.0.0.1:<port> */
    readonly url: string;
    /** The newest requests (at most 20,000). */
    readonly requests: readonly ProxiedRequest[];
    /** Answer with this status (and optional Retry-After seconds) instead of forwarding; null: forward. */
    failWith(status: number | null, retryAfterSeconds?: number): void;
    /** Requests answered with `status` (injected or forwarded) among the recorded ones. */
    count(status: number, filter?: (r: ProxiedRequest) => boolean): number;
    stop(): Promise<void>;
}

const MAX_RECORDED = 20_000;
const FORWARD_TIMEOUT_MS = 30_000;

export async function startLoopbackProxy(targetOrigin: string, opts: LoopbackProxyOptions = {}): Promise<LoopbackProxy> {
    const target = assertLoopbackUrl(targetOrigin);
    const requests: ProxiedRequest[] = [];
    // Keep-alive upstream: a catch-up with dozens of shards must not open a connection per batch.
    const agent = new http.Agent({ keepAlive: true });
    let fault: { status: number; retryAfter?: number } | null = null;
    const forward = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, record: ProxiedRequest): void => {
        const headers = { ...req.headers, host: target.host, "content-length": String(body.length) };
        const upstream = http.request(
            { host: target.hostname, port: target.port, method: req.method, path: opts.upstreamPath ? opts.upstreamPath(req.url ?? "/") : req.url, headers, agent, timeout: FORWARD_TIMEOUT_MS },
            (up) => {
                record.status = up.statusCode ?? 0;
                res.writeHead(up.statusCode ?? 502, up.headers);
                up.pipe(res);
                up.on("end", () => opts.onAnswered?.(body, record));
            },
        );
        upstream.on("timeout", () => upstream.destroy(new Error("forward timeout")));
        // Upstream down: reset the client's connection, so the sender sees what it would see without us.
        upstream.on("error", () => {
            res.socket?.destroy();
            opts.onAnswered?.(body, record);
        });
        upstream.end(body);
    };
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const body = Buffer.concat(chunks);
            const injected = fault;
            const record: ProxiedRequest = {
                at: Date.now(),
                method: req.method ?? "",
                path: req.url ?? "/",
                headers: { ...req.headers },
                bodyBytes: body.length,
                status: 0,
                injected: injected !== null,
            };
            requests.push(record);
            if (requests.length > MAX_RECORDED) requests.shift();
            if (injected !== null) {
                record.status = injected.status;
                const headers: Record<string, string> = { "Content-Type": "text/plain" };
                if (injected.retryAfter !== undefined) headers["Retry-After"] = String(injected.retryAfter);
                res.writeHead(injected.status, headers);
                res.end(`loopback-proxy: injected ${injected.status}\n`);
                opts.onAnswered?.(body, record);
                return;
            }
            if (opts.delayMs) setTimeout(() => forward(req, res, body, record), opts.delayMs);
            else forward(req, res, body, record);
        });
    });
    const port = await listenOnLoopback(server);
    return {
        url: `http://127.0.0.1:${port}`,
        requests,
        failWith(status, retryAfterSeconds) {
            fault = status === null ? null : { status, retryAfter: retryAfterSeconds };
        },
        count: (status, filter = () => true) => requests.filter((r) => r.status === status && filter(r)).length,
        stop: () =>
            new Promise<void>((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
                agent.destroy();
            }),
    };
}
