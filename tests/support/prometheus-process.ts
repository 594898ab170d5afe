import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { prometheusModeFlags } from "../../components/prometheus/prometheus-mode";
import { BasicAuth, loopbackRequest, sleep } from "./loopback-http";
import { freePort } from "./ports";

/**
 * Runs the real Prometheus binary (3.5 from `.cache/prometheus-3` by default) against a generated config, on
 * 127.0.0.1 only, in its own temp dir. Every started process is kept in a registry so a mocha
 * `after` hook (`stopAllPrometheus()`) or, as a last resort, the Node exit handler can stop it:
 * a leaked Prometheus would keep scraping and hold its port long after the test run.
 */

/**
 * Prometheus 3.5 (the LTS line; the chart ships 3.14) is the primary target: `.ci/fetch-prometheus3`
 * unpacks Debian sid's build under `.cache/prometheus-3`. PROMETHEUS_BIN / PROMTOOL_BIN override it.
 */
const PROMETHEUS3_DIR = path.resolve(__dirname, "..", "..", ".cache", "prometheus-3", "usr", "bin");
export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? requireBinary(path.join(PROMETHEUS3_DIR, "prometheus"));
export const PROMTOOL_BIN = process.env.PROMTOOL_BIN ?? requireBinary(path.join(PROMETHEUS3_DIR, "promtool"));
/** Debian 12's Prometheus 2.42, for the 2.x compatibility checks only (PROMETHEUS2_BIN / PROMTOOL2_BIN override it). */
export const PROMETHEUS2_BIN = process.env.PROMETHEUS2_BIN ?? "/usr/bin/prometheus";
export const PROMTOOL2_BIN = process.env.PROMTOOL2_BIN ?? "/usr/bin/promtool";

const versions = new Map<string, string>();

/**
 * The release of a Prometheus binary, from `prometheus --version` ("prometheus, version 3.5.3+ds1
 * (branch: …)"), read once per binary, so the harness and tests pick version-specific flags the way
 * the chart values do for the pinned image.
 */
export function prometheusVersionOf(bin: string = PROMETHEUS_BIN): string {
    const known = versions.get(bin);
    if (known !== undefined) return known;
    const r = spawnSync(bin, ["--version"], { encoding: "utf8", timeout: 10_000 });
    const text = `${r.stdout ?? ""}${r.stderr ?? ""}`;
    const m = /version ([0-9]+\.[0-9]+\.[0-9]+[^\s]*)/.exec(text);
    if (!m) throw new Error(`cannot read the version of ${bin}: ${text || r.error?.message}`);
    versions.set(bin, m[1]);
    return m[1];
}

function requireBinary(file: string): string {
    if (!fs.existsSync(file)) {
        throw new Error(`${file} is missing: run \`bash .ci/fetch-prometheus3\` (or set PROMETHEUS_BIN / PROMTOOL_BIN)`);
    }
    return file;
}

/** Name of the config file inside `dir`; relative paths in it (password_file, ...) resolve against `dir`. */
export const CONFIG_FILE_NAME = "prometheus.yml";

const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 15_000;
const KILL_WAIT_MS = 5_000;
const RELOAD_TIMEOUT_MS = 10_000;
/** Keep at most this much log text per process (the tail), so a chatty process cannot eat memory. */
const MAX_LOG_CHARS = 2_000_000;

