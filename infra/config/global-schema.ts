import { z } from "zod";
import { awsRegion, checkedBy, cidrList, dnsLabel, hostname, httpUrl, positiveDuration, promDuration, promSize, s3BucketName, storageQuantity, DEFAULT_NAMESPACE } from "./primitives";
import { kubernetesTarget } from "./kubernetes-target";
import { metricsSchema } from "./metrics-schema";
import { validateLokiTenant } from "../../components/logs/loki-chart";
import { parsePromDuration } from "../../components/kernel/duration";
import { DEFAULT_OUT_OF_ORDER_TIME_WINDOW } from "../../components/prometheus/outage-survival";
import { DEFAULT_REMOTE_WRITE_PROTOCOL, REMOTE_WRITE_PROTOCOLS } from "../../components/prometheus/remote-write-protocol";
import { goDurationMs } from "../../components/traces/jaeger-config";
import { checkWriterSlots } from "../../components/prometheus/zone-writers";
import { NODE_PORT_RANGE } from "../../components/kernel/service-exposure";

/** How zones in other clusters reach a global endpoint (Prometheus receiver, Jaeger OTLP, Loki push). */
export const exposure = z.discriminatedUnion("type", [
    /** In-cluster DNS only: every zone runs in the same cluster (the `local` environment). */
    z.object({ type: z.literal("cluster-dns") }).strict(),
    /** A LoadBalancer Service; `host` is the DNS name that points at it. */
    z
        .object({
            type: z.literal("load-balancer"),
            host: hostname,
            /** Restrict who may reach the load balancer (CIDRs). */
            sourceRanges: cidrList.optional(),
            annotations: z.record(z.string(), z.string()).optional(),
        })
        .strict(),
    /**
     * A NodePort Service; `host` is a name (or address) zones resolve to a node of this cluster: on
     * kind, the node container's name (`<cluster>-control-plane`), which pods of every kind cluster
     * resolve through Docker's DNS. Plain HTTP: for clusters without load balancers on a private
     * node network.
     */
    z
        .object({
            type: z.literal("node-port"),
            host: hostname,
            /** The port on every node (the Service's nodePort). */
            nodePort: z
                .number()
                .int()
                .min(NODE_PORT_RANGE.min, { error: `allowed: ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max} (the API server's default --service-node-port-range)` })
                .max(NODE_PORT_RANGE.max, { error: `allowed: ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max} (the API server's default --service-node-port-range)` }),
            annotations: z.record(z.string(), z.string()).optional(),
        })
        .strict(),
    /** An Ingress with a hostname; TLS when tlsSecretName is given. */
    z
        .object({
            type: z.literal("ingress"),
            host: hostname,
            ingressClassName: z.string().min(1).optional(),
            tlsSecretName: z.string().min(1).optional(),
            annotations: z.record(z.string(), z.string()).optional(),
        })
        .strict(),
]);

const metrics = metricsSchema();

/** One zone's accepted generations (zone-writers.ts ZoneWriterSlots), checked by the builder's own validator. */
const zoneCredential = z
    .object({ active: z.number(), standby: z.number().optional() })
    .strict()
    .superRefine((slots, ctx) => {
        try {
            checkWriterSlots(slots, "slots");
        } catch (e) {
            const [, key, message] = /^slots\.(\w+): (.*)$/s.exec((e as Error).message) ?? [];
            ctx.addIssue({ code: "custom", path: key !== undefined ? [key] : [], message: message ?? (e as Error).message });
        }
    });

