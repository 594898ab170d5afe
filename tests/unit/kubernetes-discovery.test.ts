import { strict as assert } from "assert";
import { KUMA_CONTROL_PLANE_APP_LABEL, KUMA_CONTROL_PLANE_JOB, KUMA_DATAPLANES_JOB, KUMA_ZONE_PROXIES_JOB } from "../../components/mesh/kuma-facts";
import { KumaKubernetesDiscoverySettings, kumaKubernetesScrapeJobs } from "../../components/prometheus/kubernetes-discovery";
import { upstreamYaml } from "../support/upstream";

const BASE: KumaKubernetesDiscoverySettings = { controlPlane: { namespace: "kuma-system" }, scrapeInterval: "15s" };

type Rule = Record<string, any>;
const jobs = (s: KumaKubernetesDiscoverySettings = BASE) => kumaKubernetesScrapeJobs(s) as Array<Record<string, any>>;
const job = (name: string, s: KumaKubernetesDiscoverySettings = BASE) => jobs(s).find((j) => j.job_name === name)!;
const rules = (name: string, s?: KumaKubernetesDiscoverySettings): Rule[] => job(name, s).relabel_configs;
const ruleFor = (rs: Rule[], target: string) => rs.filter((r) => r.target_label === target);

/** Prometheus anchors relabel regexes: ^(?:re)$. Enough of RE2 for these patterns is shared with JS. */
const fullMatch = (re: string, value: string) => new RegExp(`^(?:${re})$`).test(value);

