import * as pulumi from "@pulumi/pulumi";
import { controlPlaneNamespace } from "../../components/mesh/control-plane";
import { exposureSources, OBSERVABILITY_NAMESPACES } from "../../components/network/network-policies";
import { ObservabilityNetworkPolicies } from "../../components/network/observability-network-policies";
import { ExposureConfig, GlobalConfig } from "../config/global-schema";
import { serviceExposure } from "./exposure";
import { GLOBAL_COLLECTOR_RELEASE, GRAFANA_RELEASE, JAEGER_RELEASE, LOKI_RELEASE, MIMIR_RELEASE, PROMETHEUS_RELEASE } from "./releases";

/** Default-deny ingress for the observability namespace, then each workload's expected clients only. */
export function globalNetworkPolicies(
    cfg: GlobalConfig,
    present: { readonly jaeger: boolean; readonly loki: boolean },
    opts: pulumi.ComponentResourceOptions,
): void {
    const np = cfg.networkPolicies;
    const cpNamespace = controlPlaneNamespace(cfg.globalControlPlane.product);
    const sources = (e: ExposureConfig) => exposureSources(serviceExposure(e), { ingressControllerNamespace: np.ingressControllerNamespace });
    new ObservabilityNetworkPolicies(
        "global-network",
        {
            role: "global",
            settings: {
                namespace: cfg.namespace,
                zoneSources: [OBSERVABILITY_NAMESPACES],
                grafanaUiSources: np.grafanaUiCidrs.map((cidr) => ({ kind: "cidr" as const, cidr })),
                prometheus: cfg.metrics.backend === "prometheus" ? { release: PROMETHEUS_RELEASE, zoneSources: sources(cfg.globalPrometheus.exposure) } : undefined,
                mimir: cfg.metrics.backend === "mimir" ? { release: MIMIR_RELEASE } : undefined,
                loki: present.loki ? { release: LOKI_RELEASE, zoneSources: sources(cfg.logs.loki.exposure) } : undefined,
                jaeger: present.jaeger ? { release: JAEGER_RELEASE, zoneSources: sources(cfg.traces.jaeger.exposure) } : undefined,
                grafana: cfg.grafana.enabled ? { release: GRAFANA_RELEASE } : undefined,
                collector: cfg.traces.backend === "datadog" ? { release: GLOBAL_COLLECTOR_RELEASE, controlPlaneNamespace: cpNamespace } : undefined,
                jaegerOtlpExtraSources: [{ kind: "namespace", namespace: cpNamespace }],
            },
        },
        opts,
    );
}
