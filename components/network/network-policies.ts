import { isIP } from "net";
import { DNS_LABEL, DNS_SUBDOMAIN } from "../kernel/validators";
import { LOKI_CHART, LOKI_HTTP_PORT, lokiGatewaySelectorLabels } from "../logs/loki-chart";
import { GRAFANA_CHART } from "../grafana/grafana-chart";
import { jaegerSelectorLabels } from "../traces/jaeger-chart";
import { OTLP_GRPC_PORT, OTLP_HTTP_PORT, QUERY_HTTP_PORT } from "../traces/jaeger-config";
import { COLLECTOR_OTLP_GRPC_PORT, COLLECTOR_OTLP_HTTP_PORT } from "../telemetry/collector-config";
import { OTEL_COLLECTOR_CHART } from "../telemetry/collector-chart";
import { APM_PORT, DEFAULT_FULLNAME, LOGS_TCP_PORT, agentObjectNames } from "../datadog/agent-chart";

/**
 * NetworkPolicies for the observability namespaces: one default-deny for ingress, then one policy
 * per workload that lets exactly its expected clients reach exactly its ports. Pure: plain settings
 * in, plain `networking.k8s.io/v1` NetworkPolicy documents out (the ComponentResource in
 * observability-network-policies.ts only creates them).
 *
 * Only ingress is restricted. Egress stays open: Prometheus scrapes dataplanes in every namespace,
 * collectors and shippers export to endpoints outside the cluster, and the Kuma dashboards are
 * downloaded at Grafana's start; restricting egress would need per-environment CIDRs we do not have.
 *
 * Kubelet probes: NetworkPolicy implementations (Calico, Cilium, the AWS VPC CNI's agent) always
 * allow the node's own traffic to its pods, so the charts' liveness/readiness probes keep working
 * under default-deny.
 */

export type Labels = Readonly<Record<string, string>>;

/** A Kubernetes label selector (matchLabels and/or matchExpressions). */
export interface LabelSelector {
    readonly matchLabels?: Labels;
    readonly matchExpressions?: ReadonlyArray<{ readonly key: string; readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; readonly values?: readonly string[] }>;
}

/**
 * Who may connect:
 * - `namespace`: pods of a namespace named `namespace` (selected by the `kubernetes.io/metadata.name`
 *   label the API server puts on every namespace since 1.21), optionally only those matching `pods`;
 * - `namespaces`: pods (optionally matching `pods`) in every namespace matching `namespaceSelector`
 *   (`{}` = every namespace);
 * - `pods`: pods of the policy's own namespace matching `pods`;
 * - `cidr`: addresses from outside the cluster (load balancers keeping client IPs, zone clusters'
 *   egress NAT ranges), as an ipBlock.
 */
export type Peer =
    | { readonly kind: "namespace"; readonly namespace: string; readonly pods?: LabelSelector }
    | { readonly kind: "namespaces"; readonly namespaceSelector: LabelSelector; readonly pods?: LabelSelector }
    | { readonly kind: "pods"; readonly pods: LabelSelector }
    | { readonly kind: "cidr"; readonly cidr: string; readonly except?: readonly string[] };

export interface PolicyPort {
    /** The container port (NetworkPolicy ports are pod ports, not Service ports). */
    readonly port: number;
    readonly protocol?: "TCP" | "UDP";
}

/** One allow rule: `from` may reach `ports` of the pods matching `podSelector`. */
export interface AllowRule {
    /** Suffix of the policy's name and the component child's name: `<prefix>-<role>`. */
    readonly role: string;
    readonly podSelector: LabelSelector;
    readonly ports: readonly PolicyPort[];
    /**
     * Allowed sources. An empty list allows nobody (the policy is then not emitted); undefined is not
     * accepted: "from anywhere" must be spelled as a `cidr` peer 0.0.0.0/0 (and ::/0) so it is visible.
     */
    readonly from: readonly Peer[];
}

