import { PROJECT } from "../../infra/plan/evaluate-stack";
import { securePlaceholder, StackFile } from "../../infra/plan/stack-files";
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