const globalPrometheus = z
    .object({
        /** How long the global keeps data (--storage.tsdb.retention.time). */
        retention: positiveDuration.default("15d"),
        /** Size cap on stored blocks (--storage.tsdb.retention.size); unset means time-only. */
        retentionSize: promSize.optional(),
        /** PersistentVolumeClaim size. */
        storageSize: storageQuantity.default("50Gi"),
        /** StorageClass of the PVC; default: the cluster default. */
        storageClassName: z.string().min(1).optional(),
        /** Prefix of the zones' basic-auth users (`<prefix>-<zone>-g<generation>`, zone-writers.ts). */
        remoteWriteUsername: z
            .string()
            .regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: "allowed: 1-64 of letters, digits, '_', '.', '-' (no ':' in basic-auth users)" })
            .default("zone-writer"),
        /** Scrape interval of the global's own jobs. */
        scrapeInterval: positiveDuration.default("30s"),
        /** How far behind the newest sample a zone's backlog is still stored (storage.tsdb.out_of_order_time_window); 0s: off. */
        outOfOrderTimeWindow: promDuration.default(DEFAULT_OUT_OF_ORDER_TIME_WINDOW),
        /** Remote Write 2.0 (default; the receiver also accepts 1.0) or 1.0 from the zones (remote-write-protocol.ts); backend prometheus only. */
        remoteWriteProtocol: z
            // An unquoted 2.0 in the stack file reaches the program as the number 2.
            .preprocess(
                (v) => (typeof v === "number" ? v.toFixed(1) : v),
                z.enum(REMOTE_WRITE_PROTOCOLS),
            )
            .default(DEFAULT_REMOTE_WRITE_PROTOCOL),
        exposure: exposure.default({ type: "cluster-dns" }),
        /**
         * Each zone's credential generation (zone-writers.ts): `{active}` the zone writes with and, while
         * rotating, `standby`, also accepted but unused. A declared zone not listed uses generation 1.
         */
        zoneCredentials: z.record(dnsLabel, zoneCredential).default({}),
        /**
         * Keep accepting the single user all zones shared before per-zone users (`<remoteWriteUsername>`, same
         * password resource), so an upgrade loses nothing while zones move to their own; remove once all are up.
         */
        acceptSharedWriter: z.boolean().default(false),
    })
    .strict();

const jaeger = z
    .object({
        /** Trace storage: memory (local, lost on restart), badger (PVC), or an external Elasticsearch. */
        storage: z
            .discriminatedUnion("type", [
                z.object({ type: z.literal("memory"), maxTraces: z.number().int().positive().default(100_000) }).strict(),
                z
                    .object({
                        type: z.literal("badger"),
                        storageSize: storageQuantity.default("20Gi"),
                        /** Span TTL; Jaeger reads a Go duration, which has no "d". */
                        retention: z
                            .string()
                            .refine((v) => (goDurationMs(v) ?? 0) > 0, { error: (i) => `${JSON.stringify(i.input)} is not a positive Go duration; allowed: e.g. 72h, 168h (no "d")` })
                            .default("72h"),
                    })
                    .strict(),
                z.object({ type: z.literal("elasticsearch"), url: httpUrl, indexPrefix: z.string().regex(/^[a-z0-9-]+$/, { error: "allowed: lower-case letters, digits, '-'" }).default("jaeger") }).strict(),
            ])
            .default({ type: "memory", maxTraces: 100_000 }),
        exposure: exposure.default({ type: "cluster-dns" }),
    })
    .strict();

const loki = z
    .object({
        /** Single-binary replicas; replication factor follows (1 for 1 replica, else 3 capped by replicas). */
        replicas: z.number().int().min(1).max(9).default(1),
        /** Log retention (compactor); at least 24h, Loki's index period. */
        retention: promDuration
            .refine((v) => (parsePromDuration(v) ?? 0) >= 24 * 3_600_000, { error: (i) => `${JSON.stringify(i.input)} is shorter than 24h; allowed: 24h or more (e.g. 7d)` })
            .default("7d"),
        /** X-Scope-OrgID every zone writes with; Loki runs with auth_enabled so tenants never mix. */
        tenant: checkedBy(validateLokiTenant).default("mesh"),
        storage: z
            .discriminatedUnion("type", [
                z.object({ type: z.literal("filesystem"), size: storageQuantity.default("20Gi") }).strict(),
                z
                    .object({
                        type: z.literal("s3"),
                        bucket: s3BucketName,
                        region: awsRegion,
                        endpoint: httpUrl.optional(),
                        /** Create the bucket here (encrypted, public access blocked, expiring after the retention) and, on EKS, Loki's IRSA role. */
                        manage: z.boolean().default(false),
                    })
                    .strict(),
            ])
            .default({ type: "filesystem", size: "20Gi" }),
        exposure: exposure.default({ type: "cluster-dns" }),
    })
    .strict()
    .superRefine((loki, ctx) => {
        if (loki.replicas === 2) {
            ctx.addIssue({ code: "custom", path: ["replicas"], message: "2 replicas cannot tolerate a failure (replication factor 2 needs both) nor hold factor 3; allowed: 1, or 3 to 9" });
        }
        if (loki.replicas > 1 && loki.storage.type === "filesystem") {
            ctx.addIssue({ code: "custom", path: ["replicas"], message: `${loki.replicas} replicas need shared object storage; allowed: 1 with filesystem storage, or storage.type s3` });
        }
    });

