import { ZONE_WAL_SEGMENT_SIZE } from "./outage-survival";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { renderZoneAlertRules, RULES_MOUNT_DIR, ZONE_RULES_FILE } from "./alert-rules";
import { sha256 } from "../kernel/checksum";
import { mountedConfigMap } from "../kernel/mounted-config-map";
import { AWS_ACCESS_KEY_ID_ENV, AWS_SECRET_ACCESS_KEY_ENV, awsCredentialChartInputs, AwsCredentialSource } from "./aws-credentials";
import { SERVICE_PORT } from "./chart";
import { buildPrometheusChartValues, ConfigMapMount, PrometheusChartSettings, SecretMount } from "./chart-values";
import { PrometheusMode } from "./prometheus-mode";
import { CONFIG_MAP_SUFFIX, mountedSecret, prometheusServer } from "./server-resources";
import { renderZonePrometheusConfig, ZonePrometheusSettings, ZoneRemoteWrite } from "./zone-config";
import { ZoneRemoteWriteArgs, zoneRemoteWriteArgs } from "./zone-remote-write-args";

export type { AwsCredentialsArgs, ZoneRemoteWriteArgs } from "./zone-remote-write-args";

/** Directory the remote-write credential Secret is mounted at. */
export const REMOTE_WRITE_SECRET_DIR = "/etc/prometheus/secrets/remote-write";
const PASSWORD_KEY = "remote-write-password";
const USERNAME_KEY = "remote-write-username";

export interface ZonePrometheusArgs {
    /** Namespace to deploy into (must exist). */
    readonly namespace: pulumi.Input<string>;
    /** Everything prometheus.yml needs except the remote-write endpoint, its credential, the mode and the rule files (ours). */
    readonly settings: Omit<ZonePrometheusSettings, "remoteWrite" | "mode" | "ruleFiles">;
    /** server (default) or agent (forward-only: needs a remote write; evaluates no rules). */
    readonly mode?: PrometheusMode;
    /** Remote write with basic auth, SigV4 or none, and headers; unset: no remote write (federated zone). */
    readonly remoteWrite?: ZoneRemoteWriteArgs;
    /** Local retention (Prometheus duration); server mode only, an agent keeps no TSDB and ignores it. */
    readonly retention: string;
    /** PVC size (Kubernetes quantity); an agent keeps its WAL there. */
    readonly storageSize: string;
    /** PVC StorageClass; default: the cluster default. */
    readonly storageClassName?: string;
    /** Container requests and limits (sizing.ts prometheusResources); default none. */
    readonly resources?: PrometheusChartSettings["resources"];
}

/**
 * A zone's Prometheus: discovers the zone's dataplanes through the zone control plane's MADS,
 * scrapes the control plane, labels every series with the zone and remote-writes to global
 * (basic auth), AMP (SigV4) or Mimir (headers), as a server or an agent.
 */
export class ZonePrometheus extends pulumi.ComponentResource {
    /** In-cluster URL of this Prometheus (Service port 80); the global federates this address. */
    public readonly address: pulumi.Output<string>;
    /** The generated prometheus.yml, byte for byte as mounted. */
    public readonly configText: pulumi.Output<string>;
    /** server or agent. */
    public readonly mode: PrometheusMode;
    /** The ServiceAccount the pod runs as (an IRSA role's trust policy names it). */
    public readonly serviceAccountName: string;
    /** The generated alert rule file (zone-alerts.yml) in server mode; undefined for an agent (agents refuse rule_files). */
    public readonly rulesText: string | undefined;

