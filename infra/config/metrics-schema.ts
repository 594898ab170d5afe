import { z } from "zod";
import { LOG_RETENTION_DAYS } from "../../components/aws/amp-workspace";
import { awsRegion, dnsLabel, httpUrl, promDuration, s3BucketName, tenantId } from "./primitives";

/** The global's metrics model (the `metrics:` key of a global stack). */
export function metricsSchema() {
    const amp = z
        .object({
            /** Region of the workspace (zones in other regions write across regions). */
            region: awsRegion,
            /** Workspace alias; default mesh-observability-<env>. */
            alias: z.string().regex(/^[A-Za-z0-9_.\-/#: ]{1,100}$/, { error: "allowed: 1-100 characters of letters, digits and _.-/#: or space" }).optional(),
            /** Vended logs to CloudWatch: retention of the log group in days. */
            logging: z
                .object({
                    retentionDays: z
                        .number()
                        .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), { error: `allowed: one of CloudWatch's retention periods (${LOG_RETENTION_DAYS.join(", ")})` })
                        .default(30),
                })
                .strict()
                .optional(),
            /** Extra tags on the workspace. */
            tags: z.record(z.string().min(1).max(128), z.string().max(256)).default({}),
        })
        .strict();

    const mimir = z
        .object({
            /** X-Scope-OrgID every zone writes as and Grafana reads as. */
            tenant: tenantId.default("mesh"),
            /** Object storage for blocks, ruler and alertmanager state (credentials from the pods' cloud identity). */
            storage: z.object({ type: z.literal("s3"), bucket: s3BucketName, region: awsRegion, endpoint: httpUrl.optional() }).strict(),
        })
        .strict();

    /** The global Prometheus scrapes each zone's /federate: zone endpoints come from here, so global deploys first. */
    const federation = z
        .object({
            /** Instant-vector selectors (`match[]`); federate aggregates, not everything. */
            match: z.array(z.string().min(1)).min(1, { error: "at least one selector is required (Prometheus returns nothing without match[]); allowed: e.g. '{__name__=~\"job:.*\"}'" }),
            scrapeInterval: promDuration.default("60s"),
            /** zone → http(s)://host[:port] of that zone's Prometheus as the global reaches it (no path). */
            zones: z.record(
                dnsLabel,
                z.object({ url: httpUrl.refine((u) => new URL(u).pathname === "/" && new URL(u).search === "", { error: "allowed: http(s)://host[:port] without a path (/federate is added)" }) }).strict(),
            ),
        })
        .strict();

    const remoteRead = z
        .object({
            /** zone → base URL of that zone's Prometheus (…/api/v1/read is appended). */
            zones: z.record(dnsLabel, z.object({ url: httpUrl, readRecent: z.boolean().default(false) }).strict()),
        })
        .strict();

    return z
        .object({
            /** Where zones' metrics land: one global Prometheus, Amazon Managed Prometheus, or Grafana Mimir. */
            backend: z.enum(["prometheus", "amp", "mimir"]).default("prometheus"),
            amp: amp.optional(),
            mimir: mimir.optional(),
            federation: federation.optional(),
            remoteRead: remoteRead.optional(),
            /** Active series the global is sized for (all zones together). */
            expectedActiveSeries: z.number().int().positive().default(1_000_000),
        })
        .strict()
        .superRefine((m, ctx) => {
            if (m.backend === "amp" && m.amp === undefined) ctx.addIssue({ code: "custom", path: ["amp"], message: "required when backend is amp; allowed: {region, alias?, logging?, tags?}" });
            if (m.backend === "mimir" && m.mimir === undefined) ctx.addIssue({ code: "custom", path: ["mimir"], message: "required when backend is mimir; allowed: {tenant?, storage: {type: s3, bucket, region}, exposure?}" });
            for (const key of ["federation", "remoteRead"] as const) {
                if (m[key] !== undefined && m.backend !== "prometheus") {
                    ctx.addIssue({ code: "custom", path: [key], message: `needs the global Prometheus (backend prometheus), not ${m.backend}; allowed: remove it, or backend: prometheus` });
                }
            }
        });
}
