import { strict as assert } from "assert";
import { evaluateEnvironment, EnvironmentEvaluation } from "../../infra/plan/evaluate-environment";
import { StackEvaluation } from "../../infra/plan/evaluate-stack";
import { KumaHttpSdBridge } from "../support/kuma-http-sd-bridge";
import { loopbackRequest, waitFor, BasicAuth } from "../support/loopback-http";
import { MadsServer, MonitoringAssignment } from "../support/mads-server";
import { MetricsEndpoint, startMetricsEndpoint } from "../support/metrics-endpoint";
import { GRAFANA_PROMETHEUS_USER } from "../../infra/roles/global-metrics";
import { PROMETHEUS_PASSWORD_ENV } from "../../components/grafana/global-grafana";
import { OVERVIEW_QUERIES } from "../../components/grafana/overview-dashboard";
import { one, output, revealed } from "../support/plan-access";
import { testStack } from "../support/stack-file";
import { startGeneratedGlobal } from "../support/generated-global";
import { startGeneratedZone } from "../support/generated-zone";
import { PrometheusProcess, stopAllPrometheus } from "../support/prometheus-process";

const file = testStack;

/**
 * An environment shaped like `local`, with intervals short enough for a test: east on Kuma 2.14
 * (MADS long polling), west on Kong Mesh 2.6 (fetch_timeout forced to 0s).
 */
const FAST = { scrapeInterval: "1s", dataplaneScrapeInterval: "1s", discovery: { refreshInterval: "1s" }, externalLabels: { environment: "it" } };
const ENV_FILES = [
    file("it-global", { zones: ["east", "west"], globalPrometheus: { scrapeInterval: "2s" } }),
    file("it-zone-east", { mesh: { version: "2.14.3" }, namespace: "obs-east", zonePrometheus: { ...FAST, discovery: { refreshInterval: "1s", clientId: "prometheus-east" } } }),
    file("it-zone-west", { mesh: { product: "kong-mesh", version: "2.6.3" }, namespace: "obs-west", zonePrometheus: FAST }),
];

const DATAPLANES: Record<string, Array<{ mesh: string; service: string; name: string; labels: Record<string, string> }>> = {
    east: [
        { mesh: "default", service: "backend", name: "backend-01.shop", labels: { "kuma.io/service": "backend", "kuma.io/zone": "east", "k8s.kuma.io/namespace": "shop" } },
        { mesh: "payments", service: "ledger", name: "ledger-7.pay", labels: { "kuma.io/service": "ledger", "kuma.io/zone": "east", "k8s.kuma.io/namespace": "pay" } },
    ],
    west: [
        { mesh: "default", service: "frontend", name: "frontend-3.web", labels: { "kuma.io/service": "frontend", "kuma.io/zone": "west", "k8s.kuma.io/namespace": "web" } },
        { mesh: "payments", service: "ledger", name: "ledger-9.pay", labels: { "kuma.io/service": "ledger", "kuma.io/zone": "west", "k8s.kuma.io/namespace": "pay" } },
    ],
};

interface ZoneRig {
    mads: MadsServer;
    bridge: KumaHttpSdBridge;
    endpoints: MetricsEndpoint[];
    prometheus: PrometheusProcess;
}

