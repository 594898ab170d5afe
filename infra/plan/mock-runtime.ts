import * as pulumi from "@pulumi/pulumi";

/** The resource type of a Helm release as this program registers it (Pulumi's Chart v4): the mocks answer it, the plan expands it. */
export const CHART_TYPE = "kubernetes:helm.sh/v4:Chart";

/**
 * The one recorder of Pulumi's mock runtime, used by the offline plan (evaluate-stack.ts) and by
 * every test that runs a program or a component without an engine.
 *
 * Pulumi's mock runtime is process-global: `setMocks` installs a fresh MockMonitor, and the
 * recorder wraps that monitor instance only, so a run never sees the registrations of the run
 * before it. Call it from a test or a `before`, never at a file's top level (mocha loads every
 * file first, and a top-level call would run under whichever mocks were installed last).
 */

/** Project and organization every run uses: what `pulumi preview` on a DIY backend sees. */
export const PROJECT = "mesh-observability";
/** Organization name Pulumi uses on a DIY (local file) backend. */
export const LOCAL_ORGANIZATION = "organization";

/** A resource registration (or read) as the engine receives it. */
export interface Registration {
    readonly type: string;
    readonly name: string;
    /** URN of the parent, or "" for a resource without one. */
    readonly parent: string;
    readonly custom: boolean;
    /** Provider reference (`<provider urn>::<id>`), or "" when the default provider would be used. */
    readonly provider: string;
    /** URNs this registration depends on (dependsOn and input dependencies). */
    readonly dependencies: string[];
    /** Inputs in wire format (secrets still marked, see secret-values.ts). */
    readonly inputs: Record<string, any>;
}

/** What the provider side answered for a resource: its id and state (inputs plus computed outputs). */
export interface MockedResource {
    readonly stack: string;
    readonly type: string;
    readonly name: string;
    /** Provider reference (`<provider urn>::<id>`), or undefined when the default provider would be used. */
    readonly provider: string | undefined;
    readonly custom: boolean;
    readonly id: string | undefined;
    /** State the mock returned (inputs plus computed outputs), secrets unwrapped. */
    readonly state: Record<string, any>;
}

/** A provider function the program called (e.g. aws:eks/getCluster:getCluster) and what it got. */
export interface MockedCall {
    readonly stack: string;
    readonly token: string;
    readonly provider: string | undefined;
    readonly inputs: Record<string, any>;
    readonly result: Record<string, any>;
}

/** What the program did, in code order: a resource constructed, or a component's registerOutputs. */
export type ConstructionEvent =
    | { readonly kind: "construct"; readonly type: string; readonly name: string; readonly parent: string | undefined }
    | { readonly kind: "outputs"; readonly type: string; readonly name: string };

export interface RecordedOutput {
    readonly value: any;
    readonly secret: boolean;
}

export interface RecordedRun {
    /** Registrations in the order the engine received them (input resolution order, not code order). */
    readonly resources: Registration[];
    /** What the mocks answered, in the same order. */
    readonly answers: MockedResource[];
    readonly calls: MockedCall[];
    /** Constructions and registerOutputs in code order; only with `constructionOrder`. */
    readonly events: ConstructionEvent[];
    /** The program's resolved outputs with their secretness. */
    readonly outputs: Record<string, RecordedOutput>;
    /** What the program threw, an output rejected with, or a registration rejected with; undefined on success. */
    readonly error: unknown;
}

export interface RecordOptions {
    readonly stack: string;
    /** The provider side; default: `mockProviders()` (inputs echo through). */
    readonly mocks?: pulumi.runtime.Mocks;
    /** Run as `pulumi preview` does (pulumi.runtime.isDryRun() true); default: as `up`. */
    readonly preview?: boolean;
    /** Stack config (fully qualified keys) and which keys are secret. */
    readonly config?: { readonly values: Record<string, string>; readonly secretKeys?: string[] };
    /** Run inside a pulumi:pulumi:Stack resource, as the engine runs a program (the plan does). */
    readonly inStack?: boolean;
    /** Record constructions and registerOutputs in code order (`events`). */
    readonly constructionOrder?: boolean;
    /** Sees each registration as it happens, even when the run later fails. */
    readonly onResource?: (r: Registration) => void;
}

