import { strict as assert } from "assert";
import * as path from "path";
import { evaluateEnvironment, PROJECT_ROOT } from "../../infra/plan/evaluate-environment";
import { evaluateStack } from "../../infra/plan/evaluate-stack";
import { withMockSpy } from "../../infra/plan/mock-runtime";
import { one, revealed } from "../support/plan-access";
import { localOnKind, testStack } from "../support/stack-file";
import { refusedEnvironment as refused } from "../support/refused-environment";
import { CHART_TYPE } from "../../infra/plan/mock-runtime";

const global = (env: string, extra: Record<string, unknown> = {}) => testStack(`${env}-global`, { zones: ["a", "b"], grafana: { enabled: false }, logs: { backend: "loki" }, ...extra });
const zone = (env: string, name: string, extra: Record<string, unknown> = {}) => testStack(`${env}-zone-${name}`, { namespace: `obs-${name}`, mesh: { version: "2.14.3" }, ...extra });

/**
 * A Kuma zone is one cluster: two zone stacks aimed at one cluster would create the same
 * cluster-scoped objects and mesh policies, share Alloy's hostPath and ship every log line and
 * control plane series twice. They are refused before any resource, naming both stack files.
 */
describe("one cluster per zone", function () {
    this.timeout(120_000);

    const sameTargets: Array<[string, Record<string, unknown>, string]> = [
        ["the same kube context", { context: "kind-meshobs" }, 'context "kind-meshobs"'],
        ["the same EKS cluster", { eks: { clusterName: "mesh", region: "eu-west-1" } }, 'EKS cluster "mesh" in eu-west-1'],
        ["the same render directory", { renderYamlToDirectory: "out/manifests" }, 'render directory "out/manifests"'],
    ];
    for (const [what, kubernetes, named] of sameTargets) {
        it(`two zones on ${what} are refused before either registers a resource, naming both stack files and the key`, async () => {
            const r = await refused("dup", [global("dup"), zone("dup", "a", { kubernetes }), zone("dup", "b", { kubernetes })]);
            assert.match(r.message, /stacks\/Pulumi\.dup-zone-a\.yaml/);
            assert.match(r.message, /stacks\/Pulumi\.dup-zone-b\.yaml/);
            assert.match(r.message, /mesh-observability:kubernetes/);
            assert.ok(r.message.includes(named), r.message);
            assert.deepEqual(r.registeredBy("dup-zone-a"), [], "the first zone is refused too: it is the same collision");
        });
    }

    it("the same directory spelled two ways is the same directory", async () => {
        const r = await refused("dup", [global("dup"), zone("dup", "a", { kubernetes: { renderYamlToDirectory: "out/x" } }), zone("dup", "b", { kubernetes: { renderYamlToDirectory: "./out/x/" } })]);
        assert.match(r.message, /mesh-observability:kubernetes/);
    });

    it("zones on distinct clusters pass; the global may share a zone's cluster in another namespace", async () => {
        // Zone b is in another cluster: the global's endpoints are node ports of a's node.
        const nodePort = (port: number) => ({ type: "node-port", host: "kind-meshobs-a-control-plane", nodePort: port });
        const e = await evaluateEnvironment("ok", {
            files: [
                global("ok", { kubernetes: { context: "kind-meshobs-a" }, globalPrometheus: { exposure: nodePort(30090) }, logs: { backend: "loki", loki: { exposure: nodePort(30100) } } }),
                zone("ok", "a", { kubernetes: { context: "kind-meshobs-a" } }),
                zone("ok", "b", { kubernetes: { context: "kind-meshobs-b" } }),
            ],
        });
        assert.equal(e.stacks.length, 3);
    });

    it("a zone sharing the global's cluster in the global's namespace is refused, naming the namespace", async () => {
        const r = await refused("ns", [global("ns", { kubernetes: { context: "kind-one" } }), zone("ns", "a", { kubernetes: { context: "kind-one" }, namespace: "mesh-observability" }), zone("ns", "b")]);
        assert.match(r.message, /stacks\/Pulumi\.ns-zone-a\.yaml/);
        assert.match(r.message, /stacks\/Pulumi\.ns-global\.yaml/);
        assert.match(r.message, /mesh-observability:namespace/);
        assert.deepEqual(r.registeredBy("ns-zone-a"), []);
    });

    it("local, deployed as documented (the global beside east on kind-meshobs-east): no release name, fullname or namespace in common", async () => {
        const local = await evaluateEnvironment("local", { files: localOnKind(path.join(PROJECT_ROOT, "stacks")) });
        const names = (stack: string) => {
            const s = local.stacks.find((x) => x.stack === stack)!;
            const charts = s.resources.filter((r) => r.type === CHART_TYPE).map(revealed);
            // Cluster-scoped chart objects (ClusterRoles, bindings) are named after the release or its fullnameOverride.
            return new Set([
                ...charts.flatMap((c: any) => [`release ${c.name}`, ...(c.values?.fullnameOverride !== undefined ? [`fullname ${c.values.fullnameOverride}`] : [])]),
                ...s.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace").map((r) => `namespace ${revealed(r).metadata.name}`),
            ]);
        };
        const global = names("local-global");
        const east = names("local-zone-east");
        assert.ok(global.size > 3 && east.size > 3, `${[...global]} / ${[...east]}`);
        assert.deepEqual([...global].filter((n) => east.has(n)), []);
    });

    it("local: each zone's Alloy names its cluster-scoped objects and its hostPath after the zone", async () => {
        const local = await evaluateEnvironment("local");
        const alloy = (zoneName: string) => revealed(one(local.stacks.find((s) => s.stack === `local-zone-${zoneName}`)!, CHART_TYPE, "zone-logs-chart")).values;
        const seen = ["east", "west"].map((z) => {
            const v = alloy(z);
            const hostPath = v.controller.volumes.extra.find((x: any) => x.hostPath !== undefined).hostPath.path;
            // alloy chart 1.11.1 templates/rbac.yaml names the ClusterRole and its binding with alloy.fullname.
            assert.ok(v.fullnameOverride.endsWith(`-${z}`), v.fullnameOverride);
            assert.ok(hostPath.endsWith(`-${z}`), hostPath);
            return [v.fullnameOverride, hostPath];
        });
        assert.notDeepEqual(seen[0], seen[1]);
    });
});

describe("one cluster per zone, as `pulumi up` sees it (stack files on disk)", function () {
    this.timeout(60_000);
    it("a zone retargeted onto a shipped sibling's render directory is refused, naming the sibling's file in stacks/", async () => {
        // No plan wrapper: the program reads the sibling stack files from the project's stacks/ itself.
        const west = testStack("local-zone-west", { namespace: "mesh-observability-west", mesh: { version: "2.14.3" }, kubernetes: { renderYamlToDirectory: ".rendered/local-zone-east" } });
        const run = await withMockSpy(() => evaluateStack(west, new Map()));
        assert.ok(run.error !== undefined, "local-zone-west evaluated, but should have been refused");
        const message = String((run.error as Error).message);
        assert.match(message, /^stacks\/Pulumi\.local-zone-west\.yaml: invalid configuration/);
        assert.match(message, /render directory "\.rendered\/local-zone-east" is also the target of zone stack stacks\/Pulumi\.local-zone-east\.yaml/);
    });
});
