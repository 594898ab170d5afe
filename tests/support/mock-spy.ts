import * as pulumi from "@pulumi/pulumi";
import type { PlanMockOptions } from "../../infra/plan/mocks";

/**
 * Records what the offline plan's mocks see and answer: every resource registration (or read) with
 * the provider reference the engine would route it to and the state the mock returns (ARNs, AMP
 * endpoints), and every provider function call with its result (EKS lookups). PlannedResource keeps
 * only type, name, parent and inputs; these are the rest, for tests that need them.
 *
 * It wraps `planMocks` on the module object evaluate-stack.ts calls through, so the program and the
 * plan run exactly as they do otherwise. Only one spy at a time; always restored, even on failure.
 */
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

export interface MockedCall {
    readonly stack: string;
    readonly token: string;
    readonly provider: string | undefined;
    readonly inputs: Record<string, any>;
    readonly result: Record<string, any>;
}

export interface MockSpyRun<T> {
    readonly result?: T;
    readonly error?: unknown;
    readonly resources: MockedResource[];
    readonly calls: MockedCall[];
}

type PlanMocks = (o: PlanMockOptions) => pulumi.runtime.Mocks;
const mocksModule = require("../../infra/plan/mocks") as { planMocks: PlanMocks };

/** Runs `run` (e.g. an evaluateEnvironment call) with the plan's mocks recorded; never throws what `run` throws. */
export async function withMockSpy<T>(run: () => Promise<T>): Promise<MockSpyRun<T>> {
    const resources: MockedResource[] = [];
    const calls: MockedCall[] = [];
    const original = mocksModule.planMocks;
    mocksModule.planMocks = (o) => {
        const inner = original(o);
        return {
            newResource: (args) => {
                const out = inner.newResource(args);
                const record = (r: pulumi.runtime.MockResourceResult) => {
                    resources.push({ stack: o.stack, type: args.type, name: args.name, provider: args.provider || undefined, custom: args.custom ?? false, id: r.id, state: r.state });
                    return r;
                };
                return out instanceof Promise ? out.then(record) : record(out);
            },
            call: (args) => {
                const out = inner.call(args);
                const record = (r: Record<string, any>) => {
                    calls.push({ stack: o.stack, token: args.token, provider: args.provider || undefined, inputs: args.inputs, result: r });
                    return r;
                };
                return out instanceof Promise ? out.then(record) : record(out);
            },
        };
    };
    try {
        return { result: await run(), resources, calls };
    } catch (error) {
        return { error, resources, calls };
    } finally {
        mocksModule.planMocks = original;
    }
}

/** Package and name of the provider a reference points at (`urn:pulumi:<stack>::<project>::<parent types$>pulumi:providers:<pkg>::<name>::<id>`). */
export function providerName(ref: string): { pkg: string; name: string } {
    const parts = ref.split("::");
    const type = (parts[2] ?? "").split("$").pop() ?? "";
    return { pkg: type.startsWith("pulumi:providers:") ? type.slice("pulumi:providers:".length) : "", name: parts[3] ?? "" };
}