export interface StartPrometheusOptions {
    /** Used in the temp dir name and error messages. */
    name: string;
    configYaml: string;
    extraArgs?: string[];
    /** Defaults to `<dir>/data`. A caller-supplied dir is never deleted by the harness. */
    dataDir?: string;
    /** Extra files written next to the config (relative paths only), e.g. password files, web config. */
    files?: Record<string, string>;
    /** Agent mode: prometheusModeFlags' agent flags for the binary's release (`--agent` on 3.x, `--enable-feature=agent` on 2.x) instead of the TSDB. */
    agent?: boolean;
    /** The Prometheus binary; default PROMETHEUS_BIN (3.5). PROMETHEUS2_BIN for the 2.x compatibility checks. */
    bin?: string;
    /** Basic auth for the /-/ready probe when a web config protects the server. */
    readyAuth?: BasicAuth;
    /** Defaults to 30 s. */
    readyTimeoutMs?: number;
    /** Listen port; default: a free one. Set it when the config must name the server's own address (self-scrape). */
    port?: number;
    /** Extra environment for the process (e.g. dummy AWS keys for SigV4), on top of the runner's. */
    env?: Record<string, string>;
    /**
     * Mode and storage flags in place of the harness's own (`--storage.tsdb.path` or, with `agent`,
     * the agent flags for the binary's release), e.g. from prometheusModeFlags; gets the data dir.
     */
    storageFlags?: (dataDir: string) => string[];
    /** Directories the process reads besides its temp dir (a materialised pod root, rendered-pod.ts), removed with it by dispose(). */
    ownedDirs?: readonly string[];
}

export interface VectorSample {
    metric: Record<string, string>;
    value: [number, string];
}

export interface ActiveTarget {
    discoveredLabels: Record<string, string>;
    labels: Record<string, string>;
    scrapePool: string;
    scrapeUrl: string;
    globalUrl: string;
    lastError: string;
    lastScrape: string;
    lastScrapeDuration: number;
    health: "up" | "down" | "unknown";
    scrapeInterval: string;
    scrapeTimeout: string;
}

export interface TargetsData {
    activeTargets: ActiveTarget[];
    droppedTargets: Array<{ discoveredLabels: Record<string, string> }>;
}

export interface PrometheusProcess {
    readonly name: string;
    /** http://127.0.0.1:<port> */
    readonly url: string;
    readonly port: number;
    /** Temp dir holding prometheus.yml and the extra files. */
    readonly dir: string;
    readonly configPath: string;
    readonly dataDir: string;
    readonly agent: boolean;
    /** The binary this process runs. */
    readonly bin: string;
    /** Whether the OS process is currently alive. */
    readonly running: boolean;
    readonly pid: number | undefined;
    /** SIGTERM, wait for exit (bounded), SIGKILL fallback. Files and data stay for restart(). */
    stop(): Promise<void>;
    /** SIGKILL, for crash/fault tests; waits (bounded) until the process is gone. */
    kill(): Promise<void>;
    /** Stops if running, then starts again on the same port with the same config and data dir. */
    restart(): Promise<void>;
    /** Optionally rewrites prometheus.yml, then SIGHUP; resolves once Prometheus logs the reload result. */
    reload(configYaml?: string): Promise<void>;
    /** (Re)writes a file next to the config, e.g. to rotate a password file. */
    writeFile(relativePath: string, content: string): void;
    /** stdout + stderr of every run of this process (restarts included). */
    logs(): string;
    /** Instant query; throws unless the result is a vector. */
    query(promql: string, auth?: BasicAuth): Promise<VectorSample[]>;
    /** /api/v1/series for one matcher, over the whole retention. */
    series(matcher: string, auth?: BasicAuth): Promise<Array<Record<string, string>>>;
    /** /api/v1/targets (active and dropped, with discoveredLabels). */
    targets(auth?: BasicAuth): Promise<TargetsData>;
    /** GET a Prometheus API path ("/api/v1/..."); returns `data` or throws with the API error. */
    apiGet<T>(pathAndQuery: string, auth?: BasicAuth): Promise<T>;
    /** stop() and delete the temp dir (not a caller-supplied dataDir); removes it from the registry. */
    dispose(): Promise<void>;
}

const registry = new Set<PrometheusInstance>();
let exitHandlerInstalled = false;

/** Stops and cleans up every Prometheus started by this harness; meant for mocha `after` hooks. */
export async function stopAllPrometheus(): Promise<void> {
    await Promise.all([...registry].map((instance) => instance.dispose()));
}