/** A NetworkPolicy as applied (what `new k8s.networking.v1.NetworkPolicy` takes). */
export interface NetworkPolicyDoc {
    readonly role: string;
    readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Labels };
    readonly spec: {
        readonly podSelector: LabelSelector;
        readonly policyTypes: readonly ["Ingress"];
        readonly ingress: ReadonlyArray<{ readonly from: readonly unknown[]; readonly ports: ReadonlyArray<{ readonly port: number; readonly protocol: string }> }>;
    };
}

export const DEFAULT_DENY_ROLE = "default-deny-ingress";
/** Label on every policy we create, so `kubectl get netpol -l` finds them. */
export const POLICY_LABELS: Labels = { "app.kubernetes.io/part-of": "mesh-observability", "app.kubernetes.io/managed-by": "pulumi" };
/** The label the API server sets on every namespace (NamespaceDefaultLabelName, Kubernetes 1.21+). */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

const ANYWHERE: readonly Peer[] = [
    { kind: "cidr", cidr: "0.0.0.0/0" },
    { kind: "cidr", cidr: "::/0" },
];
/** Every address: spelled out so "open" is a visible decision, never an omitted `from`. */
export function anywhere(): Peer[] {
    return ANYWHERE.map((p) => ({ ...p }));
}

/**
 * Whether `cidr` is an IPv4 or IPv6 CIDR as an ipBlock takes it (address `/` prefix length, at most
 * 32 or 128). The stack config schema uses this same check (infra/config/primitives.ts `cidr`), so a
 * value the schema accepts never fails here mid-run.
 */
export function isCidr(cidr: string): boolean {
    const m = /^([^/%\s]+)\/(\d{1,3})$/.exec(cidr);
    if (m === null) return false;
    const family = isIP(m[1]);
    return family !== 0 && Number(m[2]) <= (family === 4 ? 32 : 128);
}

/** CIDRs as ipBlock peers, in order. */
export function cidrPeers(cidrs: readonly string[]): Peer[] {
    return cidrs.map((cidr) => ({ kind: "cidr", cidr }));
}

function selector(s: LabelSelector): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (s.matchLabels !== undefined) out.matchLabels = { ...s.matchLabels };
    if (s.matchExpressions !== undefined) out.matchExpressions = s.matchExpressions.map((e) => ({ key: e.key, operator: e.operator, ...(e.values !== undefined ? { values: [...e.values] } : {}) }));
    return out;
}

/** A peer as a NetworkPolicyPeer. */
export function networkPolicyPeer(p: Peer): Record<string, unknown> {
    switch (p.kind) {
        case "namespace":
            return { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: p.namespace } }, ...(p.pods !== undefined ? { podSelector: selector(p.pods) } : {}) };
        case "namespaces":
            return { namespaceSelector: selector(p.namespaceSelector), ...(p.pods !== undefined ? { podSelector: selector(p.pods) } : {}) };
        case "pods":
            return { podSelector: selector(p.pods) };
        case "cidr":
            if (!isCidr(p.cidr)) throw new Error(`network policy: ${JSON.stringify(p.cidr)} is not a CIDR; allowed: e.g. 10.0.0.0/8 or fd00::/8`);
            for (const e of p.except ?? []) if (!isCidr(e)) throw new Error(`network policy: except ${JSON.stringify(e)} is not a CIDR`);
            return { ipBlock: { cidr: p.cidr, ...(p.except !== undefined && p.except.length > 0 ? { except: [...p.except] } : {}) } };
    }
}

/**
 * The namespace's policies: the default-deny first (every pod, no ingress rule), then one policy per
 * rule that has sources. Rule order is kept; roles must be unique DNS labels.
 */
