import { strict as assert } from "assert";
import {
    anywhere,
    buildNetworkPolicies,
    cidrPeers,
    exposureSources,
    globalNetworkPolicies,
    GlobalNetworkPolicySettings,
    isCidr,
    NetworkPolicyDoc,
    networkPolicyPeer,
    Peer,
    zoneNetworkPolicies,
    ZoneNetworkPolicySettings,
} from "../../components/network/network-policies";
import { ObservabilityNetworkPolicies } from "../../components/network/observability-network-policies";
import { lokiGatewaySelectorLabels } from "../../components/logs/loki-chart";
import { jaegerSelectorLabels } from "../../components/traces/jaeger-chart";
import { zoneConfigSchema } from "../../infra/config/zone-schema";
import { ZoneDecisions } from "../../infra/global-outputs";
import { zoneDecisions } from "../support/fixtures";
import { evaluateEnvironment, EnvironmentEvaluation } from "../../infra/plan/evaluate-environment";
import { StackEvaluation } from "../../infra/plan/evaluate-stack";
import { underMocks, withMockSpy } from "../../infra/plan/mock-runtime";
import { zoneNetworkPolicySettings, zoneNetworkProblems } from "../../infra/roles/zone-network";
import { output, resourcesOf, revealed } from "../support/plan-access";
import { testStack } from "../support/stack-file";
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
        // A node port: traffic arrives from node addresses (externalTrafficPolicy Cluster), so the node CIDRs or anywhere.
        assert.deepEqual(exposureSources({ type: "NodePort" }).map(networkPolicyPeer), [{ ipBlock: { cidr: "0.0.0.0/0" } }, { ipBlock: { cidr: "::/0" } }]);
        assert.deepEqual(exposureSources({ type: "NodePort" }, { nodeCidrs: ["172.18.0.0/16"] }).map(networkPolicyPeer), [{ ipBlock: { cidr: "172.18.0.0/16" } }]);
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
        const run = await underMocks({ stack: "test-zone-east" }, () => {
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
        assert.deepEqual(run.outputs.names.value, ["zone-network-default-deny-ingress", "zone-network-prometheus", "zone-network-collector"]);
    });

    it("invalid settings fail before the component registers", async () => {
        const run = underMocks({ stack: "test-bad" }, () => {
            new ObservabilityNetworkPolicies("n", { role: "global", settings: { namespace: "obs", zoneSources: [{ kind: "cidr", cidr: "nope" }], grafanaUiSources: [], prometheus: { release: "p" } } });
            return {};
        });
        await assert.rejects(run, /not a CIDR/);
    });
});

// ---------------------------------------------------------------------------------------------
// The zone's config keys networkPolicies.globalSourceCidrs and apiServerCidrs, from config to rules.

const ZONE_PROM = { matchLabels: { "app.kubernetes.io/component": "server", "app.kubernetes.io/name": "prometheus", "app.kubernetes.io/instance": "zone-prometheus" } };
/** The global Prometheus' pods in any observability namespace: what a global in the zone's cluster federates from. */
const IN_CLUSTER_GLOBAL = {
    namespaceSelector: { matchLabels: { "app.kubernetes.io/part-of": "mesh-observability" } },
    podSelector: { matchLabels: { "app.kubernetes.io/component": "server", "app.kubernetes.io/name": "prometheus", "app.kubernetes.io/instance": "global-prometheus" } },
};
const WEBHOOK_PODS = { matchLabels: { app: "datadog-agent-cluster-agent" } };

describe("NetworkPolicies: CIDRs", () => {
    it("isCidr takes IPv4 and IPv6 CIDRs and nothing else (the config schema uses the same check)", () => {
        for (const good of ["10.0.0.0/8", "203.0.113.10/32", "0.0.0.0/0", "fd00::/8", "2001:db8::/64", "::/0", "FD00::/8", "::ffff:10.0.0.0/104"]) assert.ok(isCidr(good), good);
        for (const bad of ["10.0.0.0", "10.0.0.0/33", "300.0.0.0/8", "010.0.0.0/8", "10.0.0/8", "fd00::/129", "fe80::1%eth0/64", "example.com/8", "10.0.0.0/8 ", "", "/8"]) {
            assert.ok(!isCidr(bad), JSON.stringify(bad));
        }
        assert.deepEqual(cidrPeers(["10.0.0.0/8", "fd00::/8"]).map(networkPolicyPeer), [{ ipBlock: { cidr: "10.0.0.0/8" } }, { ipBlock: { cidr: "fd00::/8" } }]);
    });
});

