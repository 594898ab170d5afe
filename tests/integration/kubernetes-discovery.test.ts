import { strict as assert } from "assert";
import { kumaKubernetesScrapeJobs, KumaKubernetesDiscoverySettings } from "../../components/prometheus/kubernetes-discovery";
import { renderYaml } from "../../components/render-yaml";
import { FakePod, KubernetesPodSd, startKubernetesPodSd } from "../support/kubernetes-pod-sd";
import { loopbackRequest, waitFor } from "../support/loopback-http";
import { MetricsEndpoint, startMetricsEndpoint } from "../support/metrics-endpoint";
import { PrometheusProcess, promtoolCheckConfig, startPrometheus, stopAllPrometheus, VectorSample } from "../support/prometheus-process";
import { findNonLoopbackAddresses, parsePrometheusYaml, renderPrometheusYaml } from "../support/swap-discovery";
import { kubernetesSdEntries, swapKubernetesSdForHttpSd } from "../support/swap-kubernetes-discovery";

/**
 * The Kuma 3.x Kubernetes jobs on a real Prometheus (Debian 2.42): generated config, with only
 * the kubernetes_sd_configs blocks swapped for http_sd against a fake pod SD that emits the
 * labels kubernetes_sd role=pod produces. Every pod has IP 127.0.0.1, so each job's fixed port
 * is one fake endpoint per job (dataplanes / zone proxies / control plane); the targets still
 * differ by their relabeled pod labels, which is what is under test.
 */

const injected = { "kuma.io/sidecar-injected": "true" };
const sidecar = { name: "kuma-sidecar" };
const ip = "127.0.0.1";

/** A zone's pods: the mesh's, the control plane's, and pods that must not be scraped. */
const PODS: FakePod[] = [
    // Dataplanes.
    {
        namespace: "shop",
        name: "backend-6d4f9-x2k",
        ip,
        labels: { app: "backend", "kuma.io/mesh": "default" },
        annotations: injected,
        controller: { kind: "ReplicaSet", name: "backend-6d4f9" },
        containers: [{ name: "kuma-init", init: true }, { name: "app", ports: [{ name: "http", containerPort: 8080 }] }, sidecar],
    },
    {
        // 2.x-style mesh annotation; the sidecar as a native sidecar (an init container).
        namespace: "pay",
        name: "ledger-0",
        ip,
        labels: { app: "ledger" },
        annotations: { ...injected, "kuma.io/mesh": "payments" },
        containers: [{ name: "ledger", ports: [{ containerPort: 9000 }, { containerPort: 9001 }] }, { name: "kuma-sidecar", init: true }],
    },
    {
        namespace: "gateways",
        name: "edge-gateway-7c9-abc",
        ip,
        labels: { app: "edge-gateway", "kuma.io/sidecar-injection": "disabled" },
        annotations: { "kuma.io/gateway": "builtin", "kuma.io/mesh": "default" },
        containers: [{ name: "kuma-gateway", ports: [{ containerPort: 8080 }, { containerPort: 9901 }] }],
    },
    {
        // Mesh chosen by the namespace: invisible to pod SD, so kuma-dp's own `mesh` label must stand.
        namespace: "shop",
        name: "orders-1",
        ip,
        annotations: { "kuma.io/sidecar-injected": "enabled" },
        containers: [{ name: "orders" }, sidecar],
    },
    // Not dataplanes, or not scrapeable.
    { namespace: "shop", name: "legacy-app", ip, labels: { app: "legacy" }, containers: [{ name: "legacy", ports: [{ containerPort: 8080 }] }] },
    { namespace: "shop", name: "injection-requested", ip, labels: { "kuma.io/sidecar-injection": "enabled" }, containers: [{ name: "app" }] },
    { namespace: "shop", name: "nightly-batch", ip, phase: "Succeeded", annotations: injected, containers: [{ name: "job" }, sidecar] },
    { namespace: "shop", name: "starting", ip, phase: "Pending", annotations: injected, containers: [{ name: "app" }, sidecar] },
    { namespace: "shop", name: "no-ip-yet", ip: "", annotations: injected, containers: [{ name: "app" }, sidecar] },
    { namespace: "other", name: "unlisted-ns", ip, annotations: injected, labels: { "kuma.io/mesh": "default" }, containers: [sidecar] },
    // Control plane namespace: two CP replicas, two zone proxies (3.x mesh-scoped ingress, 2.x egress), a CNI pod.
    ...["a1b2c", "d3e4f"].map<FakePod>((suffix) => ({
        namespace: "kuma-system",
        name: `kuma-control-plane-5f7d8-${suffix}`,
        ip,
        labels: { app: "kuma-control-plane", "app.kubernetes.io/name": "kuma" },
        containers: [{ name: "control-plane", ports: [{ containerPort: 5680 }, { containerPort: 5681 }, { containerPort: 5443 }] }],
    })),
    {
        namespace: "kuma-system",
        name: "kuma-default-ingress-84c-q7",
        ip,
        labels: { "k8s.kuma.io/zone-proxy-type": "ingress", "kuma.io/mesh": "default", app: "kuma-default-ingress" },
        annotations: injected,
        containers: [{ name: "app", ports: [{ containerPort: 10001 }] }, sidecar],
    },
    {
        namespace: "kuma-system",
        name: "kuma-egress-6b9-z2",
        ip,
        labels: { app: "kuma-egress" },
        annotations: { "kuma.io/egress": "enabled" },
        containers: [{ name: "egress", ports: [{ containerPort: 10002 }] }],
    },
    { namespace: "kuma-system", name: "kuma-cni-node1", ip, labels: { app: "kuma-cni" }, containers: [{ name: "cni" }] },
];

