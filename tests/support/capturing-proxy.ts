import * as http from "http";
import { AddressInfo } from "net";
import { assertLoopbackUrl, unrefServer } from "./loopback-http";

/**
 * A loopback HTTP reverse proxy that records every request (method, path, headers, body size)
 * and forwards it byte for byte to a loopback target, answering with the target's response.
 * Placed between a remote-write sender and a plain receiver, it shows what the sender put on the
 * wire (e.g. a SigV4 Authorization header) while the receiver, which ignores it, stores the samples.
 */

export interface CapturedRequest {
    readonly method: string;
    /** Path and query as received. */
    readonly path: string;
    /** Lower-cased header names, as Node delivers them. */
    readonly headers: http.IncomingHttpHeaders;
    readonly bodyBytes: number;
    /** Status the target answered (0 when forwarding failed). */
    status: number;
}

export interface CapturingProxy {
    /** http://127.0.0.1:<port> */
    readonly url: string;
    readonly requests: readonly CapturedRequest[];
    stop(): Promise<void>;
}

/** Keep at most this many requests (the newest), so a long-running sender cannot eat memory. */
const MAX_RECORDED = 1000;
const FORWARD_TIMEOUT_MS = 10_000;

export async function startCapturingProxy(targetOrigin: string): Promise<CapturingProxy> {
    const target = assertLoopbackUrl(targetOrigin);
    const requests: CapturedRequest[] = [];
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const body = Buffer.concat(chunks);
            const record: CapturedRequest = { method: req.method ?? "", path: req.url ?? "/", headers: { ...req.headers }, bodyBytes: body.length, status: 0 };
            requests.push(record);
            if (requests.length > MAX_RECORDED) requests.shift();
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
            upstream.on("error", (err) => {
                if (!res.headersSent) res.writeHead(502, { "Content-Type": "text/plain" });
                res.end(`capturing-proxy: ${err.message}\n`);
            });
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
        stop: () =>
            new Promise<void>((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            }),
    };
}