export function buildNetworkPolicies(namespace: string, prefix: string, rules: readonly AllowRule[]): NetworkPolicyDoc[] {
    if (!DNS_LABEL.test(namespace)) throw new Error(`network policy: namespace ${JSON.stringify(namespace)} is not a DNS label`);
    const roles = [DEFAULT_DENY_ROLE, ...rules.map((r) => r.role)];
    for (const role of roles) if (!DNS_SUBDOMAIN.test(`${prefix}-${role}`)) throw new Error(`network policy: name ${JSON.stringify(`${prefix}-${role}`)} is not a DNS name`);
    const dup = roles.find((r, i) => roles.indexOf(r) !== i);
    if (dup !== undefined) throw new Error(`network policy: role ${JSON.stringify(dup)} appears twice`);
    const meta = (role: string) => ({ name: `${prefix}-${role}`, namespace, labels: { ...POLICY_LABELS } });
    const docs: NetworkPolicyDoc[] = [{ role: DEFAULT_DENY_ROLE, metadata: meta(DEFAULT_DENY_ROLE), spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [] } }];
    for (const r of rules) {
        if (r.ports.length === 0) throw new Error(`network policy ${r.role}: no ports; allowed: at least one container port`);
        for (const p of r.ports) if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) throw new Error(`network policy ${r.role}: ${p.port} is not a port`);
        if (Object.keys(r.podSelector.matchLabels ?? {}).length === 0 && (r.podSelector.matchExpressions ?? []).length === 0) {
            throw new Error(`network policy ${r.role}: empty podSelector would open every pod of the namespace; allowed: the workload's pod labels`);
        }
        if (r.from.length === 0) continue;
        docs.push({
            role: r.role,
            metadata: meta(r.role),
            spec: {
                podSelector: selector(r.podSelector),
                policyTypes: ["Ingress"],
                ingress: [{ from: r.from.map(networkPolicyPeer), ports: r.ports.map((p) => ({ port: p.port, protocol: p.protocol ?? "TCP" })) }],
            },
        });
    }
    return docs;
}

// ---------------------------------------------------------------------------------------------
// Pod labels of the charts we install. Every chart selects its pods by the release name
// (`app.kubernetes.io/instance: <release>`; our components use their own name as the release) and
// the chart name; a third label picks the workload when a chart runs several.

/**
 * prometheus-community/prometheus: the server's selector is `prometheus.server.matchLabels` =
 * `app.kubernetes.io/component: server` + `prometheus.common.matchLabels` (name `prometheus`,
 * instance `<release>`) (templates/_helpers.tpl; the same labels kumactl's golden
 * install-observability manifests use for its Prometheus server). Container port 9090.
 */
export function prometheusServerPods(release: string): LabelSelector {
    return { matchLabels: { "app.kubernetes.io/component": "server", "app.kubernetes.io/name": "prometheus", "app.kubernetes.io/instance": release } };
}
export const PROMETHEUS_PORT = 9090;

/** grafana-community/grafana: `grafana.selectorLabels` = name `grafana`, instance `<release>`. Container port 3000 (Service 80 → 3000). */
export function grafanaPods(release: string): LabelSelector {
    return { matchLabels: { "app.kubernetes.io/name": GRAFANA_CHART.chart, "app.kubernetes.io/instance": release } };
}
export const GRAFANA_CONTAINER_PORT = 3000;

/** Loki's gateway (nginx) pods: lokiGatewaySelectorLabels (component `gateway`, as the chart's own gateway anti-affinity in values.yaml). Container port 8080 (values.yaml gateway.containerPort). */
export function lokiGatewayPods(release: string): LabelSelector {
    return { matchLabels: lokiGatewaySelectorLabels(release) };
}
export const LOKI_GATEWAY_CONTAINER_PORT = 8080;
/**
 * Loki's monolithic pods: component `single-binary` (values.yaml singleBinary.affinity selects
 * exactly these labels). HTTP 3100, gRPC 9095 (loki.server.*_listen_port) and memberlist 7946
 * (the chart's memberlist Service, Loki's default bind port): replicas gossip and query each other.
 */
