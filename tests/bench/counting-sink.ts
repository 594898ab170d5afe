import * as http from "http";
import { listenOnLoopback } from "../support/loopback-http";
import { ProxiedRequest } from "../support/loopback-proxy";

/**
 * A Remote Write 1.0 receiver on 127.0.0.1 that stores nothing: it answers every write 204 and
 * hands the body to `onAnswered` (a DeliveryTracker's), so a second, never-failing remote_write
 * queue of a zone counts every sample the zone appended to its WAL, by timestamp. That is how the
 * WAL bench counts what an agent stored during an outage: an agent has no query API (its
 * /api/v1/query answers 422), and both queues read the same WAL.
 * 1.0 because a 2.0 sender treats a 2xx without the `X-Prometheus-Remote-Write-*-Written`
 * headers as a failed batch (storage/remote/queue_manager.go at v3.5.3).
 */

export interface CountingSink {
    /** http://127.0.0.1:<port>/api/v1/write */
    readonly writeUrl: string;
    stop(): Promise<void>;
}

export async function startCountingSink(onAnswered: (body: Buffer, request: ProxiedRequest) => void): Promise<CountingSink> {
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const body = Buffer.concat(chunks);
            res.writeHead(204).end(() => {
                onAnswered(body, { at: Date.now(), method: req.method ?? "", path: req.url ?? "", headers: req.headers, bodyBytes: body.length, status: 204, injected: false });
            });
        });
    });
    const port = await listenOnLoopback(server);
    return {
        writeUrl: `http://127.0.0.1:${port}/api/v1/write`,
        stop: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}
