import * as pulumi from "@pulumi/pulumi";
import { DatadogMeshMonitoring } from "../../components/datadog/datadog-mesh-monitoring";
import { GlobalGrafana } from "../../components/grafana/global-grafana";
import { GlobalLoki } from "../../components/logs/global-loki";
import { controlPlaneValuesSnippet } from "../../components/mesh/control-plane-chart";
import { controlPlaneOtelEnv } from "../../components/mesh/control-plane-telemetry";
import { ServiceExposure } from "../../components/shared/service-exposure";
import { ZoneCollector } from "../../components/telemetry/zone-collector";
import { GlobalJaeger } from "../../components/traces/global-jaeger";
import { ExposureConfig, GlobalConfig } from "../config/global-schema";
import { GlobalStackExports, ZoneCredentialExports } from "../global-outputs";
import { ClusterTarget, clusterTarget, regionalAwsProvider } from "../kubernetes-provider";
import { LokiBucket } from "../../components/aws/loki-bucket";
import { IrsaRole, irsaRoleName } from "../../components/aws/irsa-role";
import { objectStoreBucketPolicy, s3BucketArn } from "../../components/aws/iam-policies";
import { GlobalLokiArgs } from "../../components/logs/global-loki";
import { exposureSources, OBSERVABILITY_NAMESPACES } from "../../components/network/network-policies";
import { ObservabilityNetworkPolicies } from "../../components/network/observability-network-policies";
import { controlPlaneNamespace } from "../../components/mesh/control-plane";
import { parsePromDuration } from "../../components/shared/duration";
import { globalMetrics, staticS3Keys } from "./global-metrics";
import { GLOBAL_COLLECTOR_RELEASE, GRAFANA_RELEASE, JAEGER_RELEASE, LOKI_RELEASE, MIMIR_RELEASE, PROMETHEUS_RELEASE } from "./global-releases";
import { StackIdentity } from "../stack-identity";
import { ingestIngressAnnotations } from "../../components/shared/ingest-ingress";
import { warn } from "../warnings";
import { observabilityNamespace } from "./namespace";

/** Zone name the global control plane's spans carry (kuma.zone), as Kuma calls its global CP. */
export const GLOBAL_CP_ZONE = "global";

/** Provisions an `<env>-global` stack and returns its exports. */
export function globalStack(id: Extract<StackIdentity, { role: "global" }>, cfg: GlobalConfig): GlobalStackExports & ZoneCredentialExports {
    const cluster = clusterTarget(id.stack, cfg.kubernetes);
    const provider = cluster.provider;
    const namespace = observabilityNamespace(id.stack, cfg.namespace, provider);
    const opts = { providers: [provider], dependsOn: [namespace] };
    const metrics = globalMetrics(id, cfg, cluster, serviceExposure, opts);

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
                      authEnabled: true,
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

    if (cfg.networkPolicies.enabled) globalNetworkPolicies(cfg, { jaeger: jaeger !== undefined, loki: loki !== undefined }, serviceExposure, opts);

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

/** Default-deny ingress for the observability namespace, then each workload's expected clients only. */
function globalNetworkPolicies(
    cfg: GlobalConfig,
    present: { readonly jaeger: boolean; readonly loki: boolean },
    exposureOf: (e: ExposureConfig) => ServiceExposure,
    opts: pulumi.ComponentResourceOptions,
): void {
    const np = cfg.networkPolicies;
    const cpNamespace = controlPlaneNamespace(cfg.globalControlPlane.product);
    const sources = (e: ExposureConfig) => exposureSources(exposureOf(e), { ingressControllerNamespace: np.ingressControllerNamespace });
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


/**
 * How Loki reaches its S3 bucket. The bucket, when the stack manages it: encrypted, public access
 * blocked, objects expiring after the retention. On EKS an IRSA role only Loki's ServiceAccount may
 * assume, allowed only that bucket (the managed one, or an existing one by name); elsewhere the S3
 * keys from secret config (the schema requires them). Nothing for filesystem storage.
 */
function lokiBucketAccess(stack: string, cfg: GlobalConfig, cluster: ClusterTarget): Pick<GlobalLokiArgs, "serviceAccountAnnotations" | "s3Keys"> {
    const storage = cfg.logs.loki.storage;
    if (cfg.logs.backend !== "loki" || storage.type !== "s3") return {};
    const eks = cluster.eks;
    const irsa = eks !== undefined ? { oidcProviderArn: eks.oidcProviderArn, oidcIssuer: eks.oidcIssuer, namespace: cfg.namespace, serviceAccount: LOKI_RELEASE, roleName: irsaRoleName(stack, "loki-s3") } : undefined;
    if (storage.manage) {
        const bucket = new LokiBucket(
            "loki-bucket",
            {
                bucketName: storage.bucket,
                retentionDays: Math.ceil((parsePromDuration(cfg.logs.loki.retention) ?? 0) / 86_400_000),
                tags: { "mesh-observability/stack": stack },
                ...(irsa !== undefined ? { irsa } : {}),
            },
            { provider: regionalAwsProvider(stack, storage.region, cluster) },
        );
        return irsa !== undefined ? { serviceAccountAnnotations: bucket.serviceAccountAnnotations } : { s3Keys: staticS3Keys(cfg) };
    }
    if (eks !== undefined && irsa !== undefined) {
        const role = new IrsaRole(
            "loki-s3",
            { ...irsa, policy: objectStoreBucketPolicy("Loki", s3BucketArn(storage.bucket)), description: `Loki (${cfg.namespace}/${LOKI_RELEASE}) on s3://${storage.bucket}` },
            { provider: eks.awsProvider },
        );
        return { serviceAccountAnnotations: role.serviceAccountAnnotations };
    }
    return { s3Keys: staticS3Keys(cfg) };
}

function serviceExposure(e: ExposureConfig): ServiceExposure {
    switch (e.type) {
        case "cluster-dns":
            return { type: "ClusterIP" };
        case "load-balancer":
            return { type: "LoadBalancer", host: e.host, annotations: e.annotations, sourceRanges: e.sourceRanges };
        case "ingress":
            // Every ingress here carries zone pushes (Grafana's UI is never exposed through it).
            return { type: "Ingress", host: e.host, ingressClassName: e.ingressClassName, tlsSecretName: e.tlsSecretName, annotations: ingestIngressAnnotations(e.annotations) };
    }
}