export function lokiSingleBinaryPods(release: string): LabelSelector {
    return { matchLabels: { "app.kubernetes.io/component": "single-binary", "app.kubernetes.io/name": LOKI_CHART.chart, "app.kubernetes.io/instance": release } };
}
export const LOKI_GRPC_PORT = 9095;
export const MEMBERLIST_PORT = 7946;

/** Jaeger's all-in-one pods: jaegerSelectorLabels (component `all-in-one`). */
export function jaegerPods(release: string): LabelSelector {
    return { matchLabels: jaegerSelectorLabels(release) };
}

/**
 * open-telemetry/opentelemetry-collector in `mode: deployment`: `opentelemetry-collector.selectorLabels`
 * (name = chart name `opentelemetry-collector`, since we set fullnameOverride, not nameOverride;
 * instance `<release>`) plus `component: standalone-collector` (templates/deployment.yaml).
 */
export function collectorPods(release: string): LabelSelector {
    return { matchLabels: { "app.kubernetes.io/name": OTEL_COLLECTOR_CHART.chart, "app.kubernetes.io/instance": release, component: "standalone-collector" } };
}

/** mimir-distributed: every component carries name `mimir` (the chart's `mimir.name`, its infix, not the chart name) and instance `<release>`; the gateway has component `gateway` and listens on 8080 (values.yaml gateway nginx `listen 8080`). */
export function mimirPods(release: string, component?: string): LabelSelector {
    return {
        matchLabels: { "app.kubernetes.io/name": "mimir", "app.kubernetes.io/instance": release, ...(component !== undefined ? { "app.kubernetes.io/component": component } : {}) },
    };
}
export const MIMIR_GATEWAY_CONTAINER_PORT = 8080;

/**
 * Datadog: node agents carry `app: <fullname>` (agentObjectNames, the DaemonSet's selector); the
 * Cluster Agent `app: <fullname>-cluster-agent` (its Deployment's selector). Node agents call the
 * Cluster Agent on 5005 (clusterAgent API, chart default); the API server calls its admission
 * webhook on 8000 (clusterAgent.admissionController.enabled defaults to true).
 */
export function datadogAgentPods(fullname: string = DEFAULT_FULLNAME): LabelSelector {
    return { matchLabels: { ...agentObjectNames(fullname).agentPodSelector } };
}
export function datadogClusterAgentPods(fullname: string = DEFAULT_FULLNAME): LabelSelector {
    return { matchLabels: { app: `${fullname}-cluster-agent` } };
}
export const DATADOG_CLUSTER_AGENT_PORT = 5005;
export const DATADOG_ADMISSION_WEBHOOK_PORT = 8000;

/**
 * The mesh's dataplanes, wherever they run. Kuma injects its sidecar where the *label*
 * `kuma.io/sidecar-injection: enabled` is set on the namespace or on the pod (Kuma docs, "Data plane
 * on Kubernetes"); the `kuma.io/sidecar-injected` marker the injector writes is an annotation, which
 * NetworkPolicy cannot select. So two peers:
 * - every pod of a namespace labelled for injection, except pods that opted out (pod label `disabled`);
 * - pods in any namespace that opted in themselves.
 * A sidecar's OTLP exports (MeshTrace, MeshAccessLog) and TCP access logs leave from the pod's own
 * IP, which is what these select. Pods of an injected namespace that opted out with the
 * deprecated annotation (not the label) are let in too: the price of selecting by labels only.
 */
export const SIDECAR_INJECTION_LABEL = "kuma.io/sidecar-injection";
export function meshDataplanes(): Peer[] {
    return [
        {
            kind: "namespaces",
            namespaceSelector: { matchLabels: { [SIDECAR_INJECTION_LABEL]: "enabled" } },
            pods: { matchExpressions: [{ key: SIDECAR_INJECTION_LABEL, operator: "NotIn", values: ["disabled"] }] },
        },
        { kind: "namespaces", namespaceSelector: {}, pods: { matchLabels: { [SIDECAR_INJECTION_LABEL]: "enabled" } } },
    ];
}

// ---------------------------------------------------------------------------------------------
// Per role.

