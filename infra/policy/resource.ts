/**
 * What every rule of the policy pack sees: a resource reduced to plain data, so the rules are plain
 * functions that run the same way under the Pulumi engine (through the adapters in `policies.ts`) and
 * offline (over the resources the offline plan records, in the tests).
 *
 * No import of `@pulumi/policy` here: this module and `rules.ts` load without any Pulumi runtime.
 */

/** Stands in for a value the engine does not know yet (an output of a resource not created, at preview). */
export const UNKNOWN = "<unknown during preview>";

export interface RuleResource {
    /** Pulumi type token, e.g. `kubernetes:helm.sh/v4:Chart`. */
    readonly type: string;
    /** Logical name. */
    readonly name: string;
    /** Inputs, secrets revealed, unknown values replaced by {@link UNKNOWN}. */
    readonly props: Record<string, unknown>;
    /** Engine only: the resource's URN. */
    readonly urn?: string;
    /** Engine only: per input property, the URNs of the resources its value came from. */
    readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
}

/** A violation of a stack-level rule, attached to a resource when one is to blame. */
export interface StackViolation {
    readonly message: string;
    readonly resource?: RuleResource;
}

export const isUnknown = (v: unknown): boolean => v === UNKNOWN;

export function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `a.b.c` lookup that stops at the first missing step. */
export function at(v: unknown, ...path: string[]): unknown {
    let cur = v;
    for (const k of path) {
        if (!isRecord(cur)) return undefined;
        cur = cur[k];
    }
    return cur;
}

export const isNonEmptyString = (v: unknown): v is string => typeof v === "string" && v.trim() !== "";