const DATAPLANE_PODS = ["backend-6d4f9-x2k", "edge-gateway-7c9-abc", "ledger-0", "orders-1"];
const NEVER_SCRAPED = ["legacy-app", "injection-requested", "nightly-batch", "starting", "no-ip-yet", "unlisted-ns", "kuma-cni-node1"];

describe("Kuma 3.x Kubernetes discovery on a real Prometheus", function () {
    this.timeout(60_000);
    let sd: KubernetesPodSd;
    let prometheus: PrometheusProcess;
    const endpoints: MetricsEndpoint[] = [];
    let generated: Record<string, unknown>;
    let swapped: Record<string, unknown>;

    before(async () => {
        const dataplane = await startMetricsEndpoint({
            path: "/metrics",
            // kuma-dp with MeshMetric puts mesh and service labels on its own samples.
            metrics: (n) =>
                "# TYPE envoy_cluster_upstream_rq_total counter\n" +
                `envoy_cluster_upstream_rq_total{envoy_cluster_name="localhost_8080",kuma_io_service="shop-svc",mesh="dp-mesh"} ${n}\n`,
        });
        const proxy = await startMetricsEndpoint({ path: "/stats/prometheus", metrics: () => "# TYPE envoy_server_live gauge\nenvoy_server_live 1\n" });
        const cp = await startMetricsEndpoint({ path: "/metrics", metrics: (n) => `# TYPE xds_requests_total counter\nxds_requests_total ${n}\n` });
        endpoints.push(dataplane, proxy, cp);

        const settings: KumaKubernetesDiscoverySettings = {
            meshMetricPort: dataplane.port,
            controlPlane: { namespace: "kuma-system", metricsPort: cp.port },
            zoneProxies: { port: proxy.port },
            namespaces: ["shop", "pay", "gateways", "kuma-system"],
            scrapeInterval: "1s",
        };
        // A zone Prometheus config around the jobs, `zone` external as in zone-config.ts.
        generated = parsePrometheusYaml(
            renderYaml({ global: { scrape_interval: "1s", evaluation_interval: "1s", external_labels: { zone: "east" } }, scrape_configs: kumaKubernetesScrapeJobs(settings) }),
        );
        sd = await startKubernetesPodSd(PODS);
        swapped = swapKubernetesSdForHttpSd(generated, (namespaces) => sd.url(namespaces));
        assert.deepEqual(findNonLoopbackAddresses(generated).length, 3, "unswapped, every job would talk to the Kubernetes API");
        assert.deepEqual(findNonLoopbackAddresses(swapped), []);
        prometheus = await startPrometheus({ name: "kuma3-zone", configYaml: renderPrometheusYaml(swapped) });
    });

    after(async () => {
        await stopAllPrometheus();
        await sd?.stop();
        await Promise.all(endpoints.map((e) => e.stop()));
    });

    const waitForSeries = (q: string, count: number) =>
        waitFor(`${count} series for ${q}`, async () => {
            const r = await prometheus.query(q);
            return r.length >= count ? r : undefined;
        }, { timeoutMs: 20_000, intervalMs: 250 });
    const byPod = (series: VectorSample[]) => Object.fromEntries(series.map((s) => [s.metric.pod, s.metric]));

    it("swaps only the discovery block: every other key of every job is as generated", () => {
        assert.equal(kubernetesSdEntries(generated).length, 3);
        assert.equal(kubernetesSdEntries(swapped).length, 0);
        const strip = (cfg: Record<string, unknown>) =>
            (cfg.scrape_configs as Array<Record<string, unknown>>).map(({ kubernetes_sd_configs: _k, http_sd_configs: _h, ...rest }) => rest);
        assert.deepEqual(strip(swapped), strip(generated));
        const urls = (swapped.scrape_configs as any[]).map((j) => j.http_sd_configs[0].url);
        assert.deepEqual(urls.map((u: string) => new URL(u).searchParams.get("namespaces")), ["shop,pay,gateways,kuma-system", "kuma-system", "kuma-system"]);
    });

    it("promtool: Debian's build rejects kubernetes_sd_configs; the swapped config passes `check config`", () => {
        const raw = promtoolCheckConfig(renderPrometheusYaml(generated));
        assert.equal(raw.ok, false);
        assert.match(raw.output, /kubernetes_sd_configs not found/);
        const result = promtoolCheckConfig(renderPrometheusYaml(swapped));
        assert.ok(result.ok, result.output);
    });

    it("scrapes one target per dataplane pod, per zone proxy and per control plane replica", async () => {
        const pools = await waitFor("all targets up", async () => {
            const t = await prometheus.targets();
            const up = t.activeTargets.filter((a) => a.health === "up");
            return up.length >= 8 ? t : undefined;
        }, { timeoutMs: 20_000, intervalMs: 250 });
        const podsOf = (pool: string) => pools.activeTargets.filter((a) => a.scrapePool === pool).map((a) => a.labels.pod).sort();
        assert.deepEqual(podsOf("kuma-dataplanes"), DATAPLANE_PODS, "container ports of a pod collapse to one target");
        assert.deepEqual(podsOf("kuma-zone-proxies"), ["kuma-default-ingress-84c-q7", "kuma-egress-6b9-z2"]);
        assert.deepEqual(podsOf("kuma-control-plane"), ["kuma-control-plane-5f7d8-a1b2c", "kuma-control-plane-5f7d8-d3e4f"]);
        const dropped = pools.droppedTargets.map((d) => d.discoveredLabels.__meta_kubernetes_pod_name);
        for (const pod of ["legacy-app", "injection-requested", "nightly-batch", "starting", "kuma-cni-node1"]) assert.ok(dropped.includes(pod), `${pod} dropped by relabeling`);
        assert.ok(!dropped.includes("unlisted-ns") && !dropped.includes("no-ip-yet"), "never discovered: namespace not listed / no pod IP");
    });

    it("kuma-dataplanes series carry mesh, dataplane, pod, namespace and kuma-dp's service labels", async () => {
        const pods = byPod(await waitForSeries(`envoy_cluster_upstream_rq_total{job="kuma-dataplanes"}`, DATAPLANE_PODS.length));
        assert.deepEqual(Object.keys(pods).sort(), DATAPLANE_PODS);
        const expect: Record<string, { mesh: string; namespace: string }> = {
            "backend-6d4f9-x2k": { mesh: "default", namespace: "shop" },
            "ledger-0": { mesh: "payments", namespace: "pay" },
            "edge-gateway-7c9-abc": { mesh: "default", namespace: "gateways" },
        };
        for (const [pod, e] of Object.entries(expect)) {
            const m = pods[pod];
            assert.equal(m.mesh, e.mesh, pod);
            assert.equal(m.namespace, e.namespace, pod);
            assert.equal(m.dataplane, `${pod}.${e.namespace}`, "the Dataplane's name, as kuma_sd reported it");
            assert.equal(m.instance, `${pod}.${e.namespace}`);
            assert.equal(m.exported_mesh, "dp-mesh", "honor_labels false: the scraped mesh is renamed, as with kuma_sd");
            assert.equal(m.kuma_io_service, "shop-svc", "service labels come from kuma-dp's samples");
            assert.equal(m.zone, undefined, "zone is an external label, not a target label");
        }
        assert.equal(pods["orders-1"].mesh, "dp-mesh", "no mesh on the pod: kuma-dp's own mesh label stands");
        assert.equal(pods["orders-1"].exported_mesh, undefined);
    });

    it("kuma-zone-proxies series carry proxy, pod, namespace (and mesh for a mesh-scoped proxy)", async () => {
        const pods = byPod(await waitForSeries(`envoy_server_live{job="kuma-zone-proxies"}`, 2));
        assert.deepEqual(
            { proxy: pods["kuma-default-ingress-84c-q7"].proxy, mesh: pods["kuma-default-ingress-84c-q7"].mesh, namespace: pods["kuma-default-ingress-84c-q7"].namespace },
            { proxy: "ingress", mesh: "default", namespace: "kuma-system" },
        );
        assert.deepEqual(
            { proxy: pods["kuma-egress-6b9-z2"].proxy, mesh: pods["kuma-egress-6b9-z2"].mesh, namespace: pods["kuma-egress-6b9-z2"].namespace },
            { proxy: "egress", mesh: undefined, namespace: "kuma-system" },
        );
    });

    it("kuma-control-plane has one series per replica, labelled with pod and namespace", async () => {
        const up = await waitForSeries(`up{job="kuma-control-plane"} == 1`, 2);
        assert.deepEqual(up.map((s) => `${s.metric.namespace}/${s.metric.pod}`).sort(), [
            "kuma-system/kuma-control-plane-5f7d8-a1b2c",
            "kuma-system/kuma-control-plane-5f7d8-d3e4f",
        ]);
        await waitForSeries(`xds_requests_total{job="kuma-control-plane"}`, 2);
    });

    it("non-mesh, finished, pending, IP-less and unlisted pods produce no series in any job", async () => {
        const all = await prometheus.query(`group by (job, pod) ({pod!=""})`);
        const seen = all.map((s) => `${s.metric.job}/${s.metric.pod}`).sort();
        for (const pod of NEVER_SCRAPED) assert.ok(!seen.some((k) => k.endsWith(`/${pod}`)), `${pod} scraped: ${seen.join(", ")}`);
        assert.ok(!seen.includes("kuma-dataplanes/kuma-default-ingress-84c-q7"), "a mesh-scoped zone proxy is not also a dataplane");
        assert.equal(seen.filter((k) => k.startsWith("kuma-dataplanes/")).length, DATAPLANE_PODS.length);
    });

    it("zone is attached as an external label when the series leave the zone (federation view)", async () => {
        const res = await loopbackRequest({ url: `${prometheus.url}/federate?match[]=${encodeURIComponent('{job="kuma-control-plane"}')}` });
        assert.equal(res.status, 200);
        const lines = res.body.split("\n").filter((l) => l.startsWith("up{"));
        assert.equal(lines.length, 2, res.body);
        assert.ok(lines.every((l) => l.includes('zone="east"')), res.body);
    });
});