const datadog = z
    .object({
        /** Datadog site (datadoghq.com, datadoghq.eu, us3.datadoghq.com, ...). */
        site: z.string().regex(/^([a-z0-9]+\.)?datadoghq\.(com|eu)$|^ddog-gov\.com$/, { error: "allowed: datadoghq.com, datadoghq.eu, us3/us5/ap1.datadoghq.com, ddog-gov.com" }).default("datadoghq.com"),
        /** Handle notified by monitors (e.g. @slack-mesh-oncall). */
        notify: z.string().min(1).optional(),
        /** Minutes without dataplane metrics from a zone before "zone stopped reporting" fires (Datadog's no-data minimum is 10). */
        noDataMinutes: z.number().int().min(10).max(1440).default(10),
    })
    .strict();

const grafana = z
    .object({
        enabled: z.boolean().default(true),
        /** Kuma datasource plugin, pointed at the global control plane API (:5681). */
        kumaDatasource: z
            .object({ enabled: z.boolean().default(false), url: httpUrl.default("http://kuma-control-plane.kuma-system:5681") })
            .strict()
            .default({ enabled: false, url: "http://kuma-control-plane.kuma-system:5681" }),
    })
    .strict();

/** NetworkPolicies for the observability namespace: default-deny ingress, then only the expected clients. */
const networkPolicies = z
    .object({
        enabled: z.boolean().default(false),
        /** Namespace of the ingress controller (the only source of traffic through an Ingress exposure). */
        ingressControllerNamespace: dnsLabel.optional(),
        /** Who may open Grafana's UI (CIDRs); empty: nobody from outside the namespace. */
        grafanaUiCidrs: cidrList.default([]),
    })
    .strict();

/** The global control plane, whose own traces go to the central backend. */
const globalControlPlane = z
    .object({
        product: z.enum(["kuma", "kong-mesh"]).default("kuma"),
    })
    .strict();

