import { strict as assert } from "assert";
import { StackTarget } from "../../infra/cluster-identity";
import { globalReachabilityProblems, inDifferentClusters, isClusterDnsUrl, zoneReachabilityProblems } from "../../infra/cross-cluster-endpoints";
import { KubernetesTargetConfig } from "../../infra/config/kubernetes-target";
import { parseStackName } from "../../infra/stack-identity";

const target = (stack: string, kubernetes?: KubernetesTargetConfig): StackTarget => ({ identity: parseStackName(stack), kubernetes, namespace: "obs" });
const GLOBAL = target("e-global", { context: "kind-east" });
const EAST = target("e-zone-east", { context: "kind-east" });
const WEST = target("e-zone-west", { context: "kind-west" });

describe("zones in other clusters and cluster-DNS endpoints (pure)", () => {
    it("compares contexts and EKS clusters; a render directory is no known cluster", () => {
        assert.equal(inDifferentClusters(GLOBAL, EAST), false);
        assert.equal(inDifferentClusters(GLOBAL, WEST), true);
        assert.equal(inDifferentClusters(target("e-global", { eks: { clusterName: "m", region: "us-east-1" } }), target("e-zone-a", { eks: { clusterName: "m", region: "eu-west-1" } })), true);
        assert.equal(inDifferentClusters(target("e-global", { eks: { clusterName: "m", region: "us-east-1" } }), target("e-zone-a", { eks: { clusterName: "m", region: "us-east-1" } })), false);
        assert.equal(inDifferentClusters(target("e-global"), WEST), false, "the global renders to a directory");
        assert.equal(inDifferentClusters(GLOBAL, target("e-zone-west", { renderYamlToDirectory: "out/west" })), false);
    });

    it("recognises Service cluster-DNS hosts, with and without the cluster domain", () => {
        assert.equal(isClusterDnsUrl("http://global-prometheus.obs.svc.cluster.local:80/api/v1/write"), true);
        assert.equal(isClusterDnsUrl("http://global-loki-gateway.obs.svc/otlp"), true);
        for (const url of ["http://meshobs-east-control-plane:30090/api/v1/write", "https://prometheus-global.mesh.example.com/api/v1/write", "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write", "", "not a url"]) {
            assert.equal(isClusterDnsUrl(url), false, url);
        }
    });

    it("the global: each cluster-dns endpoint zones use, against each zone elsewhere, naming the key and the zone's stack file", () => {
        const problems = globalReachabilityProblems(GLOBAL, [GLOBAL, EAST, WEST], [
            { key: "globalPrometheus.exposure", exposure: { type: "cluster-dns" } },
            { key: "traces.jaeger.exposure", exposure: { type: "node-port" } },
            { key: "logs.loki.exposure", exposure: { type: "cluster-dns" } },
        ]);
        assert.equal(problems.length, 2, problems.join("\n"));
        assert.match(problems[0], /^globalPrometheus\.exposure\.type: cluster-dns, reachable only inside this stack's cluster \(context "kind-east"\), but zone stack stacks\/Pulumi\.e-zone-west\.yaml deploys to context "kind-west"; allowed: .*node-port/);
        assert.match(problems[1], /^logs\.loki\.exposure\.type: /);
        assert.ok(!problems.join("\n").includes("e-zone-east"), "east shares the global's cluster");
        const mimir = globalReachabilityProblems(GLOBAL, [WEST], [{ key: "metrics.backend", exposure: { type: "cluster-dns" } }]);
        assert.match(mimir[0], /^metrics\.backend: mimir's push endpoint is cluster DNS, reachable only inside this stack's cluster .*; allowed: that zone in the global's cluster, or metrics\.backend prometheus/);
        assert.deepEqual(globalReachabilityProblems(target("e-global"), [WEST], [{ key: "globalPrometheus.exposure", exposure: { type: "cluster-dns" } }]), []);
    });

    it("the zone: each cluster-DNS URL it would use, when it deploys elsewhere; unused (undefined) endpoints are skipped", () => {
        const urls = { remoteWriteUrl: "http://global-prometheus.obs.svc.cluster.local:80/api/v1/write", otlpTracesEndpoint: "http://node-a:30318", lokiOtlpUrl: undefined };
        const problems = zoneReachabilityProblems(WEST, GLOBAL, urls);
        assert.equal(problems.length, 1);
        assert.match(problems[0], /^kubernetes: this zone deploys to context "kind-west", but the global's remoteWriteUrl http:\/\/global-prometheus\.obs\.svc\.cluster\.local:80\/api\/v1\/write is cluster DNS of context "kind-east" \(stacks\/Pulumi\.e-global\.yaml\)/);
        assert.deepEqual(zoneReachabilityProblems(EAST, GLOBAL, urls), []);
        assert.deepEqual(zoneReachabilityProblems(WEST, undefined, urls), []);
    });
});
