/**
 * The rules of `rules.ts` as `@pulumi/policy` policies. Importing this module starts nothing (only
 * `new PolicyPack` in `index.ts` starts the analyzer's gRPC server), so tests import it freely.
 */
import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy, UnknownValueError } from "@pulumi/policy";
import { RuleResource, UNKNOWN } from "./resource";
import { RESOURCE_RULES, STACK_RULES } from "./rules";

/**
 * Copies the engine's props into plain data. The engine hands them behind a proxy that throws
 * `UnknownValueError` on any value not known at preview, which would make a whole policy "can't run"
 * (advisory); here each unknown becomes {@link UNKNOWN} and the rules judge the rest.
 */
export function plain(v: unknown, depth = 0): unknown {
    if (depth > 64 || typeof v !== "object" || v === null) return v;
    const read = (get: () => unknown): unknown => {
        try {
            return plain(get(), depth + 1);
        } catch (e) {
            if (e instanceof UnknownValueError) return UNKNOWN;
            throw e;
        }
    };
    if (Array.isArray(v)) {
        const out: unknown[] = [];
        for (let i = 0; i < v.length; i++) out.push(read(() => v[i]));
        return out;
    }
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) out[k] = read(() => (v as Record<string, unknown>)[k]);
    return out;
}

export function fromEngine(r: { type: string; name: string; urn: string; props: Record<string, unknown>; propertyDependencies?: Record<string, PolicyResource[]> }): RuleResource {
    const deps: Record<string, string[]> = {};
    for (const [k, list] of Object.entries(r.propertyDependencies ?? {})) deps[k] = list.map((d) => d.urn);
    return { type: r.type, name: r.name, urn: r.urn, props: plain(r.props) as Record<string, unknown>, propertyDependencies: deps };
}

export const resourcePolicies: ResourceValidationPolicy[] = Object.entries(RESOURCE_RULES).map(([name, rule]) => ({
    name,
    description: rule.description,
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        for (const message of rule.check(fromEngine(args))) reportViolation(message);
    },
}));

export const stackPolicies: StackValidationPolicy[] = Object.entries(STACK_RULES).map(([name, rule]) => ({
    name,
    description: rule.description,
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        for (const v of rule.check(args.resources.map(fromEngine))) reportViolation(v.message, v.resource?.urn);
    },
}));

export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [...resourcePolicies, ...stackPolicies];
