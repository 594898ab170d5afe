import * as pulumi from "@pulumi/pulumi";

export interface Registration {
    readonly type: string;
    readonly name: string;
    /** Inputs in wire format (secrets still marked). */
    readonly inputs: Record<string, any>;
    /** URN of the parent, or "". */
    readonly parent: string;
}

/**
 * Runs `program` under Pulumi's mock runtime (project mesh-observability, organization
 * "organization") and records every resource registration as the engine receives it, with its
 * parent. Call it from a `before` or a test, never at file top level. `mocks` replaces the
 * default echo mocks (e.g. the plan's, which compute RandomPassword bcrypt hashes).
 */
export async function registrationsOf(
    stack: string,
    program: () => Record<string, pulumi.Output<unknown>>,
    mocks?: pulumi.runtime.Mocks,
): Promise<{ resources: Registration[]; outputs: Record<string, unknown> }> {
    await pulumi.runtime.setMocks(
        mocks ?? {
            // Helm v4 charts are remote components: no id, as the plan's mocks do.
            newResource: (a) => ({ id: a.type === "kubernetes:helm.sh/v4:Chart" ? undefined : `${a.name}-id`, state: { ...a.inputs } }),
            call: (a) => a.inputs,
        },
        "mesh-observability",
        stack,
        false,
        "organization",
    );
    const resources: Registration[] = [];
    const monitor = pulumi.runtime.getMonitor() as any;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, cb: any) => {
        resources.push({ type: req.getType(), name: req.getName(), inputs: req.getObject().toJavaScript(), parent: req.getParent() });
        return register(req, cb);
    };
    const outs = program();
    const outputs: Record<string, unknown> = {};
    for (const [k, o] of Object.entries(outs)) outputs[k] = await (o as any).promise();
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    return { resources, outputs };
}
