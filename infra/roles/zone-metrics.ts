import * as pulumi from "@pulumi/pulumi";
import { ampRemoteWritePolicy } from "../../components/aws/iam-policies";
import { IrsaRole, irsaRoleName } from "../../components/aws/irsa-role";
import { ZoneRemoteWriteArgs } from "../../components/prometheus/zone-prometheus";
import { TENANT_HEADER } from "../../components/shared/tenant-header";
import { ZoneConfig } from "../config/zone-schema";
import { ZoneCredentialSecret, ZoneDecisions, ZoneView } from "../global-outputs";
import { ClusterTarget } from "../kubernetes-provider";

/** The zone Prometheus' release name, which is also its ServiceAccount's (the IRSA trust names it). */
export const ZONE_PROMETHEUS = "zone-prometheus";

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
                    `${ZONE_PROMETHEUS}-amp-write`,
                    {
                        oidcProviderArn: eks.oidcProviderArn,
                        oidcIssuer: eks.oidcIssuer,
                        namespace: cfg.namespace,
                        serviceAccount: ZONE_PROMETHEUS,
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
