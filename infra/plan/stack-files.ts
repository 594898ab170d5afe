import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { parseStackName, StackIdentity } from "../stack-identity";

/** One `stacks/Pulumi.<stack>.yaml`, turned into the flat config map the Pulumi engine passes. */
export interface StackFile {
    readonly stack: string;
    readonly identity: StackIdentity;
    readonly file: string;
    /** `<namespace>:<key>` → string; structured values JSON-encoded, as the engine does. */
    readonly config: Record<string, string>;
    /** Keys whose value was `secure:` in the file. */
    readonly secretKeys: string[];
}

/**
 * `secure:` values are ciphertext for a secrets provider this offline plan cannot reach; they are
 * replaced by a recognisable placeholder and stay secret, so nothing downstream treats them as plain.
 */
export function securePlaceholder(key: string): string {
    return `plan-placeholder-for-${key.replace(/[^A-Za-z0-9]/g, "-")}`;
}

export function readStackFile(stacksDir: string, stack: string): StackFile {
    const file = path.join(stacksDir, `Pulumi.${stack}.yaml`);
    const doc = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    if (doc.config !== undefined && (typeof doc.config !== "object" || Array.isArray(doc.config))) {
        throw new Error(`stacks/Pulumi.${stack}.yaml: \`config\` must be a map of <namespace>:<key> to values`);
    }
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries(doc.config ?? {})) {
        if (isSecure(value)) {
            config[key] = securePlaceholder(key);
            secretKeys.push(key);
        } else {
            config[key] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    return { stack, identity: parseStackName(stack), file, config, secretKeys };
}

function isSecure(value: unknown): boolean {
    return typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value;
}

/** Every stack file of an environment: the global stack first, then zones in name order. */
export function environmentStacks(stacksDir: string, env: string): StackFile[] {
    const names = fs
        .readdirSync(stacksDir)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined && (s === `${env}-global` || s.startsWith(`${env}-zone-`)))
        .sort();
    if (!names.includes(`${env}-global`)) {
        const known = [...new Set(fs.readdirSync(stacksDir).map((f) => /^Pulumi\.(.+)-global\.yaml$/.exec(f)?.[1]).filter(Boolean))];
        throw new Error(`environment ${JSON.stringify(env)} has no stacks/Pulumi.${env}-global.yaml; environments here: ${known.join(", ") || "(none)"}`);
    }
    return [`${env}-global`, ...names.filter((s) => s !== `${env}-global`)].map((s) => readStackFile(stacksDir, s));
}
