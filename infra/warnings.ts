import * as pulumi from "@pulumi/pulumi";

/**
 * Warnings a reviewer must see before `pulumi up`: sent to the engine when one runs, and kept for
 * the offline plan's summary (which has no engine to print them).
 */
const collected: string[] = [];

export function warn(message: string): void {
    collected.push(message);
    if (pulumi.runtime.hasEngine()) pulumi.log.warn(message);
}

/** Returns and clears the warnings of the stack evaluated last. */
export function takeWarnings(): string[] {
    return collected.splice(0, collected.length);
}
