/**
 * Release names of every workload the stacks install, global and zone: one home. Their pods' labels,
 * Services and ServiceAccounts are named after them, so NetworkPolicies (here and in the other
 * role's stacks), IRSA trust policies and the zone's MeshTrace/MeshAccessLog endpoints use these,
 * never copies.
 */

/** The global Prometheus (remote-write receiver, federation and remote read). */
export const PROMETHEUS_RELEASE = "global-prometheus";
export const MIMIR_RELEASE = "global-mimir";
export const JAEGER_RELEASE = "global-jaeger";
/** The collector forwarding the global control plane's spans to Datadog. */
export const GLOBAL_COLLECTOR_RELEASE = "global-collector";
/** Its ServiceAccount is the one Loki's IRSA role (S3) trusts. */
export const LOKI_RELEASE = "global-loki";
/** Release name of the global Grafana: its ServiceAccount (IRSA for AMP) is named after it. */
export const GRAFANA_RELEASE = "global-grafana";

/** The zone Prometheus' release name, which is also its ServiceAccount's (the IRSA trust names it). */
export const ZONE_PROMETHEUS_RELEASE = "zone-prometheus";
/** The zone's OpenTelemetry Collector gateway; its Service is what MeshTrace, MeshAccessLog and kuma-cp send to. */
export const ZONE_COLLECTOR_RELEASE = "zone-collector";
/** The zone's Datadog Agent; its `trace-svc` and TCP log listener are named after it. */
export const DATADOG_AGENT_RELEASE = "datadog-agent";
/** The zone's Alloy log shipper. */
export const ZONE_LOGS_RELEASE = "zone-logs";
