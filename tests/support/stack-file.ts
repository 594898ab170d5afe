import { PROJECT } from "../../infra/plan/evaluate-stack";
import { environmentStacks, securePlaceholder, StackFile } from "../../infra/plan/stack-files";
import { parseStackName } from "../../infra/stack-identity";

/**
 * A stack file as the engine hands it to the program, built in a test: keys under the project
 * namespace, structured values JSON-encoded; `secure` keys become the plan's placeholders (or the
 * given values) and are held as secrets.
 */
export function testStack(name: string, config: Record<string, unknown>, secure: readonly string[] | Readonly<Record<string, string>> = []): StackFile {
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(config)) flat[`${PROJECT}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
    const secrets: Record<string, string> = Array.isArray(secure)
        ? Object.fromEntries((secure as readonly string[]).map((k) => [k, securePlaceholder(`${PROJECT}:${k}`)]))
        : (secure as Readonly<Record<string, string>>);
    for (const [k, v] of Object.entries(secrets)) flat[`${PROJECT}:${k}`] = v;
    return { stack: name, identity: parseStackName(name), file: `stacks/Pulumi.${name}.yaml`, config: flat, secretKeys: Object.keys(secrets).map((k) => `${PROJECT}:${k}`) };
}

/** A stack file with one key of the project set (or replaced), JSON-encoded as the engine hands it over. */
export function withConfigKey(file: StackFile, key: string, value: unknown): StackFile {
    return { ...file, config: { ...file.config, [`${PROJECT}:${key}`]: JSON.stringify(value) } };
}

/**
 * The shipped `local` environment deployed as its stack files' comments say: the global beside
 * zone east on kind cluster meshobs-east, zone west on meshobs-west.
 */
export function localOnKind(stacksDir: string): StackFile[] {
    return environmentStacks(stacksDir, "local").map((f) => withConfigKey(f, "kubernetes", { context: f.stack === "local-zone-west" ? "kind-meshobs-west" : "kind-meshobs-east" }));
}
