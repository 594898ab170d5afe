import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { formatPrometheusDuration, parseGoDuration, parsePrometheusDuration } from "./durations";
import { startKumaHttpSdBridge, KumaHttpSdBridge } from "./kuma-http-sd-bridge";
import { loopbackRequest, LoopbackResponse, waitFor } from "./loopback-http";
import { MADS_PATH, MADS_TYPE_URL, MadsServer, MonitoringAssignment, startMadsServer } from "./mads-server";
import { MetricsEndpoint, startMetricsEndpoint } from "./metrics-endpoint";
import { withFlags, withoutFlagsNamed } from "./mounted-workload";
import { promtoolCheckConfig, startPrometheus, stopAllPrometheus } from "./prometheus-process";
import {
    findNonLoopbackAddresses,
    kumaSdEntries,
    parsePrometheusYaml,
    renderPrometheusYaml,
    rewriteAddresses,
    rewriteFilePaths,
    swapKumaSdForHttpSd,
} from "./swap-discovery";

/**
 * Proves the loopback harness itself (fake MADS, kuma->http SD bridge, metrics endpoints, config
 * rewrites) against the real Prometheus binary the tests run (Debian sid's 3.5), so project tests can trust it.
 */

function madsPost(server: MadsServer, body: unknown, fetchTimeout?: string): Promise<LoopbackResponse> {
    const query = fetchTimeout === undefined ? "" : `?fetch-timeout=${encodeURIComponent(fetchTimeout)}`;
    return loopbackRequest({
        method: "POST",
        url: `${server.url}${MADS_PATH}${query}`,
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: typeof body === "string" ? body : JSON.stringify(body),
        timeoutMs: 15_000,
    });
}

const request = (nodeId: string, versionInfo?: string): Record<string, unknown> => ({
    ...(versionInfo === undefined ? {} : { version_info: versionInfo, response_nonce: "1" }),
    node: { id: nodeId },
    type_url: MADS_TYPE_URL,
});

function twoMeshAssignments(addressA: string, addressB: string): MonitoringAssignment[] {
    return [
        {
            mesh: "mesh-a",
            service: "backend",
            // "team" clashes with a target label: the assignment's value must win.
            labels: { team: "payments", "kuma.io/zone": "zone-1" },
            targets: [
                {
                    name: "backend-01.kuma-demo",
                    scheme: "http",
                    address: addressA,
                    metrics_path: "/metrics",
                    labels: { "k8s.kuma.io/namespace": "kuma-demo", team: "ignored", "kuma.io/service": "backend_kuma-demo_svc_3001" },
                },
            ],
        },
        {
            mesh: "mesh-b",
            service: "edge-gateway",
            labels: {},
            targets: [
                {
                    name: "edge-gateway-7f9c",
                    scheme: "http",
                    address: addressB,
                    metrics_path: "/stats/prometheus",
                    labels: { "kuma.io/zone": "zone-2", "kuma.io/mesh-gateway": "edge" },
                },
            ],
        },
    ];
}

const expectedKumaLabels = {
    "backend-01.kuma-demo": {
        __meta_kuma_mesh: "mesh-a",
        __meta_kuma_service: "backend",
        __meta_kuma_dataplane: "backend-01.kuma-demo",
        __meta_kuma_label_team: "payments",
        __meta_kuma_label_kuma_io_zone: "zone-1",
        __meta_kuma_label_k8s_kuma_io_namespace: "kuma-demo",
        __meta_kuma_label_kuma_io_service: "backend_kuma-demo_svc_3001",
    },
    "edge-gateway-7f9c": {
        __meta_kuma_mesh: "mesh-b",
        __meta_kuma_service: "edge-gateway",
        __meta_kuma_dataplane: "edge-gateway-7f9c",
        __meta_kuma_label_kuma_io_zone: "zone-2",
        __meta_kuma_label_kuma_io_mesh_gateway: "edge",
    },
};

const metaKuma = (labels: Record<string, string>): Record<string, string> =>
    Object.fromEntries(Object.entries(labels).filter(([k]) => k.startsWith("__meta_kuma_")));

