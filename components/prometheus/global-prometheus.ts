import { DEFAULT_REMOTE_WRITE_PROTOCOL, receiverProtocolFlags, RemoteWriteProtocol } from "./remote-write-protocol";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { GLOBAL_RULES_FILE, renderGlobalAlertRules, RULES_MOUNT_DIR } from "./alert-rules";
import { sha256 } from "../kernel/checksum";
import { mountedConfigMap } from "../kernel/mounted-config-map";
import { buildPrometheusChartValues, PrometheusChartSettings, SecretMount } from "./chart-values";
import { ServiceExposure } from "../kernel/service-exposure";
import { receiverEndpoint } from "./exposure";
import { FederationSettings } from "./federation";
import { renderGlobalPrometheusConfig } from "./global-config";
import { ZoneRemoteRead } from "./remote-read";
import { CONFIG_MAP_SUFFIX, mountedSecret, prometheusServer } from "./server-resources";
import { renderWebConfig } from "./web-config";
import { acceptedGenerations, writerUsername, ZoneWriterSlots, ZoneWriterView, zoneWriterView } from "./zone-writers";

/** Directory the auth Secret (web config, self-scrape password) is mounted at. */
export const AUTH_SECRET_DIR = "/etc/prometheus/secrets/auth";
const WEB_CONFIG_KEY = "web-config.yml";
const SELF_PASSWORD_KEY = "self-scrape-password";
/** The global's own user, for scraping itself through its authenticated web endpoints. */
export const SELF_SCRAPE_USER = "prometheus-self";

/** One zone's credential as the global hands it over. */
export interface ZoneWriterCredential {
    /** Users of the accepted generations (plain: zones read them before creating anything). */
    readonly view: ZoneWriterView;
    /** Password of each accepted generation, keyed by generation (secret). */
    readonly passwords: pulumi.Output<Record<string, string>>;
}

export interface GlobalPrometheusArgs {
    /** Namespace to deploy into (must exist). */
    readonly namespace: string;
    /** Zones that remote-write, each with its credential generations (zone-writers.ts); unset or {}: none (a federating global). */
    readonly zoneWriters?: Readonly<Record<string, ZoneWriterSlots>>;
    /** Prefix of the zones' basic-auth users (`<prefix>-<zone>-g<generation>`). */
    readonly zoneWriterPrefix: string;
    /** Also accept the user all zones shared before per-zone users (named the prefix, password resource `<name>-remote-write-password`); default false. */
    readonly acceptSharedWriter?: boolean;
    /** --storage.tsdb.retention.time (Prometheus duration). */
    readonly retention: string;
    /** --storage.tsdb.retention.size; unset for time-only retention. */
    readonly retentionSize?: string;
    /** PVC size (Kubernetes quantity). */
    readonly storageSize: string;
    /** PVC StorageClass; default: the cluster default. */
    readonly storageClassName?: string;
    /** Container requests and limits (sizing.ts prometheusResources); default none. */
    readonly resources?: PrometheusChartSettings["resources"];
    /** Scrape interval of the global's own jobs. */
    readonly scrapeInterval: string;
    /** How zones reach the receiver. */
    readonly exposure: ServiceExposure;
    /** Further basic-auth users that only query (e.g. grafana); each gets its own random password. */
    readonly readerUsers?: readonly string[];
    /** Pull series from the zones' /federate ({match, scrapeInterval, zones: [{zone, url}]}); unset: none. */
    readonly federation?: FederationSettings;
    /** Query zones through remote read ([{zone, url …/api/v1/read, readRecent?}]); unset: none. */
    readonly remoteRead?: readonly ZoneRemoteRead[];
    /**
     * Zones expected to remote-write: each gets a ZoneStoppedSending alert (alert-rules.ts). Unset:
     * only the zone-agnostic ZoneSendingLate rule, for every zone that sent in the last hour.
     */
    readonly alertZones?: readonly string[];
    /** Accept zone samples this far behind the newest one (storage.tsdb.out_of_order_time_window); default none (0s). */
    readonly outOfOrderTimeWindow?: string;
    /** Remote Write 2.0 (accept 1.0 and 2.0) or 1.0 (accept 1.0 only) (remote-write-protocol.ts); default 2.0. */
    readonly remoteWriteProtocol?: RemoteWriteProtocol;
}

/**
 * The global Prometheus: the remote-write receiver every zone writes to, behind basic auth
 * (bcrypt in the web config, passwords from @pulumi/random so they are stable across runs).
 */
export class GlobalPrometheus extends pulumi.ComponentResource {
    /** URL zones remote-write to. */
    public readonly remoteWriteUrl: pulumi.Output<string>;
    /** Per zone: which users it may write as (plain) and their passwords by generation (secret). */
    public readonly zoneWriters: Readonly<Record<string, ZoneWriterCredential>>;
    /** In-cluster query URL (Grafana, operators). */
    public readonly queryUrl: pulumi.Output<string>;
    /** The generated prometheus.yml, byte for byte as mounted. */
    public readonly configText: string;
    /** Passwords of the reader users, by user (secrets). */
    public readonly readerPasswords: Readonly<Record<string, pulumi.Output<string>>>;
    /** Plan warnings about this exposure. */
    public readonly warnings: readonly string[];
    /** The generated alert rule file (global-alerts.yml), byte for byte as mounted. */
    public readonly rulesText: string;

