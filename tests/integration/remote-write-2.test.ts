import { strict as assert } from "assert";
import { evaluateEnvironment } from "../../infra/plan/evaluate-environment";
import { StackEvaluation } from "../../infra/plan/evaluate-stack";
import { startGeneratedGlobal } from "../support/generated-global";
import { startGeneratedZone } from "../support/generated-zone";
import { BasicAuth, waitFor } from "../support/loopback-http";
import { LoopbackProxy, ProxiedRequest, startLoopbackProxy } from "../support/loopback-proxy";
import { MetricsEndpoint, startMetricsEndpoint } from "../support/metrics-endpoint";
import { output, yamlFile } from "../support/plan-access";
import { PrometheusProcess, stopAllPrometheus } from "../support/prometheus-process";
import { remoteWriteMessageOf, scanWriteRequest } from "../support/remote-write-wire";
import { selfMetrics, sumOf } from "../support/self-metrics";
import { testStack } from "../support/stack-file";
import { PrometheusConfig } from "../support/swap-discovery";

/**
 * Remote Write 2.0 end to end on real Prometheus (the harness's 3.5): a generated zone sends
 * `io.prometheus.write.v2.Request` and the generated global accepts it (both as planned by
 * default); a global pinned to 1.0 (`globalPrometheus.remoteWriteProtocol: "1.0"`) refuses 2.0
 * writes with 415 (its zone made to send 2.0 regardless), which is why zones take the protocol
 * from the global's outputs.
 * A loopback proxy in front of each global shows what is on the wire.
 */
const FAST = { scrapeInterval: "1s", dataplaneScrapeInterval: "1s", discovery: { refreshInterval: "1s" } };
const V2_CONTENT_TYPE = "application/x-protobuf;proto=io.prometheus.write.v2.Request";

interface Captured {
    readonly request: ProxiedRequest;
    readonly body: Buffer;
}

