import { execFileSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { TENANT_HEADER } from "../../components/kernel/tenant-header";
import { listenOnLoopback } from "./loopback-http";

/** One POST as the stand-in received it: nothing but what crossed the socket. */
export interface ReceivedPush {
    readonly method: string;
    /** Request path (with query, as sent). */
    readonly path: string;
    /** Lower-cased header names, as Node parses them. */
    readonly headers: http.IncomingHttpHeaders;
    readonly body: Buffer;
    /** What the stand-in answered. */
    readonly status: number;
}

export interface LokiOtlpStandIn {
    /** Origin on 127.0.0.1 (http:// or https:// as started). */
    readonly origin: string;
    /** PEM of the self-signed certificate (TLS only): what a client must trust. */
    readonly ca?: string;
    readonly received: ReceivedPush[];
    stop(): Promise<void>;
}

/**
 * A stand-in for a multi-tenant Loki's HTTP endpoint on 127.0.0.1, recording every request. It
 * answers with the status a Loki with auth_enabled gives: a request without X-Scope-OrgID gets 401
 * (grafana/dskit middleware/http_auth.go AuthenticateUser, in front of Loki's routes); otherwise
 * 204, Loki's answer to an accepted push (Loki HTTP API reference,
 * https://grafana.com/docs/loki/latest/reference/loki-http-api/#ingest-logs-using-otlp). It does not
 * ingest: the test decodes the recorded body itself. With `tls` it serves HTTPS with a fresh
 * self-signed certificate for IP 127.0.0.1 (openssl, in a temp dir removed on stop), so an https://
 * endpoint keeps its scheme and only host:port move to loopback.
 */
export async function startLokiOtlpStandIn(opts: { readonly tls: boolean }): Promise<LokiOtlpStandIn> {
    const received: ReceivedPush[] = [];
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const tenant = req.headers[TENANT_HEADER.toLowerCase()];
            const status = typeof tenant === "string" && tenant !== "" ? 204 : 401;
            received.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks), status });
            if (status === 401) res.writeHead(401, { "Content-Type": "text/plain; charset=utf-8" }).end(`stand-in: no ${TENANT_HEADER}\n`);
            else res.writeHead(204).end();
        });
    };

    let tmp: string | undefined;
    let server: http.Server | https.Server;
    let ca: string | undefined;
    if (opts.tls) {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "loki-stand-in-"));
        const key = path.join(tmp, "key.pem");
        const cert = path.join(tmp, "cert.pem");
        // P-256 key, one day, subjectAltName IP:127.0.0.1 so Node's default hostname check passes on loopback.
        execFileSync(
            "openssl",
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
            { stdio: ["ignore", "ignore", "pipe"], timeout: 15_000 },
        );
        ca = fs.readFileSync(cert, "utf8");
        server = https.createServer({ key: fs.readFileSync(key), cert: ca }, handler);
    } else {
        server = http.createServer(handler);
    }
    const port = await listenOnLoopback(server);
    return {
        origin: `${opts.tls ? "https" : "http"}://127.0.0.1:${port}`,
        ...(ca !== undefined ? { ca } : {}),
        received,
        async stop() {
            await new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            });
            if (tmp !== undefined) fs.rmSync(tmp, { recursive: true, force: true });
        },
    };
}
