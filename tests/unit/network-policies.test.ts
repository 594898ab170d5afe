import { strict as assert } from "assert";
import {
    anywhere,
    buildNetworkPolicies,
    exposureSources,
    globalNetworkPolicies,
    GlobalNetworkPolicySettings,
    NetworkPolicyDoc,
    networkPolicyPeer,
    Peer,
    zoneNetworkPolicies,
    ZoneNetworkPolicySettings,
} from "../../components/network/network-policies";
import { ObservabilityNetworkPolicies } from "../../components/network/observability-network-policies";
import { lokiGatewaySelectorLabels } from "../../components/logs/loki-chart";
import { jaegerSelectorLabels } from "../../components/traces/jaeger-chart";
import { registrationsOf } from "../support/component-registrations";
import { upstreamYaml } from "../support/upstream";

const NS_NAME = "kubernetes.io/metadata.name";
const policy = (docs: NetworkPolicyDoc[], role: string) => {
    const d = docs.find((x) => x.role === role);
    if (d === undefined) throw new Error(`no policy ${role} (have ${docs.map((x) => x.role).join(", ")})`);
    return d;
};
/** The one ingress rule of a policy, as JSON-comparable data. */
const rule = (docs: NetworkPolicyDoc[], role: string) => {
    const d = policy(docs, role);
    assert.deepEqual(d.spec.policyTypes, ["Ingress"]);
    assert.equal(d.spec.ingress.length, 1, `${role}: one ingress rule`);
    return { podSelector: d.spec.podSelector, ports: d.spec.ingress[0].ports, from: d.spec.ingress[0].from };
};
const tcp = (...ports: number[]) => ports.map((port) => ({ port, protocol: "TCP" }));