type Program = () => Record<string, pulumi.Output<unknown>> | Promise<Record<string, pulumi.Output<unknown>>>;

/** Answers for resources and provider functions, by type token; anything else echoes its inputs. */
export interface MockHooks {
    readonly resources?: Readonly<Record<string, (args: pulumi.runtime.MockResourceArgs) => pulumi.runtime.MockResourceResult>>;
    readonly calls?: Readonly<Record<string, (args: pulumi.runtime.MockCallArgs) => Record<string, any>>>;
    /** A provider function without a hook: echo its inputs (default) or refuse it. */
    readonly unhookedCalls?: "echo" | "refuse";
}

/**
 * What a provider answers when nothing computes more: the inputs as state and id `<name>-id`.
 * A Helm v4 Chart is a remote component: no id, and an empty `resources` list.
 */
export function echoResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
    if (args.type === CHART_TYPE) return { id: undefined, state: { ...args.inputs, resources: [] } };
    return { id: `${args.name}-id`, state: { ...args.inputs } };
}

/** A hook answering `echoResource` plus the computed outputs `extra` gives (an ARN, a URL, a result). */
export function echoWith(extra: (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown>): (args: pulumi.runtime.MockResourceArgs) => pulumi.runtime.MockResourceResult {
    return (args) => {
        const r = echoResource(args);
        return { id: r.id, state: { ...r.state, ...extra(args) } };
    };
}

/** The provider side of a run: `hooks` where given, `echoResource` and echoed call inputs elsewhere. */
export function mockProviders(hooks: MockHooks = {}): pulumi.runtime.Mocks {
    return {
        newResource: (args) => (hooks.resources?.[args.type] ?? echoResource)(args),
        call: (args) => {
            const hook = hooks.calls?.[args.token];
            if (hook !== undefined) return hook(args);
            if (hooks.unhookedCalls === "refuse") throw new Error(`offline plan: no mock for provider function ${args.token}`);
            return args.inputs;
        },
    };
}

/** Where a run's answers and calls also go while `withMockSpy` runs (across every stack it evaluates). */
let spy: { answers: MockedResource[]; calls: MockedCall[] } | undefined;

/** Records what `mocks` answers into `answers` and `calls` (and the active spy's). */
function recording(stack: string, mocks: pulumi.runtime.Mocks, answers: MockedResource[], calls: MockedCall[]): pulumi.runtime.Mocks {
    const sinks = spy === undefined ? [{ answers, calls }] : [{ answers, calls }, spy];
    return {
        newResource: (args) => {
            const keep = (r: pulumi.runtime.MockResourceResult) => {
                const a = { stack, type: args.type, name: args.name, provider: args.provider || undefined, custom: args.custom ?? false, id: r.id, state: r.state };
                for (const s of sinks) s.answers.push(a);
                return r;
            };
            const out = mocks.newResource(args);
            return out instanceof Promise ? out.then(keep) : keep(out);
        },
        call: (args) => {
            const keep = (r: Record<string, any>) => {
                const c = { stack, token: args.token, provider: args.provider || undefined, inputs: args.inputs, result: r };
                for (const s of sinks) s.calls.push(c);
                return r;
            };
            const out = mocks.call(args);
            return out instanceof Promise ? out.then(keep) : keep(out);
        },
    };
}

/**
 * Runs `program` under Pulumi's mock runtime and records every registration, every answer of the
 * mocks and every provider function call. Never throws what the program throws: that is `error`.
 */
export async function recordUnderMocks(o: RecordOptions, program: Program): Promise<RecordedRun> {
    const answers: MockedResource[] = [];
    const calls: MockedCall[] = [];
    await pulumi.runtime.setMocks(recording(o.stack, o.mocks ?? mockProviders(), answers, calls), PROJECT, o.stack, o.preview ?? false, LOCAL_ORGANIZATION);
    if (o.config !== undefined) pulumi.runtime.setAllConfig(o.config.values, o.config.secretKeys);

    const resources: Registration[] = [];
    const monitor = pulumi.runtime.getMonitor() as any;
    const record = (req: any, props: any, custom: boolean) => {
        const r: Registration = {
            type: req.getType(),
            name: req.getName(),
            parent: req.getParent(),
            custom,
            provider: req.getProvider(),
            dependencies: req.getDependenciesList(),
            inputs: props.toJavaScript(),
        };
        resources.push(r);
        o.onResource?.(r);
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

    // The SDK calls these module functions synchronously from Resource constructors and from
    // ComponentResource.registerOutputs, so wrapping them gives the order the program ran in.
    const events: ConstructionEvent[] = [];
    const runtimeResource = require("@pulumi/pulumi/runtime/resource");
    const originalRegister = runtimeResource.registerResource;
    const originalOutputs = runtimeResource.registerResourceOutputs;
    if (o.constructionOrder) {
        runtimeResource.registerResource = (res: any, parent: any, t: string, name: string, ...rest: unknown[]) => {
            events.push({ kind: "construct", type: t, name, parent: parent?.__name });
            return originalRegister(res, parent, t, name, ...rest);
        };
        runtimeResource.registerResourceOutputs = (res: any, outputs: unknown) => {
            events.push({ kind: "outputs", type: res.__pulumiType, name: res.__name });
            return originalOutputs(res, outputs);
        };
    }

    // Errors inside applies (a missing global output, an undeclared zone) surface as rejected
    // registrations; Pulumi reports them as the program's failure, and so does the recorder.
    const failures: unknown[] = [];
    const onRejection = (err: unknown) => failures.push(err);
    process.on("unhandledRejection", onRejection);
    const outputs: Record<string, RecordedOutput> = {};
    let error: unknown;
    try {
        let exports: Record<string, pulumi.Output<unknown>> = {};
        if (o.inStack) {
            await pulumi.runtime.runInPulumiStack(async () => (exports = await program()));
        } else {
            exports = await program();
        }
        for (const [key, out] of Object.entries(exports)) {
            const x = out as any;
            outputs[key] = { value: await x.promise(), secret: await x.isSecret };
        }
        await settle();
        if (failures.length > 0) error = failures[0];
    } catch (e) {
        error = e;
    } finally {
        // A failed run still has registrations in flight: their rejections belong to this run, not the next one.
        await settle();
        process.off("unhandledRejection", onRejection);
        runtimeResource.registerResource = originalRegister;
        runtimeResource.registerResourceOutputs = originalOutputs;
    }
    return { resources, answers, calls, events, outputs, error };
}

/** `recordUnderMocks`, throwing what the program threw: for runs that must succeed. */
export async function underMocks(o: RecordOptions, program: Program): Promise<RecordedRun> {
    const run = await recordUnderMocks(o, program);
    if (run.error !== undefined) throw run.error;
    return run;
}

export interface MockSpyRun<T> {
    readonly result?: T;
    readonly error?: unknown;
    readonly resources: MockedResource[];
    readonly calls: MockedCall[];
}

/**
 * Runs `run` (e.g. an evaluateEnvironment call, several stacks) and collects what the mocks of
 * every run inside it answered: ids and states (ARNs, AMP endpoints) and provider function calls,
 * which the plan's PlannedResource does not keep. One at a time; never throws what `run` throws.
 */
export async function withMockSpy<T>(run: () => Promise<T>): Promise<MockSpyRun<T>> {
    if (spy !== undefined) throw new Error("withMockSpy: already spying (one at a time)");
    const mine = { answers: [] as MockedResource[], calls: [] as MockedCall[] };
    spy = mine;
    try {
        return { result: await run(), resources: mine.answers, calls: mine.calls };
    } catch (error) {
        return { error, resources: mine.answers, calls: mine.calls };
    } finally {
        spy = undefined;
    }
}

/** Package and name of the provider a reference points at (`urn:pulumi:<stack>::<project>::<parent types$>pulumi:providers:<pkg>::<name>::<id>`). */
export function providerName(ref: string): { pkg: string; name: string } {
    const parts = ref.split("::");
    const type = (parts[2] ?? "").split("$").pop() ?? "";
    return { pkg: type.startsWith("pulumi:providers:") ? type.slice("pulumi:providers:".length) : "", name: parts[3] ?? "" };
}

/** Lets pending registrations (and their rejections) run before results are read. */
async function settle(): Promise<void> {
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}
