/**
 * The header Loki and Mimir read the tenant from (X-Scope-OrgID), on every push and query: one
 * definition for the collector's Loki exporter, Grafana's datasources, the Mimir chart and the
 * zones' remote write.
 */
export const TENANT_HEADER = "X-Scope-OrgID";
