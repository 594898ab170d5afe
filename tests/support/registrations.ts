import { Registration } from "../../infra/plan/mock-runtime";
import { revealOrMask } from "../../infra/plan/secret-values";

/**
 * Lookups in a recorded run (infra/plan/mock-runtime.ts). Registration order follows input
 * resolution, not program order, so lists come sorted by name.
 */
export function registered(run: { readonly resources: readonly Registration[] }, type: string): Registration[] {
    return run.resources.filter((r) => r.type === type).sort((a, b) => a.name.localeCompare(b.name));
}

/** The registration of `type` named `name`; fails naming what the run registered instead. */
export function registration(run: { readonly resources: readonly Registration[] }, type: string, name: string): Registration {
    const r = run.resources.find((x) => x.type === type && x.name === name);
    if (r === undefined) throw new Error(`no ${type} named ${name}; have ${run.resources.map((x) => `${x.type} ${x.name}`).join("; ")}`);
    return r;
}

/** `registered`, each with its inputs revealed as `revealed` (secrecy is asserted on `inputs`). */
export function registeredRevealed(run: { readonly resources: readonly Registration[] }, type: string): Array<Registration & { readonly revealed: any }> {
    return registered(run, type).map((r) => ({ ...r, revealed: revealOrMask(r.inputs, true) }));
}