/** A workload zones write to: its release, and optionally its own zone sources. */
export interface ZoneFacing {
    readonly release: string;
    readonly zoneSources?: readonly Peer[];
}

/**
 * The label infra/roles/namespace.ts puts on every observability namespace (global and zones): zones
 * sharing the global's cluster are selected by it.
 */
export const OBSERVABILITY_NAMESPACES: Peer = { kind: "namespaces", namespaceSelector: { matchLabels: { "app.kubernetes.io/part-of": "mesh-observability" } } };

/**
 * Where zone traffic to a workload comes from, given how the workload is exposed:
 * - ClusterIP: zones in this cluster, i.e. the observability namespaces (OBSERVABILITY_NAMESPACES);
 * - Ingress: the ingress controller's pods (`ingressControllerNamespace`, required: there is no default);
 * - LoadBalancer: its sourceRanges as ipBlocks. Those only match when the load balancer keeps client
 *   IPs (externalTrafficPolicy Local, or IP targets); otherwise traffic arrives from node addresses and
 *   the caller must pass `nodeCidrs`. Without sourceRanges the load balancer is open, and so is this rule;
 * - NodePort: whoever reaches a node. With the default externalTrafficPolicy (Cluster) kube-proxy
 *   rewrites the source to a node address, so no narrower peer would match (kubernetes.io/docs/concepts/services-networking/service/,
 *   "External traffic policy"): `nodeCidrs` when given, else anywhere.
 */
export function exposureSources(
    exposure: { readonly type: "ClusterIP" } | { readonly type: "Ingress" } | { readonly type: "LoadBalancer"; readonly sourceRanges?: readonly string[] } | { readonly type: "NodePort" },
    o: { readonly ingressControllerNamespace?: string; readonly nodeCidrs?: readonly string[] } = {},
): Peer[] {
    switch (exposure.type) {
        case "ClusterIP":
            return [OBSERVABILITY_NAMESPACES];
        case "Ingress":
            if (o.ingressControllerNamespace === undefined) throw new Error("network policy: an Ingress exposure needs the ingress controller's namespace (ingressControllerNamespace)");
            return [{ kind: "namespace", namespace: o.ingressControllerNamespace }];
        case "LoadBalancer": {
            const ranges = o.nodeCidrs ?? exposure.sourceRanges;
            return ranges !== undefined && ranges.length > 0 ? ranges.map((cidr) => ({ kind: "cidr", cidr })) : anywhere();
        }
        case "NodePort":
            return o.nodeCidrs !== undefined && o.nodeCidrs.length > 0 ? o.nodeCidrs.map((cidr) => ({ kind: "cidr", cidr })) : anywhere();
    }
}

export interface GlobalNetworkPolicySettings {
    /** The observability namespace. */
    readonly namespace: string;
    /**
     * Where the zones' writes arrive from: for Ingress exposure the ingress controller's namespace
     * (`{kind: "namespace", namespace: "ingress-nginx"}`); for LoadBalancer exposure the zones' egress
     * CIDRs (the LB's sourceRanges) when the LB keeps client IPs, else the node CIDR; for cluster-dns
     * the zones' namespaces. Applied to the Prometheus receiver, Loki's gateway, Jaeger's OTLP ports
     * and Mimir's gateway.
     */
    readonly zoneSources: readonly Peer[];
    /** Who may open Grafana's UI (ingress controller namespace, office CIDRs, ...). */
    readonly grafanaUiSources: readonly Peer[];
    /**
     * Release of the global Prometheus (metrics backend prometheus); undefined when none runs.
     * `zoneSources` replaces the shared zoneSources for this workload (its own exposure; see exposureSources).
     */
    readonly prometheus?: ZoneFacing;
    /** Release of Mimir (metrics backend mimir). */
    readonly mimir?: ZoneFacing;
    /** Release of Loki (logs backend loki). */
    readonly loki?: ZoneFacing;
    /** Release of Jaeger (traces backend jaeger). */
    readonly jaeger?: ZoneFacing;
    /** Release of Grafana (grafana.enabled). */
    readonly grafana?: { readonly release: string };
    /**
     * The global collector forwarding the global control plane's spans to Datadog: its release and the
     * global control plane's namespace (the only client).
     */
    readonly collector?: { readonly release: string; readonly controlPlaneNamespace: string };
    /** Extra sources of Jaeger's OTLP ports besides the zones, e.g. the global control plane's namespace. */
    readonly jaegerOtlpExtraSources?: readonly Peer[];
}

