import * as pulumi from "@pulumi/pulumi";

/** Account, region and EKS cluster the AWS mocks pretend to be. */
export const MOCK_ACCOUNT = "123456789012";
export const MOCK_REGION = "eu-west-1";
export const MOCK_EKS = {
    endpoint: "https://0123456789ABCDEF0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com",
    certificateAuthorityData: Buffer.from("-----BEGIN CERTIFICATE-----\nMIIC5zCCAc+gAwIBAgIBADANBgkqhkiG9w0BAQsFADAV\n-----END CERTIFICATE-----\n").toString("base64"),
    oidcIssuerUrl: "https://oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF",
};

/** A resource registration as the engine receives it. */
export interface AwsRegistration {
    readonly type: string;
    readonly name: string;
    /** Inputs in wire format (secrets still marked). */
    readonly inputs: Record<string, any>;
    /** URN of the parent, or "". */
    readonly parent: string;
    /** Provider reference (`<urn>::<id>`), or "". */
    readonly provider: string;
    /** URNs this registration depends on (dependsOn and input dependencies). */
    readonly dependencies: string[];
}

/** What the program did, in code order: a resource constructed, or a component's registerOutputs. */
export type ConstructionEvent =
    | { readonly kind: "construct"; readonly type: string; readonly name: string; readonly parent: string | undefined }
    | { readonly kind: "outputs"; readonly type: string; readonly name: string };

/** An invoke the program made (e.g. aws:eks/getCluster:getCluster). */
export interface AwsCall {
    readonly token: string;
    readonly inputs: Record<string, any>;
    readonly provider: string | undefined;
}

export interface AwsMockRun {
    readonly resources: AwsRegistration[];
    readonly events: ConstructionEvent[];
    readonly calls: AwsCall[];
    /** Resolved program outputs with their secretness. */
    readonly outputs: Record<string, { value: any; secret: boolean }>;
    /** What the program threw synchronously, if anything. */
    readonly error: unknown;
}

/** Output state an AWS resource would have after create (ids, ARNs, endpoints); inputs echo through. */
function awsState(type: string, name: string, inputs: Record<string, any>): { id: string; state: Record<string, unknown> } {
    const state: Record<string, unknown> = { ...inputs };
    switch (type) {
        case "aws:amp/workspace:Workspace": {
            const id = `ws-${name}-0000-1111`;
            state.arn = `arn:aws:aps:${MOCK_REGION}:${MOCK_ACCOUNT}:workspace/${id}`;
            state.prometheusEndpoint = `https://aps-workspaces.${MOCK_REGION}.amazonaws.com/workspaces/${id}/`;
            return { id, state };
        }
        case "aws:cloudwatch/logGroup:LogGroup":
            state.arn = `arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT}:log-group:${inputs.name ?? name}`;
            return { id: String(inputs.name ?? name), state };
        case "aws:iam/role:Role": {
            const roleName = inputs.name ?? `${name}-abc1234`;
            state.name = roleName;
            state.arn = `arn:aws:iam::${MOCK_ACCOUNT}:role/${roleName}`;
            return { id: roleName, state };
        }
        case "aws:s3/bucket:Bucket": {
            const bucket = inputs.bucket ?? `${name}-abc1234`;
            state.bucket = bucket;
            state.arn = `arn:aws:s3:::${bucket}`;
            return { id: bucket, state };
        }
        default:
            return { id: `${name}-id`, state };
    }
}

/**
 * Runs `program` under Pulumi's mock runtime with AWS-like resource state and a mocked
 * aws:eks/getCluster, recording every registration as the engine receives it, every construction
 * and registerOutputs in code order, and every invoke. A synchronous throw is returned as `error`.
 * Call it from a `before` or a test, never at file top level (mocks leak between files otherwise).
 */
export async function underAwsMocks(stack: string, program: () => Record<string, pulumi.Output<unknown>>): Promise<AwsMockRun> {
    const calls: AwsCall[] = [];
    await pulumi.runtime.setMocks(
        {
            newResource: (a) => awsState(a.type, a.name, a.inputs),
            call: (a) => {
                calls.push({ token: a.token, inputs: a.inputs, provider: a.provider });
                if (a.token === "aws:eks/getCluster:getCluster") {
                    return {
                        name: a.inputs.name,
                        endpoint: MOCK_EKS.endpoint,
                        certificateAuthorities: [{ data: MOCK_EKS.certificateAuthorityData }],
                        identities: [{ oidcs: [{ issuer: MOCK_EKS.oidcIssuerUrl }] }],
                    };
                }
                return a.inputs;
            },
        },
        "mesh-observability",
        stack,
        false,
        "organization",
    );
    const resources: AwsRegistration[] = [];
    const monitor = pulumi.runtime.getMonitor() as any;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, cb: any) => {
        resources.push({
            type: req.getType(),
            name: req.getName(),
            inputs: req.getObject().toJavaScript(),
            parent: req.getParent(),
            provider: req.getProvider(),
            dependencies: req.getDependenciesList(),
        });
        return register(req, cb);
    };

    // The SDK calls these module functions synchronously from Resource constructors and from
    // ComponentResource.registerOutputs, so wrapping them gives the order the program ran in.
    const events: ConstructionEvent[] = [];
    const runtimeResource = require("@pulumi/pulumi/runtime/resource");
    const originalRegister = runtimeResource.registerResource;
    const originalOutputs = runtimeResource.registerResourceOutputs;
    runtimeResource.registerResource = (res: any, parent: any, t: string, name: string, ...rest: unknown[]) => {
        events.push({ kind: "construct", type: t, name, parent: parent?.__name });
        return originalRegister(res, parent, t, name, ...rest);
    };
    runtimeResource.registerResourceOutputs = (res: any, outputs: unknown) => {
        events.push({ kind: "outputs", type: res.__pulumiType, name: res.__name });
        return originalOutputs(res, outputs);
    };

    const outputs: Record<string, { value: any; secret: boolean }> = {};
    let error: unknown;
    try {
        let outs: Record<string, pulumi.Output<unknown>> = {};
        try {
            outs = program();
        } catch (e) {
            error = e;
        }
        for (const [k, o] of Object.entries(outs)) outputs[k] = { value: await (o as any).promise(), secret: await (o as any).isSecret };
        for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    } finally {
        runtimeResource.registerResource = originalRegister;
        runtimeResource.registerResourceOutputs = originalOutputs;
    }
    return { resources, events, calls, outputs, error };
}
