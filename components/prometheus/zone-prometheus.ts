import * as pulumi from "@pulumi/pulumi";
import { SERVICE_PORT } from "./chart";
import { buildPrometheusChartValues } from "./chart-values";
import { CONFIG_MAP_SUFFIX, mountedSecret, prometheusServer } from "./server-resources";
import { renderZonePrometheusConfig, ZonePrometheusSettings } from "./zone-config";

/** Directory the remote-write credential Secret is mounted at. */
export const REMOTE_WRITE_SECRET_DIR = "/etc/prometheus/secrets/remote-write";
const PASSWORD_KEY = "remote-write-password";

export interface ZonePrometheusArgs {
    /** Namespace to deploy into (must exist). */
    readonly namespace: pulumi.Input<string>;
    /** Everything prometheus.yml needs except the remote-write endpoint and credential. */
    readonly settings: Omit<ZonePrometheusSettings, "remoteWrite">;
    /** Remote-write receiver URL, from the global stack. */
    readonly remoteWriteUrl: pulumi.Input<string>;
    /** Basic-auth user, from the global stack. */
    readonly remoteWriteUsername: pulumi.Input<string>;
    /** Basic-auth password, from the global stack (a secret; mounted as a file, never inlined). */
    readonly remoteWritePassword: pulumi.Input<string>;
    /** Local retention (Prometheus duration). */
    readonly retention: string;
    /** PVC size (Kubernetes quantity). */
    readonly storageSize: string;
    /** PVC StorageClass; default: the cluster default. */
    readonly storageClassName?: string;
}

/**
 * A zone's Prometheus: discovers the zone's dataplanes through the zone control plane's MADS,
 * scrapes the control plane, labels every series with the zone and remote-writes to global.
 */
export class ZonePrometheus extends pulumi.ComponentResource {
    /** In-cluster URL of this Prometheus (Service port 80). */
    public readonly address: pulumi.Output<string>;
    /** The generated prometheus.yml, byte for byte as mounted. */
    public readonly configText: pulumi.Output<string>;

    constructor(name: string, args: ZonePrometheusArgs, opts?: pulumi.ComponentResourceOptions) {
        super("meshobs:prometheus:ZonePrometheus", name, {}, opts);
        const credentialName = `${name}-remote-write`;
        const credential = mountedSecret(this, credentialName, args.namespace, { [PASSWORD_KEY]: args.remoteWritePassword });

        this.configText = pulumi
            .all([args.remoteWriteUrl, args.remoteWriteUsername])
            .apply(([url, username]) =>
                renderZonePrometheusConfig({
                    ...args.settings,
                    remoteWrite: { url, username, passwordFile: `${REMOTE_WRITE_SECRET_DIR}/${PASSWORD_KEY}` },
                }),
            );

        const chart = prometheusServer(
            this,
            name,
            args.namespace,
            this.configText,
            (configChecksum) =>
                buildPrometheusChartValues({
                    fullname: name,
                    configMapOverrideName: CONFIG_MAP_SUFFIX,
                    configChecksum,
                    retention: args.retention,
                    storageSize: args.storageSize,
                    storageClassName: args.storageClassName,
                    extraFlags: ["web.enable-lifecycle"],
                    extraArgs: {},
                    secretMounts: [{ name: "remote-write", mountPath: REMOTE_WRITE_SECRET_DIR, secretName: credentialName }],
                    reloader: true,
                    tcpProbes: false,
                    exposure: { type: "ClusterIP" },
                }),
            [credential],
        );

        this.address = pulumi.interpolate`http://${name}.${args.namespace}.svc.cluster.local:${SERVICE_PORT}`;
        this.registerOutputs({ address: this.address, configText: this.configText, chart: chart.urn });
    }
}
