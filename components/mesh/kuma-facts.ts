import { DNS_SUBDOMAIN } from "../kernel/validators";

/**
 * What Kuma and Kong Mesh are, as far as observability goes: the ports and paths their control plane
 * and dataplanes serve, the job names their dashboards expect, and what each mesh release can do.
 * One home: the stack-config schema, the Prometheus, Datadog and policy builders and the roles ask here.
 */

/** MADS (monitoring assignment discovery, kuma_sd's server) port of a zone control plane (Kuma docs, app/_src/production/use-mesh.md, control plane ports). */
export const MADS_PORT = 5676;
/** Health and Prometheus metrics port of a control plane, served at CP_METRICS_PATH (same port table). */
export const CP_METRICS_PORT = 5680;
export const CP_METRICS_PATH = "/metrics";
/**
 * Port and path of the dataplanes' Prometheus endpoint: the MeshMetric Prometheus backend's defaults
 * (kumahq/kuma v2.14.3 pkg/plugins/policies/meshmetric/api/v1alpha1/meshmetric.go).
 */
export const DATAPLANE_METRICS_PORT = 5670;
export const DATAPLANE_METRICS_PATH = "/metrics";
/** Zone proxies' Envoy stats through the readiness proxy (Kong observability page; kumahq/kuma dashboards/grafana/README.md). */
export const ZONE_PROXY_STATS_PORT = 9902;
export const ZONE_PROXY_STATS_PATH = "/stats/prometheus";
/** The kuma chart's control plane pod label `app` (kumahq/kuma v2.14.3 deployments/charts/kuma/values.yaml controlPlane.affinity). */
export const KUMA_CONTROL_PLANE_APP_LABEL = "kuma-control-plane";

/** Job names the Kuma dashboards expect (kumahq/kuma dashboards/grafana/README.md); MADS and pod discovery both use them. */
export const KUMA_DATAPLANES_JOB = "kuma-dataplanes";
export const KUMA_ZONE_PROXIES_JOB = "kuma-zone-proxies";
export const KUMA_CONTROL_PLANE_JOB = "kuma-control-plane";

/**
 * The kuma chart's rule for controlPlane.zone (deployments/charts/kuma/templates/cp-deployment.yaml):
 * a lower-case DNS subdomain, at most 253 characters.
 */
export function isKumaZoneName(zone: string): boolean {
    return DNS_SUBDOMAIN.test(zone);
}

/** Throws unless `zone` is a zone name (isKumaZoneName). */
export function assertKumaZoneName(zone: string): void {
    if (!isKumaZoneName(zone)) throw new Error(`zone ${JSON.stringify(zone)} is not a zone name; allowed: lower-case DNS subdomain`);
}

/** Mesh release versions as the kuma / kong-mesh charts are versioned: MAJOR.MINOR.PATCH. */
export const MESH_VERSION = /^(\d+)\.(\d+)\.(\d+)$/;

/** MAJOR.MINOR.PATCH → numbers; throws on anything else. */
export function parseMeshVersion(version: string): readonly [number, number, number] {
    const m = MESH_VERSION.exec(version);
    if (m === null) throw new Error(`meshVersion ${JSON.stringify(version)} is not MAJOR.MINOR.PATCH`);
    return [Number(m[1]), Number(m[2]), Number(m[3])];
}

function atLeast(version: string, major: number, minor: number): boolean {
    const [ma, mi] = parseMeshVersion(version);
    return ma > major || (ma === major && mi >= minor);
}

/**
 * True for mesh 2.6.x, whose MADS server drops long-poll state per client (kumahq/kuma#9508,
 * fixed in 2.7.0 by #9586); the documented workaround is `fetch_timeout: 0s`.
 */
export function hasMadsLongPollBug(version: string): boolean {
    const [major, minor] = parseMeshVersion(version);
    return major === 2 && minor === 6;
}

/** Kuma 3.x on Kubernetes has no MADS (kumahq/kuma#17765): its dataplanes are found by pod discovery. */
export function usesPodDiscovery(version: string, environment: "kubernetes" | "universal"): boolean {
    return parseMeshVersion(version)[0] >= 3 && environment === "kubernetes";
}

/** MeshMetric and policies applied on a zone control plane (kuma.io/origin: zone) arrived in 2.6. */
export function hasZonePolicies(version: string): boolean {
    return atLeast(version, 2, 6);
}

/** From 2.14 policies reference a MeshOpenTelemetryBackend; `openTelemetry.endpoint` is deprecated there. */
export function usesOpenTelemetryBackendRef(version: string): boolean {
    return atLeast(version, 2, 14);
}

/** The kuma / kong-mesh charts from 2.0.0 on have the values layout the install uses (1.x differs). */
export function hasCurrentChartLayout(version: string): boolean {
    return parseMeshVersion(version)[0] >= 2;
}