function installExitHandler(): void {
    if (exitHandlerInstalled) return;
    exitHandlerInstalled = true;
    // 'exit' handlers must be synchronous: SIGKILL is the only thing we can still do for stragglers.
    process.on("exit", () => {
        for (const instance of registry) instance.killSync();
    });
    // A signal's default action ends Node without 'exit' handlers, which would orphan Prometheus.
    // Clean up, then re-raise the signal if nobody else (e.g. mocha) handles it, keeping the default.
    // (A SIGKILLed test runner still orphans its children; nothing in Node can prevent that.)
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
        process.once(signal, () => {
            for (const instance of registry) instance.killSync();
            if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
        });
    }
}

export async function startPrometheus(opts: StartPrometheusOptions): Promise<PrometheusProcess> {
    installExitHandler();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `prom-${sanitizeForPath(opts.name)}-`));
    writeFilesInto(dir, { [CONFIG_FILE_NAME]: opts.configYaml, ...(opts.files ?? {}) });
    const dataDir = opts.dataDir ?? path.join(dir, "data");
    fs.mkdirSync(dataDir, { recursive: true });
    const port = opts.port ?? (await freePort());
    const instance = new PrometheusInstance(opts, dir, dataDir, port);
    registry.add(instance);
    try {
        await instance.launch();
    } catch (err) {
        await instance.dispose();
        throw err;
    }
    return instance;
}

class PrometheusInstance implements PrometheusProcess {
    readonly name: string;
    readonly url: string;
    readonly configPath: string;
    readonly agent: boolean;
    readonly bin: string;
    private child: ChildProcess | null = null;
    private exited: Promise<void> = Promise.resolve();
    private logText = "";
    private disposed = false;
    /** Set when spawn itself failed (e.g. binary missing): no exit code ever arrives then. */
    private spawnFailed = false;

    constructor(
        private readonly opts: StartPrometheusOptions,
        readonly dir: string,
        readonly dataDir: string,
        readonly port: number,
    ) {
        this.name = opts.name;
        this.url = `http://127.0.0.1:${port}`;
        this.configPath = path.join(dir, CONFIG_FILE_NAME);
        this.agent = opts.agent ?? false;
        this.bin = opts.bin ?? PROMETHEUS_BIN;
    }

    get running(): boolean {
        return this.child !== null && !this.spawnFailed && this.child.exitCode === null && this.child.signalCode === null;
    }

    get pid(): number | undefined {
        return this.running ? this.child?.pid : undefined;
    }

    private args(): string[] {
        const storage = this.opts.storageFlags
            ? this.opts.storageFlags(this.dataDir)
            : prometheusModeFlags({ mode: this.agent ? "agent" : "server", version: prometheusVersionOf(this.bin), storagePath: this.dataDir });
        return [
            `--config.file=${this.configPath}`,
            `--web.listen-address=127.0.0.1:${this.port}`,
            ...storage,
            ...(this.opts.extraArgs ?? []),
        ];
    }

    async launch(): Promise<void> {
        if (this.disposed) throw new Error(`prometheus ${this.name}: already disposed`);
        if (this.running) throw new Error(`prometheus ${this.name}: already running`);
        const args = this.args();
        this.appendLog(`\n=== harness: ${this.bin} ${args.join(" ")}\n`);
        const env = this.opts.env ? { ...process.env, ...this.opts.env } : undefined;
        const child = spawn(this.bin, args, { cwd: this.dir, stdio: ["ignore", "pipe", "pipe"], env });
        this.child = child;
        this.spawnFailed = false;
        child.stdout?.on("data", (chunk: Buffer) => this.appendLog(chunk.toString("utf8")));
        child.stderr?.on("data", (chunk: Buffer) => this.appendLog(chunk.toString("utf8")));
        // A forgotten process must not keep mocha from exiting; the exit handler then kills it.
        child.unref();
        // stdio pipes of a spawned child are net.Sockets at runtime, typed as plain streams.
        (child.stdout as net.Socket | null)?.unref();
        (child.stderr as net.Socket | null)?.unref();
        this.exited = new Promise((resolve) => {
            // 'close' (not 'exit') so that the last log lines are in before anyone reads logs().
            child.once("close", (code, signal) => {
                this.appendLog(`=== harness: process exited code=${code} signal=${signal}\n`);
                resolve();
            });
            // 'on', not 'once': an unhandled later 'error' (e.g. a failed kill) would crash the runner.
            child.on("error", (err) => {
                this.spawnFailed = true;
                this.appendLog(`=== harness: spawn error ${err.message}\n`);
                resolve();
            });
        });
        await this.waitReady();
    }

