import { main } from "../main";
import { takeWarnings } from "../warnings";
import { recordUnderMocks, Registration } from "./mock-runtime";
import { planMocks } from "./mocks";
import { StackFile } from "./stack-files";

export { LOCAL_ORGANIZATION, PROJECT } from "./mock-runtime";

/** A resource as the engine would receive it; inputs in wire format (secrets still marked). */
export interface PlannedResource {
    readonly type: string;
    readonly name: string;
    /** `<type>::<name>` of the parent, or undefined for the stack's direct children. */
    readonly parent?: string;
    readonly custom: boolean;
    readonly inputs: Record<string, unknown>;
}

export interface PlannedOutput {
    readonly value: unknown;
    readonly secret: boolean;
}

export interface StackEvaluation {
    readonly stack: string;
    readonly resources: PlannedResource[];
    readonly outputs: Record<string, PlannedOutput>;
    readonly warnings: string[];
}

/** Parent reference from a URN: urn:pulumi:<stack>::<project>::<type chain>::<name>. */
function parentOf(urn: string): string | undefined {
    if (!urn) return undefined;
    const parts = urn.split("::");
    const typeChain = parts[2] ?? "";
    const type = typeChain.split("$").pop() ?? "";
    if (type === "pulumi:pulumi:Stack") return undefined;
    return `${type}::${parts.slice(3).join("::")}`;
}

function planned(r: Registration): PlannedResource {
    return { type: r.type, name: r.name, parent: parentOf(r.parent), custom: r.custom, inputs: r.inputs };
}

/**
 * Runs the program for one stack under Pulumi's mock runtime, exactly as `pulumi preview` would
 * run it (same config map, same stack name), recording every resource registration.
 */
export async function evaluateStack(
    file: StackFile,
    stackOutputs: ReadonlyMap<string, Readonly<Record<string, PlannedOutput>>>,
    opts: { readonly preview?: boolean; readonly onResource?: (r: PlannedResource) => void } = {},
): Promise<StackEvaluation> {
    takeWarnings();
    const run = await recordUnderMocks(
        {
            stack: file.stack,
            mocks: planMocks({ stack: file.stack, stackOutputs }),
            // preview: run as `pulumi preview` does (pulumi.runtime.isDryRun() true); the plan runs as `up`.
            preview: opts.preview ?? false,
            config: { values: file.config, secretKeys: file.secretKeys },
            inStack: true,
            // Seen even when the run fails (resources is not returned then): "fails before any resource".
            onResource: opts.onResource && ((r) => opts.onResource?.(planned(r))),
        },
        main,
    );
    if (run.error !== undefined) throw run.error;
    return { stack: file.stack, resources: run.resources.map(planned), outputs: run.outputs, warnings: takeWarnings() };
}
