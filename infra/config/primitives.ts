import { z } from "zod";
import { isCidr } from "../../components/network/network-policies";
import { parsePromDuration } from "../../components/kernel/duration";
import { AWS_REGION, DNS_LABEL } from "../../components/kernel/validators";
import { MESH_VERSION } from "../../components/mesh/kuma-facts";

/**
 * Reusable, self-describing validators for stack config values. Each message says what is
 * allowed, because the message is all a platform engineer sees when `pulumi preview` fails.
 */

/** The observability namespace of a stack that sets none (both roles' `namespace` default). */
export const DEFAULT_NAMESPACE = "mesh-observability";

export const dnsLabel = z
    .string()
    .regex(DNS_LABEL, {
        error: (issue) =>
            `${JSON.stringify(issue.input)} is not a DNS label; allowed: 1-63 lower-case letters, digits ` +
            `and '-', starting and ending with a letter or digit (RFC 1123)`,
    });

/** Prometheus duration (model.ParseDuration): units ordered y w d h m s ms, e.g. 15d, 1h30m, 0s. */
export const promDuration = z.string().refine((v) => parsePromDuration(v) !== undefined, {
    error: (issue) =>
        `${JSON.stringify(issue.input)} is not a Prometheus duration; allowed: a number with units in the order ` +
        `y, w, d, h, m, s, ms (e.g. 15d, 12h, 1h30m, 30s)`,
});

/** A Prometheus duration above zero (scrape intervals, retention): "0s" parses but means nothing there. */
export const positiveDuration = z.string().refine((v) => (parsePromDuration(v) ?? 0) > 0, {
    error: (issue) => `${JSON.stringify(issue.input)} is not a positive Prometheus duration; allowed: e.g. 15s, 1m, 15d (not 0)`,
});

/**
 * A string checked by a component's own validator (which throws with what is allowed), so the
 * schema and the component can never disagree about what is valid.
 */
export function checkedBy(validate: (value: string) => unknown) {
    return z.string().superRefine((value, ctx) => {
        try {
            validate(value);
        } catch (e) {
            ctx.addIssue({ code: "custom", message: (e as Error).message });
        }
    });
}

/** Prometheus byte size (--storage.tsdb.retention.size). */
export const promSize = z
    .string()
    .regex(/^[0-9]+(B|KB|MB|GB|TB|PB|EB)$/, {
        error: (issue) =>
            `${JSON.stringify(issue.input)} is not a Prometheus size; allowed: an integer with one of B, KB, MB, GB, TB, PB, EB (e.g. 40GB)`,
    });

/** Kubernetes resource quantity for storage requests (binary or decimal suffix). */
export const storageQuantity = z
    .string()
    .regex(/^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/, {
        error: (issue) =>
            `${JSON.stringify(issue.input)} is not a Kubernetes quantity; allowed: a number with an optional suffix such as Gi or Ti (e.g. 50Gi)`,
    });

/** An absolute http(s) URL; a host without scheme is the most common mistake, so it is named. */
export const httpUrl = z.string().refine(
    (v) => {
        try {
            const u = new URL(v);
            return (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "";
        } catch {
            return false;
        }
    },
    {
        error: (issue) =>
            `${JSON.stringify(issue.input)} is not an absolute URL with a scheme; allowed: http://host[:port][/path] or https://...`,
    },
);

/** A DNS hostname (one or more labels), for Ingress hosts and externally reachable names. */
export const hostname = z
    .string()
    .regex(/^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/, {
        error: (issue) => `${JSON.stringify(issue.input)} is not a DNS hostname; allowed: lower-case labels separated by dots (e.g. prom.example.com)`,
    });

/** Prometheus label name (external labels). */
export const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, {
    error: (issue) => `${JSON.stringify(issue.input)} is not a Prometheus label name; allowed: [a-zA-Z_][a-zA-Z0-9_]*`,
});

/** Mesh release version: MAJOR.MINOR.PATCH, as the kuma / kong-mesh charts are versioned. */
export const meshVersion = z.string().regex(MESH_VERSION, {
    error: (issue) => `${JSON.stringify(issue.input)} is not a mesh version; allowed: MAJOR.MINOR.PATCH (e.g. 2.14.3)`,
});

/** Fully qualified stack name `<org>/<project>/<stack>` for StackReferences. */
export const qualifiedStackName = z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, {
    error: (issue) => `${JSON.stringify(issue.input)} is not a fully qualified stack name; allowed: <organization>/<project>/<stack>`,
});

/** AWS region code (us-east-1, eu-west-1, us-gov-west-1, ap-southeast-2, ...). */
export const awsRegion = z.string().regex(AWS_REGION, {
    error: (issue) => `${JSON.stringify(issue.input)} is not an AWS region; allowed: a region code such as us-east-1 or eu-west-1`,
});

/** S3 bucket name rules (length, characters, no dots next to dashes). */
export const s3BucketName = z.string().regex(/^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
    error: (issue) => `${JSON.stringify(issue.input)} is not an S3 bucket name; allowed: 3-63 lower-case letters, digits, '.', '-'`,
});

/**
 * An IPv4 or IPv6 CIDR (NetworkPolicy ipBlocks, load balancer sourceRanges), checked by the
 * NetworkPolicy builder's own isCidr so a value accepted here never fails there.
 */
export const cidr = z.string().refine(isCidr, {
    error: (issue) => `${JSON.stringify(issue.input)} is not a CIDR; allowed: e.g. 10.0.0.0/8 or fd00::/8 (an IPv4 or IPv6 address, "/", a prefix length up to 32 or 128)`,
});

/** A list of CIDRs (a YAML list even for one entry). */
export const cidrList = z.array(cidr, {
    error: (issue) => `${JSON.stringify(issue.input)} is not a list of CIDRs; allowed: a YAML list such as [10.0.0.0/8, fd00::/8]`,
});