/** The config model of an `<env>-global` stack (keys under the `mesh-observability:` namespace). */
export const globalConfigSchema = z
    .object({
        kubernetes: kubernetesTarget.optional(),
        namespace: dnsLabel.default(DEFAULT_NAMESPACE),
        /** Zones of this environment; each must have a `<env>-zone-<zone>` stack. */
        zones: z
            .array(dnsLabel)
            .min(1, { error: "at least one zone is required; allowed: a list of DNS labels" })
            .superRefine((zones, ctx) => {
                const seen = new Set<string>();
                zones.forEach((zone, i) => {
                    if (seen.has(zone)) {
                        ctx.addIssue({ code: "custom", path: [i], message: `duplicate zone ${JSON.stringify(zone)}; allowed: each zone once` });
                    }
                    seen.add(zone);
                });
            }),
        /** Metrics backend and topology (remote write to Prometheus / AMP / Mimir, federation, remote read). */
        metrics: metrics.default(metrics.parse({})),
        globalPrometheus: globalPrometheus.default(globalPrometheus.parse({})),
        /** Central trace backend. */
        traces: z
            .object({ backend: z.enum(["jaeger", "datadog", "none"]).default("none"), jaeger: jaeger.default(jaeger.parse({})) })
            .strict()
            .default({ backend: "none", jaeger: jaeger.parse({}) }),
        /** Central log backend. */
        logs: z
            .object({ backend: z.enum(["loki", "datadog", "none"]).default("none"), loki: loki.default(loki.parse({})) })
            .strict()
            .default({ backend: "none", loki: loki.parse({}) }),
        datadog: datadog.optional(),
        /** Datadog API key (secret config: `pulumi config set --secret datadogApiKey ...`). */
        datadogApiKey: z.string().min(1).optional(),
        /** Datadog application key (secret config). */
        datadogAppKey: z.string().min(1).optional(),
        /** Object-storage keys for Mimir and Loki on S3 when the cluster is not EKS (no IRSA); secret config. */
        s3AccessKeyId: z.string().min(1).optional(),
        /** Its secret key (secret config). */
        s3SecretAccessKey: z.string().min(1).optional(),
        grafana: grafana.default(grafana.parse({})),
        globalControlPlane: globalControlPlane.default({ product: "kuma" }),
        networkPolicies: networkPolicies.default({ enabled: false, grafanaUiCidrs: [] }),
    })
    .strict()
    .superRefine((cfg, ctx) => {
        for (const key of ["federation", "remoteRead"] as const) {
            for (const zone of Object.keys(cfg.metrics[key]?.zones ?? {})) {
                if (!cfg.zones.includes(zone)) {
                    ctx.addIssue({ code: "custom", path: ["metrics", key, "zones", zone], message: `zone ${JSON.stringify(zone)} is not in zones; allowed: ${cfg.zones.join(", ")}` });
                }
            }
        }
        for (const zone of Object.keys(cfg.globalPrometheus.zoneCredentials)) {
            if (!cfg.zones.includes(zone)) {
                ctx.addIssue({
                    code: "custom",
                    path: ["globalPrometheus", "zoneCredentials", zone],
                    message: `zone ${JSON.stringify(zone)} is not in zones (a removed zone keeps no credential); allowed: ${cfg.zones.join(", ")}`,
                });
            }
        }
        const federation = cfg.metrics.federation;
        if (federation !== undefined) {
            for (const zone of cfg.zones.filter((z) => !(z in federation.zones))) {
                ctx.addIssue({ code: "custom", path: ["metrics", "federation", "zones"], message: `zone ${JSON.stringify(zone)} has no federation URL; allowed: every zone of zones, each with {url}` });
            }
        }
        // Node ports are one space per cluster: two exposures on one port would fail the second Service.
        const byPort = new Map<number, string>();
        for (const { key, exposure: e } of zoneFacingExposures(cfg)) {
            if (e.type !== "node-port") continue;
            const other = byPort.get(e.nodePort);
            if (other !== undefined) ctx.addIssue({ code: "custom", path: [...key.split("."), "nodePort"], message: `${e.nodePort} is also ${other}.nodePort; allowed: a node port of its own for each exposure` });
            byPort.set(e.nodePort, key);
        }
        const np = cfg.networkPolicies;
        const ingressExposed = [cfg.globalPrometheus.exposure, cfg.traces.jaeger.exposure, cfg.logs.loki.exposure].some((e) => e.type === "ingress");
        if (np.enabled && ingressExposed && np.ingressControllerNamespace === undefined) {
            ctx.addIssue({ code: "custom", path: ["networkPolicies", "ingressControllerNamespace"], message: "required with an ingress exposure: only the controller's pods may reach it; allowed: its namespace, e.g. ingress-nginx" });
        }
        // Mimir and Loki on S3 need credentials for the bucket: an IRSA role on EKS, keys elsewhere.
        if ((cfg.s3AccessKeyId === undefined) !== (cfg.s3SecretAccessKey === undefined)) {
            ctx.addIssue({ code: "custom", path: [cfg.s3AccessKeyId === undefined ? "s3AccessKeyId" : "s3SecretAccessKey"], message: "S3 keys go in pairs; allowed: both s3AccessKeyId and s3SecretAccessKey (secret), or neither" });
        }
        const buckets = usesObjectStorage(cfg);
        if (buckets.length > 0 && cfg.kubernetes?.eks === undefined && cfg.s3AccessKeyId === undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["s3AccessKeyId"],
                message:
                    `required: ${buckets.join(" and ")} on S3 and this cluster is not EKS (no IRSA role can be given to the pods); ` +
                    "allowed: `pulumi config set --secret s3AccessKeyId …` and s3SecretAccessKey, keys allowed s3:ListBucket, GetObject, PutObject, DeleteObject on the bucket",
            });
        }
        if (cfg.s3AccessKeyId !== undefined && (cfg.kubernetes?.eks !== undefined || buckets.length === 0)) {
            ctx.addIssue({ code: "custom", path: ["s3AccessKeyId"], message: `${buckets.length === 0 ? "nothing here uses S3" : "an EKS cluster reaches S3 through IRSA roles, not static keys"}; allowed: remove the keys` });
        }
        const usesDatadog = cfg.traces.backend === "datadog" || cfg.logs.backend === "datadog";
        if (usesDatadog) {
            if (cfg.datadog === undefined) ctx.addIssue({ code: "custom", path: ["datadog"], message: "required when traces or logs use datadog; allowed: {site, notify?, noDataMinutes?}" });
            for (const key of ["datadogApiKey", "datadogAppKey"] as const) {
                if (cfg[key] === undefined) ctx.addIssue({ code: "custom", path: [key], message: `required when traces or logs use datadog; set it with \`pulumi config set --secret ${key} <key>\`` });
            }
        }
    });

