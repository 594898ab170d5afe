import * as pulumi from "@pulumi/pulumi";
import { AmpWorkspace } from "../../components/aws/amp-workspace";
import { ampQueryPolicy } from "../../components/aws/iam-policies";
import { IrsaRole } from "../../components/aws/irsa-role";
import { GlobalGrafanaArgs } from "../../components/grafana/global-grafana";
import { grafanaFullname } from "../../components/grafana/grafana-chart";
import { GlobalMimir } from "../../components/mimir/global-mimir";
import { GlobalPrometheus } from "../../components/prometheus/global-prometheus";
import { ServiceExposure } from "../../components/prometheus/chart-values";
import { prometheusResources, singlePrometheusWarning } from "../../components/prometheus/sizing";
import { GlobalConfig } from "../config/global-schema";
import { GlobalStackExports, ZoneCredentialExports, zoneCredentialOutput } from "../global-outputs";
import { FIRST_GENERATION, ZoneWriterView } from "../../components/prometheus/zone-writers";
import { ClusterTarget, regionalAwsProvider } from "../kubernetes-provider";
import { warn } from "../warnings";
import { GRAFANA_RELEASE, MIMIR_RELEASE, PROMETHEUS_RELEASE } from "./global-releases";

/** The basic-auth user Grafana queries the global Prometheus as (read only: it never remote-writes). */
export const GRAFANA_PROMETHEUS_USER = "grafana";

type MetricsOutputs = Pick<
    GlobalStackExports,
    | "metricsBackend"
    | "metricsTransport"
    | "remoteReadZones"
    | "remoteWriteAuth"
    | "remoteWriteUrl"
    | "remoteWriteCredentials"
    | "remoteWriteTenant"
    | "ampRegion"
    | "ampWorkspaceArn"
    | "prometheusQueryUrl"
>;

export interface GlobalMetrics {
    readonly outputs: MetricsOutputs;
    /** Each remote-writing zone's credential, under the output name only that zone reads. */
    readonly zoneCredentials: ZoneCredentialExports;
    /** How Grafana queries the backend. */
    readonly grafana: Pick<GlobalGrafanaArgs, "prometheus" | "serviceAccountAnnotations">;
}

const none = () => pulumi.output("");

/**
 * The global metrics backend: one Prometheus (remote-write receiver, or federating the zones),
 * an Amazon Managed Prometheus workspace, or Grafana Mimir; and how zones and Grafana reach it.
 */
