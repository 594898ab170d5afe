import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { evaluateEnvironment } from "../../infra/plan/evaluate-environment";
import { StackEvaluation } from "../../infra/plan/evaluate-stack";
import { renderStack } from "../../infra/plan/render";
import { promQuery } from "../../infra/verify/ask";
import { runVerify } from "../../infra/verify/cli";
import { GlobalAccess } from "../../infra/verify/global-access";
import { sigV4Headers } from "../../infra/verify/sigv4";
import { REMOTE_WRITE_SECRET_DIR } from "../../components/prometheus/zone-prometheus";
import { LocalZone, startGeneratedZone } from "../support/generated-zone";
import { startGeneratedGlobal } from "../support/generated-global";
import { BasicAuth, waitFor } from "../support/loopback-http";
import { LoopbackProxy, startLoopbackProxy } from "../support/loopback-proxy";
import { MetricsEndpoint, startMetricsEndpoint } from "../support/metrics-endpoint";
import { output } from "../support/plan-access";
import { freePort } from "../support/ports";
import { PrometheusProcess, startPrometheus, stopAllPrometheus } from "../support/prometheus-process";
import { testStack } from "../support/stack-file";

/**
 * `npm run verify` against real Prometheus (the harness's 3.5) running the generated global and
 * three generated zones. Faults are put in one zone at a time, and the verdicts of every zone are
 * checked each time: west's dataplanes answer 503, north's credential goes wrong (the global
 * answers 401, counted at a proxy in front of it), east's Prometheus is killed.
 */
const FAST = { scrapeInterval: "1s", dataplaneScrapeInterval: "1s", discovery: { refreshInterval: "1s" } };
const ZONES = ["east", "north", "west"] as const;
const GLOBAL_CONFIG = { zones: [...ZONES], globalPrometheus: { scrapeInterval: "2s" }, logs: { backend: "loki" }, traces: { backend: "jaeger" } };
const ENV_FILES = [
    testStack("vf-global", GLOBAL_CONFIG),
    ...ZONES.map((zone) => testStack(`vf-zone-${zone}`, { mesh: { version: "2.14.3" }, namespace: `obs-${zone}`, zonePrometheus: { ...FAST, discovery: { refreshInterval: "1s", clientId: `prometheus-${zone}` } } })),
];
const DATAPLANES = 2;
/** Fresh means a sample within 5 s here (1 s scrapes); the default, 60 s, is for 15 s scrapes. */
const FRESH = ["--max-age", "5s"];

interface Run {
    readonly code: number;
    readonly out: string[];
    readonly err: string[];
    /** Zone → verdict, from the verdict lines. */
    readonly verdicts: Record<string, string>;
    readonly ms: number;
}