/** Zone-facing endpoints in use and how each is exposed, keyed by its config path (Mimir's push endpoint is in-cluster: no key of its own). */
export function zoneFacingExposures(cfg: {
    readonly metrics: { readonly backend: string; readonly federation?: unknown };
    readonly globalPrometheus: { readonly exposure: ExposureConfig };
    readonly traces: { readonly backend: string; readonly jaeger: { readonly exposure: ExposureConfig } };
    readonly logs: { readonly backend: string; readonly loki: { readonly exposure: ExposureConfig } };
}): Array<{ readonly key: string; readonly exposure: ExposureConfig | { readonly type: "cluster-dns" } }> {
    return [
        ...(cfg.metrics.backend === "prometheus" && cfg.metrics.federation === undefined ? [{ key: "globalPrometheus.exposure", exposure: cfg.globalPrometheus.exposure }] : []),
        ...(cfg.metrics.backend === "mimir" ? [{ key: "metrics.backend", exposure: { type: "cluster-dns" as const } }] : []),
        ...(cfg.traces.backend === "jaeger" ? [{ key: "traces.jaeger.exposure", exposure: cfg.traces.jaeger.exposure }] : []),
        ...(cfg.logs.backend === "loki" ? [{ key: "logs.loki.exposure", exposure: cfg.logs.loki.exposure }] : []),
    ];
}

/** What keeps objects in S3 (Mimir always; Loki with s3 storage). */
export function usesObjectStorage(cfg: { readonly metrics: { readonly backend: string }; readonly logs: { readonly backend: string; readonly loki: { readonly storage: { readonly type: string } } } }): Array<"Mimir" | "Loki"> {
    return [...(cfg.metrics.backend === "mimir" ? (["Mimir"] as const) : []), ...(cfg.logs.backend === "loki" && cfg.logs.loki.storage.type === "s3" ? (["Loki"] as const) : [])];
}

export type GlobalConfig = z.infer<typeof globalConfigSchema>;
export type GlobalPrometheusConfig = GlobalConfig["globalPrometheus"];
export type ExposureConfig = GlobalPrometheusConfig["exposure"];
export type TracesConfig = GlobalConfig["traces"];
export type LogsConfig = GlobalConfig["logs"];
export type MetricsConfig = GlobalConfig["metrics"];

/** Keys that hold credentials and must be set as secrets. */
export const GLOBAL_SECRET_KEYS = ["datadogApiKey", "datadogAppKey", "s3AccessKeyId", "s3SecretAccessKey"] as const;
