import { strict as assert } from "assert";
import * as path from "path";
import { withEnvironmentStackFiles } from "../../infra/environment-stacks";
import { evaluateEnvironment, PROJECT_ROOT } from "../../infra/plan/evaluate-environment";
import { evaluateStack, LOCAL_ORGANIZATION, PlannedOutput, PROJECT } from "../../infra/plan/evaluate-stack";
import { withMockSpy } from "../../infra/plan/mock-runtime";
import { environmentStacks, StackFile } from "../../infra/plan/stack-files";
import { output } from "../support/plan-access";
import { localOnKind as localOnKindIn, testStack, withConfigKey } from "../support/stack-file";
import { refusedEnvironment as refused } from "../support/refused-environment";

const STACKS = path.join(PROJECT_ROOT, "stacks");
const localOnKind = () => localOnKindIn(STACKS);

/** The same environment with every exposure of the global on cluster DNS (the default). */
function clusterDnsOnly(f: StackFile): StackFile {
    if (f.identity.role !== "global") return f;
    const without = (key: string, at: (v: any) => any) => {
        const v = JSON.parse(f.config[`${PROJECT}:${key}`]);
        delete at(v).exposure;
        return v;
    };
    let out = withConfigKey(f, "globalPrometheus", without("globalPrometheus", (v) => v));
    out = withConfigKey(out, "traces", without("traces", (v) => v.jaeger));
    return withConfigKey(out, "logs", without("logs", (v) => v.loki));
}

/**
 * A zone in another cluster cannot resolve the global's cluster DNS: `local`'s zone west (its own kind
 * cluster) reaches the global through node ports of east's kind node, and an environment that would
 * hand such a zone cluster-DNS endpoints is refused before any resource, by the global and by the zone.
 */
