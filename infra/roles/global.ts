import * as pulumi from "@pulumi/pulumi";
import { DatadogMeshMonitoring } from "../../components/datadog/datadog-mesh-monitoring";
import { GlobalGrafana } from "../../components/grafana/global-grafana";
import { GlobalLoki } from "../../components/logs/global-loki";
import { controlPlaneValuesSnippet } from "../../components/mesh/control-plane-chart";
import { controlPlaneOtelEnv } from "../../components/mesh/control-plane-telemetry";
import { ZoneCollector } from "../../components/telemetry/zone-collector";
import { GlobalJaeger } from "../../components/traces/global-jaeger";
import { GlobalConfig, zoneFacingExposures } from "../config/global-schema";
import { ConfigError } from "../config/load";
import { globalReachabilityProblems } from "../cross-cluster-endpoints";
import { environmentStackTargets } from "../environment-stacks";
import { GlobalStackExports, ZoneCredentialExports } from "../global-outputs";
import { clusterTarget } from "../kubernetes-provider";
import { StackIdentity, stackFile } from "../stack-identity";
import { warn } from "../warnings";
import { serviceExposure } from "./exposure";
import { lokiBucketAccess } from "./global-logs";
import { globalMetrics } from "./global-metrics";
import { globalNetworkPolicies } from "./global-network";
import { observabilityNamespace } from "./namespace";
import { GLOBAL_COLLECTOR_RELEASE, GRAFANA_RELEASE, JAEGER_RELEASE, LOKI_RELEASE } from "./releases";

/** Zone name the global control plane's spans carry (kuma.zone), as Kuma calls its global CP. */
export const GLOBAL_CP_ZONE = "global";

/** Provisions an `<env>-global` stack and returns its exports. */
export function globalStack(id: Extract<StackIdentity, { role: "global" }>, cfg: GlobalConfig): GlobalStackExports & ZoneCredentialExports {
    // Before anything is registered: zones in other clusters must be able to reach what they send to.
    const unreachable = globalReachabilityProblems({ identity: id, kubernetes: cfg.kubernetes, namespace: cfg.namespace }, environmentStackTargets(id.env), zoneFacingExposures(cfg));
    if (unreachable.length > 0) throw new ConfigError(stackFile(id.stack), unreachable.map((p) => `${pulumi.getProject()}:${p}`));
    const cluster = clusterTarget(id.stack, cfg.kubernetes);
    const provider = cluster.provider;
    const namespace = observabilityNamespace(id.stack, cfg.namespace, provider);
    const opts = { providers: [provider], dependsOn: [namespace] };
    const metrics = globalMetrics(id, cfg, cluster, opts);

    const jaeger =
        cfg.traces.backend === "jaeger"
            ? new GlobalJaeger(JAEGER_RELEASE, { namespace: cfg.namespace, storage: cfg.traces.jaeger.storage, exposure: serviceExposure(cfg.traces.jaeger.exposure) }, opts)
            : undefined;
    jaeger?.warnings.forEach(warn);

    const l = cfg.logs.loki;
    const loki =
        cfg.logs.backend === "loki"
            ? new GlobalLoki(
                  LOKI_RELEASE,
                  {
                      namespace: cfg.namespace,
                      replicas: l.replicas,
                      tenant: l.tenant,
                      retention: l.retention,
                      storage: l.storage,
                      exposure: serviceExposure(l.exposure),
                      ...lokiBucketAccess(id.stack, cfg, cluster),
                  },
                  opts,
              )
            : undefined;
    loki?.warnings.forEach(warn);

    const datadog = datadogSettings(cfg);
    if (datadog !== undefined) {
        new DatadogMeshMonitoring(`${id.env}-datadog`, {
            environment: id.env,
            zones: cfg.zones,
            site: datadog.site,
            apiKey: datadog.apiKey,
            appKey: datadog.appKey,
            notify: datadog.notify,
            stoppedReportingMinutes: datadog.noDataMinutes,
        });
    }

    const grafana = cfg.grafana.enabled
        ? new GlobalGrafana(
              GRAFANA_RELEASE,
              {
                  namespace: cfg.namespace,
                  ...metrics.grafana,
                  jaeger: jaeger && { url: jaeger.queryUrl },
                  loki: loki && { url: loki.queryUrl, tenant: loki.tenant },
                  kuma: cfg.grafana.kumaDatasource.enabled ? { url: cfg.grafana.kumaDatasource.url } : undefined,
              },
              opts,
          )
        : undefined;

    if (cfg.networkPolicies.enabled) globalNetworkPolicies(cfg, { jaeger: jaeger !== undefined, loki: loki !== undefined }, opts);

    const globalCpEnv = globalControlPlaneEnv(cfg, jaeger, datadog, opts);
    const traces = jaeger && zoneTraceEndpoint(jaeger);
    return {
        environment: pulumi.output(id.env),
        zones: pulumi.output([...cfg.zones]),
        ...metrics.outputs,
        // Grafana's read-only user, for `npm run verify` (infra/verify/cli.ts).
        prometheusReadUsername: pulumi.output(metrics.grafana.prometheus.basicAuthUser ?? ""),
        prometheusReadPassword: pulumi.secret(metrics.grafana.prometheus.password ?? ""),
        jaegerQueryUrl: jaeger?.queryUrl ?? pulumi.output(""),
        lokiQueryUrl: loki?.queryUrl ?? pulumi.output(""),
        ...metrics.zoneCredentials,
        tracesBackend: pulumi.output(cfg.traces.backend),
        logsBackend: pulumi.output(cfg.logs.backend),
        otlpTracesEndpoint: traces?.endpoint ?? pulumi.output(""),
        otlpTracesProtocol: traces?.protocol ?? pulumi.output(""),
        lokiPushUrl: loki?.pushUrl ?? pulumi.output(""),
        lokiOtlpUrl: loki?.otlpUrl ?? pulumi.output(""),
        lokiTenant: loki?.tenant ?? pulumi.output(""),
        datadogSite: pulumi.output(datadog?.site ?? ""),
        datadogApiKey: pulumi.secret(datadog?.apiKey ?? ""),
        grafanaUrl: grafana?.url ?? pulumi.output(""),
        grafanaAdminPassword: grafana?.adminPassword ?? pulumi.secret(""),
        globalControlPlaneOtelEnv: globalCpEnv,
        globalControlPlaneValuesSnippet: globalCpEnv.apply((env) =>
            Object.keys(env).length === 0 ? "" : controlPlaneValuesSnippet({ product: cfg.globalControlPlane.product, env }),
        ),
    };
}