describe("npm run verify against real Prometheus from the generated configs", function () {
    this.timeout(240_000);
    let globalEv: StackEvaluation;
    let global: PrometheusProcess;
    let writer: BasicAuth;
    let proxy: LoopbackProxy;
    const zones = new Map<string, { zone: LocalZone; dataplanes: MetricsEndpoint[] }>();
    const stops: Array<() => Promise<void>> = [];
    let tmp: string;
    let planDir: string;

    /** The plan's global outputs, secrets shown, and the global's real address instead of its in-cluster one. */
    const verify = async (...args: string[]): Promise<Run> => {
        const out: string[] = [];
        const err: string[] = [];
        const started = Date.now();
        const code = await runVerify(["--env", "vf", "--plan", planDir, "--global-url", global.url, ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
        const verdicts = Object.fromEntries(out.map((l) => /^(\S+)\s+(healthy|silent|lagging|targets down|no control plane|no logs)\s{2}/.exec(l)).filter((m) => m !== null).map((m) => [m![1], m![2]]));
        return { code, out, err, verdicts, ms: Date.now() - started };
    };
    const lineOf = (r: Run, zone: string) => r.out.find((l) => l.startsWith(`${zone} `)) ?? "";
    /** Polls verify (no wait of its own) until `zone` shows `verdict` (and `detail`, when given); bounded. */
    const until = (zone: string, verdict: string, detail?: RegExp) =>
        waitFor(`${zone} ${verdict} ${detail ?? ""}`, async () => {
            const r = await verify("--wait", "0", ...FRESH);
            return r.verdicts[zone] === verdict && (detail === undefined || detail.test(lineOf(r, zone))) ? r : undefined;
        }, { timeoutMs: 60_000, intervalMs: 1000 });

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "verify-it-"));
        const env = await evaluateEnvironment("vf", { files: ENV_FILES });
        globalEv = env.stacks[0];
        planDir = path.join(tmp, "plan");
        renderStack(globalEv, { outDir: planDir, showSecrets: true });
        const started = await startGeneratedGlobal(globalEv);
        ({ global, writer } = started);
        // North writes through a proxy that records the global's answers (the 401s).
        proxy = await startLoopbackProxy(global.url);
        stops.push(() => proxy.stop());
        for (const zoneEv of env.stacks.slice(1)) {
            const name = String(output(zoneEv, "zone"));
            const dataplanes: MetricsEndpoint[] = [];
            for (let i = 0; i < DATAPLANES; i++) {
                dataplanes.push(await startMetricsEndpoint({ path: "/metrics", metrics: (n) => `# TYPE envoy_cluster_upstream_rq_total counter\nenvoy_cluster_upstream_rq_total ${n}\n` }));
            }
            const cp = await startMetricsEndpoint({ path: "/metrics", metrics: (n) => `# TYPE xds_requests_total counter\nxds_requests_total ${n}\n` });
            const zone = await startGeneratedZone({
                zoneEv,
                name: `verify-${name}`,
                assignments: dataplanes.map((ep, i) => ({ mesh: "default", service: `svc-${i}`, labels: {}, targets: [{ name: `dp-${i}.${name}`, scheme: "http", address: ep.address, metrics_path: "/metrics", labels: { "kuma.io/zone": name } }] })),
                controlPlaneAddress: cp.address,
                receiverBase: started.receiverBase,
                receiverUrl: name === "north" ? proxy.url : global.url,
            });
            zones.set(name, { zone, dataplanes });
            stops.push(async () => {
                await zone.stopDiscovery();
                await Promise.all([...dataplanes, cp].map((e) => e.stop()));
            });
        }
    });

    after(async () => {
        await stopAllPrometheus();
        for (const stop of stops) await stop();
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("healthy environment: waits for fresh samples, then every zone healthy, exit 0", async () => {
        const r = await verify("--wait", "90s", "--interval", "1s", ...FRESH);
        assert.equal(r.code, 0, [...r.err, ...r.out].join("\n"));
        assert.deepEqual(r.verdicts, { east: "healthy", north: "healthy", west: "healthy" });
        for (const zone of ZONES) {
            assert.match(lineOf(r, zone), new RegExp(`^${zone}\\s+healthy\\s+newest sample \\d+s old, remote-write lag \\d+s, control plane 1/1 up, dataplanes ${DATAPLANES}/${DATAPLANES} up$`));
        }
        assert.match(r.err[0], new RegExp(`^verify .*vf-global/outputs.json: 3 zone\\(s\\) at ${global.url} as grafana$`));
        // Loki and Jaeger exist but their query APIs are in-cluster: said, not failed.
        assert.ok(r.out.includes("logs: Loki not asked: its query API http://global-loki-gateway.mesh-observability.svc.cluster.local is in-cluster only; pass --loki-url (e.g. through kubectl port-forward)"), r.out.join("\n"));
        assert.ok(r.out.some((l) => /^traces: Jaeger not asked: its query API http:\/\/global-jaeger\.mesh-observability\.svc\.cluster\.local:16686 is in-cluster only/.test(l)), r.out.join("\n"));
        assert.equal(r.out.at(-1), "3 zone(s) healthy");
        // Whether it waited depends on how far the zones were: any progress line has the bounded form.
        for (const l of r.err.slice(1)) assert.match(l, /^… \d+s of 90s: waiting for (\w+ \([a-z ]+\)(, )?)+$/);
    });

    it("the same from flags only (zones from the global's stack file, credential from --password-file); the read user is Grafana's, not the writer", async () => {
        const stacksDir = path.join(tmp, "stacks");
        fs.mkdirSync(stacksDir, { recursive: true });
        fs.writeFileSync(path.join(stacksDir, "Pulumi.vf-global.yaml"), stringify({ config: Object.fromEntries(Object.entries(GLOBAL_CONFIG).map(([k, v]) => [`mesh-observability:${k}`, v])) }));
        const outputs = JSON.parse(fs.readFileSync(path.join(planDir, "vf-global", "outputs.json"), "utf8"));
        assert.equal(outputs.prometheusReadUsername, "grafana");
        assert.notEqual(outputs.prometheusReadUsername, writer.username);
        const passwordFile = path.join(tmp, "read-password");
        fs.writeFileSync(passwordFile, `${outputs.prometheusReadPassword}\n`);
        const out: string[] = [];
        const err: string[] = [];
        const code = await runVerify(["--env", "vf", "--global-url", global.url, "--user", "grafana", "--password-file", passwordFile, "--wait", "30s", "--interval", "1s", ...FRESH], { out: (l) => out.push(l), err: (l) => err.push(l), stacksDir });
        assert.equal(code, 0, [...err, ...out].join("\n"));
        assert.match(err[0], /^verify .*Pulumi\.vf-global\.yaml: 3 zone\(s\)/);
        assert.equal(out.filter((l) => / healthy /.test(l)).length, 3);
        assert.ok(out.includes("logs: Loki not asked: no query URL; pass --loki-url"), out.join("\n"));
        // A wrong password is refused by the global: cannot verify (2), not a zone verdict.
        fs.writeFileSync(passwordFile, "wrong");
        const refused: string[] = [];
        assert.equal(await runVerify(["--env", "vf", "--global-url", global.url, "--user", "grafana", "--password-file", passwordFile, "--wait", "0"], { out: (l) => refused.push(l), err: (l) => refused.push(l), stacksDir }), 2);
        assert.ok(refused.some((l) => /cannot ask the global at .*: 401 Unauthorized/.test(l)), refused.join("\n"));
        assert.ok(!refused.join("\n").includes(outputs.prometheusReadPassword), "no password in the output");
    });

    it("a Loki that does not answer fails the run even with healthy zones", async () => {
        const port = await freePort();
        const r = await verify("--wait", "0", ...FRESH, "--loki-url", `http://127.0.0.1:${port}`);
        assert.equal(r.code, 1);
        assert.deepEqual(r.verdicts, { east: "healthy", north: "healthy", west: "healthy" });
        assert.ok(r.out.some((l) => l.startsWith("logs: Loki UNREACHABLE: fetch failed: ECONNREFUSED")), r.out.join("\n"));
        assert.equal(r.out.at(-1), "0 of 3 zone(s) unhealthy; a backend is unreachable");
    });

    it("a zone whose dataplanes are down: `targets down` for it alone, exit 1", async () => {
        for (const dp of zones.get("west")!.dataplanes) dp.failWith(503);
        // Each dataplane's next scrape fails: one may show before the other.
        const r = await until("west", "targets down", new RegExp(`control plane 1/1 up, dataplanes 0/${DATAPLANES} up$`));
        assert.equal(r.code, 1);
        assert.deepEqual(r.verdicts, { east: "healthy", north: "healthy", west: "targets down" });
        assert.equal(r.out.at(-1), "1 of 3 zone(s) unhealthy");
    });

    it("a zone whose writes get 401: silent (the global sees nothing of it), exit 1; the proxy saw the 401s", async () => {
        const north = zones.get("north")!.zone;
        const passwordFile = String((north.config.remote_write as Array<{ basic_auth: { password_file: string } }>)[0].basic_auth.password_file);
        // The zone's mounted credential Secret, in its laid-out pod (rendered-pod.ts): a wrong password there.
        assert.ok(passwordFile.startsWith(`${north.pod.local(REMOTE_WRITE_SECRET_DIR)}/`), passwordFile);
        fs.writeFileSync(passwordFile, "not-the-password");
        await north.prometheus.reload();
        const r = await until("north", "silent");
        assert.equal(r.code, 1);
        assert.deepEqual(r.verdicts, { east: "healthy", north: "silent", west: "targets down" });
        assert.match(lineOf(r, "north"), /newest sample \d+s old \(limit 5s\): the zone stopped sending \(down, unreachable, or refused: 401 means a wrong credential\)/);
        assert.ok(proxy.count(401) > 0, `401s at the proxy: ${proxy.count(401)}`);
        const last = proxy.requests.at(-1)!;
        assert.equal(last.status, 401, "north is still being refused");
        // Why the global cannot tell a refused zone from a dead one: auth is checked before its HTTP
        // instrumentation, so its own metrics count no 401 (it scrapes itself every 2s).
        const selfSeen = await global.query('prometheus_http_requests_total{handler="/api/v1/write", zone=""}', writer);
        assert.ok(selfSeen.length > 0, "the global's own write-handler series exist");
        assert.deepEqual(selfSeen.filter((s) => s.metric.code === "401"), [], JSON.stringify(selfSeen.map((s) => s.metric)));
    });

    it("a silent zone (its Prometheus killed): silent, exit 1; waiting for it is bounded and shows progress", async () => {
        await zones.get("east")!.zone.prometheus.kill();
        await until("east", "silent");
        const r = await verify("--wait", "6s", "--interval", "1s", ...FRESH);
        assert.equal(r.code, 1);
        assert.deepEqual(r.verdicts, { east: "silent", north: "silent", west: "targets down" });
        assert.equal(r.out.at(-1), "3 of 3 zone(s) unhealthy");
        const progress = r.err.slice(1);
        // One line per round (a round takes longer on a loaded machine, so how many is not fixed).
        assert.ok(progress.length >= 1, r.err.join("\n"));
        for (const l of progress) assert.match(l, /^… \d+s of 6s: waiting for east \(silent\), north \(silent\), west \(targets down\)$/);
        assert.ok(r.ms < 30_000, `bounded by --wait plus one round: ${r.ms} ms`);
    });
});

