import { strict as assert } from "assert";
import { evaluateEnvironment, EnvironmentEvaluation } from "../../infra/plan/evaluate-environment";
import { StackEvaluation } from "../../infra/plan/evaluate-stack";
import { resourcesOf, revealed } from "../support/plan-access";
import { testStack } from "../support/stack-file";

const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const policies = (s: StackEvaluation) => resourcesOf(s, NETPOL).map(revealed);
const byRole = (s: StackEvaluation, role: string) => policies(s).find((p) => p.metadata.name.endsWith(`-${role}`));

describe("NetworkPolicies wired into the stacks (opt-in per stack)", function () {
    this.timeout(60_000);
    let prod: EnvironmentEvaluation;
    before(async () => {
        prod = await evaluateEnvironment("prod");
    });

    it("prod global: default-deny first, the receiver reachable only through the ingress controller and from Grafana", () => {
        const g = prod.stacks[0];
        const all = policies(g);
        assert.deepEqual(all[0].spec, { ingress: [], podSelector: {}, policyTypes: ["Ingress"] });
        const prom = all.find((p) => JSON.stringify(p.spec.podSelector).includes("global-prometheus"));
        assert.ok(prom, all.map((p) => p.metadata.name).join());
        const from = JSON.stringify(prom.spec.ingress);
        assert.ok(from.includes('"kubernetes.io/metadata.name":"ingress-nginx"'), from);
        assert.ok(!from.includes("0.0.0.0/0"), "never open to the world");
        assert.ok(prom.spec.ingress.every((r: any) => r.ports.every((p: any) => p.port === 9090)), "only the server port");
        for (const p of all) assert.equal(p.metadata.namespace, "mesh-observability");
    });

    it("prod zones: the collector accepts OTLP only from mesh dataplanes and the control plane namespace; Prometheus takes no outside traffic", () => {
        for (const z of prod.stacks.slice(1)) {
            const collector = policies(z).find((p) => JSON.stringify(p.spec.podSelector).includes("zone-collector"));
            assert.ok(collector, z.stack);
            const ports = collector.spec.ingress.flatMap((r: any) => r.ports.map((p: any) => p.port)).sort();
            assert.deepEqual([...new Set(ports)], [4317, 4318]);
            const from = JSON.stringify(collector.spec.ingress);
            assert.ok(from.includes("kuma.io/sidecar-injection"), "dataplanes by Kuma's injection label");
            assert.ok(from.includes('"kubernetes.io/metadata.name":"kong-mesh-system"'), "the control plane namespace");
            const prom = policies(z).find((p) => JSON.stringify(p.spec.podSelector).includes("zone-prometheus"));
            assert.ok(prom === undefined || !JSON.stringify(prom.spec.ingress).includes("namespaceSelector"), "no other namespace reaches the zone Prometheus without federation");
            assert.ok(byRole(z, "default-deny-ingress"));
        }
    });

    it("off unless enabled: local creates none", async () => {
        const local = await evaluateEnvironment("local");
        for (const s of local.stacks) assert.equal(policies(s).length, 0, s.stack);
    });

    it("an ingress exposure with policies on needs the ingress controller's namespace", async () => {
        await assert.rejects(
            evaluateEnvironment("np", {
                files: [testStack("np-global", { zones: ["a"], networkPolicies: { enabled: true }, globalPrometheus: { exposure: { type: "ingress", host: "p.example.com" } } })],
            }),
            /stacks\/Pulumi\.np-global\.yaml: invalid configuration:[\s\S]*mesh-observability:networkPolicies\.ingressControllerNamespace: required with an ingress exposure/,
        );
    });
});
