import * as pulumi from "@pulumi/pulumi";
import { AmpWorkspace } from "../../components/aws/amp-workspace";
import { ampQueryPolicy, objectStoreBucketPolicy, s3BucketArn } from "../../components/aws/iam-policies";
import { IrsaRole, irsaRoleName } from "../../components/aws/irsa-role";
import { S3Keys } from "../../components/aws/s3-keys";
import { GlobalGrafanaArgs } from "../../components/grafana/global-grafana";
import { grafanaFullname } from "../../components/grafana/grafana-chart";
import { GlobalMimir, mimirServiceAccount } from "../../components/mimir/global-mimir";
import { mimirS3Endpoint } from "../../components/mimir/mimir-chart";
import { GlobalPrometheus } from "../../components/prometheus/global-prometheus";
import { backendRemoteWriteProtocol } from "../../components/prometheus/remote-write-protocol";
import { prometheusResources, singlePrometheusWarning } from "../../components/prometheus/sizing";
import { GlobalConfig } from "../config/global-schema";
import { GlobalStackExports, ZoneCredentialExports, zoneCredentialOutput } from "../global-outputs";
import { FIRST_GENERATION, ZoneWriterView } from "../../components/prometheus/zone-writers";
import { ClusterTarget, regionalAwsProvider } from "../kubernetes-provider";
import { warn } from "../warnings";
import { serviceExposure } from "./exposure";
import { GRAFANA_RELEASE, MIMIR_RELEASE, PROMETHEUS_RELEASE } from "./releases";

/** The basic-auth user Grafana queries the global Prometheus as (read only: it never remote-writes). */
export const GRAFANA_PROMETHEUS_USER = "grafana";

type MetricsOutputs = Pick<
    GlobalStackExports,
    | "metricsBackend"
    | "metricsTransport"
    | "remoteReadZones"
    | "remoteWriteAuth"
    | "remoteWriteUrl"
    | "remoteWriteProtocol"
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

/** The S3 keys from secret config, for Mimir or Loki off EKS (the schema requires them there). */
export function staticS3Keys(cfg: GlobalConfig): S3Keys {
    if (cfg.s3AccessKeyId === undefined || cfg.s3SecretAccessKey === undefined) throw new Error("S3 keys missing after validation"); // unreachable: globalConfigSchema refines this
    return { accessKeyId: pulumi.secret(cfg.s3AccessKeyId), secretAccessKey: pulumi.secret(cfg.s3SecretAccessKey) };
}

/**
 * The global metrics backend: one Prometheus (remote-write receiver, or federating the zones),
 * an Amazon Managed Prometheus workspace, or Grafana Mimir; and how zones and Grafana reach it.
 */
export function globalMetrics(id: StackNames, cfg: GlobalConfig, cluster: ClusterTarget, opts: pulumi.ComponentResourceOptions): GlobalMetrics {
    switch (cfg.metrics.backend) {
        case "prometheus":
            return prometheusBackend(id, cfg, opts);
        case "amp":
            return ampBackend(id, cfg, cluster);
        case "mimir":
            return mimirBackend(id, cfg, cluster, opts);
    }
}

type StackNames = { readonly env: string; readonly stack: string };

/** The global Prometheus: every declared zone writes as its own user, or the global federates them. */
function prometheusBackend(id: StackNames, cfg: GlobalConfig, opts: pulumi.ComponentResourceOptions): GlobalMetrics {
    const m = cfg.metrics;
    const p = cfg.globalPrometheus;
    const federating = m.federation !== undefined;
    // Zones' backlogs arrive into the out-of-order window by remote write; a federating global
    // only ever scrapes the newest samples, so it needs no out-of-order headroom.
    const backlogWindow = federating ? undefined : p.outOfOrderTimeWindow;
    const warning = singlePrometheusWarning(m.expectedActiveSeries, backlogWindow);
    if (warning !== undefined) warn(`${id.stack}: ${warning}`);
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
            remoteWriteProtocol: p.remoteWriteProtocol,
            exposure: serviceExposure(p.exposure),
            readerUsers: cfg.grafana.enabled ? [GRAFANA_PROMETHEUS_USER] : [],
            // ZoneStoppedSending per declared zone (also for a zone that never sent).
            alertZones: cfg.zones,
            resources: prometheusResources({
                expectedActiveSeries: m.expectedActiveSeries,
                retention: p.retention,
                scrapeInterval: p.scrapeInterval,
                mode: "server",
                remoteWrite: false,
                outOfOrderTimeWindow: backlogWindow,
            }),
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
            remoteWriteProtocol: pulumi.output(backendRemoteWriteProtocol("prometheus", p.remoteWriteProtocol)),
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

/** An AMP workspace zones write to with SigV4; Grafana queries it through its own IRSA role on EKS. */
function ampBackend(id: StackNames, cfg: GlobalConfig, cluster: ClusterTarget): GlobalMetrics {
    const m = cfg.metrics;
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
                roleName: irsaRoleName(id.stack, "grafana-amp-query"),
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
        outputs: writeOnlyBackendOutputs("amp", cfg, {
            remoteWriteAuth: pulumi.output("sigv4" as const),
            remoteWriteUrl: workspace.remoteWriteUrl,
            ampRegion: pulumi.output(amp.region),
            ampWorkspaceArn: workspace.arn,
            prometheusQueryUrl: workspace.queryUrl,
        }),
        zoneCredentials: {},
        grafana: { prometheus: { url: workspace.queryUrl, sigv4Region: amp.region }, serviceAccountAnnotations },
    };
}

