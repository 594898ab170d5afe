import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { parse } from "yaml";
import { DEFAULT_OUT_OF_ORDER_TIME_WINDOW } from "../../components/prometheus/outage-survival";
import { parsePromDuration } from "../../components/kernel/duration";
import { parsePrometheusVersion, prometheusModeFlags } from "../../components/prometheus/prometheus-mode";
import { TENANT_HEADER } from "../../components/kernel/tenant-header";
import { renderZonePrometheusConfig } from "../../components/prometheus/zone-config";
import { evaluateEnvironment, EnvironmentEvaluation } from "../../infra/plan/evaluate-environment";
import { counterAssignment, COUNTER_METRIC, startCounterEndpoint } from "../support/counted-samples";
import { zoneSettings } from "../support/fixtures";
import { startGeneratedGlobal, zoneWriters } from "../support/generated-global";
import { startGeneratedZone } from "../support/generated-zone";
import { startKumaHttpSdBridge } from "../support/kuma-http-sd-bridge";
import { BasicAuth, waitFor } from "../support/loopback-http";
import { startMadsServer } from "../support/mads-server";
import { MetricsEndpoint, startMetricsEndpoint } from "../support/metrics-endpoint";
import { withPrometheusPod } from "../support/rendered-pod";
import { output, yamlFile } from "../support/plan-access";
import { PROMETHEUS2_BIN, PrometheusProcess, prometheusVersionOf, PROMTOOL2_BIN, promtoolCheckConfig, startPrometheus, stopAllPrometheus } from "../support/prometheus-process";
import { pushOneSample } from "../support/remote-write-push";
import { testStack } from "../support/stack-file";
import { startLoopbackProxy } from "../support/loopback-proxy";
import { findNonLoopbackAddresses, kumaSdEntries, parsePrometheusYaml, PrometheusConfig, renderPrometheusYaml, rewriteFilePaths, swapKumaSdForHttpSd } from "../support/swap-discovery";

/**
 * The 2.x compatibility run: the few things the program still supports on a Prometheus 2.x, run on
 * Debian 12's 2.42 (PROMETHEUS2_BIN / PROMTOOL2_BIN; `.ci/run` installs it). Everything else runs
 * on 3.5 only. The chart always runs 3.14, so 2.x matters where the program does not pick the binary:
 * - a team's own Prometheus taking `existingPrometheusSnippet` (kuma_sd jobs, relabeling, the
 *   remote-write block with its queue): merged into an existing 2.x config, it passes promtool 2.42
 *   and a 2.42 process runs it, scraping through the bridge and writing to the generated 3.5 global;
 * - agent mode on a 2.x image: prometheusModeFlags gives `--enable-feature=agent` (2.32+), which
 *   2.42 runs, and 2.42 refuses 3.x's `--agent` and any TSDB flag in agent mode;
 * - the 2.x behaviour the README warns about for a global: 2.42 answers a sample older than its
 *   out-of-order window with 500 (retried forever by the zone), where 3.5 answers 400.
 * Not checked on 2.x: SigV4 and custom headers (Debian's 2.42 build sends neither, which a note
 * test asserts for a generated Mimir zone's X-Scope-OrgID; upstream 2.x builds send them),
 * Kubernetes pod discovery (Debian's 2.42 lacks kubernetes_sd_configs), the global.
 */

const VERSION2 = prometheusVersionOf(PROMETHEUS2_BIN);
const FAST = { scrapeInterval: "1s", dataplaneScrapeInterval: "1s", discovery: { refreshInterval: "1s" } };
const MIMIR_ENV = [
    testStack("cxm-global", { zones: ["mim"], metrics: { backend: "mimir", mimir: { tenant: "mesh-2x", storage: { type: "s3", bucket: "b-mimir", region: "eu-west-1" } } } }, ["s3AccessKeyId", "s3SecretAccessKey"]),
    testStack("cxm-zone-mim", { mesh: { version: "2.14.3" }, namespace: "obs-mim", zonePrometheus: FAST }),
];
const ENV_FILES = [
    testStack("cx-global", { zones: ["east"], globalPrometheus: { scrapeInterval: "2s" } }),
    testStack("cx-zone-east", { mesh: { version: "2.14.3" }, namespace: "obs-east", zonePrometheus: FAST }),
];

