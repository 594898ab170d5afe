import { strict as assert } from "assert";
import { kumaKubernetesScrapeJobs, KumaKubernetesDiscoverySettings } from "../../components/prometheus/kubernetes-discovery";
import { renderYaml } from "../../components/kernel/render-yaml";
import { ApiRequest, KubernetesApiServer, startKubernetesApiServer } from "../support/kubernetes-api-server";
import { podObject, TestPod } from "../support/kubernetes-pods";
import { loopbackRequest, waitFor } from "../support/loopback-http";
import { MetricsEndpoint, startMetricsEndpoint } from "../support/metrics-endpoint";
import { kubernetesSdEntries, pointKubernetesSdAt } from "../support/point-kubernetes-discovery";
import { PrometheusProcess, promtoolCheckConfig, startPrometheus, stopAllPrometheus, TargetsData, VectorSample } from "../support/prometheus-process";
import { findNonLoopbackAddresses, parsePrometheusYaml, renderPrometheusYaml } from "../support/swap-discovery";

/**
 * The Kuma 3.x Kubernetes jobs end to end on the real Prometheus 3.5: the generated
 * `kubernetes_sd_configs` (role pod) run Prometheus' own Kubernetes discovery client against a
 * loopback API server (tests/support/kubernetes-api-server.ts) serving core/v1 Pod objects; the only
 * change to the generated config is `api_server`. Every pod has IP 127.0.0.1, so each job's fixed
 * port is one fake endpoint per job (dataplanes / zone proxies / control plane); targets still
 * differ by their relabeled pod labels, which is what is under test.
 *
 * The client runs in both of client-go's modes: the watch-list stream (a watch with
 * sendInitialEvents; client-go's default from v0.35, so Prometheus 3.14, which the chart ships, and
 * Debian's 3.5.3 build, which streams when left alone) and LIST then WATCH (client-go v0.32.3, the
 * upstream Prometheus 3.5 releases). Each mode is set explicitly through client-go's
 * KUBE_FEATURE_WatchListClient variable, so the test does not depend on the binary's client-go.
 * Sources: kubernetes/client-go features/known_features.go at v0.32.3 and v0.35.0;
 * prometheus/prometheus go.mod (k8s.io/client-go v0.32.3 at v3.5.3, v0.35.3 at v3.14.0).
 */

const injected = { "kuma.io/sidecar-injected": "true" };
const sidecar = { name: "kuma-sidecar" };
const ip = "127.0.0.1";
const CP_NAMESPACE = "kuma-system";

const cpReplica = (suffix: string): TestPod => ({
    namespace: CP_NAMESPACE,
    name: `kuma-control-plane-5f7d8-${suffix}`,
    ip,
    labels: { app: "kuma-control-plane", "app.kubernetes.io/name": "kuma" },
    controller: { kind: "ReplicaSet", name: "kuma-control-plane-5f7d8" },
    containers: [{ name: "control-plane", ports: [{ name: "diagnostics", containerPort: 5680 }, { name: "http-api-server", containerPort: 5681 }, { containerPort: 5443 }] }],
});

