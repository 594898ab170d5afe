import { z } from "zod";
import { LOG_RETENTION_DAYS } from "../../components/aws/amp-workspace";
import { validateMimirTenant } from "../../components/mimir/mimir-chart";
import { validateMatchSelectors } from "../../components/prometheus/federation";
import { awsRegion, checkedBy, dnsLabel, httpUrl, positiveDuration, s3BucketName } from "./primitives";

/** A zone endpoint URL without credentials, query or fragment (they would end up in prometheus.yml or break the path we append). */
function bareUrl(allowed: string, pathOk: (u: URL) => boolean) {
    return httpUrl.refine(
        (v) => {
            const u = new URL(v);
            return u.username === "" && u.password === "" && u.search === "" && u.hash === "" && pathOk(u);
        },
        { error: (i) => `${JSON.stringify(i.input)} is not a bare endpoint URL; allowed: ${allowed}, no credentials, query or fragment` },
    );
}

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
            tenant: checkedBy(validateMimirTenant).default("mesh"),
            /** Object storage for blocks, ruler and alertmanager state (credentials from the pods' cloud identity). */
            storage: z.object({ type: z.literal("s3"), bucket: s3BucketName, region: awsRegion, endpoint: httpUrl.optional() }).strict(),
        })
        .strict();

    /** The global Prometheus scrapes each zone's /federate: zone endpoints come from here, so global deploys first. */
    const federation = z
        .object({
            /** Instant-vector selectors (`match[]`); federate aggregates, not everything. */
            match: z
                .array(z.string())
                .superRefine((match, ctx) => {
                    try {
                        validateMatchSelectors(match);
                    } catch (e) {
                        ctx.addIssue({ code: "custom", message: (e as Error).message });
                    }
                })
                .refine((m) => m.length > 0, { error: "at least one selector is required (Prometheus returns nothing without match[]); allowed: e.g. '{__name__=~\"job:.*\"}'" }),
            scrapeInterval: positiveDuration.default("60s"),
            /** zone → http(s)://host[:port] of that zone's Prometheus as the global reaches it (no path). */
            zones: z.record(
                dnsLabel,
                z.object({ url: bareUrl("http(s)://host[:port] without a path (/federate is added)", (u) => u.pathname === "/") }).strict(),
            ),
        })
        .strict();

    const remoteRead = z
        .object({
            /** zone → base URL of that zone's Prometheus (…/api/v1/read is appended). */
            zones: z.record(dnsLabel, z.object({ url: bareUrl("http(s)://host[:port][/prefix] (/api/v1/read is added)", () => true), readRecent: z.boolean().default(false) }).strict()),
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