describe("NetworkPolicies: zone settings from the stack config and the global's decisions", () => {
    const decisions = zoneDecisions;
    const cfg = (networkPolicies: Record<string, unknown>) => zoneConfigSchema.parse({ namespace: "obs-east", mesh: { version: "2.14.3" }, networkPolicies });
    const GLOBAL = "organization/mesh-observability/test-global";
    const docs = (c: ReturnType<typeof cfg>, d: ZoneDecisions, datadog = false) =>
        zoneNetworkPolicies(
            "zone-network",
            zoneNetworkPolicySettings(c, d, { controlPlaneNamespace: "kuma-system", ...(datadog ? { datadogAgent: { fullname: "datadog-agent", apm: true, logsTcp: false } } : {}) }),
        );

    it("both keys default to empty", () => {
        assert.deepEqual(cfg({ enabled: true }).networkPolicies, { enabled: true, globalSourceCidrs: [], apiServerCidrs: [] });
        assert.deepEqual(zoneConfigSchema.parse({ mesh: { version: "2.14.3" } }).networkPolicies, { enabled: false, globalSourceCidrs: [], apiServerCidrs: [] });
    });

    it("federating global: :9090 from the Prometheus itself, the in-cluster global Prometheus, then each globalSourceCidrs entry as an ipBlock", () => {
        const d = docs(cfg({ enabled: true, globalSourceCidrs: ["203.0.113.10/32", "2001:db8::/64"] }), decisions({ metricsTransport: "federation" }));
        assert.deepEqual(rule(d, "prometheus"), {
            podSelector: ZONE_PROM,
            ports: tcp(9090),
            from: [{ podSelector: ZONE_PROM }, IN_CLUSTER_GLOBAL, { ipBlock: { cidr: "203.0.113.10/32" } }, { ipBlock: { cidr: "2001:db8::/64" } }],
        });
    });

    it("remote-reading global: the CIDRs alone, on :9090 (no in-cluster peer: that is for a federating global)", () => {
        const d = docs(cfg({ enabled: true, globalSourceCidrs: ["198.51.100.0/24"] }), decisions({ remoteReadZones: ["east"] }));
        assert.deepEqual(rule(d, "prometheus"), { podSelector: ZONE_PROM, ports: tcp(9090), from: [{ podSelector: ZONE_PROM }, { ipBlock: { cidr: "198.51.100.0/24" } }] });
        // Without them, nothing but the Prometheus itself: the default-deny holds for everyone else.
        assert.deepEqual(rule(docs(cfg({ enabled: true }), decisions()), "prometheus").from, [{ podSelector: ZONE_PROM }]);
    });

    it("Datadog admission webhook :8000 from apiServerCidrs only; from anywhere, spelled out, when none are given", () => {
        const d = docs(cfg({ enabled: true, apiServerCidrs: ["172.20.0.0/16", "fd12::/64"] }), decisions(), true);
        assert.deepEqual(rule(d, "datadog-admission-webhook"), { podSelector: WEBHOOK_PODS, ports: tcp(8000), from: [{ ipBlock: { cidr: "172.20.0.0/16" } }, { ipBlock: { cidr: "fd12::/64" } }] });
        // apiServerCidrs touch nothing else: the Prometheus rule is unchanged.
        assert.deepEqual(rule(d, "prometheus").from, [{ podSelector: ZONE_PROM }]);
        assert.deepEqual(rule(docs(cfg({ enabled: true }), decisions(), true), "datadog-admission-webhook"), {
            podSelector: WEBHOOK_PODS,
            ports: tcp(8000),
            from: [{ ipBlock: { cidr: "0.0.0.0/0" } }, { ipBlock: { cidr: "::/0" } }],
        });
    });

    it("cross-stack: a federating global needs globalSourceCidrs when the policies are on, and only then", () => {
        const fed = decisions({ metricsTransport: "federation" });
        assert.deepEqual(zoneNetworkProblems(fed, cfg({ enabled: true }), GLOBAL, "east"), [
            `networkPolicies.globalSourceCidrs: empty, but ${GLOBAL} federates this zone (GET /federate on the zone Prometheus' port 9090) and networkPolicies.enabled denies every source not listed, so the global would be cut off; ` +
                "allowed: the CIDRs the global Prometheus connects from (its egress or NAT addresses, e.g. [203.0.113.10/32]), or networkPolicies.enabled: false",
        ]);
        assert.deepEqual(zoneNetworkProblems(fed, cfg({ enabled: true, globalSourceCidrs: ["203.0.113.10/32"] }), GLOBAL, "east"), []);
        assert.deepEqual(zoneNetworkProblems(fed, cfg({ enabled: false }), GLOBAL, "east"), []);
        assert.deepEqual(zoneNetworkProblems(decisions(), cfg({ enabled: true }), GLOBAL, "east"), []);
    });

    it("cross-stack: a global remote-reading this zone needs globalSourceCidrs when the policies are on; one reading only other zones does not", () => {
        const rr = decisions({ remoteReadZones: ["west", "east"] });
        assert.deepEqual(zoneNetworkProblems(rr, cfg({ enabled: true }), GLOBAL, "east"), [
            `networkPolicies.globalSourceCidrs: empty, but ${GLOBAL} remote-reads this zone (POST /api/v1/read on the zone Prometheus' port 9090) and networkPolicies.enabled denies every source not listed, so the global would be cut off; ` +
                "allowed: the CIDRs the global Prometheus connects from (its egress or NAT addresses, e.g. [203.0.113.10/32]), or networkPolicies.enabled: false",
        ]);
        assert.deepEqual(zoneNetworkProblems(rr, cfg({ enabled: true, globalSourceCidrs: ["198.51.100.0/24"] }), GLOBAL, "east"), []);
        assert.deepEqual(zoneNetworkProblems(rr, cfg({ enabled: false }), GLOBAL, "east"), []);
        // Another zone of the same global is not read, so not refused.
        assert.deepEqual(zoneNetworkProblems(decisions({ remoteReadZones: ["west"] }), cfg({ enabled: true }), GLOBAL, "east"), []);
        // Federating and remote-reading: one problem for the key, naming both.
        assert.deepEqual(
            zoneNetworkProblems(decisions({ metricsTransport: "federation", remoteReadZones: ["east"] }), cfg({ enabled: true }), GLOBAL, "east").map((p) => p.split("; allowed")[0]),
            [
                `networkPolicies.globalSourceCidrs: empty, but ${GLOBAL} federates this zone (GET /federate on the zone Prometheus' port 9090) and remote-reads this zone (POST /api/v1/read on the zone Prometheus' port 9090) ` +
                    "and networkPolicies.enabled denies every source not listed, so the global would be cut off",
            ],
        );
    });
});