describe("Remote Write 2.0 with real Prometheus: generated zone → generated global", function () {
    this.timeout(180_000);
    const stops: Array<() => Promise<void>> = [];
    const captured: Captured[] = [];
    let zoneEv: StackEvaluation;
    let pinnedZoneEv: StackEvaluation;
    let global: PrometheusProcess;
    let writer: BasicAuth;
    let zone: PrometheusProcess;
    let pinnedProxy: LoopbackProxy;

    /** A zone as generated for `zoneEv`, one fake dataplane, writing through `receiverUrl`. */
    async function zoneWritingTo(ev: StackEvaluation, receiverBase: string, receiverUrl: string, name: string, transform?: (cfg: PrometheusConfig) => PrometheusConfig): Promise<PrometheusProcess> {
        const ep: MetricsEndpoint = await startMetricsEndpoint({ path: "/metrics", metrics: (n) => `# TYPE envoy_cluster_upstream_rq_total counter\nenvoy_cluster_upstream_rq_total{envoy_cluster_name="upstream"} ${n}\n` });
        const cp = await startMetricsEndpoint({ path: "/metrics", metrics: (n) => `# TYPE xds_requests_total counter\nxds_requests_total ${n}\n` });
        stops.push(() => ep.stop(), () => cp.stop());
        const z = await startGeneratedZone({
            zoneEv: ev,
            name,
            assignments: [{ mesh: "default", service: "backend", labels: {}, targets: [{ name: "backend-01.shop", scheme: "http", address: ep.address, metrics_path: "/metrics", labels: { "kuma.io/service": "backend" } }] }],
            controlPlaneAddress: cp.address,
            receiverBase,
            receiverUrl,
            transform,
        });
        stops.push(() => z.stopDiscovery());
        return z.prometheus;
    }

    before(async () => {
        const env = await evaluateEnvironment("rw2", {
            files: [testStack("rw2-global", { zones: ["east"] }), testStack("rw2-zone-east", { mesh: { version: "2.14.3" }, namespace: "obs-east", zonePrometheus: FAST })],
        });
        const pinned = await evaluateEnvironment("rw1", {
            files: [
                testStack("rw1-global", { zones: ["east"], globalPrometheus: { remoteWriteProtocol: "1.0" } }),
                testStack("rw1-zone-east", { mesh: { version: "2.14.3" }, namespace: "obs-east", zonePrometheus: FAST }),
            ],
        });
        zoneEv = env.stacks[1];
        pinnedZoneEv = pinned.stacks[1];
        const g = await startGeneratedGlobal(env.stacks[0], "rw2-global");
        ({ global, writer } = g);
        const proxy = await startLoopbackProxy(global.url, { onAnswered: (body, request) => void (captured.length < 200 && captured.push({ request, body })) });
        stops.push(() => proxy.stop());
        zone = await zoneWritingTo(zoneEv, g.receiverBase, proxy.url, "rw2-zone-east");

        // Control: the global planned for 1.0, and its zone made to send 2.0 all the same (its own credentials).
        const g1 = await startGeneratedGlobal(pinned.stacks[0], "rw1-global");
        pinnedProxy = await startLoopbackProxy(g1.global.url);
        stops.push(() => pinnedProxy.stop());
        const sendV2 = (cfg: PrometheusConfig): PrometheusConfig => {
            const out = structuredClone(cfg);
            for (const rw of out["remote_write"] as Array<Record<string, unknown>>) rw["protobuf_message"] = "io.prometheus.write.v2.Request";
            return out;
        };
        await zoneWritingTo(pinnedZoneEv, g1.receiverBase, pinnedProxy.url, "rw1-zone-sending-2.0", sendV2);
    });

    after(async () => {
        await stopAllPrometheus();
        for (const stop of stops.reverse()) await stop().catch(() => undefined);
    });

    it("the plans: the default zone is generated with protobuf_message io.prometheus.write.v2.Request, the zone of a 1.0 global without it", () => {
        assert.equal(output(zoneEv, "zone"), "east");
        const rw = (ev: StackEvaluation) => yamlFile(ev, "prometheus", "prometheus.yml").remote_write[0];
        assert.equal(rw(zoneEv).protobuf_message, "io.prometheus.write.v2.Request");
        assert.ok(!("protobuf_message" in rw(pinnedZoneEv)));
    });

    it("dataplane samples arrive on the global, written as 2.0 (Content-Type and version header on the wire, 204, no failed sample)", async () => {
        const series = await waitFor(
            "the dataplane series on the global",
            async () => {
                const r = await global.query(`envoy_cluster_upstream_rq_total{zone="east",dataplane="backend-01.shop"}`, writer);
                return r.length === 1 ? r : undefined;
            },
            { timeoutMs: 60_000, intervalMs: 500 },
        );
        assert.equal(series[0].metric.job, "kuma-dataplanes");
        const writes = captured.filter((c) => c.request.method === "POST" && c.request.path === "/api/v1/write");
        assert.ok(writes.length > 0);
        for (const w of writes) {
            assert.equal(w.request.headers["content-type"], V2_CONTENT_TYPE);
            assert.equal(w.request.headers["x-prometheus-remote-write-version"], "2.0.0");
            assert.equal(w.request.headers["content-encoding"], "snappy");
            assert.equal(w.request.status, 204, `answered ${w.request.status}`);
        }
        // The bodies are 2.0 Requests (series in field 5): read as such they hold this minute's samples.
        const samples: number[] = [];
        for (const w of writes) scanWriteRequest(w.body, (_key, ts) => samples.push(ts), remoteWriteMessageOf(String(w.request.headers["content-type"])));
        assert.ok(samples.length > 0);
        assert.ok(samples.every((ts) => Math.abs(Date.now() - ts) < 120_000), "timestamps are recent milliseconds");
        const m = await selfMetrics(zone);
        assert.ok(sumOf(m, "prometheus_remote_storage_samples_total") > 0);
        assert.ok(!(sumOf(m, "prometheus_remote_storage_samples_failed_total") > 0), "no batch failed (a 2xx without 2.0's written headers would count here)");
    });

    it("control: a global planned for 1.0 answers the 2.0 zone 415 Unsupported Media Type", async () => {
        await waitFor("a 2.0 write answered by the 1.0 global", async () => (pinnedProxy.requests.some((r) => r.status !== 0) ? true : undefined), { timeoutMs: 60_000, intervalMs: 500 });
        const statuses = pinnedProxy.requests.map((r) => r.status);
        assert.ok(statuses.includes(415), `statuses ${JSON.stringify(statuses.slice(0, 20))}`);
        assert.equal(pinnedProxy.count(204), 0, "nothing accepted");
        assert.ok(pinnedProxy.requests.every((r) => r.headers["content-type"] === V2_CONTENT_TYPE));
    });
});