/** A zone's pods: the mesh's, the control plane's, and pods that must not be scraped. */
const PODS: TestPod[] = [
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
        // 2.x-style mesh annotation; the sidecar as a native sidecar (an init container with restartPolicy Always).
        namespace: "pay",
        name: "ledger-0",
        ip,
        labels: { app: "ledger" },
        annotations: { ...injected, "kuma.io/mesh": "payments" },
        controller: { kind: "StatefulSet", name: "ledger" },
        containers: [{ name: "ledger", ports: [{ containerPort: 9000 }, { containerPort: 9001 }] }, { name: "kuma-sidecar", init: true, sidecar: true }],
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
    // Found only by cluster-wide discovery (the generated default: no namespaces.names).
    { namespace: "billing", name: "billing-worker-0", ip, labels: { "kuma.io/mesh": "default" }, annotations: injected, containers: [{ name: "worker" }, sidecar] },
    // Not dataplanes, or not scrapeable.
    { namespace: "shop", name: "legacy-app", ip, labels: { app: "legacy" }, containers: [{ name: "legacy", ports: [{ containerPort: 8080 }] }] },
    { namespace: "shop", name: "injection-requested", ip, labels: { "kuma.io/sidecar-injection": "enabled" }, containers: [{ name: "app" }] },
    { namespace: "shop", name: "nightly-batch", ip, phase: "Succeeded", annotations: injected, controller: { kind: "Job", name: "nightly" }, containers: [{ name: "job" }, sidecar] },
    { namespace: "shop", name: "starting", ip, phase: "Pending", annotations: injected, containers: [{ name: "app" }, sidecar] },
    { namespace: "shop", name: "no-ip-yet", phase: "Pending", annotations: injected, containers: [{ name: "app" }, sidecar] },
    // Labelled like the control plane, outside its namespace: the CP job must not see it.
    { namespace: "shop", name: "kuma-control-plane-impostor", ip, labels: { app: "kuma-control-plane" }, containers: [{ name: "control-plane", ports: [{ containerPort: 5680 }] }] },
    // Control plane namespace: two CP replicas, two zone proxies (3.x mesh-scoped ingress, 2.x egress), a CNI pod.
    cpReplica("a1b2c"),
    cpReplica("d3e4f"),
    {
        namespace: CP_NAMESPACE,
        name: "kuma-default-ingress-84c-q7",
        ip,
        labels: { "k8s.kuma.io/zone-proxy-type": "ingress", "kuma.io/mesh": "default", app: "kuma-default-ingress" },
        annotations: injected,
        containers: [{ name: "app", ports: [{ containerPort: 10001 }] }, sidecar],
    },
    {
        namespace: CP_NAMESPACE,
        name: "kuma-egress-6b9-z2",
        ip,
        labels: { app: "kuma-egress" },
        annotations: { "kuma.io/egress": "enabled" },
        containers: [{ name: "egress", ports: [{ containerPort: 10002 }] }],
    },
    { namespace: CP_NAMESPACE, name: "kuma-cni-node1", ip, labels: { app: "kuma-cni" }, controller: { kind: "DaemonSet", name: "kuma-cni" }, containers: [{ name: "cni" }] },
];

const DATAPLANE_PODS = ["backend-6d4f9-x2k", "billing-worker-0", "edge-gateway-7c9-abc", "ledger-0", "orders-1"];
const NEVER_SCRAPED = ["legacy-app", "injection-requested", "nightly-batch", "starting", "no-ip-yet", "kuma-cni-node1", "kuma-control-plane-impostor"];
/** A list page holds at most this many pods, so the LIST client follows continue tokens. */
const MAX_PAGE_SIZE = 4;

/** The zone Prometheus config around the generated jobs (`zone` external, as zone-config.ts writes it). */
function generatedConfig(settings: KumaKubernetesDiscoverySettings): Record<string, unknown> {
    return parsePrometheusYaml(
        renderYaml({ global: { scrape_interval: "1s", evaluation_interval: "1s", external_labels: { zone: "east" } }, scrape_configs: kumaKubernetesScrapeJobs(settings) }),
    );
}

const CLIENT_MODES = [
    { title: "watch-list stream (client-go >= 0.35 default)", env: { KUBE_FEATURE_WatchListClient: "true" }, watchList: true },
    { title: "LIST then WATCH (client-go 0.32, upstream 3.5 releases)", env: { KUBE_FEATURE_WatchListClient: "false" }, watchList: false },
] as const;

