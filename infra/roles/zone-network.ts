import { cidrPeers, OBSERVABILITY_NAMESPACES, Peer, prometheusServerPods, ZoneNetworkPolicySettings } from "../../components/network/network-policies";
import { ZoneConfig, ZoneNetworkPoliciesConfig } from "../config/zone-schema";
import { ZoneDecisions } from "../global-outputs";
import { PROMETHEUS_RELEASE, ZONE_PROMETHEUS_RELEASE } from "./releases";

/** The observability namespaces (infra/roles/namespace.ts labels every one of them). */
const OBSERVABILITY_NAMESPACE_SELECTOR = (OBSERVABILITY_NAMESPACES as Extract<typeof OBSERVABILITY_NAMESPACES, { kind: "namespaces" }>).namespaceSelector;

/**
 * Problems with the zone's NetworkPolicies given what the global does (checked before any resource).
 * A global that federates this zone pulls /federate from the zone Prometheus, and one that
 * remote-reads it (its remoteReadZones output lists this zone) POSTs /api/v1/read to it, both on
 * :9090; with default-deny on and no globalSourceCidrs either would be cut off (the in-cluster peer
 * only helps a federating global in the same cluster, which the zone cannot tell). `zone`, when
 * not given, is the running zone stack's (from its stack name).
 */
export function zoneNetworkProblems(decisions: ZoneDecisions, cfg: ZoneConfig, globalStack: string, zone: string): string[] {
    const np = cfg.networkPolicies;
    if (!np.enabled || np.globalSourceCidrs.length > 0) return [];
    const reads = [
        ...(decisions.metricsTransport === "federation" ? ["federates this zone (GET /federate on the zone Prometheus' port 9090)"] : []),
        ...(decisions.remoteReadZones.includes(zone) ? ["remote-reads this zone (POST /api/v1/read on the zone Prometheus' port 9090)"] : []),
    ];
    if (reads.length === 0) return [];
    return [
        `networkPolicies.globalSourceCidrs: empty, but ${globalStack} ${reads.join(" and ")} ` +
            "and networkPolicies.enabled denies every source not listed, so the global would be cut off; " +
            "allowed: the CIDRs the global Prometheus connects from (its egress or NAT addresses, e.g. [203.0.113.10/32]), or networkPolicies.enabled: false",
    ];
}

/**
 * Who may reach the zone Prometheus' :9090 besides itself: the global Prometheus' pods in the
 * observability namespaces when the global federates (a global in this cluster), and every
 * globalSourceCidrs entry as an ipBlock (a global elsewhere; federation or remote read, the only
 * way in for a remote-reading global).
 */
export function zoneGlobalSources(decisions: ZoneDecisions, np: ZoneNetworkPoliciesConfig): Peer[] {
    const inCluster: Peer[] = decisions.metricsTransport === "federation" ? [{ kind: "namespaces", namespaceSelector: OBSERVABILITY_NAMESPACE_SELECTOR, pods: prometheusServerPods(PROMETHEUS_RELEASE) }] : [];
    return [...inCluster, ...cidrPeers(np.globalSourceCidrs)];
}

/** The zone's NetworkPolicy settings from its config, the global's decisions and the workloads it runs. */
export function zoneNetworkPolicySettings(
    cfg: ZoneConfig,
    decisions: ZoneDecisions,
    w: {
        readonly controlPlaneNamespace: string;
        readonly collectorRelease?: string;
        readonly datadogAgent?: { readonly fullname: string; readonly apm: boolean; readonly logsTcp: boolean };
    },
): ZoneNetworkPolicySettings {
    const np = cfg.networkPolicies;
    return {
        namespace: cfg.namespace,
        controlPlaneNamespace: w.controlPlaneNamespace,
        prometheus: { release: ZONE_PROMETHEUS_RELEASE, globalSources: zoneGlobalSources(decisions, np) },
        collector: w.collectorRelease !== undefined ? { release: w.collectorRelease } : undefined,
        // No apiServerCidrs: the builder opens the webhook port from anywhere (the API server is not a pod).
        datadogAgent: w.datadogAgent !== undefined ? { ...w.datadogAgent, apiServerSources: cidrPeers(np.apiServerCidrs) } : undefined,
    };
}
