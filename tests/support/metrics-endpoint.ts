import * as http from "http";
import { listenOnLoopback } from "./loopback-http";

/**
 * A tiny scrape target on 127.0.0.1 standing in for a dataplane (kuma-dp on :5670/metrics, Envoy's
 * /stats/prometheus) or a control plane (:5680/metrics). `metrics(scrapeNo)` renders the
 * exposition text for the n-th scrape (1-based), so counters can grow between scrapes.
 */

export interface MetricsEndpointOptions {
    /** Path that serves metrics, e.g. "/metrics" or "/stats/prometheus"; anything else is 404. */
    path: string;
    metrics: (scrapeNo: number) => string;
    /** Fixed port (e.g. to come back on the same address after stop()); default: kernel-chosen. */
    port?: number;
}

export interface MetricsEndpoint {
    /** http://127.0.0.1:<port><path> */
    readonly url: string;
    readonly port: number;
    /** "127.0.0.1:<port>", i.e. a MADS target address or a static_configs target. */
    readonly address: string;
    readonly path: string;
    /** Scrapes answered with 200 so far. */
    readonly scrapes: number;
    /** Answer scrapes with this status instead (e.g. 503) until reset with null; such scrapes do not count. */
    failWith(status: number | null): void;
    stop(): Promise<void>;
}

/** Prometheus text format 0.0.4: 2.42 expects it without content negotiation, and 3.x scrapes it by this Content-Type (3.x fails a scrape whose Content-Type is missing or unknown unless fallback_scrape_protocol is set: prometheus.io/docs/prometheus/latest/migration/, "Scrape protocols"). */
export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export async function startMetricsEndpoint(opts: MetricsEndpointOptions): Promise<MetricsEndpoint> {
    let scrapes = 0;
    let failStatus: number | null = null;
    const server = http.createServer((req, res) => {
        const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
        if (path !== opts.path || (req.method !== "GET" && req.method !== "HEAD")) {
            res.writeHead(404, { "Content-Type": "text/plain" });
            res.end("not found\n");
            return;
        }
        if (failStatus !== null) {
            res.writeHead(failStatus, { "Content-Type": "text/plain" });
            res.end(`injected failure ${failStatus}\n`);
            return;
        }
        scrapes += 1;
        let text: string;
        try {
            text = opts.metrics(scrapes);
        } catch (err) {
            res.writeHead(500, { "Content-Type": "text/plain" });
            res.end(`metrics callback threw: ${(err as Error).message}\n`);
            return;
        }
        if (!text.endsWith("\n")) text += "\n"; // the text format requires a final line feed
        res.writeHead(200, { "Content-Type": EXPOSITION_CONTENT_TYPE, "Content-Length": Buffer.byteLength(text) });
        res.end(req.method === "HEAD" ? undefined : text);
    });
    const port = await listenOnLoopback(server, opts.port ?? 0);
    return {
        url: `http://127.0.0.1:${port}${opts.path}`,
        port,
        address: `127.0.0.1:${port}`,
        path: opts.path,
        get scrapes() {
            return scrapes;
        },
        failWith(status) {
            failStatus = status;
        },
        stop: () =>
            new Promise<void>((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            }),
    };
}
