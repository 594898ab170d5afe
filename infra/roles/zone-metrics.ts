import * as pulumi from "@pulumi/pulumi";
import { ampRemoteWritePolicy } from "../../components/aws/iam-policies";
import { IrsaRole, irsaRoleName } from "../../components/aws/irsa-role";
import { ControlPlaneEndpoints } from "../../components/mesh/control-plane";
import { DATAPLANE_METRICS_PATH, DATAPLANE_METRICS_PORT, hasMadsLongPollBug } from "../../components/mesh/kuma-facts";
import { prometheusResources } from "../../components/prometheus/sizing";
import { ZonePrometheus, ZoneRemoteWriteArgs } from "../../components/prometheus/zone-prometheus";
import { TENANT_HEADER } from "../../components/kernel/tenant-header";
import { ZoneConfig } from "../config/zone-schema";
import { ZoneCredentialSecret, ZoneDecisions, ZoneView } from "../global-outputs";
import { ClusterTarget } from "../kubernetes-provider";
import { ZONE_PROMETHEUS_RELEASE } from "./releases";


/** Problems with the zone's metrics config given what the global offers (checked before any resource). */
export function zoneMetricsProblems(decisions: ZoneDecisions, cfg: ZoneConfig, globalStack: string, zone: string, env: string): string[] {
    const problems: string[] = [];
    if (decisions.metricsTransport === "remote-write" && decisions.remoteWriteAuth === "basic" && decisions.remoteWriteCredentials[zone] === undefined) {
        problems.push(
            `zone ${JSON.stringify(zone)}: ${globalStack} issues this zone no remote-write credential (it has: ${Object.keys(decisions.remoteWriteCredentials).join(", ") || "none"}); ` +
                `allowed: a zone listed in mesh-observability:zones of stacks/Pulumi.${env}-global.yaml, after \`pulumi up\` of that stack (a revoked zone is removed there; destroy this stack instead)`,
        );
    }
    if (decisions.metricsTransport === "federation" && cfg.zonePrometheus.mode === "agent") {
        problems.push(`zonePrometheus.mode: "agent" has no /federate, and ${globalStack} federates the zones; allowed: server`);
    }
    if (decisions.remoteWriteAuth === "sigv4" && cfg.kubernetes?.eks === undefined && cfg.awsAccessKeyId === undefined) {
        problems.push(
            `awsAccessKeyId: required: ${globalStack} writes to Amazon Managed Prometheus and this cluster is not EKS (no IRSA); ` +
                "allowed: `pulumi config set --secret awsAccessKeyId …` and awsSecretAccessKey, for an IAM user allowed aps:RemoteWrite on the workspace",
        );
    }
    return problems;
}

/**
 * How this zone's Prometheus writes to the global backend: basic auth to the global Prometheus,
 * SigV4 to AMP (IRSA on EKS: a role only this Prometheus' ServiceAccount may assume, allowed only
 * aps:RemoteWrite on the environment's workspace; elsewhere the static keys from secret config), the
 * Mimir tenant header, or nothing when the global federates the zone.
 */