describe("Kuma 3.x Kubernetes discovery: generated kubernetes_sd_configs on the real Prometheus 3.5", function () {
    it("promtool 3.5 accepts the generated jobs as generated (no api_server: in-cluster)", () => {
        const cfg = generatedConfig({ controlPlane: { namespace: CP_NAMESPACE }, scrapeInterval: "15s" });
        assert.equal(kubernetesSdEntries(cfg).length, 3);
        assert.ok(kubernetesSdEntries(cfg).every(({ entry }) => entry.api_server === undefined));
        const result = promtoolCheckConfig(renderPrometheusYaml(cfg));
        assert.ok(result.ok, result.output);
    });

    for (const mode of CLIENT_MODES) {
        describe(`discovery client: ${mode.title}`, function () {
            this.timeout(90_000);
            let api: KubernetesApiServer;
            let prometheus: PrometheusProcess;
            const endpoints: MetricsEndpoint[] = [];
            let generated: Record<string, unknown>;
            let pointed: Record<string, unknown>;
            /** The resourceVersion of the cluster when Prometheus started. */
            let startRv: number;

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
                // Dataplanes cluster-wide (no namespaces: the shipped default); proxies and CP in the CP namespace.
                generated = generatedConfig({
                    meshMetricPort: dataplane.port,
                    controlPlane: { namespace: CP_NAMESPACE, metricsPort: cp.port },
                    zoneProxies: { port: proxy.port },
                    scrapeInterval: "1s",
                });
                api = await startKubernetesApiServer({ pods: PODS.map(podObject), maxPageSize: MAX_PAGE_SIZE, bookmarkIntervalMs: 2_000 });
                startRv = api.resourceVersion;
                pointed = pointKubernetesSdAt(generated, api.url);
                assert.deepEqual(findNonLoopbackAddresses(pointed), []);
                prometheus = await startPrometheus({ name: "kuma3-zone-k8s-sd", configYaml: renderPrometheusYaml(pointed), env: { ...mode.env } });
            });

            after(async () => {
                await stopAllPrometheus();
                await api?.stop();
                await Promise.all(endpoints.splice(0).map((e) => e.stop()));
            });

            const targets = (what: string, ok: (t: TargetsData) => boolean) =>
                waitFor(what, async () => {
                    const t = await prometheus.targets();
                    return ok(t) ? t : undefined;
                }, { timeoutMs: 45_000, intervalMs: 500 });
            const waitForSeries = (q: string, count: number) =>
                waitFor(`${count} series for ${q}`, async () => {
                    const r = await prometheus.query(q);
                    return r.length >= count ? r : undefined;
                }, { timeoutMs: 30_000, intervalMs: 250 });
            const podsOf = (t: TargetsData, pool: string) => t.activeTargets.filter((a) => a.scrapePool === pool).map((a) => a.labels.pod).sort();
            const droppedPods = (t: TargetsData) => new Set(t.droppedTargets.map((d) => d.discoveredLabels.__meta_kubernetes_pod_name));
            const byPod = (series: VectorSample[]) => Object.fromEntries(series.map((s) => [s.metric.pod, s.metric]));
            const discoveryRequests = () => api.requests();

            it("adds api_server to each kubernetes_sd_configs entry and changes nothing else", () => {
                assert.deepEqual(findNonLoopbackAddresses(generated).length, 3, "unpointed, every job would talk to the in-cluster API");
                const entries = kubernetesSdEntries(pointed);
                assert.deepEqual(entries.map((e) => e.entry.api_server), [api.url, api.url, api.url]);
                const strip = (cfg: Record<string, unknown>) => {
                    const copy = structuredClone(cfg);
                    for (const job of copy.scrape_configs as Array<Record<string, any>>) for (const e of job.kubernetes_sd_configs ?? []) delete e.api_server;
                    return copy;
                };
                assert.deepEqual(strip(pointed), generated);
                assert.deepEqual(entries.map((e) => e.entry.namespaces?.names), [undefined, [CP_NAMESPACE], [CP_NAMESPACE]]);
            });

            it("scrapes one target per dataplane pod, per zone proxy and per control plane replica", async () => {
                const t = await targets("all targets up", (t) => t.activeTargets.filter((a) => a.health === "up").length >= 9);
                assert.deepEqual(podsOf(t, "kuma-dataplanes"), DATAPLANE_PODS, "container ports of a pod collapse to one target; billing-worker-0 is found cluster-wide");
                assert.deepEqual(podsOf(t, "kuma-zone-proxies"), ["kuma-default-ingress-84c-q7", "kuma-egress-6b9-z2"]);
                assert.deepEqual(podsOf(t, "kuma-control-plane"), ["kuma-control-plane-5f7d8-a1b2c", "kuma-control-plane-5f7d8-d3e4f"]);
                const dropped = droppedPods(t);
                for (const pod of ["legacy-app", "injection-requested", "nightly-batch", "starting", "kuma-cni-node1", "kuma-control-plane-impostor"]) {
                    assert.ok(dropped.has(pod), `${pod} discovered and dropped by relabeling`);
                }
                assert.ok(!dropped.has("no-ip-yet"), "a pod without an IP yields no target (pod.go)");
                const impostor = t.droppedTargets.filter((d) => d.discoveredLabels.__meta_kubernetes_pod_name === "kuma-control-plane-impostor");
                assert.ok(impostor.length > 0 && impostor.every((d) => d.discoveredLabels.job === "kuma-dataplanes"), "the CP job watches the CP namespace only");
                // What the real client read: the pod's Kubernetes fields, turned into its own meta labels.
                const ledger = t.activeTargets.find((a) => a.labels.pod === "ledger-0")!.discoveredLabels;
                assert.equal(ledger.__meta_kubernetes_pod_controller_kind, "StatefulSet");
                assert.equal(ledger.__meta_kubernetes_pod_ready, "true");
                assert.equal(ledger.__meta_kubernetes_pod_annotation_kuma_io_mesh, "payments");
            });

            it(`the client ${mode.watchList ? "streams the initial state through watches" : "lists in pages, then watches from the list's resourceVersion"}, only where the jobs say`, () => {
                const reqs = discoveryRequests();
                assert.ok(reqs.length > 0);
                for (const r of reqs) assert.match(r.userAgent, /^Prometheus\/3\.5\./, "the requests come from Prometheus' discovery client");
                assert.deepEqual(reqs.filter((r) => r.kind === "unserved"), [], "the client asked for nothing the fixture does not serve (no discovery or version endpoints)");
                assert.deepEqual([...new Set(reqs.map((r) => r.path))].sort(), ["/api/v1/namespaces/kuma-system/pods", "/api/v1/pods"]);
                const watches = reqs.filter((r) => r.kind === "watch");
                for (const path of ["/api/v1/pods", "/api/v1/namespaces/kuma-system/pods"]) {
                    const first = watches.find((w) => w.path === path);
                    assert.ok(first, `${path} watched`);
                    assert.equal(first.query.allowWatchBookmarks, "true");
                    assert.ok(Number(first.query.timeoutSeconds) > 0, "client-go bounds each watch");
                    if (mode.watchList) {
                        assert.deepEqual(reqs.filter((r) => r.kind === "list"), [], "no LIST in watch-list mode");
                        assert.equal(first.query.sendInitialEvents, "true");
                        assert.equal(first.query.resourceVersionMatch, "NotOlderThan");
                        const end = api.deliveredEvents().find((e) => e.path === path && e.initialEventsEnd);
                        assert.equal(end?.resourceVersion, String(startRv), "the initial-events bookmark carries the snapshot's resourceVersion");
                    } else {
                        const lists = reqs.filter((r): r is ApiRequest => r.kind === "list" && r.path === path);
                        assert.deepEqual({ limit: lists[0].query.limit, resourceVersion: lists[0].query.resourceVersion }, { limit: "500", resourceVersion: "0" });
                        const pods = PODS.filter((p) => path === "/api/v1/pods" || p.namespace === CP_NAMESPACE).length;
                        assert.equal(lists.length, Math.ceil(pods / MAX_PAGE_SIZE), "one request per page: the pager followed every continue token");
                        assert.ok(lists.slice(1).every((l) => l.query.continue !== undefined && l.query.resourceVersion === undefined));
                        assert.equal(first.query.resourceVersion, String(startRv), "the watch starts where the list's snapshot ended");
                        assert.ok(reqs.indexOf(first) > reqs.indexOf(lists[lists.length - 1]), "watch after the last page");
                    }
                }
            });

            it("kuma-dataplanes series carry mesh, dataplane, pod, namespace and kuma-dp's service labels", async () => {
                const pods = byPod(await waitForSeries(`envoy_cluster_upstream_rq_total{job="kuma-dataplanes"}`, DATAPLANE_PODS.length));
                assert.deepEqual(Object.keys(pods).sort(), DATAPLANE_PODS);
                const expect: Record<string, { mesh: string; namespace: string }> = {
                    "backend-6d4f9-x2k": { mesh: "default", namespace: "shop" },
                    "ledger-0": { mesh: "payments", namespace: "pay" },
                    "edge-gateway-7c9-abc": { mesh: "default", namespace: "gateways" },
                    "billing-worker-0": { mesh: "default", namespace: "billing" },
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
                const view = (pod: string) => ({ proxy: pods[pod].proxy, mesh: pods[pod].mesh, namespace: pods[pod].namespace });
                assert.deepEqual(view("kuma-default-ingress-84c-q7"), { proxy: "ingress", mesh: "default", namespace: CP_NAMESPACE });
                assert.deepEqual(view("kuma-egress-6b9-z2"), { proxy: "egress", mesh: undefined, namespace: CP_NAMESPACE });
            });

            it("kuma-control-plane has one series per replica, labelled with pod and namespace", async () => {
                const up = await waitForSeries(`up{job="kuma-control-plane"} == 1`, 2);
                assert.deepEqual(up.map((s) => `${s.metric.namespace}/${s.metric.pod}`).sort(), [
                    "kuma-system/kuma-control-plane-5f7d8-a1b2c",
                    "kuma-system/kuma-control-plane-5f7d8-d3e4f",
                ]);
                await waitForSeries(`xds_requests_total{job="kuma-control-plane"}`, 2);
            });

            it("non-mesh, finished, pending, IP-less and look-alike pods produce no series in any job", async () => {
                const all = await prometheus.query(`group by (job, pod) ({pod!=""})`);
                const seen = all.map((s) => `${s.metric.job}/${s.metric.pod}`).sort();
                for (const pod of NEVER_SCRAPED) assert.ok(!seen.some((k) => k.endsWith(`/${pod}`)), `${pod} scraped: ${seen.join(", ")}`);
                assert.ok(!seen.includes("kuma-dataplanes/kuma-default-ingress-84c-q7"), "a mesh-scoped zone proxy is not also a dataplane");
                assert.equal(seen.filter((k) => k.startsWith("kuma-dataplanes/")).length, DATAPLANE_PODS.length);
            });

            it("follows watch events: a pod that starts later is scraped, an un-injected pod is dropped, deleted pods go, a new replica comes", async () => {
                const watchesBefore = discoveryRequests().filter((r) => r.kind === "watch").length;
                const listsBefore = discoveryRequests().filter((r) => r.kind === "list").length;
                const rvBefore = api.resourceVersion;
                // A dataplane created Pending (no IP), then scheduled and Running: ADDED, then MODIFIED.
                const late: TestPod = { namespace: "shop", name: "payments-api-7f-kq", labels: { "kuma.io/mesh": "default" }, annotations: injected, phase: "Pending", containers: [{ name: "api" }, sidecar] };
                api.create(podObject(late));
                api.update(podObject({ ...late, phase: "Running", ip }));
                // The sidecar removed from a workload: its new pod says not injected (MODIFIED).
                const backend = PODS.find((p) => p.name === "backend-6d4f9-x2k")!;
                api.update(podObject({ ...backend, annotations: { "kuma.io/sidecar-injected": "false" } }));
                api.delete("shop", "orders-1");
                // A control plane rollout step: one replica replaced by another.
                api.delete(CP_NAMESPACE, "kuma-control-plane-5f7d8-d3e4f");
                api.create(podObject(cpReplica("g5h6i")));

                const t = await targets("targets after the watch events", (t) =>
                    podsOf(t, "kuma-dataplanes").includes("payments-api-7f-kq") &&
                    !podsOf(t, "kuma-dataplanes").includes("backend-6d4f9-x2k") &&
                    !podsOf(t, "kuma-dataplanes").includes("orders-1") &&
                    podsOf(t, "kuma-control-plane").includes("kuma-control-plane-5f7d8-g5h6i") &&
                    !podsOf(t, "kuma-control-plane").includes("kuma-control-plane-5f7d8-d3e4f"),
                );
                assert.deepEqual(podsOf(t, "kuma-dataplanes"), ["billing-worker-0", "edge-gateway-7c9-abc", "ledger-0", "payments-api-7f-kq"]);
                assert.deepEqual(podsOf(t, "kuma-control-plane"), ["kuma-control-plane-5f7d8-a1b2c", "kuma-control-plane-5f7d8-g5h6i"]);
                const backendDropped = t.droppedTargets.find((d) => d.discoveredLabels.__meta_kubernetes_pod_name === "backend-6d4f9-x2k");
                assert.equal(backendDropped?.discoveredLabels.__meta_kubernetes_pod_annotation_kuma_io_sidecar_injected, "false", "still discovered, dropped by relabeling");
                assert.ok(!droppedPods(t).has("orders-1"), "a deleted pod leaves discovery entirely");

                const latePod = byPod(await waitForSeries(`up{job="kuma-dataplanes", pod="payments-api-7f-kq"} == 1`, 1))["payments-api-7f-kq"];
                assert.deepEqual({ mesh: latePod.mesh, namespace: latePod.namespace, dataplane: latePod.dataplane }, { mesh: "default", namespace: "shop", dataplane: "payments-api-7f-kq.shop" });
                await waitForSeries(`up{job="kuma-control-plane", pod="kuma-control-plane-5f7d8-g5h6i"} == 1`, 1);
                // Removed targets are marked stale: their series end.
                await waitFor("series of removed targets end", async () => {
                    const r = await prometheus.query(`up{pod=~"orders-1|backend-6d4f9-x2k|kuma-control-plane-5f7d8-d3e4f"}`);
                    return r.length === 0 ? true : undefined;
                }, { timeoutMs: 30_000, intervalMs: 500 });

                // All of it arrived through the open watches: no relist, no new watch.
                assert.equal(discoveryRequests().filter((r) => r.kind === "list").length, listsBefore);
                assert.equal(discoveryRequests().filter((r) => r.kind === "watch").length, watchesBefore);
                const events = api.deliveredEvents().filter((e) => Number(e.resourceVersion) > rvBefore && e.type !== "BOOKMARK");
                const seenBy = (path: string) => events.filter((e) => e.path === path).map((e) => `${e.type} ${e.pod}`);
                assert.deepEqual(seenBy("/api/v1/pods"), [
                    "ADDED shop/payments-api-7f-kq",
                    "MODIFIED shop/payments-api-7f-kq",
                    "MODIFIED shop/backend-6d4f9-x2k",
                    "DELETED shop/orders-1",
                    "DELETED kuma-system/kuma-control-plane-5f7d8-d3e4f",
                    "ADDED kuma-system/kuma-control-plane-5f7d8-g5h6i",
                ]);
                assert.deepEqual(seenBy("/api/v1/namespaces/kuma-system/pods"), ["DELETED kuma-system/kuma-control-plane-5f7d8-d3e4f", "ADDED kuma-system/kuma-control-plane-5f7d8-g5h6i"]);
                assert.ok(api.deliveredEvents().some((e) => e.type === "BOOKMARK" && !e.initialEventsEnd), "bookmarks were asked for and delivered");
            });

            it("after a lost watch whose resourceVersion was compacted, the client relists (410 Expired) and catches up", async () => {
                const requestsBefore = discoveryRequests().length;
                // All in one tick, before the clients reconnect: they miss these events, and the history is gone.
                api.endWatches();
                api.delete("pay", "ledger-0");
                api.create(podObject({ namespace: "pay", name: "ledger-1", ip, annotations: { ...injected, "kuma.io/mesh": "payments" }, containers: [{ name: "ledger" }, sidecar] }));
                api.compact();

                const t = await targets("targets after the relist", (t) => {
                    const dp = podsOf(t, "kuma-dataplanes");
                    return dp.includes("ledger-1") && !dp.includes("ledger-0");
                });
                assert.deepEqual(podsOf(t, "kuma-dataplanes"), ["billing-worker-0", "edge-gateway-7c9-abc", "ledger-1", "payments-api-7f-kq"]);
                assert.equal(t.activeTargets.find((a) => a.labels.pod === "ledger-1")!.labels.mesh, "payments");
                assert.ok(api.deliveredEvents().some((e) => e.type === "ERROR" && e.code === 410), "a resumed watch was told its resourceVersion expired");
                const after = discoveryRequests().slice(requestsBefore);
                const relists = after.filter((r) => r.path === "/api/v1/pods" && (mode.watchList ? r.query.sendInitialEvents === "true" : r.kind === "list"));
                assert.ok(relists.length > 0, `relisted: ${JSON.stringify(after.map((r) => [r.kind, r.path, r.query]))}`);
            });

            it("zone is attached as an external label when the series leave the zone (federation view)", async () => {
                const res = await loopbackRequest({ url: `${prometheus.url}/federate?match[]=${encodeURIComponent('{job="kuma-control-plane"}')}` });
                assert.equal(res.status, 200);
                const lines = res.body.split("\n").filter((l) => l.startsWith("up{"));
                assert.equal(lines.length, 2, res.body);
                assert.ok(lines.every((l) => l.includes('zone="east"')), res.body);
            });
        });
    }
});