    private async waitReady(): Promise<void> {
        const timeoutMs = this.opts.readyTimeoutMs ?? READY_TIMEOUT_MS;
        const deadline = Date.now() + timeoutMs;
        const maxAttempts = Math.ceil(timeoutMs / 100) + 1;
        for (let attempt = 0; attempt < maxAttempts && Date.now() < deadline; attempt++) {
            if (!this.running) {
                await this.waitExit(KILL_WAIT_MS);
                throw new Error(`prometheus ${this.name} exited before becoming ready; logs:\n${this.logs()}`);
            }
            try {
                const res = await loopbackRequest({ url: `${this.url}/-/ready`, auth: this.opts.readyAuth, timeoutMs: 1000 });
                if (res.status === 200) return;
            } catch {
                // not listening yet
            }
            await sleep(100);
        }
        await this.kill();
        throw new Error(`prometheus ${this.name} not ready within ${timeoutMs} ms; logs:\n${this.logs()}`);
    }

    async stop(): Promise<void> {
        if (!this.running || !this.child) return;
        this.child.kill("SIGTERM");
        if (await this.waitExit(STOP_GRACE_MS)) return;
        this.appendLog(`=== harness: no exit ${STOP_GRACE_MS} ms after SIGTERM, sending SIGKILL\n`);
        await this.kill();
    }

    async kill(): Promise<void> {
        if (!this.running || !this.child) return;
        this.child.kill("SIGKILL");
        if (!(await this.waitExit(KILL_WAIT_MS))) {
            throw new Error(`prometheus ${this.name} (pid ${this.child.pid}) survived SIGKILL for ${KILL_WAIT_MS} ms`);
        }
    }

    killSync(): void {
        if (this.running) this.child?.kill("SIGKILL");
        this.removeFiles();
    }

