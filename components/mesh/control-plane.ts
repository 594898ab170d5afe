import { CP_METRICS_PORT, MADS_PORT } from "./kuma-facts";

/**
 * Where a zone control plane is, per product. Sources: Kuma chart values (kuma-system,
 * kuma-control-plane), Kong/kong-mesh-charts README (kong-mesh-system, kong-mesh-control-plane);
 * its ports are Kuma facts (kuma-facts.ts).
 */
export type MeshProduct = "kuma" | "kong-mesh";

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