describe("zones in other clusters reach the global (no cluster DNS across clusters)", function () {
    this.timeout(120_000);

    it("local on kind as documented: every endpoint both zones use is a node port of meshobs-east-control-plane", async () => {
        const e = await evaluateEnvironment("local", { files: localOnKind() });
        const [global, east, west] = e.stacks;
        assert.equal(output(global, "remoteWriteUrl"), "http://meshobs-east-control-plane:30090/api/v1/write");
        assert.equal(output(global, "otlpTracesEndpoint"), "http://meshobs-east-control-plane:30318");
        assert.equal(output(global, "otlpTracesProtocol"), "http", "a node port carries OTLP/HTTP only");
        assert.equal(output(global, "lokiPushUrl"), "http://meshobs-east-control-plane:30100/loki/api/v1/push");
        assert.equal(output(global, "lokiOtlpUrl"), "http://meshobs-east-control-plane:30100/otlp");
        for (const z of [east, west]) {
            assert.equal(output(z, "remoteWriteUrl"), "http://meshobs-east-control-plane:30090/api/v1/write", z.stack);
            assert.equal(output(z, "tracesExportEndpoint"), "http://meshobs-east-control-plane:30318", z.stack);
        }
    });

    it("the same with the global on cluster DNS: the global is refused before any resource, naming each key and zone west's stack file (not east's)", async () => {
        const r = await refused("local", localOnKind().map(clusterDnsOnly));
        assert.match(r.message, /^stacks\/Pulumi\.local-global\.yaml: invalid configuration:\n/);
        for (const key of ["globalPrometheus.exposure.type", "traces.jaeger.exposure.type", "logs.loki.exposure.type"]) {
            assert.ok(r.message.includes(`mesh-observability:${key}: cluster-dns, reachable only inside this stack's cluster (context "kind-meshobs-east"), but zone stack stacks/Pulumi.local-zone-west.yaml deploys to context "kind-meshobs-west"`), `${key}:\n${r.message}`);
        }
        assert.ok(!r.message.includes("local-zone-east.yaml"), "east shares the global's cluster");
        assert.deepEqual(r.registeredBy("local-global"), []);
    });

    it("rendered to directories (the default), cluster DNS is not refused: a directory says nothing about the cluster", async () => {
        const e = await evaluateEnvironment("local", { files: environmentStacks(STACKS, "local").map(clusterDnsOnly) });
        assert.equal(output(e.stacks[2], "remoteWriteUrl"), "http://global-prometheus.mesh-observability.svc.cluster.local:80/api/v1/write");
    });

    it("a zone retargeted to another cluster after the global's `up` is refused before any resource, naming its kubernetes key and the global's URL", async () => {
        // The global was deployed while west still rendered to a directory; then west's stack file moves to its own cluster.
        const deployed = localOnKind().map(clusterDnsOnly).map((f) => (f.stack === "local-zone-west" ? withConfigKey(f, "kubernetes", { renderYamlToDirectory: ".rendered/local-zone-west" }) : f));
        const before = await evaluateEnvironment("local", { files: deployed });
        const outputs = new Map<string, Record<string, PlannedOutput>>([[`${LOCAL_ORGANIZATION}/${PROJECT}/local-global`, before.stacks[0].outputs]]);
        const now = localOnKind().map(clusterDnsOnly);
        const west = now.find((f) => f.stack === "local-zone-west")!;
        const run = await withMockSpy(() => withEnvironmentStackFiles(now, () => evaluateStack(west, outputs)));
        assert.ok(run.error instanceof Error, "west evaluated, but should have been refused");
        assert.match(run.error.message, /^stacks\/Pulumi\.local-zone-west\.yaml: invalid configuration:\n/);
        for (const [key, url] of [
            ["remoteWriteUrl", "http://global-prometheus.mesh-observability.svc.cluster.local:80/api/v1/write"],
            ["otlpTracesEndpoint", "http://global-jaeger.mesh-observability.svc.cluster.local:4317"],
            ["lokiOtlpUrl", "http://global-loki-gateway.mesh-observability.svc.cluster.local/otlp"],
        ]) {
            assert.ok(
                run.error.message.includes(`mesh-observability:kubernetes: this zone deploys to context "kind-meshobs-west", but the global's ${key} ${url} is cluster DNS of context "kind-meshobs-east" (stacks/Pulumi.local-global.yaml)`),
                `${key}:\n${run.error.message}`,
            );
        }
        assert.deepEqual(
            run.resources.filter((r) => r.stack === "local-zone-west").map((r) => r.type),
            ["pulumi:pulumi:Stack", "pulumi:pulumi:StackReference"],
        );
    });

    it("Mimir's push endpoint is in-cluster only: a zone in another cluster is refused by the global, naming metrics.backend", async () => {
        const r = await refused("mx", [
            testStack("mx-global", { zones: ["a"], kubernetes: { context: "global" }, metrics: { backend: "mimir", mimir: { storage: { type: "s3", bucket: "b-mimir", region: "eu-west-1" } } } }, ["s3AccessKeyId", "s3SecretAccessKey"]),
            testStack("mx-zone-a", { mesh: { version: "2.14.3" }, kubernetes: { context: "zone-a" } }),
        ]);
        assert.match(r.message, /mesh-observability:metrics\.backend: mimir's push endpoint is cluster DNS, reachable only inside this stack's cluster \(context "global"\), but zone stack stacks\/Pulumi\.mx-zone-a\.yaml deploys to context "zone-a"/);
    });

    it("node ports: outside 30000-32767, or two exposures on one port, are refused naming the key", async () => {
        const g = (globalPrometheus: unknown, logs: unknown) => testStack("np-global", { zones: ["a"], globalPrometheus, logs });
        const lowPort = await refused("np", [g({ exposure: { type: "node-port", host: "node-a", nodePort: 8080 } }, { backend: "none" })]);
        assert.match(lowPort.message, /mesh-observability:globalPrometheus\.exposure\.nodePort: .*allowed: 30000-32767/);
        const shared = await refused("np", [g({ exposure: { type: "node-port", host: "node-a", nodePort: 30090 } }, { backend: "loki", loki: { exposure: { type: "node-port", host: "node-a", nodePort: 30090 } } })]);
        assert.match(shared.message, /mesh-observability:logs\.loki\.exposure\.nodePort: 30090 is also globalPrometheus\.exposure\.nodePort; allowed: a node port of its own for each exposure/);
        const noPort = await refused("np", [g({ exposure: { type: "node-port", host: "node-a" } }, { backend: "none" })]);
        assert.match(noPort.message, /globalPrometheus\.exposure\.nodePort/);
    });
});