describe("test harness: fake Kuma MADS server", function () {
    let mads: MadsServer;
    const initial = twoMeshAssignments("127.0.0.1:1", "127.0.0.1:2");

    beforeEach(async () => {
        mads = await startMadsServer(initial);
    });
    afterEach(async () => {
        await mads.stop();
    });

    it("answers 200 with a DiscoveryResponse, then 304 with an empty body for the same version", async () => {
        const first = await madsPost(mads, request("prom-zone-1"), "0s");
        assert.equal(first.status, 200);
        assert.match(String(first.headers["content-type"]), /^application\/json/);
        const body = JSON.parse(first.body);
        assert.equal(body.type_url, MADS_TYPE_URL);
        assert.equal(body.version_info, mads.version);
        assert.ok(body.nonce);
        assert.equal(body.resources.length, 2);
        assert.equal(body.resources[0]["@type"], MADS_TYPE_URL);
        assert.deepEqual(body.resources[0].targets[0], initial[0].targets[0]);

        const second = await madsPost(mads, request("prom-zone-1", body.version_info), "0s");
        assert.equal(second.status, 304);
        assert.equal(second.body, "");

        assert.deepEqual(
            mads.requests.map((r) => [r.nodeId, r.fetchTimeout, r.versionInfo, r.status]),
            [
                ["prom-zone-1", "0s", "", 200],
                ["prom-zone-1", "0s", body.version_info, 304],
            ],
        );
    });

    it("accepts camelCase DiscoveryRequest fields", async () => {
        const res = await madsPost(mads, { versionInfo: mads.version, responseNonce: "1", node: { id: "camel" }, typeUrl: MADS_TYPE_URL }, "0s");
        assert.equal(res.status, 304);
        assert.equal(mads.requests[0].nodeId, "camel");
    });

    it("holds a long poll until setAssignments() and answers with the new version", async () => {
        const before = mads.version;
        const started = Date.now();
        const pending = madsPost(mads, request("prom-zone-1", before), "1m30s");
        await waitFor("the poll to be held", () => (mads.heldPolls === 1 ? true : undefined), { timeoutMs: 2000, intervalMs: 10 });
        mads.setAssignments(initial.slice(0, 1));
        const res = await pending;
        assert.equal(res.status, 200);
        const body = JSON.parse(res.body);
        assert.notEqual(body.version_info, before);
        assert.equal(body.resources.length, 1);
        assert.ok(Date.now() - started < 2000, "released promptly, not at the 90 s timeout");
        assert.equal(mads.requests[0].fetchTimeoutMs, 90_000);
    });

    it("answers 304 when a long poll's fetch-timeout elapses without changes", async () => {
        const started = Date.now();
        const res = await madsPost(mads, request("prom-zone-1", mads.version), "300ms");
        const elapsed = Date.now() - started;
        assert.equal(res.status, 304);
        assert.ok(elapsed >= 280 && elapsed < 2000, `held ${elapsed} ms`);
    });

    it("answers at once when fetch-timeout is 0s (the Kuma 2.6.0 workaround)", async () => {
        const started = Date.now();
        const res = await madsPost(mads, request("prom-zone-1", mads.version), "0s");
        assert.equal(res.status, 304);
        assert.ok(Date.now() - started < 1000, "not held (a missing fetch-timeout would hold for Kuma's 30 s default)");
    });

    it("serves per-client snapshots keyed by node.id", async () => {
        mads.setAssignments(initial.slice(1), "prom-zone-2");
        const other = JSON.parse((await madsPost(mads, request("prom-zone-1"), "0s")).body);
        const own = JSON.parse((await madsPost(mads, request("prom-zone-2"), "0s")).body);
        assert.deepEqual(other.resources.map((r: { mesh: string }) => r.mesh), ["mesh-a", "mesh-b"]);
        assert.deepEqual(own.resources.map((r: { mesh: string }) => r.mesh), ["mesh-b"]);
    });

    it("fails every request with failWith(status) until failWith(null)", async () => {
        mads.failWith(500);
        assert.equal((await madsPost(mads, request("p"), "0s")).status, 500);
        mads.failWith(null);
        assert.equal((await madsPost(mads, request("p"), "0s")).status, 200);
    });

    it("rejects a bad fetch-timeout or body with 400, like Kuma", async () => {
        assert.equal((await madsPost(mads, request("p"), "2 minutes")).status, 400);
        assert.equal((await madsPost(mads, "{not json", "0s")).status, 400);
    });

    it("can become unreachable and come back on the same port", async () => {
        await mads.stopListening();
        await assert.rejects(madsPost(mads, request("p"), "0s"), /ECONNREFUSED/);
        await mads.resumeListening();
        assert.equal((await madsPost(mads, request("p"), "0s")).status, 200);
    });
});