/** Global stack: default-deny, then each workload's expected clients. */
export function globalNetworkPolicies(prefix: string, s: GlobalNetworkPolicySettings): NetworkPolicyDoc[] {
    const grafana: Peer[] = s.grafana !== undefined ? [{ kind: "pods", pods: grafanaPods(s.grafana.release) }] : [];
    const zones = (w: ZoneFacing): readonly Peer[] => w.zoneSources ?? s.zoneSources;
    const rules: AllowRule[] = [];
    if (s.prometheus !== undefined) {
        // Zones remote-write to /api/v1/write (or the global federates: then only Grafana and its own scrape reach it).
        // Its own pod too: it scrapes itself through its Service.
        const own = prometheusServerPods(s.prometheus.release);
        rules.push({ role: "prometheus", podSelector: own, ports: [{ port: PROMETHEUS_PORT }], from: [...zones(s.prometheus), ...grafana, { kind: "pods", pods: own }] });
    }
    if (s.mimir !== undefined) {
        rules.push({ role: "mimir-gateway", podSelector: mimirPods(s.mimir.release, "gateway"), ports: [{ port: MIMIR_GATEWAY_CONTAINER_PORT }], from: [...zones(s.mimir), ...grafana] });
        // Distributors, ingesters, queriers, ... call each other on HTTP, gRPC and memberlist ports that
        // differ per component: any port, but only from Mimir's own pods.
        const own = mimirPods(s.mimir.release);
        rules.push({ role: "mimir-internal", podSelector: own, ports: [{ port: 8080 }, { port: 9095 }, { port: MEMBERLIST_PORT }], from: [{ kind: "pods", pods: own }] });
    }
    if (s.loki !== undefined) {
        // Zones push (Alloy: /loki/api/v1/push) and export OTLP (collectors: /otlp/v1/logs) through the gateway; Grafana queries it.
        rules.push({ role: "loki-gateway", podSelector: lokiGatewayPods(s.loki.release), ports: [{ port: LOKI_GATEWAY_CONTAINER_PORT }], from: [...zones(s.loki), ...grafana] });
        const loki = lokiSingleBinaryPods(s.loki.release);
        rules.push({
            role: "loki",
            podSelector: loki,
            ports: [{ port: LOKI_HTTP_PORT }, { port: LOKI_GRPC_PORT }, { port: MEMBERLIST_PORT }],
            from: [{ kind: "pods", pods: lokiGatewayPods(s.loki.release) }, { kind: "pods", pods: loki }],
        });
    }
    if (s.jaeger !== undefined) {
        rules.push({
            role: "jaeger-otlp",
            podSelector: jaegerPods(s.jaeger.release),
            ports: [{ port: OTLP_GRPC_PORT }, { port: OTLP_HTTP_PORT }],
            from: [...zones(s.jaeger), ...(s.jaegerOtlpExtraSources ?? [])],
        });
        rules.push({ role: "jaeger-query", podSelector: jaegerPods(s.jaeger.release), ports: [{ port: QUERY_HTTP_PORT }], from: grafana });
    }
    if (s.grafana !== undefined) {
        rules.push({ role: "grafana", podSelector: grafanaPods(s.grafana.release), ports: [{ port: GRAFANA_CONTAINER_PORT }], from: [...s.grafanaUiSources] });
    }
    if (s.collector !== undefined) {
        rules.push({
            role: "collector",
            podSelector: collectorPods(s.collector.release),
            ports: [{ port: COLLECTOR_OTLP_GRPC_PORT }, { port: COLLECTOR_OTLP_HTTP_PORT }],
            from: [{ kind: "namespace", namespace: s.collector.controlPlaneNamespace }],
        });
    }
    return buildNetworkPolicies(s.namespace, prefix, rules);
}

