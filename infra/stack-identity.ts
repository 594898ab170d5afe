import { DNS_LABEL } from "../components/kernel/validators";

/**
 * A stack's name carries its environment and role: `<env>-global` or `<env>-zone-<zone>`.
 * Deriving both from the name (rather than config) makes it impossible for a zone stack to
 * claim another zone's identity by a copy-paste mistake in its stack file.
 */
export type StackIdentity =
    | { readonly role: "global"; readonly env: string; readonly stack: string }
    | { readonly role: "zone"; readonly env: string; readonly zone: string; readonly stack: string };

// Non-greedy: the first "-zone-" ends the environment, so zones may be named "zone-a" (env "x", zone "zone-a").
const ZONE = /^(.+?)-zone-(.+)$/;
const GLOBAL = /^(.+)-global$/;

/** Parses a stack name; throws an error naming the stack file and the allowed shapes. */
export function parseStackName(stack: string): StackIdentity {
    const zone = ZONE.exec(stack);
    if (zone) {
        const [, env, name] = zone;
        checkLabel(stack, "environment", env);
        checkLabel(stack, "zone", name);
        return { role: "zone", env, zone: name, stack };
    }
    const global = GLOBAL.exec(stack);
    if (global) {
        checkLabel(stack, "environment", global[1]);
        return { role: "global", env: global[1], stack };
    }
    throw new Error(
        `${stackFile(stack)}: stack name ${JSON.stringify(stack)} has no role; allowed: <env>-global or <env>-zone-<zone> ` +
            `(e.g. local-global, local-zone-east)`,
    );
}

/** The stack settings file Pulumi reads for a stack (Pulumi.yaml sets stackConfigDir: stacks). */
export function stackFile(stack: string): string {
    return `stacks/Pulumi.${stack}.yaml`;
}

/** The global stack of an environment, fully qualified as StackReference needs it. */
export function globalStackName(org: string, project: string, env: string): string {
    return `${org}/${project}/${env}-global`;
}

function checkLabel(stack: string, what: string, value: string): void {
    if (!DNS_LABEL.test(value)) {
        throw new Error(
            `${stackFile(stack)}: the ${what} name ${JSON.stringify(value)} in stack name ${JSON.stringify(stack)} is not a DNS label; ` +
                `allowed: 1-63 lower-case letters, digits and '-', starting and ending with a letter or digit`,
        );
    }
}
