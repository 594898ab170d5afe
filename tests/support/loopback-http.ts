import * as http from "http";
import * as net from "net";

/**
 * HTTP plumbing shared by the harness. The one client refuses any host but loopback, because these
 * tests must never reach the network, and it disables keep-alive so a server that is stopped and
 * restarted on the same port (fault tests) is always hit through a fresh connection.
 */

export interface BasicAuth {
    username: string;
    password: string;
}

export interface LoopbackRequest {
    method?: string;
    url: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    auth?: BasicAuth;
    /** Whole-request deadline; defaults to 10 s so no test can hang on a dead server. */
    timeoutMs?: number;
    /** Aborts the request (e.g. when a poll loop is stopped). */
    signal?: AbortSignal;
    /** Background request (a poll loop's): its socket and timer do not keep Node alive. */
    background?: boolean;
}

export interface LoopbackResponse {
    status: number;
    headers: http.IncomingHttpHeaders;
    body: string;
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);
const noKeepAlive = new http.Agent({ keepAlive: false });

export function basicAuthHeader(auth: BasicAuth): string {
    return "Basic " + Buffer.from(`${auth.username}:${auth.password}`).toString("base64");
}

export function assertLoopbackUrl(url: string): URL {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:") throw new Error(`loopback-http: only http:// is supported, got ${url}`);
    if (!LOOPBACK_HOSTS.has(parsed.hostname)) throw new Error(`loopback-http: refusing non-loopback URL ${url}`);
    return parsed;
}

export function loopbackRequest(req: LoopbackRequest): Promise<LoopbackResponse> {
    const url = assertLoopbackUrl(req.url);
    const headers: Record<string, string> = { ...(req.headers ?? {}) };
    if (req.auth) headers["Authorization"] = basicAuthHeader(req.auth);
    if (req.body !== undefined) headers["Content-Length"] = String(Buffer.byteLength(req.body));
    const timeoutMs = req.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
        let settled = false;
        const finish = (err: Error | null, res?: LoopbackResponse): void => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            req.signal?.removeEventListener("abort", onAbort);
            if (err) reject(err);
            else resolve(res as LoopbackResponse);
        };
        const request = http.request(
            url,
            { method: req.method ?? "GET", headers, agent: noKeepAlive },
            (response) => {
                const chunks: Buffer[] = [];
                response.on("data", (chunk: Buffer) => chunks.push(chunk));
                response.on("error", (err) => finish(err));
                response.on("end", () =>
                    finish(null, {
                        status: response.statusCode ?? 0,
                        headers: response.headers,
                        body: Buffer.concat(chunks).toString("utf8"),
                    }),
                );
            },
        );
        const timer = setTimeout(() => {
            request.destroy(new Error(`loopback-http: ${req.method ?? "GET"} ${req.url} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        const onAbort = (): void => {
            request.destroy(new Error(`loopback-http: ${req.method ?? "GET"} ${req.url} aborted`));
        };
        if (req.signal?.aborted) onAbort();
        else req.signal?.addEventListener("abort", onAbort);
        if (req.background) {
            timer.unref();
            request.on("socket", (socket) => socket.unref());
        }
        request.on("error", (err) => finish(err));
        request.end(req.body);
    });
}

/**
 * Resolves after `ms`, or early when the signal aborts (so stopping a poll loop never waits out a sleep).
 * `background` sleeps (poll loops) do not keep Node alive.
 */
export function sleep(ms: number, signal?: AbortSignal, background = false): Promise<void> {
    return new Promise((resolve) => {
        if (signal?.aborted) return resolve();
        const timer = setTimeout(done, Math.max(0, ms));
        if (background) timer.unref();
        function done(): void {
            clearTimeout(timer);
            signal?.removeEventListener("abort", done);
            resolve();
        }
        signal?.addEventListener("abort", done);
    });
}

/**
 * Lets a fake server (and the connections it accepts, e.g. Prometheus' idle keep-alives) run
 * without keeping Node alive: a test that forgets to stop a fake, or a `before` hook that fails
 * half-way, must not hang mocha after the run. Whatever a test awaits still holds its own timer.
 */
export function unrefServer(server: net.Server): void {
    server.unref();
    server.on("connection", (socket: net.Socket) => socket.unref());
}

/**
 * Starts a fake server on 127.0.0.1 (`port`, default any free one), unref'd as unrefServer says,
 * and resolves with the port it listens on; a listen error (e.g. the port taken) rejects.
 */
export function listenOnLoopback(server: net.Server, port = 0): Promise<number> {
    unrefServer(server);
    return new Promise<number>((resolve, reject) => {
        server.once("error", reject);
        server.listen({ host: "127.0.0.1", port }, () => {
            const address = server.address();
            if (address === null || typeof address === "string") reject(new Error(`unexpected listen address ${String(address)}`));
            else resolve(address.port);
        });
    });
}

/**
 * Polls `check` until it returns a value other than undefined, or throws after `timeoutMs`.
 * The last error thrown by `check` (if any) is kept in the timeout message to make failures readable.
 */
export async function waitFor<T>(
    what: string,
    check: () => Promise<T | undefined> | T | undefined,
    opts: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
    const deadline = Date.now() + opts.timeoutMs;
    const interval = opts.intervalMs ?? 100;
    let lastError: unknown;
    const maxAttempts = Math.ceil(opts.timeoutMs / Math.max(1, interval)) + 1;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
        try {
            const value = await check();
            if (value !== undefined) return value;
        } catch (err) {
            lastError = err;
        }
        if (Date.now() >= deadline) break;
        await sleep(Math.min(interval, Math.max(0, deadline - Date.now())));
    }
    const detail = lastError instanceof Error ? `: last error: ${lastError.message}` : "";
    throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}${detail}`);
}