const INGRESS_NGINX: Peer = { kind: "namespace", namespace: "ingress-nginx" };
const OFFICE: Peer = { kind: "cidr", cidr: "203.0.113.0/24" };
const GRAFANA_PODS = { podSelector: { matchLabels: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": "global-grafana" } } };
const DATAPLANES = [
    {
        namespaceSelector: { matchLabels: { "kuma.io/sidecar-injection": "enabled" } },
        podSelector: { matchExpressions: [{ key: "kuma.io/sidecar-injection", operator: "NotIn", values: ["disabled"] }] },
    },
    { namespaceSelector: {}, podSelector: { matchLabels: { "kuma.io/sidecar-injection": "enabled" } } },
];

describe("NetworkPolicies: global namespace", () => {
    const settings: GlobalNetworkPolicySettings = {
        namespace: "mesh-observability",
        zoneSources: [INGRESS_NGINX],
        grafanaUiSources: [INGRESS_NGINX, OFFICE],
        prometheus: { release: "global-prometheus" },
        loki: { release: "global-loki" },
        jaeger: { release: "global-jaeger" },
        grafana: { release: "global-grafana" },
        jaegerOtlpExtraSources: [{ kind: "namespace", namespace: "kuma-system" }],
    };
    const docs = globalNetworkPolicies("global-network", settings);

    it("starts with a default-deny of all ingress for every pod of the namespace", () => {
        assert.deepEqual(docs[0], {
            role: "default-deny-ingress",
            metadata: {
                name: "global-network-default-deny-ingress",
                namespace: "mesh-observability",
                labels: { "app.kubernetes.io/part-of": "mesh-observability", "app.kubernetes.io/managed-by": "pulumi" },
            },
            spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [] },
        });
        assert.deepEqual(
            docs.map((d) => d.role),
            ["default-deny-ingress", "prometheus", "loki-gateway", "loki", "jaeger-otlp", "jaeger-query", "grafana"],
        );
        for (const d of docs) assert.equal(d.metadata.namespace, "mesh-observability");
    });

    it("Prometheus receiver :9090 from the zones' entry point, Grafana and its own self-scrape only", () => {
        const own = { matchLabels: { "app.kubernetes.io/component": "server", "app.kubernetes.io/name": "prometheus", "app.kubernetes.io/instance": "global-prometheus" } };
        assert.deepEqual(rule(docs, "prometheus"), {
            podSelector: own,
            ports: tcp(9090),
            from: [{ namespaceSelector: { matchLabels: { [NS_NAME]: "ingress-nginx" } } }, GRAFANA_PODS, { podSelector: own }],
        });
    });

    it("Loki gateway :8080 (push, OTLP, queries) from zones and Grafana; Loki itself only from its gateway and its replicas", () => {
        assert.deepEqual(rule(docs, "loki-gateway"), {
            podSelector: { matchLabels: lokiGatewaySelectorLabels("global-loki") },
            ports: tcp(8080),
            from: [{ namespaceSelector: { matchLabels: { [NS_NAME]: "ingress-nginx" } } }, GRAFANA_PODS],
        });
        const loki = { matchLabels: { "app.kubernetes.io/component": "single-binary", "app.kubernetes.io/name": "loki", "app.kubernetes.io/instance": "global-loki" } };
        assert.deepEqual(rule(docs, "loki"), {
            podSelector: loki,
            ports: tcp(3100, 9095, 7946),
            from: [{ podSelector: { matchLabels: lokiGatewaySelectorLabels("global-loki") } }, { podSelector: loki }],
        });
    });

    it("Jaeger OTLP 4317/4318 from zones and the global control plane; query 16686 from Grafana only", () => {
        assert.deepEqual(rule(docs, "jaeger-otlp"), {
            podSelector: { matchLabels: jaegerSelectorLabels("global-jaeger") },
            ports: tcp(4317, 4318),
            from: [{ namespaceSelector: { matchLabels: { [NS_NAME]: "ingress-nginx" } } }, { namespaceSelector: { matchLabels: { [NS_NAME]: "kuma-system" } } }],
        });
        assert.deepEqual(rule(docs, "jaeger-query"), { podSelector: { matchLabels: jaegerSelectorLabels("global-jaeger") }, ports: tcp(16686), from: [GRAFANA_PODS] });
    });

    it("Grafana's UI :3000 from the configured sources only", () => {
        assert.deepEqual(rule(docs, "grafana"), {
            podSelector: GRAFANA_PODS.podSelector,
            ports: tcp(3000),
            from: [{ namespaceSelector: { matchLabels: { [NS_NAME]: "ingress-nginx" } } }, { ipBlock: { cidr: "203.0.113.0/24" } }],
        });
    });

    it("without Grafana nothing may query Jaeger: the query policy is left out, the default-deny holds", () => {
        const d = globalNetworkPolicies("g", { ...settings, grafana: undefined });
        assert.ok(!d.some((x) => x.role === "jaeger-query" || x.role === "grafana"));
        assert.deepEqual(rule(d, "loki-gateway").from, [{ namespaceSelector: { matchLabels: { [NS_NAME]: "ingress-nginx" } } }]);
    });

    it("Mimir: gateway from zones and Grafana, components only from Mimir's own pods", () => {
        const d = globalNetworkPolicies("g", { namespace: "obs", zoneSources: [{ kind: "cidr", cidr: "10.20.0.0/16" }], grafanaUiSources: [], mimir: { release: "global-mimir" }, grafana: { release: "global-grafana" } });
        assert.deepEqual(rule(d, "mimir-gateway"), {
            podSelector: { matchLabels: { "app.kubernetes.io/name": "mimir", "app.kubernetes.io/instance": "global-mimir", "app.kubernetes.io/component": "gateway" } },
            ports: tcp(8080),
            from: [{ ipBlock: { cidr: "10.20.0.0/16" } }, GRAFANA_PODS],
        });
        const own = { matchLabels: { "app.kubernetes.io/name": "mimir", "app.kubernetes.io/instance": "global-mimir" } };
        assert.deepEqual(rule(d, "mimir-internal"), { podSelector: own, ports: tcp(8080, 9095, 7946), from: [{ podSelector: own }] });
        // No UI sources: no Grafana policy, so its UI is unreachable rather than open.
        assert.ok(!d.some((x) => x.role === "grafana"));
    });

    it("Datadog global: the collector takes OTLP from the global control plane's namespace only", () => {
        const d = globalNetworkPolicies("g", { namespace: "obs", zoneSources: [], grafanaUiSources: [], collector: { release: "global-collector", controlPlaneNamespace: "kong-mesh-system" } });
        assert.deepEqual(rule(d, "collector"), {
            podSelector: { matchLabels: { "app.kubernetes.io/name": "opentelemetry-collector", "app.kubernetes.io/instance": "global-collector", component: "standalone-collector" } },
            ports: tcp(4317, 4318),
            from: [{ namespaceSelector: { matchLabels: { [NS_NAME]: "kong-mesh-system" } } }],
        });
    });
});

describe("NetworkPolicies: zone namespace", () => {
    const base: ZoneNetworkPolicySettings = {
        namespace: "obs-east",
        controlPlaneNamespace: "kuma-system",
        prometheus: { release: "zone-prometheus" },
        collector: { release: "zone-collector" },
    };
    const prom = { matchLabels: { "app.kubernetes.io/component": "server", "app.kubernetes.io/name": "prometheus", "app.kubernetes.io/instance": "zone-prometheus" } };

    it("collector OTLP 4317/4318 from the mesh's dataplanes (namespace or pod opted in) and the control plane namespace", () => {
        const d = zoneNetworkPolicies("zone-network", base);
        assert.deepEqual(d[0].spec, { podSelector: {}, policyTypes: ["Ingress"], ingress: [] });
        assert.deepEqual(rule(d, "collector"), {
            podSelector: { matchLabels: { "app.kubernetes.io/name": "opentelemetry-collector", "app.kubernetes.io/instance": "zone-collector", component: "standalone-collector" } },
            ports: tcp(4317, 4318),
            from: [...DATAPLANES, { namespaceSelector: { matchLabels: { [NS_NAME]: "kuma-system" } } }],
        });
    });

    it("zone Prometheus: only its own self-scrape without federation; the global too when it federates", () => {
        assert.deepEqual(rule(zoneNetworkPolicies("z", base), "prometheus"), { podSelector: prom, ports: tcp(9090), from: [{ podSelector: prom }] });
        const fed = zoneNetworkPolicies("z", { ...base, prometheus: { release: "zone-prometheus", globalSources: [{ kind: "cidr", cidr: "198.51.100.7/32" }] } });
        assert.deepEqual(rule(fed, "prometheus"), { podSelector: prom, ports: tcp(9090), from: [{ podSelector: prom }, { ipBlock: { cidr: "198.51.100.7/32" } }] });
    });

    it("no collector: no collector policy, so nothing reaches it even if one appeared", () => {
        const d = zoneNetworkPolicies("z", { ...base, collector: undefined });
        assert.deepEqual(d.map((x) => x.role), ["default-deny-ingress", "prometheus"]);
    });

    it("Datadog: trace-svc 8126 and TCP logs 10518 from dataplanes and CP; Cluster Agent 5005 from node agents; webhook 8000 from the API server", () => {
        const d = zoneNetworkPolicies("z", { ...base, collector: undefined, datadogAgent: { apm: true, logsTcp: true, apiServerSources: [{ kind: "cidr", cidr: "172.20.0.0/16" }] } });
        assert.deepEqual(rule(d, "datadog-agent"), {
            podSelector: { matchLabels: { app: "datadog-agent" } },
            ports: tcp(8126, 10518),
            from: [...DATAPLANES, { namespaceSelector: { matchLabels: { [NS_NAME]: "kuma-system" } } }],
        });
        assert.deepEqual(rule(d, "datadog-cluster-agent"), {
            podSelector: { matchLabels: { app: "datadog-agent-cluster-agent" } },
            ports: tcp(5005),
            from: [{ podSelector: { matchLabels: { app: "datadog-agent" } } }],
        });
        assert.deepEqual(rule(d, "datadog-admission-webhook").from, [{ ipBlock: { cidr: "172.20.0.0/16" } }]);
        // Logs shipped by Alloy: no TCP listener to open.
        const noLogs = zoneNetworkPolicies("z", { ...base, datadogAgent: { apm: true, logsTcp: false } });
        assert.deepEqual(rule(noLogs, "datadog-agent").ports, tcp(8126));
        // Without API server addresses the webhook port is open from anywhere, spelled out.
        assert.deepEqual(rule(noLogs, "datadog-admission-webhook").from, [{ ipBlock: { cidr: "0.0.0.0/0" } }, { ipBlock: { cidr: "::/0" } }]);
    });
});

describe("NetworkPolicies: zone sources from a workload's exposure", () => {
    it("cluster-dns: the observability namespaces (the label every one of ours carries)", () => {
        assert.deepEqual(exposureSources({ type: "ClusterIP" }).map(networkPolicyPeer), [{ namespaceSelector: { matchLabels: { "app.kubernetes.io/part-of": "mesh-observability" } } }]);
    });
    it("ingress: the controller's namespace, which must be given", () => {
        assert.deepEqual(exposureSources({ type: "Ingress" }, { ingressControllerNamespace: "ingress-nginx" }).map(networkPolicyPeer), [{ namespaceSelector: { matchLabels: { [NS_NAME]: "ingress-nginx" } } }]);
        assert.throws(() => exposureSources({ type: "Ingress" }), /ingress controller's namespace/);
    });
    it("load balancer: its sourceRanges, node CIDRs when the LB does not keep client IPs, else visibly open", () => {
        assert.deepEqual(exposureSources({ type: "LoadBalancer", sourceRanges: ["198.51.100.0/24"] }).map(networkPolicyPeer), [{ ipBlock: { cidr: "198.51.100.0/24" } }]);
        assert.deepEqual(exposureSources({ type: "LoadBalancer", sourceRanges: ["198.51.100.0/24"] }, { nodeCidrs: ["10.0.0.0/16"] }).map(networkPolicyPeer), [{ ipBlock: { cidr: "10.0.0.0/16" } }]);
        assert.deepEqual(exposureSources({ type: "LoadBalancer" }).map(networkPolicyPeer), [{ ipBlock: { cidr: "0.0.0.0/0" } }, { ipBlock: { cidr: "::/0" } }]);
    });
    it("a workload's own zoneSources replace the shared ones for it only", () => {
        const d = globalNetworkPolicies("g", {
            namespace: "obs",
            zoneSources: [INGRESS_NGINX],
            grafanaUiSources: [],
            loki: { release: "global-loki", zoneSources: [{ kind: "cidr", cidr: "198.51.100.0/24" }] },
            jaeger: { release: "global-jaeger" },
        });
        assert.deepEqual(rule(d, "loki-gateway").from, [{ ipBlock: { cidr: "198.51.100.0/24" } }]);
        assert.deepEqual(rule(d, "jaeger-otlp").from, [{ namespaceSelector: { matchLabels: { [NS_NAME]: "ingress-nginx" } } }]);
    });
});

describe("NetworkPolicies: builder guards and chart labels", () => {
    it("refuses empty pod selectors, bad CIDRs, duplicate roles and portless rules; skips rules nobody may use", () => {
        assert.throws(() => buildNetworkPolicies("ns", "p", [{ role: "x", podSelector: {}, ports: [{ port: 1 }], from: anywhere() }]), /empty podSelector/);
        assert.throws(() => networkPolicyPeer({ kind: "cidr", cidr: "10.0.0.0/33" }), /not a CIDR/);
        assert.throws(() => networkPolicyPeer({ kind: "cidr", cidr: "example.com" }), /not a CIDR/);
        const r = { role: "x", podSelector: { matchLabels: { a: "b" } }, ports: [{ port: 80 }], from: anywhere() };
        assert.throws(() => buildNetworkPolicies("ns", "p", [r, r]), /appears twice/);
        assert.throws(() => buildNetworkPolicies("ns", "p", [{ ...r, ports: [] }]), /no ports/);
        assert.throws(() => buildNetworkPolicies("Bad_NS", "p", [r]), /DNS label/);
        assert.deepEqual(buildNetworkPolicies("ns", "p", [{ ...r, from: [] }]).map((d) => d.role), ["default-deny-ingress"]);
        assert.deepEqual(networkPolicyPeer({ kind: "cidr", cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] }), { ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] } });
    });

    it("pod labels match what the upstream charts document for their own selectors", () => {
        // Loki's values.yaml selects its gateway and single-binary pods by these labels in its default anti-affinity.
        const loki = upstreamYaml("loki-chart-18.11.0", "values.yaml");
        const sel = (x: any) => x.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchLabels;
        assert.equal(sel(loki.gateway)["app.kubernetes.io/component"], "gateway");
        assert.equal(sel(loki.singleBinary)["app.kubernetes.io/component"], "single-binary");
        assert.equal(loki.gateway.containerPort, 8080);
        assert.equal(loki.loki.server.http_listen_port, 3100);
        assert.equal(loki.loki.server.grpc_listen_port, 9095);
    });
});