describe("test harness: kuma -> http_sd bridge", function () {
    let mads: MadsServer;
    let bridge: KumaHttpSdBridge | undefined;

    beforeEach(async () => {
        mads = await startMadsServer(twoMeshAssignments("127.0.0.1:5670", "127.0.0.1:9901"));
    });
    afterEach(async () => {
        await bridge?.stop();
        bridge = undefined;
        await mads.stop();
    });

    it("serves the labels Prometheus' kuma SD would produce, with sanitised label names", async () => {
        bridge = await startKumaHttpSdBridge({ server: mads.url, clientId: "prom-zone-1", fetchTimeout: "90s", refreshInterval: "100ms" });
        await bridge.waitForUpdates(1, 3000);
        const res = await loopbackRequest({ url: bridge.url });
        assert.equal(res.status, 200);
        assert.equal(res.headers["content-type"], "application/json");
        const groups = JSON.parse(res.body);
        assert.deepEqual(groups, [
            {
                targets: ["127.0.0.1:5670"],
                labels: {
                    ...expectedKumaLabels["backend-01.kuma-demo"],
                    instance: "backend-01.kuma-demo",
                    __scheme__: "http",
                    __metrics_path__: "/metrics",
                },
            },
            {
                targets: ["127.0.0.1:9901"],
                labels: {
                    ...expectedKumaLabels["edge-gateway-7f9c"],
                    instance: "edge-gateway-7f9c",
                    __scheme__: "http",
                    __metrics_path__: "/stats/prometheus",
                },
            },
        ]);

        // Second request: long poll with the echoed version/nonce and Prometheus' duration format.
        await waitFor("the bridge's long poll", () => (mads.heldPolls === 1 ? true : undefined), { timeoutMs: 2000, intervalMs: 10 });
        const [first, second] = mads.requests;
        assert.equal(first.nodeId, "prom-zone-1");
        assert.equal(first.versionInfo, "");
        assert.equal(first.fetchTimeout, "1m30s");
        assert.equal(first.contentType, "application/json");
        assert.equal(second.versionInfo, mads.version);
        assert.notEqual(second.responseNonce, "");

        mads.setAssignments([]);
        await bridge.waitForUpdates(2, 3000);
        assert.deepEqual(bridge.targetGroups(), []);
    });

    it("counts 304 as skipped and keeps the last targets through failures and outages", async () => {
        bridge = await startKumaHttpSdBridge({ server: mads.url, clientId: "c", fetchTimeout: "0s", refreshInterval: "50ms" });
        await bridge.waitForUpdates(1, 3000);
        const known = bridge.targetGroups();
        assert.equal(known.length, 2);
        await waitFor("a skipped (304) fetch", () => (bridge!.skipped >= 1 ? true : undefined), { timeoutMs: 2000 });

        mads.failWith(500);
        await waitFor("a failed fetch", () => (bridge!.failures >= 1 ? true : undefined), { timeoutMs: 2000 });
        assert.match(String(bridge.lastError), /non 200 status '500'/);
        assert.deepEqual(bridge.targetGroups(), known);
        mads.failWith(null);

        await mads.stopListening();
        const failuresBefore = bridge.failures;
        await waitFor("a refused fetch", () => (bridge!.failures > failuresBefore ? true : undefined), { timeoutMs: 2000 });
        assert.deepEqual(bridge.targetGroups(), known);

        await mads.resumeListening();
        mads.setAssignments(twoMeshAssignments("127.0.0.1:5670", "127.0.0.1:9901").slice(1));
        await bridge.waitForUpdates(2, 3000);
        assert.equal(bridge.targetGroups().length, 1);
    });
});

