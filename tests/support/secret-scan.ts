import * as fs from "fs";
import * as path from "path";
import { PlannedResource, PROJECT, StackEvaluation } from "../../infra/plan/evaluate-stack";
import { planPassword } from "../../infra/plan/mocks";
import { revealOrMask } from "../../infra/plan/secret-values";
import { securePlaceholder, StackFile } from "../../infra/plan/stack-files";
import { parseStackName } from "../../infra/stack-identity";

/**
 * Known secret values for a secrets scan: every `secure:` config key gets a value of our own
 * (distinctive, so a hit is never a coincidence), and every RandomPassword the plan mocks draw is
 * recomputed from stack and resource name exactly as infra/plan/mocks.ts does.
 */
export const SECURE_KEYS = ["datadogApiKey", "datadogAppKey", "awsAccessKeyId", "awsSecretAccessKey"] as const;

/** A value no builder could produce by accident: key name plus a fixed random-looking suffix. */
export function knownSecret(key: string): string {
    return `KNOWN-${key}-7f3a9c1e5b2d48e6a0c4f9b1d3e5a7c9`;
}

export interface SecretValue {
    readonly value: string;
    /** Where it comes from, for failure messages. */
    readonly what: string;
}

/** A stack file as the engine hands it over, with our known values for the secure keys. */
export function stackFileWithKnownSecrets(name: string, config: Record<string, unknown>, secure: readonly string[] = []): StackFile {
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(config)) flat[`${PROJECT}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
    for (const k of secure) flat[`${PROJECT}:${k}`] = knownSecret(k);
    return { stack: name, identity: parseStackName(name), file: `stacks/Pulumi.${name}.yaml`, config: flat, secretKeys: secure.map((k) => `${PROJECT}:${k}`) };
}

/** A shipped stack file with its `secure:` placeholders replaced by our known values (still secret keys). */
export function withKnownSecrets(f: StackFile): StackFile {
    const config = { ...f.config };
    for (const k of f.secretKeys) config[k] = knownSecret(k.slice(k.indexOf(":") + 1));
    return { ...f, config };
}

/** The secure values a set of stack files carries (known values or the plan's placeholders). */
export function configSecrets(files: readonly StackFile[]): SecretValue[] {
    return files.flatMap((f) => f.secretKeys.map((k) => ({ value: f.config[k], what: `${f.stack} config ${k}` })));
}

/** The placeholders the plan substitutes for `secure:` values of the given files. */
export function placeholderSecrets(files: readonly StackFile[]): SecretValue[] {
    return files.flatMap((f) => f.secretKeys.map((k) => ({ value: securePlaceholder(k), what: `${f.stack} placeholder ${k}` })));
}

const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";

/** Every RandomPassword of an evaluated stack with the value the plan's mocks give it. */
export function randomPasswords(ev: StackEvaluation): SecretValue[] {
    return ev.resources
        .filter((r) => r.type === RANDOM_PASSWORD)
        .map((r) => {
            const inputs = revealOrMask(r.inputs, true) as { length?: number };
            return { value: planPassword(ev.stack, r.name, Number(inputs.length ?? 16)), what: `${ev.stack} RandomPassword ${r.name}` };
        });
}

/** Which of the secrets occur in `text` (as written, and JSON-escaped). */
export function leaks(text: string, secrets: readonly SecretValue[]): string[] {
    return secrets.filter((s) => s.value.length >= 8 && (text.includes(s.value) || text.includes(JSON.stringify(s.value).slice(1, -1)))).map((s) => s.what);
}

/** Every file under a directory, recursively. */
export function filesUnder(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/**
 * Resources whose job is to hold a secret, so their (revealed) inputs legitimately carry it: the
 * Kubernetes Secrets, the password generator itself, and the Datadog provider (API and app key).
 */
export const SECRET_HOLDER_TYPES: readonly string[] = ["kubernetes:core/v1:Secret", RANDOM_PASSWORD, "pulumi:providers:datadog"];

export function isSecretHolder(r: PlannedResource): boolean {
    return SECRET_HOLDER_TYPES.includes(r.type);
}