describe(`Prometheus 2.x compatibility (Debian's ${VERSION2})`, function () {
    this.timeout(120_000);
    const stops: Array<() => Promise<void>> = [];
    let env: EnvironmentEvaluation;
    let global: PrometheusProcess;
    let writer: BasicAuth;
    let nodeExporter: MetricsEndpoint;

    before(async () => {
        assert.equal(parsePrometheusVersion(VERSION2).major, 2, `${PROMETHEUS2_BIN} is ${VERSION2}, not a 2.x (set PROMETHEUS2_BIN)`);
        env = await evaluateEnvironment("cx", { files: ENV_FILES });
        ({ global, writer } = await startGeneratedGlobal(env.stacks[0], "cx-global"));
        nodeExporter = await startMetricsEndpoint({ path: "/metrics", metrics: (n) => `# TYPE node_boot_count counter\nnode_boot_count ${n}\n` });
        stops.push(() => nodeExporter.stop());
    });

    after(async () => {
        await stopAllPrometheus();
        for (const stop of stops) await stop();
    });

    const zoneEv = () => env.stacks[1];
    /** The snippet merged into a team's own prometheus.yml, as the operability docs say (their global settings and jobs kept). */
    const mergeInto = (existing: PrometheusConfig, snippet: PrometheusConfig): PrometheusConfig => ({
        global: { ...(existing.global as object), external_labels: (snippet.global as { external_labels: unknown }).external_labels },
        scrape_configs: [...(existing.scrape_configs as unknown[]), ...(snippet.scrape_configs as unknown[])],
        remote_write: snippet.remote_write,
    });

    /**
     * What the snippet's header tells a team on an older Prometheus to do: drop `protobuf_message`
     * and `metadata_config.send` (Remote Write 2.0 needs 2.54+; the global accepts 1.0 too), and
     * write the zone's active user as `username` where basic_auth lacks `username_file`.
     */
    const asFor2x = (remoteWrite: unknown): unknown =>
        (remoteWrite as Array<Record<string, unknown>>).map(({ protobuf_message: _dropped, ...rw }) => {
            const { send: _send, ...metadata } = (rw.metadata_config ?? {}) as Record<string, unknown>;
            const { username_file: _file, ...auth } = rw.basic_auth as Record<string, unknown>;
            return { ...rw, metadata_config: metadata, basic_auth: { ...auth, username: zoneWriters(env.stacks[0]).east.username } };
        });
    const snippetText = () => String(output(zoneEv(), "existingPrometheusSnippet"));

    it("existingPrometheusSnippet merged into an existing config passes promtool 2.42 once its header's 2.x instruction is applied (kuma_sd swapped: Debian's build lacks it)", () => {
        assert.match(snippetText(), /protobuf_message \(Remote Write 2\.0\) needs Prometheus 2\.54 or later; on an older one remove it and metadata_config\.send/);
        assert.match(snippetText(), /basic_auth lacks username_file \(2\.42 refuses it\), write username: <active\.username> instead/);
        const snippet = parse(snippetText()) as PrometheusConfig;
        const existing = { global: { scrape_interval: "30s" }, scrape_configs: [{ job_name: "node", static_configs: [{ targets: ["node-exporter:9100"] }] }] };
        // The files the snippet names are the zone's mounted Secret: taken from its rendered pod, laid out (rendered-pod.ts).
        withPrometheusPod(zoneEv(), "zone-prometheus", (pod) => {
            const local = Object.fromEntries([...pod.files.keys()].map((f) => [f, pod.local(f)]));
            const merged = rewriteFilePaths(swapKumaSdForHttpSd(mergeInto(existing, snippet), () => "http://127.0.0.1:9/targets"), local);
            const asIs = promtoolCheckConfig(renderPrometheusYaml(merged), {}, { promtool: PROMTOOL2_BIN });
            assert.ok(!asIs.ok && /protobuf_message|username_file/.test(asIs.output), `2.42 should refuse the snippet as it is: ${asIs.output}`);
            const r = promtoolCheckConfig(renderPrometheusYaml({ ...merged, remote_write: asFor2x(merged.remote_write) }), {}, { promtool: PROMTOOL2_BIN });
            assert.ok(r.ok, r.output);
            assert.match(r.output, /SUCCESS/);
        });
    });

    it("a 2.42 running the snippet merged into its own config (Remote Write 1.0 and an inline username, as its header says) scrapes the mesh and remote-writes to the generated 3.5 global", async () => {
        const snippet = parse(snippetText()) as PrometheusConfig;
        const generated = yamlFile(zoneEv(), "prometheus", "prometheus.yml");
        assert.deepEqual(snippet.remote_write, generated.remote_write, "the snippet writes exactly as the zone does");
        const dataplane = await startCounterEndpoint();
        const cp = await startMetricsEndpoint({ path: "/metrics", metrics: (n) => `# TYPE xds_requests_total counter\nxds_requests_total ${n}\n` });
        stops.push(() => Promise.all([dataplane.stop(), cp.stop()]).then(() => undefined));
        const zone = await startGeneratedZone({
            zoneEv: zoneEv(),
            name: "cx-zone-east-2x",
            bin: PROMETHEUS2_BIN,
            assignments: [counterAssignment("east", "backend", dataplane)],
            controlPlaneAddress: cp.address,
            receiverBase: new URL(String(output(env.stacks[0], "remoteWriteUrl"))).origin,
            receiverUrl: global.url,
            // The localised generated config reduced to the snippet's parts, merged into the team's own config.
            transform: (cfg) => {
                const jobs = (cfg.scrape_configs as Array<{ job_name: string }>).filter((j) => j.job_name !== "prometheus");
                assert.deepEqual(jobs.map((j) => j.job_name), (snippet.scrape_configs as Array<{ job_name: string }>).map((j) => j.job_name));
                const existing = { global: { scrape_interval: "1s" }, scrape_configs: [{ job_name: "node", static_configs: [{ targets: [nodeExporter.address] }] }] };
                return mergeInto(existing, { global: cfg.global, scrape_configs: jobs, remote_write: asFor2x(cfg.remote_write) });
            },
        });
        stops.push(() => zone.stopDiscovery());
        assert.ok(zone.prometheus.logs().includes(`${PROMETHEUS2_BIN} `), "runs the 2.x binary");
        const s = await waitFor(
            "the 2.42 zone's dataplane on the global",
            async () => {
                const r = await global.query(`${COUNTER_METRIC}{zone="east", dataplane="backend.east"}`, writer);
                return r.length === 1 ? r : undefined;
            },
            { timeoutMs: 60_000, intervalMs: 500 },
        );
        assert.equal(s[0].metric.mesh, "default");
        assert.equal(s[0].metric.kuma_io_service, "backend");
        const node = await waitFor("the team's own job on the global, with the zone label", async () => {
            const r = await global.query('node_boot_count{zone="east", job="node"}', writer);
            return r.length === 1 ? r : undefined;
        }, { timeoutMs: 30_000, intervalMs: 500 });
        assert.equal(node[0].metric.instance, nodeExporter.address);
    });

    it("agent mode on 2.42 with prometheusModeFlags' flags for its release (--enable-feature=agent): runs and forwards", async () => {
        const flags = prometheusModeFlags({ mode: "agent", version: VERSION2, storagePath: "/data" });
        assert.deepEqual(flags, ["--enable-feature=agent", "--storage.agent.path=/data"]);
        const dp = await startCounterEndpoint();
        const mads = await startMadsServer([counterAssignment("north", "backend", dp)]);
        const bridge = await startKumaHttpSdBridge({ server: mads.url, fetchTimeout: "0s", refreshInterval: "1s" });
        stops.push(async () => {
            await bridge.stop();
            await mads.stop();
            await dp.stop();
        });
        const generated = renderZonePrometheusConfig(zoneSettings({ zone: "north", mode: "agent", remoteWrite: { url: `${global.url}/api/v1/write`, username: writer.username, passwordFile: "rw-password" }, scrapeInterval: "1s", dataplaneScrapeInterval: "1s" }));
        const cfg = swapKumaSdForHttpSd(parsePrometheusYaml(generated), () => bridge.url);
        assert.equal(kumaSdEntries(cfg).length, 0);
        const withoutCp = { ...cfg, scrape_configs: (cfg.scrape_configs as Array<{ job_name: string }>).filter((j) => j.job_name === "kuma-dataplanes") };
        assert.deepEqual(findNonLoopbackAddresses(withoutCp), []);
        const agent = await startPrometheus({ name: "agent-2x", bin: PROMETHEUS2_BIN, agent: true, configYaml: renderPrometheusYaml(withoutCp), files: { "rw-password": writer.password } });
        const cmd = agent.logs().split("\n").find((l) => l.startsWith("=== harness: "))!;
        assert.ok(cmd.includes(` --enable-feature=agent --storage.agent.path=${agent.dataDir}`), cmd);
        assert.match(agent.logs(), /Starting Prometheus Agent/);
        await waitFor("the 2.42 agent's samples on the global", async () => {
            const r = await global.query(`${COUNTER_METRIC}{zone="north", dataplane="backend.north"}`, writer);
            return r.length === 1 ? r : undefined;
        }, { timeoutMs: 60_000, intervalMs: 500 });
    });

    it("note: Debian's 2.42 build sends remote writes without the configured X-Scope-OrgID (why Mimir and AMP zones are proven on 3.5 only)", async () => {
        const [mimirGlobal, mimirZone] = (await evaluateEnvironment("cxm", { files: MIMIR_ENV })).stacks;
        assert.deepEqual(yamlFile(mimirZone, "prometheus", "prometheus.yml").remote_write[0].headers, { [TENANT_HEADER]: "mesh-2x" });
        const receiver = await startPrometheus({ name: "cxm-receiver", configYaml: "global: {scrape_interval: 15s}\n", extraArgs: ["--web.enable-remote-write-receiver"] });
        const proxy = await startLoopbackProxy(receiver.url, { upstreamPath: () => "/api/v1/write" });
        const dataplane = await startCounterEndpoint();
        const cp = await startMetricsEndpoint({ path: "/metrics", metrics: (n) => `# TYPE xds_requests_total counter\nxds_requests_total ${n}\n` });
        stops.push(() => Promise.all([proxy.stop(), dataplane.stop(), cp.stop()]).then(() => undefined));
        const zone = await startGeneratedZone({
            zoneEv: mimirZone,
            name: "cxm-zone-2x",
            bin: PROMETHEUS2_BIN,
            assignments: [counterAssignment("mim", "backend", dataplane)],
            controlPlaneAddress: cp.address,
            receiverBase: new URL(String(output(mimirGlobal, "remoteWriteUrl"))).origin,
            receiverUrl: proxy.url,
        });
        stops.push(() => zone.stopDiscovery());
        const writes = await waitFor("accepted writes from the 2.42 zone", () => {
            const w = proxy.requests.filter((r) => r.method === "POST" && r.status >= 200 && r.status < 300);
            return w.length > 0 ? w : undefined;
        }, { timeoutMs: 30_000 });
        // When this fails, Debian's build sends the header: Mimir zones on 2.x can then be proven here too.
        assert.ok(writes.every((w) => w.headers[TENANT_HEADER.toLowerCase()] === undefined && w.path === "/api/v1/push"), JSON.stringify(writes.map((w) => w.headers)));
    });

    it("2.42 refuses 3.x's --agent and any TSDB flag in agent mode", () => {
        const run = (args: string[]) => spawnSync(PROMETHEUS2_BIN, ["--config.file=/dev/null", "--web.listen-address=127.0.0.1:0", ...args], { encoding: "utf8", timeout: 10_000 });
        const v3 = run(prometheusModeFlags({ mode: "agent", version: "3.5.0", storagePath: "/nonexistent" }));
        assert.notEqual(v3.status, 0);
        assert.match(v3.stderr, /unknown long flag '--agent'/);
        const tsdb = run([...prometheusModeFlags({ mode: "agent", version: VERSION2, storagePath: "/nonexistent" }), "--storage.tsdb.retention.time=2d"]);
        assert.equal(tsdb.status, 3, tsdb.stderr);
        assert.match(tsdb.stderr, /can not be used in agent mode: \["--storage\.tsdb\.retention\.time"\]/);
    });

    it("a 2.42 receiver answers a sample older than its out-of-order window with 500 (the zone retries it forever; 3.5 answers 400)", async () => {
        const windowMs = parsePromDuration(DEFAULT_OUT_OF_ORDER_TIME_WINDOW)!;
        const receiver = await startPrometheus({
            name: "ooo-2x",
            bin: PROMETHEUS2_BIN,
            configYaml: renderPrometheusYaml({ global: { scrape_interval: "15s" }, storage: { tsdb: { out_of_order_time_window: DEFAULT_OUT_OF_ORDER_TIME_WINDOW } } }),
            extraArgs: ["--web.enable-remote-write-receiver"],
        });
        const url = `${receiver.url}/api/v1/write`;
        const labels: Array<[string, string]> = [["__name__", "ooo_probe"], ["zone", "probe"]];
        assert.equal((await pushOneSample(url, labels, Date.now())).status, 204, "a current sample sets the head's newest time");
        const tooOld = await pushOneSample(url, labels, Date.now() - windowMs - 10 * 60_000);
        assert.deepEqual([tooOld.status, tooOld.body.trim()], [500, "too old sample"]);
        assert.equal((await pushOneSample(url, labels, Date.now() - windowMs + 10 * 60_000)).status, 204, "inside the window");
    });
});