export interface ZoneNetworkPolicySettings {
    /** The zone's observability namespace. */
    readonly namespace: string;
    /** The zone control plane's namespace (kuma-cp exports its spans to the collector). */
    readonly controlPlaneNamespace: string;
    /**
     * The zone Prometheus. `globalSources` are who may scrape /federate or remote-read it (both on
     * :9090): give them only when the global federates or remote-reads this zone (the global's egress
     * CIDRs, zone config networkPolicies.globalSourceCidrs; or its namespace when in-cluster); absent
     * or empty, nobody but the Prometheus itself reaches it.
     */
    readonly prometheus: { readonly release: string; readonly globalSources?: readonly Peer[] };
    /** The zone collector, when the zone runs one. */
    readonly collector?: { readonly release: string };
    /**
     * The Datadog agent, when the zone runs it: `apm` (MeshTrace's Datadog backend → trace-svc 8126),
     * `logsTcp` (MeshAccessLog's TCP backend → 10518). `apiServerSources` narrows the admission webhook
     * port to the API server's addresses (zone config networkPolicies.apiServerCidrs); absent or
     * empty: from anywhere, spelled out (the API server is not a pod, so no selector can name it).
     */
    readonly datadogAgent?: { readonly fullname?: string; readonly apm: boolean; readonly logsTcp: boolean; readonly apiServerSources?: readonly Peer[] };
}

/** Zone stack: default-deny, then the collector, the agent and (with federation) Prometheus. */
export function zoneNetworkPolicies(prefix: string, s: ZoneNetworkPolicySettings): NetworkPolicyDoc[] {
    const meshClients: Peer[] = [...meshDataplanes(), { kind: "namespace", namespace: s.controlPlaneNamespace }];
    // The zone Prometheus scrapes itself through its Service; nobody else reaches it unless the global federates or remote-reads.
    const prometheus = prometheusServerPods(s.prometheus.release);
    const rules: AllowRule[] = [
        { role: "prometheus", podSelector: prometheus, ports: [{ port: PROMETHEUS_PORT }], from: [{ kind: "pods", pods: prometheus }, ...(s.prometheus.globalSources ?? [])] },
    ];
    if (s.collector !== undefined) {
        rules.push({
            role: "collector",
            podSelector: collectorPods(s.collector.release),
            ports: [{ port: COLLECTOR_OTLP_GRPC_PORT }, { port: COLLECTOR_OTLP_HTTP_PORT }],
            from: meshClients,
        });
    }
    const dd = s.datadogAgent;
    if (dd !== undefined) {
        const ports: PolicyPort[] = [...(dd.apm ? [{ port: APM_PORT }] : []), ...(dd.logsTcp ? [{ port: LOGS_TCP_PORT }] : [])];
        if (ports.length > 0) rules.push({ role: "datadog-agent", podSelector: datadogAgentPods(dd.fullname), ports, from: meshClients });
        rules.push({
            role: "datadog-cluster-agent",
            podSelector: datadogClusterAgentPods(dd.fullname),
            ports: [{ port: DATADOG_CLUSTER_AGENT_PORT }],
            from: [{ kind: "pods", pods: datadogAgentPods(dd.fullname) }],
        });
        rules.push({
            role: "datadog-admission-webhook",
            podSelector: datadogClusterAgentPods(dd.fullname),
            ports: [{ port: DATADOG_ADMISSION_WEBHOOK_PORT }],
            from: dd.apiServerSources !== undefined && dd.apiServerSources.length > 0 ? [...dd.apiServerSources] : anywhere(),
        });
    }
    return buildNetworkPolicies(s.namespace, prefix, rules);
}