    private async waitExit(ms: number): Promise<boolean> {
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(false), ms);
        });
        const result = await Promise.race([this.exited.then(() => true), timedOut]);
        clearTimeout(timer);
        return result;
    }

    async restart(): Promise<void> {
        await this.stop();
        await this.launch();
    }

    async reload(configYaml?: string): Promise<void> {
        if (!this.running || !this.child) throw new Error(`prometheus ${this.name}: reload while not running`);
        if (configYaml !== undefined) fs.writeFileSync(this.configPath, configYaml);
        const countOf = (needle: string): number => this.logText.split(needle).length - 1;
        // Prometheus logs one of these two lines per (re)load attempt, so a new occurrence marks completion.
        const ok = "Completed loading of configuration file";
        const failed = "Error reloading config";
        const okBefore = countOf(ok);
        const failedBefore = countOf(failed);
        this.child.kill("SIGHUP");
        const deadline = Date.now() + RELOAD_TIMEOUT_MS;
        for (let attempt = 0; attempt < RELOAD_TIMEOUT_MS / 50 && Date.now() < deadline; attempt++) {
            if (countOf(failed) > failedBefore) throw new Error(`prometheus ${this.name}: reload failed; logs:\n${this.logs()}`);
            if (countOf(ok) > okBefore) return;
            await sleep(50);
        }
        throw new Error(`prometheus ${this.name}: no reload result within ${RELOAD_TIMEOUT_MS} ms; logs:\n${this.logs()}`);
    }

    writeFile(relativePath: string, content: string): void {
        writeFilesInto(this.dir, { [relativePath]: content });
    }

    logs(): string {
        return this.logText;
    }

    private appendLog(text: string): void {
        this.logText += text;
        if (this.logText.length > MAX_LOG_CHARS) this.logText = this.logText.slice(-MAX_LOG_CHARS);
    }

    async apiGet<T>(pathAndQuery: string, auth?: BasicAuth): Promise<T> {
        const res = await loopbackRequest({ url: this.url + pathAndQuery, auth, timeoutMs: 10_000 });
        let parsed: { status?: string; data?: T; error?: string; errorType?: string };
        try {
            parsed = JSON.parse(res.body) as typeof parsed;
        } catch {
            throw new Error(`prometheus ${this.name}: GET ${pathAndQuery} -> HTTP ${res.status}, non-JSON body: ${res.body.slice(0, 500)}`);
        }
        if (res.status !== 200 || parsed.status !== "success") {
            throw new Error(`prometheus ${this.name}: GET ${pathAndQuery} -> HTTP ${res.status}: ${parsed.errorType ?? ""} ${parsed.error ?? res.body.slice(0, 500)}`);
        }
        return parsed.data as T;
    }

    async query(promql: string, auth?: BasicAuth): Promise<VectorSample[]> {
        const data = await this.apiGet<{ resultType: string; result: unknown }>(`/api/v1/query?query=${encodeURIComponent(promql)}`, auth);
        if (data.resultType !== "vector") throw new Error(`prometheus ${this.name}: query ${promql} returned ${data.resultType}, not vector`);
        return data.result as VectorSample[];
    }

    async series(matcher: string, auth?: BasicAuth): Promise<Array<Record<string, string>>> {
        return this.apiGet<Array<Record<string, string>>>(`/api/v1/series?match[]=${encodeURIComponent(matcher)}`, auth);
    }

    async targets(auth?: BasicAuth): Promise<TargetsData> {
        return this.apiGet<TargetsData>("/api/v1/targets", auth);
    }

    async dispose(): Promise<void> {
        if (this.disposed) return;
        this.disposed = true;
        try {
            await this.stop();
        } finally {
            registry.delete(this);
            this.removeFiles();
        }
    }

    private removeFiles(): void {
        if (process.env.KEEP_PROMETHEUS_DIRS) return; // debugging aid: inspect config/data after a run
        // The temp dir (with the default dataDir inside it) and the owned dirs go; a caller-supplied dataDir is the caller's.
        fs.rmSync(this.dir, { recursive: true, force: true });
        for (const d of this.opts.ownedDirs ?? []) fs.rmSync(d, { recursive: true, force: true });
    }
}

export interface PromtoolResult {
    ok: boolean;
    /** stdout + stderr of promtool. */
    output: string;
}

/**
 * `promtool check config [--agent]` on a temp dir holding the config and the extra files, so
 * relative password_file/credentials_file paths resolve exactly as they would for startPrometheus.
 */
export function promtoolCheckConfig(configYaml: string, files?: Record<string, string>, opts?: { agent?: boolean; promtool?: string }): PromtoolResult {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "promtool-"));
    try {
        writeFilesInto(dir, { [CONFIG_FILE_NAME]: configYaml, ...(files ?? {}) });
        const args = ["check", "config", ...(opts?.agent ? ["--agent"] : []), CONFIG_FILE_NAME];
        const result = spawnSync(opts?.promtool ?? PROMTOOL_BIN, args, { cwd: dir, encoding: "utf8", timeout: 30_000 });
        const output = `${result.stdout ?? ""}${result.stderr ?? ""}${result.error ? `\n${result.error.message}` : ""}`;
        return { ok: result.status === 0, output };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function writeFilesInto(dir: string, files: Record<string, string>): void {
    for (const [relative, content] of Object.entries(files)) {
        const target = path.resolve(dir, relative);
        if (path.isAbsolute(relative) || !isInside(target, dir)) {
            throw new Error(`harness files must be relative paths inside the temp dir, got ${JSON.stringify(relative)}`);
        }
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, content);
    }
}

function isInside(child: string, parent: string): boolean {
    const rel = path.relative(parent, child);
    return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
}

function sanitizeForPath(name: string): string {
    return name.replace(/[^a-zA-Z0-9_.-]/g, "_").slice(0, 40);
}
