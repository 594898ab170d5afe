import { strict as assert } from "assert";
import { evaluateEnvironment, EnvironmentEvaluation } from "../../infra/plan/evaluate-environment";
import { StackEvaluation } from "../../infra/plan/evaluate-stack";
import { prometheusResources } from "../../components/prometheus/sizing";
import { podPrometheusConfig, withPrometheusPod } from "../support/rendered-pod";
import { testStack } from "../support/stack-file";
import { one, output, revealed, yamlFile } from "../support/plan-access";
import { promtoolCheckConfig } from "../support/prometheus-process";
import { kumaSdEntries, renderPrometheusYaml } from "../support/swap-discovery";
import { kubernetesSdEntries } from "../support/point-kubernetes-discovery";

const stack = testStack;

describe("Kuma 3.x on Kubernetes: pod discovery instead of MADS, through the program", function () {
    this.timeout(60_000);
    let env: EnvironmentEvaluation;
    const zone = (name: string): StackEvaluation => env.stacks.find((s) => s.stack === `k3-zone-${name}`)!;
    before(async () => {
        env = await evaluateEnvironment("k3", {
            files: [
                stack("k3-global", { zones: ["kuma3", "kong3", "kuma2"] }),
                stack("k3-zone-kuma3", { mesh: { version: "3.0.0" }, policies: { enabled: false } }),
                stack("k3-zone-kong3", { mesh: { product: "kong-mesh", version: "3.0.0" }, policies: { enabled: false } }),
                stack("k3-zone-kuma2", { mesh: { version: "2.14.3" }, zonePrometheus: { expectedActiveSeries: 250_000, retention: "2d", dataplaneScrapeInterval: "15s" } }),
            ],
        });
    });

    it("3.x zones scrape by pod discovery with the dashboards' job names; 2.x keeps kuma_sd", () => {
        for (const name of ["kuma3", "kong3"]) {
            const cfg = yamlFile(zone(name), "prometheus", "prometheus.yml");
            assert.equal(output(zone(name), "discoveryMode"), "kubernetes_sd");
            assert.equal(output(zone(name), "madsServer"), "");
            assert.deepEqual(kumaSdEntries(cfg), []);
            assert.deepEqual(
                cfg.scrape_configs.map((j: any) => j.job_name),
                ["kuma-dataplanes", "kuma-zone-proxies", "kuma-control-plane", "prometheus"],
            );
            assert.equal(cfg.global.external_labels.zone, name);
        }
        const kong = yamlFile(zone("kong3"), "prometheus", "prometheus.yml").scrape_configs.find((j: any) => j.job_name === "kuma-control-plane");
        assert.deepEqual(kong.kubernetes_sd_configs, [{ role: "pod", namespaces: { names: ["kong-mesh-system"] } }]);
        assert.ok(JSON.stringify(kong.relabel_configs).includes("kong-mesh-control-plane"), "Kong Mesh's control plane pods are matched by their own app label");
        assert.equal(output(zone("kuma2"), "discoveryMode"), "kuma_sd");
    });

    it("pod discovery turns the chart's RBAC on (pods list/watch); kuma_sd zones keep it off", () => {
        assert.equal(revealed(one(zone("kuma3"), "kubernetes:helm.sh/v4:Chart", "zone-prometheus-chart")).values.rbac.create, true);
        assert.equal(revealed(one(zone("kuma2"), "kubernetes:helm.sh/v4:Chart", "zone-prometheus-chart")).values.rbac.create, false);
    });

    it("the generated 3.x config passes promtool 3.5 with its kubernetes_sd_configs as generated (in-cluster)", () => {
        // The config the rendered pod mounts, with the files of its mounts (rendered-pod.ts).
        const cfg = withPrometheusPod(zone("kuma3"), "zone-prometheus", podPrometheusConfig);
        assert.equal(kubernetesSdEntries(cfg).length, 3);
        assert.ok(kubernetesSdEntries(cfg).every(({ entry }) => entry.api_server === undefined && entry.kubeconfig_file === undefined));
        const result = withPrometheusPod(zone("kuma3"), "zone-prometheus", (pod) => promtoolCheckConfig(renderPrometheusYaml(podPrometheusConfig(pod))));
        assert.ok(result.ok, result.output);
    });

    it("promtool 3.5 (which has kubernetes_sd_configs) passes the generated 3.x config as generated, only mounted paths localised", () => {
        const result = withPrometheusPod(zone("kuma3"), "zone-prometheus", (pod) => promtoolCheckConfig(renderPrometheusYaml(podPrometheusConfig(pod))));
        assert.ok(result.ok, result.output);
        assert.match(result.output, /SUCCESS/);
    });

    it("sizes each zone Prometheus from expectedActiveSeries (requests and limits in the chart values)", () => {
        const server = revealed(one(zone("kuma2"), "kubernetes:helm.sh/v4:Chart", "zone-prometheus-chart")).values.server;
        // sizing.ts's worked example: 250k series on a remote-writing zone server, 2d retention.
        assert.deepEqual(server.resources.requests, { cpu: "170m", memory: "916Mi" });
        const expected = prometheusResources({ expectedActiveSeries: 250_000, retention: "2d", scrapeInterval: "15s", mode: "server" });
        assert.deepEqual(server.resources, { requests: expected.requests, limits: expected.limits });
    });
});
