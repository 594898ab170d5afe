import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { stackFile } from "../stack-identity";

/** Raised for invalid stack config; lists every problem so one `preview` shows them all. */
export class ConfigError extends Error {
    constructor(
        readonly file: string,
        readonly problems: readonly string[],
    ) {
        super(`${file}: invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "ConfigError";
    }
}

/**
 * Reads this project's keys out of a flat Pulumi config map (`<project>:<key>` → string, structured
 * values as JSON, exactly as the Pulumi engine hands them to the program).
 */
export function projectConfig(all: Record<string, string>, project: string): Record<string, unknown> {
    const prefix = `${project}:`;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(all)) {
        if (!key.startsWith(prefix)) continue;
        out[key.slice(prefix.length)] = decode(value);
    }
    return out;
}

function decode(value: string): unknown {
    const t = value.trimStart();
    if (t.startsWith("{") || t.startsWith("[")) {
        try {
            return JSON.parse(value);
        } catch {
            return value;
        }
    }
    return value;
}

/** Validates a stack's config against its role's schema; throws ConfigError naming file and keys. */
export function parseStackConfig<S extends z.ZodType>(schema: S, raw: Record<string, unknown>, stack: string, project: string): z.output<S> {
    const result = schema.safeParse(raw, { reportInput: true });
    if (result.success) return result.data;
    const problems = result.error.issues.map((issue) => describeIssue(schema, issue, project));
    throw new ConfigError(stackFile(stack), problems);
}

function describeIssue(schema: z.ZodType, issue: z.core.$ZodIssue, project: string): string {
    const key = formatKey(project, issue.path);
    if (issue.code === "unrecognized_keys") {
        const allowed = allowedKeysAt(schema, issue.path);
        return issue.keys
            .map((k) => `${formatKey(project, [...issue.path, k])}: unknown key; allowed keys here: ${allowed.join(", ") || "(none)"}`)
            .join("\n  - ");
    }
    if (issue.code === "invalid_type" && issue.input === undefined) {
        return `${key}: required key is missing (expected ${issue.expected})`;
    }
    if (issue.code === "invalid_value") {
        return `${key}: ${JSON.stringify(issue.input)} is not allowed; allowed: ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    }
    if (issue.code === "invalid_union") {
        // Discriminated unions report at `<union>.type`; list the variants of the union itself.
        const variants = describeUnion(schema, issue.path) || describeUnion(schema, issue.path.slice(0, -1));
        return `${key}: ${JSON.stringify(issue.input)} matches no variant; allowed: ${variants}`;
    }
    return `${key}: ${issue.message}`;
}

function formatKey(project: string, path: readonly PropertyKey[]): string {
    if (path.length === 0) return `${project}:<root>`;
    const [head, ...rest] = path;
    return `${project}:${String(head)}${rest.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("")}`;
}

/** Unwraps default/optional/pipe wrappers to the schema that holds the shape. */
function unwrap(schema: z.ZodType): z.ZodType {
    let s: any = schema;
    for (let i = 0; i < 10; i++) {
        const def = s?._zod?.def;
        if (!def) break;
        if (def.type === "default" || def.type === "optional" || def.type === "nullable" || def.type === "prefault") s = def.innerType;
        else if (def.type === "pipe") s = def.in;
        else break;
    }
    return s;
}

function childAt(schema: z.ZodType, key: PropertyKey): z.ZodType[] {
    const s: any = unwrap(schema);
    const def = s?._zod?.def;
    if (!def) return [];
    if (def.type === "object") return def.shape[key as string] ? [def.shape[key as string]] : [];
    if (def.type === "array") return [def.element];
    if (def.type === "record") return [def.valueType];
    if (def.type === "union") return def.options.flatMap((o: z.ZodType) => childAt(o, key));
    return [];
}

function nodesAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType[] {
    let nodes = [schema];
    for (const key of path) nodes = nodes.flatMap((n) => childAt(n, key));
    return nodes;
}

function objectKeys(node: z.ZodType): string[] {
    const def = (unwrap(node) as any)?._zod?.def;
    if (def?.type === "object") return Object.keys(def.shape);
    if (def?.type === "union") return def.options.flatMap((o: z.ZodType) => objectKeys(o));
    return [];
}

function allowedKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
    return [...new Set(nodesAt(schema, path).flatMap(objectKeys))];
}

/** For a discriminated union such as exposure: list each variant's discriminator and keys. */
function describeUnion(schema: z.ZodType, path: readonly PropertyKey[]): string {
    const variants = nodesAt(schema, path).flatMap((n) => {
        const def = (unwrap(n) as any)?._zod?.def;
        return def?.type === "union" ? (def.options as z.ZodType[]) : [];
    });
    return variants
        .map((v) => {
            const shape = (unwrap(v) as any)._zod.def.shape ?? {};
            const tag = shape.type?._zod?.def?.values?.[0];
            const keys = Object.keys(shape).filter((k) => k !== "type");
            return `{type: ${JSON.stringify(tag)}${keys.length ? `, ${keys.join(", ")}` : ""}}`;
        })
        .join(" | ");
}

/**
 * Whether the engine holds `<project>:<key>` as a secret (`secure:` in the stack file). The runtime
 * exports isConfigSecret (runtime/config.js, backed by PULUMI_CONFIG_SECRET_KEYS) without declaring
 * it in 3.248's typings; a runtime without it fails here rather than letting plaintext through.
 */
export function engineConfigSecret(fullKey: string): boolean {
    const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
    if (typeof runtime.isConfigSecret !== "function") throw new Error("@pulumi/pulumi runtime has no isConfigSecret; cannot tell secret config from plaintext");
    return runtime.isConfigSecret(fullKey);
}

/** Credentials must be `secure:` config: a plaintext key in a stack file is refused before anything runs. */
export function assertSecretKeys(raw: Record<string, unknown>, mustBeSecret: readonly string[], isSecret: (fullKey: string) => boolean, stack: string, project: string): void {
    const problems = mustBeSecret
        .filter((key) => raw[key] !== undefined && !isSecret(`${project}:${key}`))
        .map((key) => `${project}:${key}: is stored in plaintext; allowed: a secret, set with \`pulumi config set --secret ${key} <value>\``);
    if (problems.length > 0) throw new ConfigError(stackFile(stack), problems);
}