    constructor(name: string, args: GlobalPrometheusArgs, opts?: pulumi.ComponentResourceOptions) {
        super("meshobs:prometheus:GlobalPrometheus", name, {}, opts);

        // The config first: a bad federation / remote-read setting fails before any child resource exists.
        this.configText = renderGlobalPrometheusConfig({
            scrapeInterval: args.scrapeInterval,
            selfScrape: { username: SELF_SCRAPE_USER, passwordFile: `${AUTH_SECRET_DIR}/${SELF_PASSWORD_KEY}` },
            federation: args.federation,
            remoteRead: args.remoteRead,
            // A glob: where the rules ConfigMap is not mounted (promtool on a workstation) it matches nothing instead of failing.
            ruleFiles: [`${RULES_MOUNT_DIR}/*.yml`],
            outOfOrderTimeWindow: args.outOfOrderTimeWindow,
        });
        /** The alert rules, in their own ConfigMap mounted at RULES_MOUNT_DIR. */
        this.rulesText = renderGlobalAlertRules({ zones: args.alertZones ?? [] });

        // One password per zone and accepted generation: a new generation is a new resource, the previous one
        // keeps its name (and so its password) until it is dropped from the config, which deletes it.
        const writers = Object.entries(args.zoneWriters ?? {}).map(([zone, slots]) => {
            const view = zoneWriterView(args.zoneWriterPrefix, zone, slots);
            const passwords = acceptedGenerations(slots).map(
                (generation) => [generation, new random.RandomPassword(`${name}-${zone}-g${generation}-password`, { length: 32, special: false }, { parent: this })] as const,
            );
            return { zone, view, passwords };
        });
        const selfPassword = new random.RandomPassword(`${name}-self-scrape-password`, { length: 32, special: false }, { parent: this });

        const readers = (args.readerUsers ?? []).map(
            (user) => [user, new random.RandomPassword(`${name}-${user}-password`, { length: 32, special: false }, { parent: this })] as const,
        );
        // The pre-per-zone shared user: same resource name as before, so the same password zones still hold.
        const shared = args.acceptSharedWriter === true ? [[args.zoneWriterPrefix, new random.RandomPassword(`${name}-remote-write-password`, { length: 32, special: false }, { parent: this })] as const] : [];
        const writerUsers = [...shared, ...writers.flatMap((w) => w.passwords.map(([generation, password]) => [writerUsername(args.zoneWriterPrefix, w.zone, generation), password] as const))];
        const users: ReadonlyArray<readonly [string, random.RandomPassword]> = [...writerUsers, [SELF_SCRAPE_USER, selfPassword], ...readers];
        const duplicate = users.find(([u], i) => users.findIndex(([v]) => v === u) !== i);
        if (duplicate) throw new Error(`GlobalPrometheus ${name}: user ${JSON.stringify(duplicate[0])} is defined twice`);
        const webConfig = pulumi
            .all(users.map(([, password]) => password.bcryptHash))
            .apply((hashes) => renderWebConfig(Object.fromEntries(users.map(([user], i) => [user, hashes[i]]))));
        this.readerPasswords = Object.fromEntries(readers.map(([user, password]) => [user, pulumi.secret(password.result)]));

        const authName = `${name}-auth`;
        const auth = mountedSecret(this, authName, args.namespace, { [WEB_CONFIG_KEY]: webConfig, [SELF_PASSWORD_KEY]: selfPassword.result });

        const secretMounts: SecretMount[] = [{ name: "auth", mountPath: AUTH_SECRET_DIR, secretName: authName }];
        const rulesName = `${name}-rules`;
        const rules = mountedConfigMap(this, rulesName, args.namespace, "prometheus", { [GLOBAL_RULES_FILE]: this.rulesText });
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
                    retentionSize: args.retentionSize,
                    storageSize: args.storageSize,
                    storageClassName: args.storageClassName,
                    extraFlags: ["web.enable-remote-write-receiver", ...receiverProtocolFlags(args.remoteWriteProtocol ?? DEFAULT_REMOTE_WRITE_PROTOCOL, `GlobalPrometheus ${name}: remoteWriteProtocol`)],
                    extraArgs: { "web.config.file": `${AUTH_SECRET_DIR}/${WEB_CONFIG_KEY}` },
                    secretMounts,
                    // Every endpoint (/-/ready, /-/reload included) requires auth, which neither the kubelet's
                    // HTTP probes nor the config reloader can send without leaking the password into the pod spec.
                    reloader: false,
                    tcpProbes: true,
                    exposure: args.exposure,
                    resources: args.resources,
                    configMapMounts: [{ name: "rules", mountPath: RULES_MOUNT_DIR, configMap: rulesName, checksum: sha256(this.rulesText) }],
                }),
            [auth, rules],
        );

        const endpoint = receiverEndpoint(args.exposure, name, args.namespace);
        this.warnings = endpoint.warnings;
        this.remoteWriteUrl = pulumi.output(endpoint.remoteWriteUrl);
        this.zoneWriters = Object.fromEntries(
            writers.map((w) => [
                w.zone,
                {
                    view: w.view,
                    passwords: pulumi.secret(pulumi.all(w.passwords.map(([, p]) => p.result)).apply((results) => Object.fromEntries(w.passwords.map(([g], i) => [String(g), results[i]])))),
                },
            ]),
        );
        this.queryUrl = pulumi.output(receiverEndpoint({ type: "ClusterIP" }, name, args.namespace).baseUrl);
        this.registerOutputs({
            remoteWriteUrl: this.remoteWriteUrl,
            zoneWriters: Object.keys(this.zoneWriters),
            queryUrl: this.queryUrl,
            chart: chart.urn,
        });
    }
}