    constructor(name: string, args: ZonePrometheusArgs, opts?: pulumi.ComponentResourceOptions) {
        super("meshobs:prometheus:ZonePrometheus", name, {}, opts);
        this.mode = args.mode ?? "server";
        this.serviceAccountName = name;
        const rw = zoneRemoteWriteArgs(args, name);

        const secrets: Array<k8s.core.v1.Secret | k8s.core.v1.ConfigMap> = [];
        const secretMounts: SecretMount[] = [];
        let fileSettings: pulumi.Output<ZoneRemoteWrite | undefined> = pulumi.output(undefined);
        let aws: pulumi.Output<AwsCredentialSource | undefined> = pulumi.output(undefined);
        if (rw?.auth === "basic") {
            const credentialName = `${name}-remote-write`;
            // The whole directory is mounted (no subPath), so the kubelet swaps user and password together, atomically.
            const files = { [PASSWORD_KEY]: rw.password, ...(rw.usernameFromSecret === true ? { [USERNAME_KEY]: rw.username } : {}) };
            secrets.push(mountedSecret(this, credentialName, args.namespace, files));
            secretMounts.push({ name: "remote-write", mountPath: REMOTE_WRITE_SECRET_DIR, secretName: credentialName });
            const passwordFile = `${REMOTE_WRITE_SECRET_DIR}/${PASSWORD_KEY}`;
            fileSettings =
                rw.usernameFromSecret === true
                    ? pulumi.output({ url: rw.url, headers: rw.headers, protocol: rw.protocol, usernameFile: `${REMOTE_WRITE_SECRET_DIR}/${USERNAME_KEY}`, passwordFile })
                    : pulumi.output({ url: rw.url, headers: rw.headers, protocol: rw.protocol, username: rw.username, passwordFile });
        } else if (rw?.auth === "sigv4") {
            fileSettings = pulumi.output({ url: rw.url, headers: rw.headers, protocol: rw.protocol, sigv4: { region: rw.region, roleArn: rw.roleArn } });
            const c = rw.credentials;
            if (c.type === "static") {
                // Env vars from a Secret: the keys reach the SDK chain without touching prometheus.yml or the pod spec.
                const secretName = `${name}-aws-credentials`;
                secrets.push(
                    new k8s.core.v1.Secret(
                        secretName,
                        {
                            metadata: { name: secretName, namespace: args.namespace },
                            type: "Opaque",
                            stringData: { [AWS_ACCESS_KEY_ID_ENV]: pulumi.secret(c.accessKeyId), [AWS_SECRET_ACCESS_KEY_ENV]: pulumi.secret(c.secretAccessKey) },
                        },
                        { parent: this },
                    ),
                );
                aws = pulumi.output({ type: "secret" as const, secretName });
            } else if (c.type === "secret") {
                aws = pulumi.output({ type: "secret" as const, secretName: c.secretName });
            } else {
                aws = pulumi.output(c.roleArn).apply((roleArn) => ({ type: "irsa" as const, roleArn }));
            }
        } else if (rw?.auth === "none") {
            fileSettings = pulumi.output({ url: rw.url, headers: rw.headers, protocol: rw.protocol });
        }

        // Alert rules (remote-write lag) only for a server: an agent evaluates no rules and refuses rule_files.
        // Only with a remote write: a federated zone has no queue to lag.
        const server = this.mode === "server" && rw !== undefined;
        this.rulesText = server ? renderZoneAlertRules({ zone: args.settings.zone }) : undefined;
        const ruleFiles = server ? [`${RULES_MOUNT_DIR}/*.yml`] : undefined;
        const configMapMounts: ConfigMapMount[] = [];
        if (this.rulesText !== undefined) {
            const rulesName = `${name}-rules`;
            secrets.push(mountedConfigMap(this, rulesName, args.namespace, "prometheus", { [ZONE_RULES_FILE]: this.rulesText }));
            configMapMounts.push({ name: "rules", mountPath: RULES_MOUNT_DIR, configMap: rulesName, checksum: sha256(this.rulesText) });
        }

        this.configText = fileSettings.apply((remoteWrite) =>
            renderZonePrometheusConfig({
                ...args.settings,
                ...(ruleFiles !== undefined ? { ruleFiles } : {}),
                mode: this.mode,
                remoteWrite: remoteWrite === undefined ? undefined : withoutUndefined(remoteWrite),
            }),
        );

        const chart = prometheusServer(
            this,
            name,
            args.namespace,
            this.configText,
            (configChecksum) =>
                aws.apply((source) => {
                    const credentials = source === undefined ? undefined : awsCredentialChartInputs(source, "remoteWrite.credentials");
                    return buildPrometheusChartValues({
                        fullname: name,
                        configMapOverrideName: CONFIG_MAP_SUFFIX,
                        configChecksum,
                        mode: this.mode,
                        retention: this.mode === "server" ? args.retention : undefined,
                        storageSize: args.storageSize,
                        storageClassName: args.storageClassName,
                        extraFlags: ["web.enable-lifecycle"],
                        // Fewer, larger WAL segments keep an unsent backlog longer (outage-survival.ts). An agent refuses
                        // --storage.tsdb.* flags but deletes WAL segments by the same rule, so it gets its own flag.
                        extraArgs: { [this.mode === "server" ? "storage.tsdb.wal-segment-size" : "storage.agent.wal-segment-size"]: ZONE_WAL_SEGMENT_SIZE },
                        secretMounts,
                        reloader: true,
                        tcpProbes: false,
                        exposure: { type: "ClusterIP" },
                        env: credentials?.env,
                        serviceAccountAnnotations: credentials?.serviceAccountAnnotations,
                        resources: args.resources,
                        podDiscovery: args.settings.kubernetesDiscovery !== undefined,
                        configMapMounts,
                    });
                }),
            secrets,
        );

        this.address = pulumi.interpolate`http://${name}.${args.namespace}.svc.cluster.local:${SERVICE_PORT}`;
        this.registerOutputs({ address: this.address, configText: this.configText, chart: chart.urn });
    }
}

/** Drops keys whose value is undefined (optional inputs), so the file builder sees only what was set. */
function withoutUndefined<T extends object>(o: T): T {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) {
        if (v === undefined) continue;
        out[k] = v !== null && typeof v === "object" && !Array.isArray(v) ? withoutUndefined(v as object) : v;
    }
    return out as T;
}