describe("test harness: config rewrites", function () {
    const generated = parsePrometheusYaml(`
global:
  scrape_interval: 15s
scrape_configs:
  - job_name: kuma-dataplanes
    kuma_sd_configs:
      - server: http://kuma-control-plane.kuma-system:5676
        client_id: prom-zone-1
        fetch_timeout: 2m
        refresh_interval: 30s
        basic_auth: {username: mads, password_file: /etc/prometheus/secrets/mads}
    relabel_configs:
      - action: labelmap
        regex: __meta_kuma_label_(.+)
  - job_name: kuma-cp
    static_configs:
      - targets: ["kuma-control-plane.kuma-system:5680"]
remote_write:
  - url: https://global-prom.example.internal/api/v1/write
    basic_auth: {username: zone-1, password_file: /etc/prometheus/secrets/rw}
`);

    it("swaps only the kuma SD block and rewrites addresses and file paths without mutating input", () => {
        const before = structuredClone(generated);
        const seen: string[] = [];
        let swapped = swapKumaSdForHttpSd(generated, (server, clientId) => {
            seen.push(`${server} ${clientId}`);
            return "http://127.0.0.1:1/targets";
        });
        swapped = rewriteAddresses(swapped, {
            "kuma-control-plane.kuma-system:5680": "127.0.0.1:2",
            "https://global-prom.example.internal": "http://127.0.0.1:3",
        });
        swapped = rewriteFilePaths(swapped, { "/etc/prometheus/secrets/rw": "rw-password" });
        assert.deepEqual(generated, before);
        assert.deepEqual(seen, ["http://kuma-control-plane.kuma-system:5676 prom-zone-1"]);
        const jobs = swapped["scrape_configs"] as Array<Record<string, unknown>>;
        assert.deepEqual(Object.keys(jobs[0]), ["job_name", "http_sd_configs", "relabel_configs"]);
        assert.deepEqual(jobs[0]["http_sd_configs"], [{ url: "http://127.0.0.1:1/targets", refresh_interval: "30s" }]);
        assert.deepEqual(jobs[0]["relabel_configs"], (generated["scrape_configs"] as Array<Record<string, unknown>>)[0]["relabel_configs"]);
        assert.deepEqual(jobs[1]["static_configs"], [{ targets: ["127.0.0.1:2"] }]);
        const rw = (swapped["remote_write"] as Array<Record<string, unknown>>)[0];
        assert.equal(rw["url"], "http://127.0.0.1:3/api/v1/write");
        assert.deepEqual(rw["basic_auth"], { username: "zone-1", password_file: "rw-password" });
        assert.deepEqual(findNonLoopbackAddresses(swapped), []);
        assert.equal(findNonLoopbackAddresses(generated).length, 3);

        const check = promtoolCheckConfig(renderPrometheusYaml(swapped), { "rw-password": "secret\n" });
        assert.ok(check.ok, check.output);
        const unswapped = promtoolCheckConfig(renderPrometheusYaml(generated));
        assert.equal(unswapped.ok, false, "Debian's builds (3.5 and 2.42) have no kuma_sd_configs, which is why the bridge exists");
        assert.match(unswapped.output, /field kuma_sd_configs not found/);
    });

    it("rewrites a bare host:port inside URLs, matches origins with default ports, refuses prototype keys", () => {
        const config = parsePrometheusYaml(`
remote_write: [{url: "http://global-prom:9090/api/v1/write"}, {url: "http://receiver.svc:80/api/v1/write"}]
scrape_configs: [{job_name: x, static_configs: [{targets: ["constructor", "cp:5680"]}]}]
`);
        const out = rewriteAddresses(config, {
            "global-prom:9090": "127.0.0.1:4",
            "cp:5680": "127.0.0.1:5",
            [new URL("http://receiver.svc:80/x").origin]: "http://127.0.0.1:6", // origin drops ":80"
        });
        assert.deepEqual((out["remote_write"] as Array<{ url: string }>).map((r) => r.url), [
            "http://127.0.0.1:4/api/v1/write",
            "http://127.0.0.1:6/api/v1/write",
        ]);
        assert.deepEqual((out["scrape_configs"] as Array<{ static_configs: unknown }>)[0].static_configs, [{ targets: ["constructor", "127.0.0.1:5"] }]);
        assert.deepEqual(findNonLoopbackAddresses(out), ["scrape_configs[x] static_configs: constructor"]);
    });
});