export function zoneRemoteWrite(
    decisions: ZoneDecisions,
    global: ZoneView,
    remoteWriteUrl: pulumi.Output<string>,
    cfg: ZoneConfig,
    cluster: ClusterTarget,
    stack: string,
    credential: () => pulumi.Output<ZoneCredentialSecret>,
    zone: string,
): ZoneRemoteWriteArgs | undefined {
    if (decisions.metricsTransport === "federation") return undefined;
    const protocol = decisions.remoteWriteProtocol;
    switch (decisions.remoteWriteAuth) {
        case "basic": {
            // The generation the global marks active, user and password both from the mounted Secret: a rotation
            // changes that Secret only, never prometheus.yml (zone-writers.ts).
            const view = decisions.remoteWriteCredentials[zone];
            return {
                auth: "basic",
                url: remoteWriteUrl,
                protocol,
                username: view.active.username,
                password: credential().apply((c) => c.active.password),
                usernameFromSecret: true,
            };
        }
        case "none":
            return { auth: "none", url: remoteWriteUrl, protocol, headers: { [TENANT_HEADER]: global.remoteWriteTenant } };
        case "sigv4": {
            const eks = cluster.eks;
            if (eks !== undefined) {
                const role = new IrsaRole(
                    `${ZONE_PROMETHEUS_RELEASE}-amp-write`,
                    {
                        oidcProviderArn: eks.oidcProviderArn,
                        oidcIssuer: eks.oidcIssuer,
                        namespace: cfg.namespace,
                        serviceAccount: ZONE_PROMETHEUS_RELEASE,
                        roleName: irsaRoleName(stack, "zone-prometheus-amp-write"),
                        policy: global.ampWorkspaceArn.apply(ampRemoteWritePolicy),
                        description: `zone Prometheus of ${eks.name} remote-writes to AMP`,
                    },
                    { provider: eks.awsProvider },
                );
                return { auth: "sigv4", url: remoteWriteUrl, protocol, region: decisions.ampRegion, credentials: { type: "irsa", roleArn: role.roleArn } };
            }
            return {
                auth: "sigv4",
                url: remoteWriteUrl,
                protocol,
                region: decisions.ampRegion,
                credentials: { type: "static", accessKeyId: pulumi.secret(cfg.awsAccessKeyId!), secretAccessKey: pulumi.secret(cfg.awsSecretAccessKey!) },
            };
        }
    }
}

/** kuma_sd fetch_timeout when none is configured: Prometheus' own default. */
const DEFAULT_FETCH_TIMEOUT = "2m";

/** kuma_sd fetch_timeout for a mesh version: 0s on 2.6.x (kumahq/kuma#9508), else configured or 2m. */
export function effectiveFetchTimeout(version: string, configured: string | undefined): string {
    return hasMadsLongPollBug(version) ? "0s" : (configured ?? DEFAULT_FETCH_TIMEOUT);
}

/**
 * The zone Prometheus: kuma_sd against the control plane's MADS (or, on Kuma 3.x on Kubernetes, pod
 * discovery of the dataplanes, zone proxies and control plane pods), sized from the expected active
 * series, writing to the global as `remoteWrite` says (nothing when the global federates the zone).
 */
export function zonePrometheus(
    zone: string,
    cfg: ZoneConfig,
    cp: ControlPlaneEndpoints,
    podDiscovery: boolean,
    remoteWrite: ZoneRemoteWriteArgs | undefined,
    opts: pulumi.ComponentResourceOptions,
): ZonePrometheus {
    const p = cfg.zonePrometheus;
    return new ZonePrometheus(
        ZONE_PROMETHEUS_RELEASE,
        {
            namespace: cfg.namespace,
            settings: {
                zone,
                externalLabels: p.externalLabels,
                scrapeInterval: p.scrapeInterval,
                dataplaneScrapeInterval: p.dataplaneScrapeInterval,
                ...(podDiscovery
                    ? {
                          kubernetesDiscovery: {
                              meshMetricPort: DATAPLANE_METRICS_PORT,
                              meshMetricPath: DATAPLANE_METRICS_PATH,
                              controlPlane: { namespace: cp.namespace, appLabel: cp.service },
                              scrapeInterval: p.scrapeInterval,
                              dataplaneScrapeInterval: p.dataplaneScrapeInterval,
                          },
                      }
                    : {
                          discovery: {
                              madsUrl: cp.madsUrl,
                              refreshInterval: p.discovery.refreshInterval,
                              fetchTimeout: effectiveFetchTimeout(cfg.mesh.version, p.discovery.fetchTimeout),
                              clientId: p.discovery.clientId,
                          },
                          controlPlaneMetricsTarget: cp.metricsTarget,
                      }),
            },
            resources: prometheusResources({
                expectedActiveSeries: p.expectedActiveSeries,
                retention: p.retention,
                scrapeInterval: p.dataplaneScrapeInterval,
                mode: p.mode,
            }),
            mode: p.mode,
            // Only this zone's credential output is read: a zone never holds another zone's password.
            remoteWrite,
            retention: p.retention,
            storageSize: p.storageSize,
            storageClassName: p.storageClassName,
        },
        opts,
    );
}
