import { z } from "zod";
import { dnsLabel, hostname, promDuration, promSize, storageQuantity } from "./primitives";
import { kubernetesTarget } from "./kubernetes-target";

/** How zones in other clusters reach the global Prometheus's remote-write receiver. */
const exposure = z.discriminatedUnion("type", [
    /** In-cluster DNS only: every zone runs in the same cluster (the `local` environment). */
    z.object({ type: z.literal("cluster-dns") }).strict(),
    /** A LoadBalancer Service; `host` is the DNS name that points at it. */
    z
        .object({
            type: z.literal("load-balancer"),
            host: hostname,
            /** Restrict who may reach the load balancer (CIDRs). */
            sourceRanges: z.array(z.string().regex(/^[0-9a-f.:]+\/[0-9]{1,3}$/, { error: "not a CIDR; allowed: e.g. 10.0.0.0/8" })).optional(),
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

const globalPrometheus = z
    .object({
        /** How long the global keeps data (--storage.tsdb.retention.time). */
        retention: promDuration.default("15d"),
        /** Size cap on stored blocks (--storage.tsdb.retention.size); unset means time-only. */
        retentionSize: promSize.optional(),
        /** PersistentVolumeClaim size. */
        storageSize: storageQuantity.default("50Gi"),
        /** StorageClass of the PVC; default: the cluster default. */
        storageClassName: z.string().min(1).optional(),
        /** Basic-auth user zones write as. */
        remoteWriteUsername: z
            .string()
            .regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: "allowed: 1-64 of letters, digits, '_', '.', '-' (no ':' in basic-auth users)" })
            .default("zone-writer"),
        /** Scrape interval of the global's own jobs. */
        scrapeInterval: promDuration.default("30s"),
        exposure: exposure.default({ type: "cluster-dns" }),
    })
    .strict();

/** The config model of an `<env>-global` stack (keys under the `mesh-observability:` namespace). */
export const globalConfigSchema = z
    .object({
        kubernetes: kubernetesTarget.optional(),
        namespace: dnsLabel.default("mesh-observability"),
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
        globalPrometheus: globalPrometheus.default(globalPrometheus.parse({})),
    })
    .strict();

export type GlobalConfig = z.infer<typeof globalConfigSchema>;
export type GlobalPrometheusConfig = GlobalConfig["globalPrometheus"];
export type ExposureConfig = GlobalPrometheusConfig["exposure"];
