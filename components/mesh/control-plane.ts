/**
 * Facts about a zone control plane that Prometheus needs, per product. Sources: Kuma chart
 * values (kuma-system, kuma-control-plane), Kong/kong-mesh-charts README (kong-mesh-system,
 * kong-mesh-control-plane), Kuma docs "use-mesh" port table (5676 MADS, 5680 metrics).
 */
export type MeshProduct = "kuma" | "kong-mesh";

/** MADS (monitoring assignment discovery) port of a zone control plane. */
export const MADS_PORT = 5676;
/** Health and Prometheus metrics port of a control plane (`/metrics`). */
export const CP_METRICS_PORT = 5680;
/**
 * Port of the dataplanes' Prometheus endpoint: the MeshMetric Prometheus backend's default
 * (kumahq/kuma pkg/plugins/policies/meshmetric/api/v1alpha1/meshmetric.go), served at /metrics.
 */
export const DATAPLANE_METRICS_PORT = 5670;

export interface ControlPlaneSettings {
    /** Which distribution runs the control plane. */
    readonly product: MeshProduct;
    /** Control plane release, MAJOR.MINOR.PATCH. */
    readonly version: string;
    /** Service name override; default per product. */
    readonly service?: string;
    /** Namespace override; default per product. */
    readonly namespace?: string;
    /** Full MADS URL override. */
    readonly madsUrl?: string;
    /** host:port override of the metrics endpoint. */
    readonly metricsTarget?: string;
}

export interface ControlPlaneEndpoints {
    /** Control plane Service name. */
    readonly service: string;
    /** Control plane namespace. */
    readonly namespace: string;
    /** Base URL for kuma_sd_configs.server. */
    readonly madsUrl: string;
    /** host:port of /metrics. */
    readonly metricsTarget: string;
}

const DEFAULTS: Record<MeshProduct, { service: string; namespace: string }> = {
    kuma: { service: "kuma-control-plane", namespace: "kuma-system" },
    "kong-mesh": { service: "kong-mesh-control-plane", namespace: "kong-mesh-system" },
};

/** The product's control plane system namespace (kuma-system / kong-mesh-system). */
export function controlPlaneNamespace(product: MeshProduct): string {
    return DEFAULTS[product].namespace;
}

export function controlPlaneEndpoints(s: ControlPlaneSettings): ControlPlaneEndpoints {
    const service = s.service ?? DEFAULTS[s.product].service;
    const namespace = s.namespace ?? controlPlaneNamespace(s.product);
    return {
        service,
        namespace,
        madsUrl: s.madsUrl ?? `http://${service}.${namespace}:${MADS_PORT}`,
        metricsTarget: s.metricsTarget ?? `${service}.${namespace}:${CP_METRICS_PORT}`,
    };
}

/**
 * True for mesh 2.6.x, whose MADS server drops long-poll state per client (kumahq/kuma#9508,
 * fixed in 2.7.0 by #9586); the documented workaround is `fetch_timeout: 0s`.
 */
export function hasMadsLongPollBug(version: string): boolean {
    const [major, minor] = version.split(".").map(Number);
    return major === 2 && minor === 6;
}
