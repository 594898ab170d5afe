import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { hashSync } from "bcryptjs";
import { mockProviders } from "./mock-runtime";

/**
 * The provider side of the offline plan. No provider plugin runs, so resources whose outputs the
 * program reads are computed here the way their providers compute them:
 * - random:RandomPassword → `result` and a real bcrypt `bcryptHash` of it (Prometheus verifies
 *   that hash in the integration tests). Values are derived from stack and resource name so a
 *   plan is reproducible; the real provider draws them at random once and keeps them in state.
 * - pulumi:pulumi:StackReference → the referenced stack's evaluated outputs.
 * - Helm v4 Chart (a remote component) → its inputs plus an empty `resources` list (mock-runtime.ts).
 * - AWS resources and lookups whose outputs the program reads (AMP workspace endpoint, role and
 *   bucket ARNs, the EKS cluster and the caller's account) → values shaped like AWS's, in the
 *   documentation account 123456789012 and the region of the resource's provider.
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

/** AWS's documentation account: plainly not a real one. */
export const PLAN_AWS_ACCOUNT = "123456789012";

export function planMocks(o: PlanMockOptions): pulumi.runtime.Mocks {
    const awsRegions = new Map<string, string>();
    // A resource's region: its own `region` input (AWS provider v7), else its provider's.
    const regionOf = (args: pulumi.runtime.MockResourceArgs): string => {
        if (typeof args.inputs.region === "string") return args.inputs.region;
        const providerName = args.provider?.split("::")[3];
        return (providerName !== undefined ? awsRegions.get(providerName) : undefined) ?? "us-east-1";
    };
    const bucket = (args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult => {
        const bucket = String(args.inputs.bucket ?? args.name);
        return { id: bucket, state: { ...args.inputs, bucket, region: regionOf(args), arn: `arn:aws:s3:::${bucket}` } };
    };
    return mockProviders({
        resources: {
            "pulumi:providers:aws": (args) => {
                awsRegions.set(args.name, String(args.inputs.region ?? "us-east-1"));
                return { id: `${args.name}-id`, state: args.inputs };
            },
            "aws:amp/workspace:Workspace": (args) => {
                const region = regionOf(args);
                const id = `ws-${derived(`amp/${o.stack}/${args.name}`, 12, BASE62).toLowerCase()}`;
                const prometheusEndpoint = `https://aps-workspaces.${region}.amazonaws.com/workspaces/${id}/`;
                return { id, state: { ...args.inputs, region, arn: `arn:aws:aps:${region}:${PLAN_AWS_ACCOUNT}:workspace/${id}`, prometheusEndpoint } };
            },
            "aws:iam/role:Role": (args) => {
                const name = String(args.inputs.name ?? `${args.name}-${derived(`role/${o.stack}/${args.name}`, 7, BASE62).toLowerCase()}`);
                return { id: name, state: { ...args.inputs, name, arn: `arn:aws:iam::${PLAN_AWS_ACCOUNT}:role/${name}` } };
            },
            "aws:iam/policy:Policy": (args) => {
                const name = String(args.inputs.name ?? args.name);
                return { id: `arn:aws:iam::${PLAN_AWS_ACCOUNT}:policy/${name}`, state: { ...args.inputs, name, arn: `arn:aws:iam::${PLAN_AWS_ACCOUNT}:policy/${name}` } };
            },
            "aws:s3/bucket:Bucket": bucket,
            "aws:s3/bucketV2:BucketV2": bucket,
            "aws:cloudwatch/logGroup:LogGroup": (args) => {
                const name = String(args.inputs.name ?? args.name);
                return { id: name, state: { ...args.inputs, name, arn: `arn:aws:logs:${regionOf(args)}:${PLAN_AWS_ACCOUNT}:log-group:${name}` } };
            },
            "pulumi:pulumi:StackReference": (args) => {
                const name = String(args.inputs.name);
                const outputs = o.stackOutputs.get(name);
                if (outputs === undefined) {
                    throw new Error(`StackReference ${name}: no such stack in this plan (known: ${[...o.stackOutputs.keys()].join(", ") || "none"})`);
                }
                // Secret outputs stay secret across the reference, as with a real backend.
                const values = Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, o.secret ? pulumi.secret(o.value) : o.value]));
                const secretOutputNames = Object.keys(outputs).filter((k) => outputs[k].secret);
                return { id: name, state: { ...args.inputs, outputs: values, secretOutputNames } };
            },
            "random:index/randomPassword:RandomPassword": (args) => {
                const length = Number(args.inputs.length ?? 16);
                const result = planPassword(o.stack, args.name, length);
                const salt = `$2b$10$${derived(`salt/${o.stack}/${args.name}`, 22, BCRYPT64)}`;
                return { id: `${args.name}-id`, state: { ...args.inputs, result, bcryptHash: hashSync(result, salt) } };
            },
        },
        calls: {
            "aws:eks/getCluster:getCluster": (args) => {
                const region = callRegion(args);
                const name = String(args.inputs.name);
                const oidcId = derived(`oidc/${region}/${name}`, 32, "0123456789ABCDEF");
                return {
                    id: name,
                    name,
                    arn: `arn:aws:eks:${region}:${PLAN_AWS_ACCOUNT}:cluster/${name}`,
                    endpoint: `https://${oidcId}.gr7.${region}.eks.amazonaws.com`,
                    certificateAuthorities: [{ data: Buffer.from(`plan placeholder CA for ${name}`).toString("base64") }],
                    identities: [{ oidcs: [{ issuer: `https://oidc.eks.${region}.amazonaws.com/id/${oidcId}` }] }],
                };
            },
            "aws:index/getCallerIdentity:getCallerIdentity": () => ({ accountId: PLAN_AWS_ACCOUNT, arn: `arn:aws:iam::${PLAN_AWS_ACCOUNT}:user/plan`, id: PLAN_AWS_ACCOUNT, userId: "PLAN" }),
            "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" }),
        },
        unhookedCalls: "refuse",
    });

    function callRegion(args: pulumi.runtime.MockCallArgs): string {
        return (args.provider !== undefined ? awsRegions.get(args.provider.split("::")[3]) : undefined) ?? String(args.inputs.region ?? "us-east-1");
    }
}