describe("npm run verify's SigV4 queries on the wire (Amazon Managed Prometheus)", function () {
    this.timeout(60_000);
    after(() => stopAllPrometheus());

    it("each query carries x-amz-date, the session token and an Authorization whose signature covers exactly the path and query received", async () => {
        // A plain Prometheus stands in for the workspace's query API (it ignores the signature); the proxy records what arrives.
        const port = await freePort();
        const prometheus = await startPrometheus({ name: "verify-sigv4", port, configYaml: `global: {scrape_interval: 1s}\nscrape_configs: [{job_name: self, static_configs: [{targets: ["127.0.0.1:${port}"]}]}]\n` });
        const proxy = await startLoopbackProxy(prometheus.url);
        try {
            const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: "session-token" };
            const access: GlobalAccess = {
                source: "test",
                zones: [],
                metricsBackend: "amp",
                metricsTransport: "remote-write",
                prometheusUrl: proxy.url,
                sigv4: { region: "eu-west-1", credentials },
                logs: { backend: "none", url: "", tenant: "" },
                traces: { backend: "none", url: "" },
            };
            const q = 'count(up{job="self"} == 1)';
            const result = await waitFor("self-scrape", async () => {
                const r = await promQuery(access, q);
                return r.length > 0 ? r : undefined;
            }, { timeoutMs: 30_000, intervalMs: 500 });
            assert.equal(result[0].value[1], "1");
            const sent = proxy.requests.at(-1)!;
            assert.equal(sent.status, 200);
            const date = String(sent.headers["x-amz-date"]);
            assert.match(date, /^\d{8}T\d{6}Z$/);
            assert.equal(sent.headers["x-amz-security-token"], "session-token");
            assert.match(String(sent.headers.authorization), new RegExp(`^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/${date.slice(0, 8)}/eu-west-1/aps/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$`));
            // Re-signing what the proxy received (host, path and query as on the wire) gives the same signature.
            const now = new Date(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`);
            const again = sigV4Headers({ method: "GET", url: new URL(`http://${sent.headers.host}${sent.path}`), region: "eu-west-1", service: "aps", credentials, now });
            assert.equal(sent.headers.authorization, again.authorization);
            assert.equal(new URL(`http://x${sent.path}`).searchParams.get("query"), q);
        } finally {
            await proxy.stop();
        }
    });
});