describe("Kuma 3.x Kubernetes discovery: scrape jobs", () => {
    it("keeps the job names the Kuma dashboards filter on", () => {
        assert.deepEqual(jobs().map((j) => j.job_name), ["kuma-dataplanes", "kuma-zone-proxies", "kuma-control-plane"]);
        assert.equal(KUMA_ZONE_PROXIES_JOB, "kuma-zone-proxies");
    });

    it("discovers pods through kubernetes_sd role pod: dataplanes in the listed namespaces (all by default), proxies and CP in the CP namespace", () => {
        assert.deepEqual(job(KUMA_DATAPLANES_JOB).kubernetes_sd_configs, [{ role: "pod" }]);
        const listed = { ...BASE, namespaces: ["shop", "pay"] };
        assert.deepEqual(job(KUMA_DATAPLANES_JOB, listed).kubernetes_sd_configs, [{ role: "pod", namespaces: { names: ["shop", "pay"] } }]);
        for (const name of [KUMA_ZONE_PROXIES_JOB, KUMA_CONTROL_PLANE_JOB]) {
            assert.deepEqual(job(name, listed).kubernetes_sd_configs, [{ role: "pod", namespaces: { names: ["kuma-system"] } }], name);
        }
        for (const j of jobs()) assert.equal(j.kuma_sd_configs, undefined);
    });

    it("defaults: MeshMetric 5670 /metrics, zone proxies 9902 /stats/prometheus, control plane 5680 /metrics", () => {
        const port = (name: string) => ruleFor(rules(name), "__address__").map((r) => r.replacement);
        assert.equal(job(KUMA_DATAPLANES_JOB).metrics_path, "/metrics");
        assert.deepEqual(port(KUMA_DATAPLANES_JOB), ["$1:5670", "[$1]:5670"]);
        assert.equal(job(KUMA_ZONE_PROXIES_JOB).metrics_path, "/stats/prometheus");
        assert.deepEqual(port(KUMA_ZONE_PROXIES_JOB), ["$1:9902", "[$1]:9902"]);
        assert.equal(job(KUMA_CONTROL_PLANE_JOB).metrics_path, "/metrics");
        assert.deepEqual(port(KUMA_CONTROL_PLANE_JOB), ["$1:5680", "[$1]:5680"]);
    });

    it("takes the MeshMetric port/path, the CP label/port and the zone proxy endpoint from settings", () => {
        const s: KumaKubernetesDiscoverySettings = {
            meshMetricPort: 15670,
            meshMetricPath: "/kuma/metrics",
            controlPlane: { namespace: "kong-mesh-system", appLabel: "kong-mesh-control-plane", metricsPort: 15680 },
            zoneProxies: { port: 19902, path: "/stats" },
            scrapeInterval: "30s",
            dataplaneScrapeInterval: "5s",
        };
        const dp = job(KUMA_DATAPLANES_JOB, s);
        assert.equal(dp.metrics_path, "/kuma/metrics");
        assert.equal(ruleFor(dp.relabel_configs, "__address__")[0].replacement, "$1:15670");
        assert.equal(dp.scrape_interval, "5s");
        assert.equal(dp.scrape_timeout, "5s");
        const cp = job(KUMA_CONTROL_PLANE_JOB, s);
        assert.equal(cp.scrape_interval, "30s");
        assert.equal(cp.scrape_timeout, "10s", "at most Prometheus' 10s default");
        assert.deepEqual(cp.relabel_configs.find((r: Rule) => r.action === "keep" && r.source_labels[0] === "__meta_kubernetes_pod_label_app").regex, "kong-mesh-control-plane");
        assert.equal(ruleFor(cp.relabel_configs, "__address__")[0].replacement, "$1:15680");
        assert.deepEqual(cp.kubernetes_sd_configs, [{ role: "pod", namespaces: { names: ["kong-mesh-system"] } }]);
        const zp = job(KUMA_ZONE_PROXIES_JOB, s);
        assert.equal(zp.metrics_path, "/stats");
        assert.equal(ruleFor(zp.relabel_configs, "__address__")[0].replacement, "$1:19902");
    });

    it("every job keeps Running pods only, as its first rule", () => {
        for (const j of jobs()) assert.deepEqual(j.relabel_configs[0], { source_labels: ["__meta_kubernetes_pod_phase"], regex: "Running", action: "keep" }, j.job_name);
    });

    describe("kuma-dataplanes relabeling", () => {
        const rs = rules(KUMA_DATAPLANES_JOB);
        const dataplaneKeep = rs[1];

        it("keeps the pods Kuma's pod controller makes a Dataplane for: sidecar injected, or a builtin gateway", () => {
            assert.equal(dataplaneKeep.action, "keep");
            assert.deepEqual(dataplaneKeep.source_labels, ["__meta_kubernetes_pod_annotation_kuma_io_sidecar_injected", "__meta_kubernetes_pod_annotation_kuma_io_gateway"]);
            const m = (injected: string, gateway: string) => fullMatch(dataplaneKeep.regex, `${injected};${gateway}`);
            assert.ok(m("true", ""));
            assert.ok(m("enabled", ""), "GetEnabled accepts enabled");
            assert.ok(m("yes", ""), "GetEnabled accepts yes");
            assert.ok(m("", "builtin"));
            assert.ok(!m("false", ""));
            assert.ok(!m("", ""), "a pod outside the mesh");
            assert.ok(!m("", "enabled"), "a delegated gateway counts only through its injected sidecar");
            assert.ok(!m("truex", ""), "anchored");
        });

        it("does not depend on the container a target comes from (a native kuma-sidecar is an init container)", () => {
            assert.ok(!JSON.stringify(rs).includes("__meta_kubernetes_pod_container_"));
        });

        it("drops mesh-scoped zone proxies (scraped by kuma-zone-proxies)", () => {
            assert.deepEqual(rs[2], { source_labels: ["__meta_kubernetes_pod_label_k8s_kuma_io_zone_proxy_type"], regex: ".+", action: "drop" });
        });

        it("addresses the pod IP on the MeshMetric port, bracketing IPv6", () => {
            const [v4, v6] = ruleFor(rs, "__address__");
            assert.deepEqual(v4.source_labels, ["__meta_kubernetes_pod_ip"]);
            assert.ok(fullMatch(v4.regex, "10.1.2.3") && !fullMatch(v4.regex, "fd00::1"));
            assert.ok(fullMatch(v6.regex, "fd00::1") && !fullMatch(v6.regex, "10.1.2.3"));
            assert.equal(v6.replacement, "[$1]:5670");
        });

        it("labels mesh (pod label over annotation), dataplane and instance <pod>.<namespace>, pod, namespace", () => {
            const mesh = ruleFor(rs, "mesh");
            assert.deepEqual(mesh.map((r) => r.source_labels[0]), ["__meta_kubernetes_pod_annotation_kuma_io_mesh", "__meta_kubernetes_pod_label_kuma_io_mesh"]);
            assert.ok(mesh.every((r) => r.regex === "(.+)"), "an absent mesh leaves kuma-dp's own mesh label alone");
            for (const target of ["dataplane", "instance"]) {
                assert.deepEqual(ruleFor(rs, target), [{ source_labels: ["__meta_kubernetes_pod_name", "__meta_kubernetes_namespace"], separator: ".", regex: "(.*)", target_label: target }]);
            }
            assert.deepEqual(ruleFor(rs, "pod")[0].source_labels, ["__meta_kubernetes_pod_name"]);
            assert.deepEqual(ruleFor(rs, "namespace")[0].source_labels, ["__meta_kubernetes_namespace"]);
        });

        it("sets no zone (external label) and no service labels (kuma-dp's own samples carry them)", () => {
            const targets = rs.map((r) => r.target_label).filter((t) => t !== undefined);
            assert.deepEqual([...new Set(targets)].sort(), ["__address__", "dataplane", "instance", "mesh", "namespace", "pod"]);
            assert.ok(!rs.some((r) => r.action === "labelmap"));
        });

        it("does not read the legacy prometheus.metrics.kuma.io annotations", () => {
            assert.ok(!JSON.stringify(jobs()).includes("prometheus_metrics_kuma_io"));
        });
    });

    describe("kuma-zone-proxies relabeling", () => {
        const rs = rules(KUMA_ZONE_PROXIES_JOB);

        it("derives proxy from the 2.x annotations, then the 3.x zone-proxy-type label, and keeps ingress|egress only", () => {
            const proxy = ruleFor(rs, "proxy");
            assert.deepEqual(
                proxy.map((r) => [r.source_labels[0], r.regex, r.replacement]),
                [
                    ["__meta_kubernetes_pod_annotation_kuma_io_ingress", "true|yes|enabled", "ingress"],
                    ["__meta_kubernetes_pod_annotation_kuma_io_egress", "true|yes|enabled", "egress"],
                    ["__meta_kubernetes_pod_label_k8s_kuma_io_zone_proxy_type", "(ingress|egress)", undefined],
                ],
            );
            const keep = rs.find((r) => r.action === "keep" && r.source_labels[0] === "proxy")!;
            assert.equal(keep.regex, "ingress|egress");
            assert.ok(rs.indexOf(keep) > rs.indexOf(proxy[2]));
        });

        it("labels mesh from kuma.io/mesh, pod and namespace", () => {
            assert.deepEqual(ruleFor(rs, "mesh"), [{ source_labels: ["__meta_kubernetes_pod_label_kuma_io_mesh"], regex: "(.+)", target_label: "mesh" }]);
            assert.equal(ruleFor(rs, "pod").length, 1);
            assert.equal(ruleFor(rs, "namespace").length, 1);
        });
    });

    describe("kuma-control-plane relabeling", () => {
        it("keeps every pod with the chart's app label (one target per HA replica), escaping the value as a literal", () => {
            const keep = rules(KUMA_CONTROL_PLANE_JOB).find((r) => r.action === "keep" && r.source_labels[0] === "__meta_kubernetes_pod_label_app")!;
            assert.equal(keep.regex, KUMA_CONTROL_PLANE_APP_LABEL);
            const dotted = rules(KUMA_CONTROL_PLANE_JOB, { ...BASE, controlPlane: { namespace: "kuma-system", appLabel: "cp.v3" } });
            const k2 = dotted.find((r) => r.action === "keep" && r.source_labels[0] === "__meta_kubernetes_pod_label_app")!;
            assert.equal(k2.regex, "cp\\.v3");
            assert.ok(fullMatch(k2.regex, "cp.v3") && !fullMatch(k2.regex, "cpxv3"));
        });

        it("the default app label is the one the kuma chart's control plane selector uses", () => {
            const values = upstreamYaml("kuma-2.14.3", "values.yaml");
            const exprs = values.controlPlane.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector.matchExpressions;
            const app = exprs.find((e: any) => e.key === "app");
            assert.deepEqual(app.values, ['{{ include "kuma.name" . }}-control-plane']);
            assert.equal(KUMA_CONTROL_PLANE_APP_LABEL, "kuma-control-plane", "kuma.name is the chart name, kuma");
        });
    });

    describe("validation names the setting, the problem and what is allowed", () => {
        const bad: Array<[string, KumaKubernetesDiscoverySettings, RegExp]> = [
            ["port 0", { ...BASE, meshMetricPort: 0 }, /meshMetricPort 0 is not a TCP port; allowed: an integer 1-65535/],
            ["port 70000", { ...BASE, meshMetricPort: 70000 }, /meshMetricPort/],
            ["relative path", { ...BASE, meshMetricPath: "metrics" }, /meshMetricPath "metrics" is not an absolute URL path/],
            ["path with query", { ...BASE, meshMetricPath: "/m?x=1" }, /meshMetricPath/],
            ["bad CP namespace", { ...BASE, controlPlane: { namespace: "Kuma_System" } }, /controlPlane.namespace "Kuma_System" is not a namespace name; allowed: a DNS label/],
            ["bad app label", { ...BASE, controlPlane: { namespace: "kuma-system", appLabel: "kuma cp" } }, /controlPlane.appLabel "kuma cp" is not a Kubernetes label value/],
            ["empty app label", { ...BASE, controlPlane: { namespace: "kuma-system", appLabel: "" } }, /controlPlane.appLabel/],
            ["CP port", { ...BASE, controlPlane: { namespace: "kuma-system", metricsPort: 1.5 } }, /controlPlane.metricsPort 1.5 is not a TCP port/],
            ["proxy port", { ...BASE, zoneProxies: { port: -1 } }, /zoneProxies.port -1/],
            ["empty namespaces", { ...BASE, namespaces: [] }, /namespaces is empty; allowed: omit it for all namespaces/],
            ["bad namespace", { ...BASE, namespaces: ["ok", "NOT ok"] }, /namespaces\[1\] "NOT ok"/],
            ["duplicate namespace", { ...BASE, namespaces: ["a", "a"] }, /namespaces lists "a" twice; allowed: each namespace once/],
            ["bad interval", { ...BASE, scrapeInterval: "15 s" }, /scrapeInterval "15 s" is not a positive Prometheus duration/],
            ["zero interval", { ...BASE, scrapeInterval: "0s" }, /scrapeInterval "0s"/],
            ["bad dataplane interval", { ...BASE, dataplaneScrapeInterval: "1x" }, /dataplaneScrapeInterval "1x"/],
        ];
        for (const [what, s, message] of bad) {
            it(what, () => assert.throws(() => kumaKubernetesScrapeJobs(s), (err: Error) => message.test(err.message) && err.message.startsWith("kumaKubernetesScrapeJobs: ")));
        }
    });

    it("is pure: the same settings give equal, independent objects", () => {
        const a = jobs();
        const b = jobs();
        assert.deepEqual(a, b);
        (a[0].relabel_configs as Rule[])[0].regex = "changed";
        assert.equal((jobs()[0].relabel_configs as Rule[])[0].regex, "Running");
    });
});