describe("metrics path with real Prometheus: zones remote-write to the global", function () {
    this.timeout(180_000);
    let env: EnvironmentEvaluation;
    let global: PrometheusProcess;
    let globalEv: StackEvaluation;
    let writer: BasicAuth;
    const zones = new Map<string, ZoneRig>();
    const stops: Array<() => Promise<void>> = [];

    before(async () => {
        env = await evaluateEnvironment("it", { files: ENV_FILES });
        globalEv = env.stacks[0];
        // Global: generated prometheus.yml, web config and flags; only addresses and mount paths localised.
        const started = await startGeneratedGlobal(globalEv);
        ({ global, writer } = started);
        const receiverBase = started.receiverBase;
        for (const zoneEv of env.stacks.slice(1)) {
            const zone = String(output(zoneEv, "zone"));
            const endpoints: MetricsEndpoint[] = [];
            const assignments: MonitoringAssignment[] = [];
            for (const dp of DATAPLANES[zone]) {
                const ep = await startMetricsEndpoint({
                    path: "/metrics",
                    metrics: (n) => `# TYPE envoy_cluster_upstream_rq_total counter\nenvoy_cluster_upstream_rq_total{envoy_cluster_name="upstream"} ${n * 10}\n`,
                });
                endpoints.push(ep);
                assignments.push({ mesh: dp.mesh, service: dp.service, labels: {}, targets: [{ name: dp.name, scheme: "http", address: ep.address, metrics_path: "/metrics", labels: dp.labels }] });
            }
            const cp = await startMetricsEndpoint({ path: "/metrics", metrics: (n) => `# TYPE cp_info gauge\ncp_info{instance_id="cp-${zone}"} 1\n# TYPE xds_requests_total counter\nxds_requests_total ${n}\n` });
            endpoints.push(cp);
            const { prometheus, mads, bridge, stopDiscovery } = await startGeneratedZone({
                zoneEv,
                name: `zone-${zone}`,
                assignments,
                controlPlaneAddress: cp.address,
                receiverBase,
                receiverUrl: global.url,
            });
            zones.set(zone, { mads, bridge, endpoints, prometheus });
            stops.push(async () => {
                await stopDiscovery();
                await Promise.all(endpoints.map((e) => e.stop()));
            });
        }
    });

    after(async () => {
        await stopAllPrometheus();
        for (const stop of stops) await stop();
    });

    const query = (q: string) => global.query(q, writer);
    const waitForSeries = (q: string, count: number) =>
        waitFor(`${count} series for ${q} on the global`, async () => {
            const r = await query(q);
            return r.length >= count ? r : undefined;
        }, { timeoutMs: 60_000, intervalMs: 500 });

    it("dataplane series arrive on the global with zone, mesh, dataplane and the dataplane's labels", async () => {
        for (const [zone, dps] of Object.entries(DATAPLANES)) {
            const series = await waitForSeries(`envoy_cluster_upstream_rq_total{zone="${zone}"}`, dps.length);
            for (const dp of dps) {
                const s = series.find((x) => x.metric.dataplane === dp.name);
                assert.ok(s, `${zone}/${dp.name} missing: ${JSON.stringify(series.map((x) => x.metric))}`);
                assert.equal(s.metric.mesh, dp.mesh);
                assert.equal(s.metric.zone, zone);
                assert.equal(s.metric.job, "kuma-dataplanes");
                assert.equal(s.metric.instance, dp.name);
                assert.equal(s.metric.kuma_io_service, dp.service, "labelmap of __meta_kuma_label_kuma_io_service");
                assert.equal(s.metric.k8s_kuma_io_namespace, dp.labels["k8s.kuma.io/namespace"]);
                assert.equal(s.metric.environment, "it", "extra external label");
            }
        }
    });

    it("control plane series arrive on the global with their zone", async () => {
        const up = await waitForSeries(`up{job="kuma-control-plane"} == 1`, 2);
        assert.deepEqual(up.map((s) => s.metric.zone).sort(), ["east", "west"]);
        const info = await waitForSeries(`cp_info`, 2);
        assert.deepEqual(info.map((s) => `${s.metric.zone}/${s.metric.instance_id}`).sort(), ["east/cp-east", "west/cp-west"]);
    });

    it("each zone's discovery used the generated kuma_sd settings (long poll on 2.14, fetch_timeout 0s on 2.6)", () => {
        const east = zones.get("east")!.mads.requests;
        const west = zones.get("west")!.mads.requests;
        assert.ok(east.length > 0 && west.length > 0);
        assert.ok(east.every((r) => r.fetchTimeout === "2m" && r.nodeId === "prometheus-east"), JSON.stringify(east.slice(0, 2)));
        assert.ok(west.every((r) => r.fetchTimeout === "0s"), JSON.stringify(west.slice(0, 2)));
        assert.ok(zones.get("east")!.bridge.skipped + zones.get("west")!.bridge.skipped > 0, "unchanged assignments answered 304");
    });

    it("zone Prometheus self-metrics reach global too (remote-write health per zone)", async () => {
        const sent = await waitForSeries(`prometheus_remote_storage_samples_total{job="prometheus"} > 0`, 2);
        assert.deepEqual(sent.map((s) => s.metric.zone).sort(), ["east", "west"]);
    });

    it("Grafana's overview queries, run as Grafana's own user, give every zone its ingest rate, remote-write lag and targets", async () => {
        // The password Grafana's datasource reads from its credentials Secret, as provisioned.
        const secret = revealed(one(globalEv, "kubernetes:core/v1:Secret", "global-grafana-datasource-credentials"));
        const grafana: BasicAuth = { username: GRAFANA_PROMETHEUS_USER, password: secret.stringData[PROMETHEUS_PASSWORD_ENV] };
        const asGrafana = (q: string) => global.query(q, grafana);
        const forZones = (q: string) => q.replace(/\$zone/g, "east|west");
        const perZone = async (q: string, minValue: number) =>
            waitFor(`${q} for both zones`, async () => {
                const r = await asGrafana(forZones(q));
                const zonesSeen = new Set(r.filter((s) => Number(s.value[1]) >= minValue).map((s) => s.metric.zone));
                return zonesSeen.has("east") && zonesSeen.has("west") ? r : undefined;
            }, { timeoutMs: 60_000, intervalMs: 1000 });
        const ingest = await perZone(OVERVIEW_QUERIES.ingestRate, Number.MIN_VALUE);
        assert.deepEqual(ingest.map((s) => s.metric.zone).sort(), ["east", "west"]);
        const lag = await perZone(OVERVIEW_QUERIES.remoteWriteLag, 0);
        assert.deepEqual(lag.map((s) => s.metric.zone).sort(), ["east", "west"]);
        assert.ok(lag.every((s) => Number(s.value[1]) < 60), `lag within a minute on loopback: ${JSON.stringify(lag)}`);
        const up = await perZone(OVERVIEW_QUERIES.targetsUp, 1);
        const total = await asGrafana(forZones(OVERVIEW_QUERIES.targetsTotal));
        for (const zone of ["east", "west"]) {
            const of = (rs: typeof up, job: string) => Number(rs.find((s) => s.metric.zone === zone && s.metric.job === job)?.value[1]);
            assert.equal(of(up, "kuma-dataplanes"), DATAPLANES[zone].length, zone);
            assert.equal(of(total, "kuma-dataplanes"), DATAPLANES[zone].length, zone);
            assert.equal(of(up, "kuma-control-plane"), 1, zone);
        }
        // Grafana's user reads; it is not the writer.
        assert.notEqual(grafana.username, writer.username);
    });

    describe("the receiver lets in only the zone credential", () => {
        const write = (auth?: BasicAuth) => loopbackRequest({ method: "POST", url: `${global.url}/api/v1/write`, auth, body: "", headers: { "Content-Type": "application/x-protobuf" } });

        it("no credentials → 401", async () => assert.equal((await write()).status, 401));
        it("wrong password → 401", async () => assert.equal((await write({ username: writer.username, password: `${writer.password}x` })).status, 401));
        it("wrong user with the right password → 401", async () => assert.equal((await write({ username: "intruder", password: writer.password })).status, 401));
        it("right credentials get past auth (400 for an empty body, not 401)", async () => assert.equal((await write(writer)).status, 400));
        it("the query API is behind the same auth", async () => {
            assert.equal((await loopbackRequest({ url: `${global.url}/api/v1/query?query=up` })).status, 401);
            assert.equal((await loopbackRequest({ url: `${global.url}/api/v1/query?query=up`, auth: writer })).status, 200);
        });
    });
});