describe("test harness: chart flags with a caller's", function () {
    it("appends, and a flag of the same name replaces the chart's (Prometheus refuses a repeated flag)", () => {
        const chart = ["--web.enable-lifecycle", "--storage.tsdb.wal-segment-size=256MB"];
        assert.deepEqual(withFlags(chart, ["--storage.tsdb.wal-segment-size=20480KB", "--storage.tsdb.min-block-duration=562500ms"]), [
            "--web.enable-lifecycle",
            "--storage.tsdb.wal-segment-size=20480KB",
            "--storage.tsdb.min-block-duration=562500ms",
        ]);
        assert.deepEqual(withFlags(chart), chart);
    });

    it("drops an agent's storage flags that extra flags name (they are passed apart from the chart's other flags)", () => {
        const agentStorage = ["--agent", "--storage.agent.path=/data", "--storage.agent.wal-segment-size=256MB"];
        assert.deepEqual(withoutFlagsNamed(agentStorage, ["--storage.agent.wal-segment-size=20480KB", "--storage.agent.wal-truncate-frequency=562500ms"]), ["--agent", "--storage.agent.path=/data"]);
        assert.deepEqual(withoutFlagsNamed(agentStorage), agentStorage);
    });
});

describe("test harness: duration dialects", function () {
    it("parses fetch-timeout like Go and formats fetch_timeout like Prometheus", () => {
        assert.deepEqual(["0", "0s", "2m", "1m30s", "500ms", "1.5h", "-1s", ".5s"].map(parseGoDuration), [0, 0, 120_000, 90_000, 500, 5_400_000, -1000, 500]);
        for (const bad of ["", "2", "1d", "2 m", "m", "1.s5"]) assert.throws(() => parseGoDuration(bad), /invalid duration/, bad);
        assert.deepEqual(["0s", "15s", "2m", "1d", "1h30m"].map(parsePrometheusDuration), [0, 15_000, 120_000, 86_400_000, 5_400_000]);
        assert.throws(() => parsePrometheusDuration("1.5s"));
        assert.deepEqual([0, 90_000, 120_000, 500, 86_400_000, 90_000_000].map(formatPrometheusDuration), ["0s", "1m30s", "2m", "500ms", "1d", "25h"]);
    });
});

describe("test harness: real Prometheus (3.5) discovering through the bridge", function () {
    this.timeout(30_000);
    let mads: MadsServer;
    let bridge: KumaHttpSdBridge;
    let dataplane: MetricsEndpoint;
    let gateway: MetricsEndpoint;

    before(async () => {
        const counter = (name: string) => (n: number) => `# HELP ${name} Requests.\n# TYPE ${name} counter\n${name}{code="200"} ${n}\n`;
        dataplane = await startMetricsEndpoint({ path: "/metrics", metrics: counter("dp_requests_total") });
        gateway = await startMetricsEndpoint({ path: "/stats/prometheus", metrics: counter("envoy_cluster_upstream_rq_total") });
        mads = await startMadsServer(twoMeshAssignments(dataplane.address, gateway.address));
    });
    after(async () => {
        await stopAllPrometheus();
        await bridge?.stop();
        await Promise.all([mads?.stop(), dataplane?.stop(), gateway?.stop()]);
    });

    it("discovers both dataplanes with the kuma meta labels and scrapes them", async () => {
        const generated = parsePrometheusYaml(`
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: kuma-dataplanes
    kuma_sd_configs:
      - server: http://kuma-control-plane.kuma-system:5676
        client_id: prom-zone-1
        fetch_timeout: 2m
        refresh_interval: 15s
    relabel_configs:
      - source_labels: [__meta_kuma_mesh]
        target_label: mesh
      - action: labelmap
        regex: __meta_kuma_label_(.+)
`);
        const local = rewriteAddresses(generated, { "http://kuma-control-plane.kuma-system:5676": mads.url });
        const [{ entry }] = kumaSdEntries(local);
        bridge = await startKumaHttpSdBridge({
            server: entry.server,
            clientId: entry.client_id,
            fetchTimeout: entry.fetch_timeout ?? "2m",
            refreshInterval: entry.refresh_interval ?? "15s",
        });
        const runnable = swapKumaSdForHttpSd(local, () => bridge.url, { refreshInterval: "1s" });
        assert.deepEqual(findNonLoopbackAddresses(runnable), []);

        const prom = await startPrometheus({ name: "harness", configYaml: renderPrometheusYaml(runnable) });
        const active = await waitFor(
            "two healthy targets",
            async () => {
                const { activeTargets } = await prom.targets();
                return activeTargets.length === 2 && activeTargets.every((t) => t.health === "up") ? activeTargets : undefined;
            },
            { timeoutMs: 15_000, intervalMs: 250 },
        );
        const byInstance = Object.fromEntries(active.map((t) => [t.labels["instance"], t]));
        assert.deepEqual(metaKuma(byInstance["backend-01.kuma-demo"].discoveredLabels), expectedKumaLabels["backend-01.kuma-demo"]);
        assert.deepEqual(metaKuma(byInstance["edge-gateway-7f9c"].discoveredLabels), expectedKumaLabels["edge-gateway-7f9c"]);
        assert.equal(byInstance["backend-01.kuma-demo"].scrapeUrl, `http://${dataplane.address}/metrics`);
        assert.equal(byInstance["edge-gateway-7f9c"].scrapeUrl, `http://${gateway.address}/stats/prometheus`);
        // http_sd adds __meta_url: the one discovered label real kuma SD would not have.
        assert.equal(byInstance["backend-01.kuma-demo"].discoveredLabels["__meta_url"], bridge.url);

        const up = await waitFor(
            "up == 1 for both",
            async () => {
                const samples = await prom.query("up == 1");
                return samples.length === 2 ? samples : undefined;
            },
            { timeoutMs: 5000, intervalMs: 250 },
        );
        assert.deepEqual(up.map((s) => `${s.metric["instance"]} ${s.metric["mesh"]} ${s.metric["kuma_io_zone"]}`).sort(), [
            "backend-01.kuma-demo mesh-a zone-1",
            "edge-gateway-7f9c mesh-b zone-2",
        ]);
        assert.ok(dataplane.scrapes >= 1 && gateway.scrapes >= 1);
        assert.equal(mads.requests[0].nodeId, "prom-zone-1");

        // restart(): same port, same data dir, so series scraped before the restart are still there.
        const port = prom.port;
        await prom.restart();
        assert.equal(prom.port, port);
        const series = await prom.series('dp_requests_total{mesh="mesh-a"}');
        assert.equal(series.length, 1);
        assert.equal(series[0]["k8s_kuma_io_namespace"], "kuma-demo");
    });
});