/** Grafana Mimir on S3: zones push with the tenant header. */
function mimirBackend(id: StackNames, cfg: GlobalConfig, cluster: ClusterTarget, opts: pulumi.ComponentResourceOptions): GlobalMetrics {
    const m = cfg.metrics;
    const mimir = m.mimir!; // the schema requires it with this backend
    const s = mimir.storage;
    // The bucket: on EKS an IRSA role only Mimir's ServiceAccount may assume, allowed only this
    // bucket; elsewhere the S3 keys from secret config (the schema requires them).
    const eks = cluster.eks;
    const access =
        eks !== undefined
            ? {
                  serviceAccountAnnotations: new IrsaRole(
                      `${MIMIR_RELEASE}-s3`,
                      {
                          oidcProviderArn: eks.oidcProviderArn,
                          oidcIssuer: eks.oidcIssuer,
                          namespace: cfg.namespace,
                          serviceAccount: mimirServiceAccount(MIMIR_RELEASE),
                          roleName: irsaRoleName(id.stack, "mimir-s3"),
                          policy: objectStoreBucketPolicy("Mimir", s3BucketArn(s.bucket)),
                          description: `Mimir (${cfg.namespace}/${mimirServiceAccount(MIMIR_RELEASE)}) on s3://${s.bucket}`,
                      },
                      { provider: eks.awsProvider },
                  ).serviceAccountAnnotations,
              }
            : { s3Keys: staticS3Keys(cfg) };
    const backend = new GlobalMimir(
        MIMIR_RELEASE,
        {
            namespace: cfg.namespace,
            tenant: mimir.tenant,
            storage: { type: "s3", bucketName: s.bucket, region: s.region, ...(s.endpoint !== undefined ? mimirS3Endpoint(s.endpoint) : {}) },
            ...access,
        },
        opts,
    );
    warn(`${id.stack}: Mimir's push endpoint is in-cluster and unauthenticated (the tenant header only selects a tenant); zones must run in this cluster or reach it through your own authenticating gateway`);
    return {
        outputs: writeOnlyBackendOutputs("mimir", cfg, {
            remoteWriteAuth: pulumi.output("none" as const),
            remoteWriteUrl: backend.pushUrl,
            remoteWriteTenant: backend.tenant,
            prometheusQueryUrl: backend.queryUrl,
        }),
        zoneCredentials: {},
        grafana: { prometheus: { url: backend.queryUrl, tenant: mimir.tenant } },
    };
}

/**
 * The outputs of a backend zones only remote-write to (AMP, Mimir): no federation, no remote read,
 * no per-zone credentials; what a backend does not use (tenant, AMP region and ARN) is "".
 */
function writeOnlyBackendOutputs(
    backend: "amp" | "mimir",
    cfg: GlobalConfig,
    o: Pick<MetricsOutputs, "remoteWriteAuth" | "remoteWriteUrl" | "prometheusQueryUrl"> & Partial<Pick<MetricsOutputs, "remoteWriteTenant" | "ampRegion" | "ampWorkspaceArn">>,
): MetricsOutputs {
    return {
        metricsBackend: pulumi.output(backend),
        metricsTransport: pulumi.output("remote-write" as const),
        remoteReadZones: pulumi.output<string[]>([]),
        remoteWriteAuth: o.remoteWriteAuth,
        remoteWriteProtocol: pulumi.output(backendRemoteWriteProtocol(backend, cfg.globalPrometheus.remoteWriteProtocol)),
        remoteWriteUrl: o.remoteWriteUrl,
        remoteWriteCredentials: pulumi.output<Record<string, ZoneWriterView>>({}),
        remoteWriteTenant: o.remoteWriteTenant ?? none(),
        ampRegion: o.ampRegion ?? none(),
        ampWorkspaceArn: o.ampWorkspaceArn ?? none(),
        prometheusQueryUrl: o.prometheusQueryUrl,
    };
}