describe("ObservabilityNetworkPolicies under Pulumi mocks", () => {
    it("creates the default-deny first, then each allow policy as a child named <name>-<role>, with the built spec", async () => {
        const settings: ZoneNetworkPolicySettings = { namespace: "obs-east", controlPlaneNamespace: "kuma-system", prometheus: { release: "zone-prometheus" }, collector: { release: "zone-collector" } };
        const run = await registrationsOf("test-zone-east", () => {
            const c = new ObservabilityNetworkPolicies("zone-network", { role: "zone", settings });
            return { names: c.policyNames };
        });
        const component = run.resources.find((r) => r.type === "meshobs:network:ObservabilityNetworkPolicies");
        assert.ok(component !== undefined);
        assert.equal(component.name, "zone-network");
        const children = run.resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy");
        assert.deepEqual(children.map((c) => c.name), ["zone-network-default-deny-ingress", "zone-network-prometheus", "zone-network-collector"]);
        for (const c of children) assert.match(c.parent, /meshobs:network:ObservabilityNetworkPolicies::zone-network$/);
        const expected = zoneNetworkPolicies("zone-network", settings);
        children.forEach((c, i) => {
            assert.deepEqual(c.inputs.metadata, { ...expected[i].metadata });
            assert.deepEqual(c.inputs.spec, JSON.parse(JSON.stringify(expected[i].spec)));
        });
        assert.deepEqual(run.outputs.names, ["zone-network-default-deny-ingress", "zone-network-prometheus", "zone-network-collector"]);
    });

    it("invalid settings fail before the component registers", async () => {
        const run = registrationsOf("test-bad", () => {
            new ObservabilityNetworkPolicies("n", { role: "global", settings: { namespace: "obs", zoneSources: [{ kind: "cidr", cidr: "nope" }], grafanaUiSources: [], prometheus: { release: "p" } } });
            return {};
        });
        await assert.rejects(run, /not a CIDR/);
    });
});