describe("test harness: Prometheus process lifecycle", function () {
    this.timeout(20_000);
    after(stopAllPrometheus);

    it("runs in agent mode, reloads, and comes back on the same port after kill()", async () => {
        const valid = "global: {scrape_interval: 1s}\nscrape_configs: []\n";
        const prom = await startPrometheus({ name: "agent", agent: true, configYaml: valid, files: { "secrets/password": "s3cret\n" } });
        assert.equal(fs.readFileSync(path.join(prom.dir, "secrets/password"), "utf8"), "s3cret\n");
        // The agent flag of the binary's release, as the chart values get it for the pinned image: `--agent` on 3.x.
        assert.ok(prom.logs().includes(` --agent --storage.agent.path=${prom.dataDir}\n`), prom.logs());
        assert.match(prom.logs(), /msg="Starting Prometheus Agent" mode=agent/);
        assert.ok(fs.existsSync(path.join(prom.dataDir, "wal")), "agent WAL lives in dataDir");

        await prom.reload("global: {scrape_interval: 2s}\nscrape_configs: []\n");
        await assert.rejects(prom.reload("scrape_configs: {not: a list}\n"), /reload failed/);
        await prom.reload(valid);

        const port = prom.port;
        await prom.kill();
        assert.equal(prom.running, false);
        await assert.rejects(loopbackRequest({ url: `${prom.url}/-/ready` }), /ECONNREFUSED/);
        await prom.restart();
        assert.equal(prom.port, port);
        assert.equal((await loopbackRequest({ url: `${prom.url}/-/ready` })).status, 200);
        await prom.dispose();
        assert.equal(fs.existsSync(prom.dir), false, "dispose() removes the temp dir");
    });

    it("fails fast with the process logs when Prometheus cannot start", async () => {
        await assert.rejects(
            startPrometheus({ name: "broken", configYaml: "scrape_configs: {not: a list}\n" }),
            (err: Error) => /exited before becoming ready/.test(err.message) && /cannot unmarshal|error loading config/i.test(err.message),
        );
    });
});