describe("NetworkPolicies: zone keys through whole stacks under the plan's mocks", function () {
    this.timeout(60_000);
    const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
    /** Every NetworkPolicy a stack registered, by its role (name without the `zone-network-` prefix). */
    const netpols = (s: StackEvaluation) => new Map(resourcesOf(s, NETPOL).map((r) => [r.name.replace(/^zone-network-/, ""), revealed(r)] as const));
    /** The one ingress rule of a registered policy, checked to be an ingress-only policy. */
    const registeredRule = (s: StackEvaluation, role: string) => {
        const p = netpols(s).get(role);
        assert.ok(p !== undefined, `${s.stack}: no policy ${role} (have ${[...netpols(s).keys()].join(", ")})`);
        assert.deepEqual(p.spec.policyTypes, ["Ingress"]);
        assert.equal(p.spec.ingress.length, 1, `${role}: one ingress rule`);
        return { podSelector: p.spec.podSelector, ports: p.spec.ingress[0].ports, from: p.spec.ingress[0].from };
    };
    const FEDERATING = { federation: { match: ['{__name__=~"job:.*"}'], zones: { a: { url: "https://prom-a.example.com" } } } };
    /** The zones are in other clusters: they reach the global's receiver through a load balancer (cluster DNS would be refused). */
    const REACHABLE = { globalPrometheus: { exposure: { type: "load-balancer", host: "prometheus-global.example.com" } } };
    const global = (env: string, metrics: Record<string, unknown>, extra: Record<string, unknown> = {}, secure: string[] = []) =>
        testStack(`${env}-global`, { zones: ["a"], kubernetes: { context: "global" }, metrics, ...REACHABLE, ...extra }, secure);
    const zone = (env: string, networkPolicies: Record<string, unknown>) =>
        testStack(`${env}-zone-a`, { mesh: { version: "2.9.2" }, kubernetes: { context: "zone-a" }, policies: { enabled: false }, networkPolicies });
    const zoneOf = (e: EnvironmentEvaluation) => e.stacks[1];

    it("federating global in another cluster: the zone Prometheus' :9090 admits globalSourceCidrs as ipBlocks", async () => {
        const e = await evaluateEnvironment("npfed", { files: [global("npfed", FEDERATING), zone("npfed", { enabled: true, globalSourceCidrs: ["203.0.113.10/32", "2001:db8:1::/48"] })] });
        const z = zoneOf(e);
        assert.deepEqual([...netpols(z).keys()].sort(), ["default-deny-ingress", "prometheus"]);
        assert.deepEqual(netpols(z).get("default-deny-ingress").spec, { podSelector: {}, policyTypes: ["Ingress"], ingress: [] });
        assert.deepEqual(registeredRule(z, "prometheus"), {
            podSelector: ZONE_PROM,
            ports: tcp(9090),
            from: [{ podSelector: ZONE_PROM }, IN_CLUSTER_GLOBAL, { ipBlock: { cidr: "203.0.113.10/32" } }, { ipBlock: { cidr: "2001:db8:1::/48" } }],
        });
    });

    const REMOTE_READING = { remoteRead: { zones: { a: { url: "https://prom-a.example.com" } } } };

    it("remote-reading global: globalSourceCidrs admitted on :9090", async () => {
        const e = await evaluateEnvironment("nprr", { files: [global("nprr", REMOTE_READING), zone("nprr", { enabled: true, globalSourceCidrs: ["198.51.100.0/24"] })] });
        assert.deepEqual(output(e.stacks[0], "remoteReadZones"), ["a"]);
        assert.deepEqual(registeredRule(zoneOf(e), "prometheus"), { podSelector: ZONE_PROM, ports: tcp(9090), from: [{ podSelector: ZONE_PROM }, { ipBlock: { cidr: "198.51.100.0/24" } }] });
    });

    it("Datadog zone: the admission webhook :8000 admits apiServerCidrs only; the agents' rules are untouched", async () => {
        const dd = { traces: { backend: "datadog" }, logs: { backend: "datadog" }, datadog: { site: "datadoghq.eu" } };
        const e = await evaluateEnvironment("npdd", { files: [global("npdd", {}, dd, ["datadogApiKey", "datadogAppKey"]), zone("npdd", { enabled: true, apiServerCidrs: ["172.20.0.0/16"] })] });
        const z = zoneOf(e);
        assert.deepEqual([...netpols(z).keys()].sort(), ["collector", "datadog-admission-webhook", "datadog-agent", "datadog-cluster-agent", "default-deny-ingress", "prometheus"]);
        assert.deepEqual(registeredRule(z, "datadog-admission-webhook"), { podSelector: WEBHOOK_PODS, ports: tcp(8000), from: [{ ipBlock: { cidr: "172.20.0.0/16" } }] });
        assert.deepEqual(registeredRule(z, "datadog-cluster-agent"), { podSelector: WEBHOOK_PODS, ports: tcp(5005), from: [{ podSelector: { matchLabels: { app: "datadog-agent" } } }] });
        assert.deepEqual(registeredRule(z, "datadog-agent").ports, tcp(8126, 10518));
        assert.deepEqual(registeredRule(z, "prometheus").from, [{ podSelector: ZONE_PROM }]);
    });

    it("federating global, policies on, no globalSourceCidrs: the zone fails naming its stack file and the key, before any resource", async () => {
        const run = await withMockSpy(() => evaluateEnvironment("npcut", { files: [global("npcut", FEDERATING), zone("npcut", { enabled: true })] }));
        assert.ok(run.error instanceof Error, "the zone should have been refused");
        assert.match(run.error.message, /^stacks\/Pulumi\.npcut-zone-a\.yaml: invalid configuration:\n/);
        assert.match(
            run.error.message,
            /  - mesh-observability:networkPolicies\.globalSourceCidrs: empty, but organization\/mesh-observability\/npcut-global federates this zone \(GET \/federate on the zone Prometheus' port 9090\).* so the global would be cut off; allowed: the CIDRs the global Prometheus connects from/,
        );
        // The global went through; the zone registered nothing but its stack and the reference it read.
        assert.ok(run.resources.some((r) => r.stack === "npcut-global" && r.type === "meshobs:prometheus:GlobalPrometheus"));
        assert.deepEqual(
            run.resources.filter((r) => r.stack === "npcut-zone-a").map((r) => r.type),
            ["pulumi:pulumi:Stack", "pulumi:pulumi:StackReference"],
        );
        // The same zone with policies off is not asked for CIDRs.
        await evaluateEnvironment("npcut", { files: [global("npcut", FEDERATING), zone("npcut", { enabled: false })] });
    });

    it("remote-reading global, policies on, no globalSourceCidrs: the zone fails naming its stack file and the key, before any resource", async () => {
        const run = await withMockSpy(() => evaluateEnvironment("nprrcut", { files: [global("nprrcut", REMOTE_READING), zone("nprrcut", { enabled: true })] }));
        assert.ok(run.error instanceof Error, "the zone should have been refused");
        assert.match(run.error.message, /^stacks\/Pulumi\.nprrcut-zone-a\.yaml: invalid configuration:\n/);
        assert.match(
            run.error.message,
            /  - mesh-observability:networkPolicies\.globalSourceCidrs: empty, but organization\/mesh-observability\/nprrcut-global remote-reads this zone \(POST \/api\/v1\/read on the zone Prometheus' port 9090\).* so the global would be cut off; allowed: the CIDRs the global Prometheus connects from/,
        );
        assert.ok(run.resources.some((r) => r.stack === "nprrcut-global" && r.type === "meshobs:prometheus:GlobalPrometheus"));
        assert.deepEqual(
            run.resources.filter((r) => r.stack === "nprrcut-zone-a").map((r) => r.type),
            ["pulumi:pulumi:Stack", "pulumi:pulumi:StackReference"],
        );
        // The same zone with policies off is not asked for CIDRs.
        await evaluateEnvironment("nprrcut", { files: [global("nprrcut", REMOTE_READING), zone("nprrcut", { enabled: false })] });
    });

    it("a zone the global does not remote-read is not refused: policies on, no CIDRs, nothing but the Prometheus itself on :9090", async () => {
        const files = [
            testStack("nprrb-global", { zones: ["a", "b"], kubernetes: { context: "global" }, metrics: REMOTE_READING, ...REACHABLE }),
            testStack("nprrb-zone-b", { mesh: { version: "2.9.2" }, kubernetes: { context: "zone-b" }, policies: { enabled: false }, networkPolicies: { enabled: true } }),
        ];
        const e = await evaluateEnvironment("nprrb", { files });
        assert.deepEqual(output(e.stacks[0], "remoteReadZones"), ["a"]);
        assert.deepEqual(registeredRule(e.stacks[1], "prometheus"), { podSelector: ZONE_PROM, ports: tcp(9090), from: [{ podSelector: ZONE_PROM }] });
    });
});