export function globalMetrics(
    id: { readonly env: string; readonly stack: string },
    cfg: GlobalConfig,
    cluster: ClusterTarget,
    serviceExposure: (e: GlobalConfig["globalPrometheus"]["exposure"]) => ServiceExposure,
    opts: pulumi.ComponentResourceOptions,
): GlobalMetrics {
    const m = cfg.metrics;
    switch (m.backend) {
        case "prometheus": {
            const warning = singlePrometheusWarning(m.expectedActiveSeries);
            if (warning !== undefined) warn(`${id.stack}: ${warning}`);
            const p = cfg.globalPrometheus;
            const federating = m.federation !== undefined;
            const prometheus = new GlobalPrometheus(
                PROMETHEUS_RELEASE,
                {
                    namespace: cfg.namespace,
                    zoneWriterPrefix: p.remoteWriteUsername,
                    acceptSharedWriter: p.acceptSharedWriter && !federating,
                    // Every declared zone writes as its own user (generation 1 unless zoneCredentials says otherwise);
                    // a zone removed from `zones` keeps none, so the global answers it 401.
                    zoneWriters: federating ? {} : Object.fromEntries(cfg.zones.map((zone) => [zone, p.zoneCredentials[zone] ?? FIRST_GENERATION])),
                    retention: p.retention,
                    retentionSize: p.retentionSize,
                    storageSize: p.storageSize,
                    storageClassName: p.storageClassName,
                    scrapeInterval: p.scrapeInterval,
                    outOfOrderTimeWindow: p.outOfOrderTimeWindow,
                    exposure: serviceExposure(p.exposure),
                    readerUsers: cfg.grafana.enabled ? [GRAFANA_PROMETHEUS_USER] : [],
                    // ZoneStoppedSending per declared zone (also for a zone that never sent).
                    alertZones: cfg.zones,
                    resources: prometheusResources({ expectedActiveSeries: m.expectedActiveSeries, retention: p.retention, scrapeInterval: p.scrapeInterval, mode: "server", remoteWrite: false }),
                    ...(m.federation !== undefined
                        ? {
                              federation: {
                                  match: m.federation.match,
                                  scrapeInterval: m.federation.scrapeInterval,
                                  zones: Object.entries(m.federation.zones).map(([zone, z]) => ({ zone, url: z.url })),
                              },
                          }
                        : {}),
                    ...(m.remoteRead !== undefined
                        ? {
                              remoteRead: Object.entries(m.remoteRead.zones).map(([zone, z]) => ({
                                  zone,
                                  url: `${z.url.replace(/\/+$/, "")}/api/v1/read`,
                                  readRecent: z.readRecent,
                              })),
                          }
                        : {}),
                },
                opts,
            );
            prometheus.warnings.forEach(warn);
            return {
                outputs: {
                    metricsBackend: pulumi.output("prometheus" as const),
                    metricsTransport: pulumi.output(federating ? ("federation" as const) : ("remote-write" as const)),
                    // Zones check it: default-deny on a remote-read zone needs the global's source CIDRs.
                    remoteReadZones: pulumi.output(Object.keys(m.remoteRead?.zones ?? {})),
                    remoteWriteAuth: pulumi.output("basic" as const),
                    remoteWriteUrl: federating ? none() : prometheus.remoteWriteUrl,
                    remoteWriteCredentials: pulumi.output(Object.fromEntries(Object.entries(prometheus.zoneWriters).map(([zone, w]) => [zone, w.view]))),
                    remoteWriteTenant: none(),
                    ampRegion: none(),
                    ampWorkspaceArn: none(),
                    prometheusQueryUrl: prometheus.queryUrl,
                },
                zoneCredentials: Object.fromEntries(
                    Object.entries(prometheus.zoneWriters).map(([zone, w]) => [
                        zoneCredentialOutput(zone),
                        pulumi.secret(
                            w.passwords.apply((byGeneration) => ({
                                active: { ...w.view.active, password: byGeneration[String(w.view.active.generation)] },
                                standby: w.view.standby === null ? null : { ...w.view.standby, password: byGeneration[String(w.view.standby.generation)] },
                            })),
                        ),
                    ]),
                ),
                grafana: {
                    prometheus: { url: prometheus.queryUrl, basicAuthUser: GRAFANA_PROMETHEUS_USER, password: prometheus.readerPasswords[GRAFANA_PROMETHEUS_USER] },
                },
            };
        }
        case "amp": {
            const amp = m.amp!; // the schema requires it with this backend
            const provider = regionalAwsProvider(id.stack, amp.region, cluster);
            const workspace = new AmpWorkspace(
                "metrics-amp",
                {
                    alias: amp.alias ?? `mesh-observability-${id.env}`,
                    tags: { "mesh-observability/environment": id.env, ...amp.tags },
                    ...(amp.logging !== undefined ? { logging: { retentionInDays: amp.logging.retentionDays } } : {}),
                },
                { provider },
            );
            // Grafana signs its queries with its own role, which may only query this workspace.
            let serviceAccountAnnotations: pulumi.Output<Record<string, string>> | undefined;
            if (cluster.eks !== undefined && cfg.grafana.enabled) {
                const role = new IrsaRole(
                    "grafana-amp-query",
                    {
                        oidcProviderArn: cluster.eks.oidcProviderArn,
                        oidcIssuer: cluster.eks.oidcIssuer,
                        namespace: cfg.namespace,
                        serviceAccount: grafanaFullname(GRAFANA_RELEASE),
                        policy: workspace.arn.apply(ampQueryPolicy),
                        description: `Grafana in ${id.stack} queries AMP workspace ${amp.alias ?? id.env}`,
                    },
                    { provider: cluster.eks.awsProvider },
                );
                serviceAccountAnnotations = role.serviceAccountAnnotations;
            } else if (cfg.grafana.enabled) {
                warn(`${id.stack}: Grafana is not on EKS, so it has no IRSA role to query AMP; give its pods AWS credentials allowed aps:QueryMetrics on the workspace`);
            }
            return {
                outputs: {
                    metricsBackend: pulumi.output("amp" as const),
                    metricsTransport: pulumi.output("remote-write" as const),
                    remoteReadZones: pulumi.output<string[]>([]),
                    remoteWriteAuth: pulumi.output("sigv4" as const),
                    remoteWriteUrl: workspace.remoteWriteUrl,
                    remoteWriteCredentials: pulumi.output<Record<string, ZoneWriterView>>({}),
                    remoteWriteTenant: none(),
                    ampRegion: pulumi.output(amp.region),
                    ampWorkspaceArn: workspace.arn,
                    prometheusQueryUrl: workspace.queryUrl,
                },
                zoneCredentials: {},
                grafana: { prometheus: { url: workspace.queryUrl, sigv4Region: amp.region }, serviceAccountAnnotations },
            };
        }
        case "mimir": {
            const mimir = m.mimir!; // the schema requires it with this backend
            const s = mimir.storage;
            const backend = new GlobalMimir(
                MIMIR_RELEASE,
                {
                    namespace: cfg.namespace,
                    tenant: mimir.tenant,
                    storage: { type: "s3", bucketName: s.bucket, region: s.region, ...(s.endpoint !== undefined ? { endpoint: new URL(s.endpoint).host } : {}) },
                },
                opts,
            );
            warn(`${id.stack}: Mimir's push endpoint is in-cluster and unauthenticated (the tenant header only selects a tenant); zones must run in this cluster or reach it through your own authenticating gateway`);
            return {
                outputs: {
                    metricsBackend: pulumi.output("mimir" as const),
                    metricsTransport: pulumi.output("remote-write" as const),
                    remoteReadZones: pulumi.output<string[]>([]),
                    remoteWriteAuth: pulumi.output("none" as const),
                    remoteWriteUrl: backend.pushUrl,
                    remoteWriteCredentials: pulumi.output<Record<string, ZoneWriterView>>({}),
                    remoteWriteTenant: backend.tenant,
                    ampRegion: none(),
                    ampWorkspaceArn: none(),
                    prometheusQueryUrl: backend.queryUrl,
                },
                zoneCredentials: {},
                grafana: { prometheus: { url: backend.queryUrl, tenant: mimir.tenant } },
            };
        }
    }
}
