import { strict as assert } from "assert";
import { evaluateEnvironment } from "../../infra/plan/evaluate-environment";
import { withMockSpy } from "../../infra/plan/mock-runtime";
import { StackFile } from "../../infra/plan/stack-files";

export interface RefusedEnvironment {
    /** The error's message. */
    readonly message: string;
    /** Types each stack registered, in order, its Stack included. */
    readonly registered: (stack: string) => string[];
    /** `<type> <name>` of what each stack registered besides its Stack: empty when it failed before any resource. */
    readonly registeredBy: (stack: string) => string[];
}

/** Evaluates an environment that must fail; returns the message and what each stack registered before it did. */
export async function refusedEnvironment(env: string, files: StackFile[]): Promise<RefusedEnvironment> {
    const run = await withMockSpy(() => evaluateEnvironment(env, { files }));
    assert.ok(run.error !== undefined, `${env} evaluated, but should have been refused`);
    const of = (s: string) => run.resources.filter((r) => r.stack === s);
    return {
        message: run.error instanceof Error ? run.error.message : String(run.error),
        registered: (s) => of(s).map((r) => r.type),
        registeredBy: (s) => of(s).filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => `${r.type} ${r.name}`),
    };
}
