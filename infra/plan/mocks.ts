import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { hashSync } from "bcryptjs";

/**
 * The provider side of the offline plan. No provider plugin runs, so resources whose outputs the
 * program reads are computed here the way their providers compute them:
 * - random:RandomPassword → `result` and a real bcrypt `bcryptHash` of it (Prometheus verifies
 *   that hash in the integration tests). Values are derived from stack and resource name so a
 *   plan is reproducible; the real provider draws them at random once and keeps them in state.
 * - pulumi:pulumi:StackReference → the referenced stack's evaluated outputs.
 * - Helm v4 Chart (a remote component) → its inputs plus an empty `resources` list.
 */
export interface PlanMockOptions {
    readonly stack: string;
    /** Outputs of already evaluated stacks, by fully qualified stack name. */
    readonly stackOutputs: ReadonlyMap<string, Readonly<Record<string, { value: unknown; secret: boolean }>>>;
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BCRYPT64 = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function derived(seed: string, length: number, alphabet: string): string {
    const bytes = createHash("sha512").update(seed).digest();
    return Array.from({ length }, (_, i) => alphabet[bytes[i % bytes.length] % alphabet.length]).join("");
}

export function planPassword(stack: string, name: string, length: number): string {
    return derived(`password/${stack}/${name}`, length, BASE62);
}

export function planMocks(o: PlanMockOptions): pulumi.runtime.Mocks {
    return {
        newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
            switch (args.type) {
                case "pulumi:pulumi:StackReference": {
                    const name = String(args.inputs.name);
                    const outputs = o.stackOutputs.get(name);
                    if (outputs === undefined) {
                        throw new Error(`StackReference ${name}: no such stack in this plan (known: ${[...o.stackOutputs.keys()].join(", ") || "none"})`);
                    }
                    // Secret outputs stay secret across the reference, as with a real backend.
                    const values = Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, o.secret ? pulumi.secret(o.value) : o.value]));
                    const secretOutputNames = Object.keys(outputs).filter((k) => outputs[k].secret);
                    return { id: name, state: { ...args.inputs, outputs: values, secretOutputNames } };
                }
                case "random:index/randomPassword:RandomPassword": {
                    const length = Number(args.inputs.length ?? 16);
                    const result = planPassword(o.stack, args.name, length);
                    const salt = `$2b$10$${derived(`salt/${o.stack}/${args.name}`, 22, BCRYPT64)}`;
                    return { id: `${args.name}-id`, state: { ...args.inputs, result, bcryptHash: hashSync(result, salt) } };
                }
                case "kubernetes:helm.sh/v4:Chart":
                    return { id: undefined, state: { ...args.inputs, resources: [] } };
                default:
                    return { id: `${args.name}-id`, state: args.inputs };
            }
        },
        call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
            throw new Error(`offline plan: no mock for provider function ${args.token}`);
        },
    };
}