interface DatadogSettings {
    readonly site: string;
    readonly apiKey: string;
    readonly appKey: string;
    readonly notify?: string;
    readonly noDataMinutes: number;
}

/** Datadog settings when a backend uses it (the schema guarantees the keys are then present). */
function datadogSettings(cfg: GlobalConfig): DatadogSettings | undefined {
    if (cfg.traces.backend !== "datadog" && cfg.logs.backend !== "datadog") return undefined;
    if (cfg.datadog === undefined || cfg.datadogApiKey === undefined || cfg.datadogAppKey === undefined) {
        throw new Error("datadog settings missing after validation"); // unreachable: globalConfigSchema refines this
    }
    return { ...cfg.datadog, apiKey: cfg.datadogApiKey, appKey: cfg.datadogAppKey };
}

/**
 * Zones export over gRPC where Jaeger offers it (ClusterIP, LoadBalancer) and over OTLP/HTTP where
 * only that crosses the Ingress.
 */
function zoneTraceEndpoint(jaeger: GlobalJaeger): { endpoint: pulumi.Output<string>; protocol: pulumi.Output<"grpc" | "http"> } {
    const chosen = pulumi.all([jaeger.otlpGrpcEndpoint, jaeger.otlpHttpEndpoint]).apply(([grpc, http]) =>
        grpc !== undefined ? { endpoint: grpc, protocol: "grpc" as const } : { endpoint: http, protocol: "http" as const },
    );
    return { endpoint: chosen.endpoint, protocol: chosen.protocol };
}

/**
 * The global control plane's own spans: straight to Jaeger in the same cluster, or (Datadog) through
 * a collector here that forwards them, since kuma-cp only speaks OTLP.
 */
function globalControlPlaneEnv(
    cfg: GlobalConfig,
    jaeger: GlobalJaeger | undefined,
    datadog: DatadogSettings | undefined,
    opts: pulumi.ComponentResourceOptions,
): pulumi.Output<Record<string, string>> {
    const env = (endpoint: string) => controlPlaneOtelEnv({ zone: GLOBAL_CP_ZONE, otlpEndpoint: endpoint, insecure: true });
    if (jaeger !== undefined) return jaeger.inClusterOtlpGrpcEndpoint.apply(env);
    if (cfg.traces.backend === "datadog" && datadog !== undefined) {
        const collector = new ZoneCollector(
            GLOBAL_COLLECTOR_RELEASE,
            { namespace: cfg.namespace, zone: GLOBAL_CP_ZONE, traces: { type: "datadog", site: datadog.site, apiKey: datadog.apiKey }, logs: { type: "none" } },
            opts,
        );
        return collector.otlpGrpcEndpoint.apply((hostPort) => env(`http://${hostPort}`));
    }
    return pulumi.output<Record<string, string>>({});
}
