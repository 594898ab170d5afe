import * as http from "http";
import { AddressInfo } from "net";
import { assertLoopbackUrl, unrefServer } from "./loopback-http";

/**
 * A loopback reverse proxy in front of a receiver (e.g. the global Prometheus' /api/v1/write) that
 * can inject faults: answer every request with a fixed status (429, 503, ...) instead of
 * forwarding, or forward byte for byte. It counts what it answered, per status, so a test can
 * prove the sender retried (a sender that dropped on 429 would send each batch once).
 * An upstream that is down shows through as a reset connection (the sender sees a transport
 * error, as with the receiver itself down), not as a 502 invented here.
 */

export interface FaultProxyRequest {
    readonly at: number;
    readonly method: string;
    readonly path: string;
    readonly bodyBytes: number;
    /** Status written to the client; 0 when the connection was reset. */
    status: number;
    /** True when the request was answered by an injected fault, not by the upstream. */
    readonly injected: boolean;
}

export interface FaultProxy {
    /** http://127.0.0.1:<port> */
    readonly url: string;
    readonly requests: readonly FaultProxyRequest[];
    /** Answer with this status (and optional Retry-After seconds) instead of forwarding; null: forward. */
    failWith(status: number | null, retryAfterSeconds?: number): void;
    /** Requests answered with `status` (injected or forwarded) since the start. */
    count(status: number, filter?: (r: FaultProxyRequest) => boolean): number;
    stop(): Promise<void>;
}

const MAX_RECORDED = 20_000;
const FORWARD_TIMEOUT_MS = 30_000;

export async function startFaultProxy(targetOrigin: string): Promise<FaultProxy> {
    const target = assertLoopbackUrl(targetOrigin);
    const requests: FaultProxyRequest[] = [];
    let fault: { status: number; retryAfter?: number } | null = null;
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const body = Buffer.concat(chunks);
            const injected = fault;
            const record: FaultProxyRequest = { at: Date.now(), method: req.method ?? "", path: req.url ?? "/", bodyBytes: body.length, status: 0, injected: injected !== null };
            requests.push(record);
            if (requests.length > MAX_RECORDED) requests.shift();
            if (injected !== null) {
                record.status = injected.status;
                const headers: Record<string, string> = { "Content-Type": "text/plain" };
                if (injected.retryAfter !== undefined) headers["Retry-After"] = String(injected.retryAfter);
                res.writeHead(injected.status, headers);
                res.end(`fault-proxy: injected ${injected.status}\n`);
                return;
            }
            const headers = { ...req.headers, host: target.host, "content-length": String(body.length) };
            const upstream = http.request(
                { host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent: false, timeout: FORWARD_TIMEOUT_MS },
                (up) => {
                    record.status = up.statusCode ?? 0;
                    res.writeHead(up.statusCode ?? 502, up.headers);
                    up.pipe(res);
                },
            );
            upstream.on("timeout", () => upstream.destroy(new Error("forward timeout")));
            // Upstream down: reset the client's connection, so the sender sees what it would see without us.
            upstream.on("error", () => res.socket?.destroy());
            upstream.end(body);
        });
    });
    unrefServer(server);
    const port = await new Promise<number>((resolve, reject) => {
        server.once("error", reject);
        server.listen({ host: "127.0.0.1", port: 0 }, () => resolve((server.address() as AddressInfo).port));
    });
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
            }),
    };
}
