import * as pulumi from "@pulumi/pulumi";
import { main } from "../main";
import { takeWarnings } from "../warnings";
import { planMocks } from "./mocks";
import { StackFile } from "./stack-files";

export const PROJECT = "mesh-observability";
/** Organization name Pulumi uses on a DIY (local file) backend. */
export const LOCAL_ORGANIZATION = "organization";

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

/**
 * Runs the program for one stack under Pulumi's mock runtime, exactly as `pulumi preview` would
 * run it (same config map, same stack name), recording every resource registration.
 */
export async function evaluateStack(
    file: StackFile,
    stackOutputs: ReadonlyMap<string, Readonly<Record<string, PlannedOutput>>>,
    opts: { readonly preview?: boolean; readonly onResource?: (r: PlannedResource) => void } = {},
): Promise<StackEvaluation> {
    // preview: run as `pulumi preview` does (pulumi.runtime.isDryRun() true); the plan runs as `up`.
    await pulumi.runtime.setMocks(planMocks({ stack: file.stack, stackOutputs }), PROJECT, file.stack, opts.preview ?? false, LOCAL_ORGANIZATION);
    pulumi.runtime.setAllConfig(file.config, file.secretKeys);
    takeWarnings();

    const resources: PlannedResource[] = [];
    const monitor = pulumi.runtime.getMonitor() as any;
    const record = (req: any, props: any, custom: boolean) => {
        const r: PlannedResource = { type: req.getType(), name: req.getName(), parent: parentOf(req.getParent()), custom, inputs: props.toJavaScript() };
        resources.push(r);
        // Seen even when the run fails (resources is not returned then): "fails before any resource".
        opts.onResource?.(r);
    };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, cb: any) => {
        record(req, req.getObject(), req.getCustom());
        return register(req, cb);
    };
    const read = monitor.readResource.bind(monitor);
    monitor.readResource = (req: any, cb: any) => {
        record(req, req.getProperties(), true);
        return read(req, cb);
    };

    // Errors inside applies (a missing global output, an undeclared zone) surface as rejected
    // registrations; Pulumi reports them as the program's failure, and so does the plan.
    const failures: unknown[] = [];
    const onRejection = (err: unknown) => failures.push(err);
    process.on("unhandledRejection", onRejection);
    let stackExports: Record<string, pulumi.Output<unknown>> = {};
    try {
        await pulumi.runtime.runInPulumiStack(async () => {
            stackExports = await main();
            return stackExports;
        });
        const outputs: Record<string, PlannedOutput> = {};
        for (const [key, out] of Object.entries(stackExports)) {
            const o = out as any;
            outputs[key] = { value: await o.promise(), secret: await o.isSecret };
        }
        await settle();
        if (failures.length > 0) throw failures[0];
        return { stack: file.stack, resources, outputs, warnings: takeWarnings() };
    } finally {
        // A failed run still has registrations in flight: their rejections belong to this stack, not the next one.
        await settle();
        process.off("unhandledRejection", onRejection);
    }
}

/** Lets pending registrations (and their rejections) run before results are read. */
async function settle(): Promise<void> {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}
