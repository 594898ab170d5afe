/**
 * Release names of the global workloads. Their pods' labels and ServiceAccounts are named after
 * them, so NetworkPolicies (here and in zone stacks) and IRSA trust policies use these, never copies.
 */
export const PROMETHEUS_RELEASE = "global-prometheus";
export const MIMIR_RELEASE = "global-mimir";
export const JAEGER_RELEASE = "global-jaeger";
export const GLOBAL_COLLECTOR_RELEASE = "global-collector";
/** Its ServiceAccount is the one Loki's IRSA role (S3) trusts. */
export const LOKI_RELEASE = "global-loki";
/** Release name of the global Grafana: its ServiceAccount (IRSA for AMP) is named after it. */
export const GRAFANA_RELEASE = "global-grafana";
