import * as pulumi from "@pulumi/pulumi";
import { mockProviders, RecordedRun, recordUnderMocks } from "../../infra/plan/mock-runtime";
import { PLAN_AWS_ACCOUNT } from "../../infra/plan/mocks";

/** Account, region and EKS cluster the AWS mocks pretend to be. */
export const MOCK_ACCOUNT = PLAN_AWS_ACCOUNT;
export const MOCK_REGION = "eu-west-1";
export const MOCK_EKS = {
    endpoint: "https://0123456789ABCDEF0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com",
    certificateAuthorityData: Buffer.from("-----BEGIN CERTIFICATE-----\nMIIC5zCCAc+gAwIBAgIBADANBgkqhkiG9w0BAQsFADAV\n-----END CERTIFICATE-----\n").toString("base64"),
    oidcIssuerUrl: "https://oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF",
};

/**
 * AWS's answers with fixed ids (`ws-<name>-0000-1111`, auto-names `<name>-abc1234`) in MOCK_REGION,
 * so tests can spell the ARNs they expect; the plan's own (infra/plan/mocks.ts) derive them per stack.
 */
const AWS_MOCKS = mockProviders({
    resources: {
        "aws:amp/workspace:Workspace": (a) => {
            const id = `ws-${a.name}-0000-1111`;
            return { id, state: { ...a.inputs, arn: `arn:aws:aps:${MOCK_REGION}:${MOCK_ACCOUNT}:workspace/${id}`, prometheusEndpoint: `https://aps-workspaces.${MOCK_REGION}.amazonaws.com/workspaces/${id}/` } };
        },
        "aws:cloudwatch/logGroup:LogGroup": (a) => {
            const name = String(a.inputs.name ?? a.name);
            return { id: name, state: { ...a.inputs, arn: `arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT}:log-group:${name}` } };
        },
        "aws:iam/role:Role": (a) => {
            const name = String(a.inputs.name ?? `${a.name}-abc1234`);
            return { id: name, state: { ...a.inputs, name, arn: `arn:aws:iam::${MOCK_ACCOUNT}:role/${name}` } };
        },
        "aws:s3/bucket:Bucket": (a) => {
            const bucket = String(a.inputs.bucket ?? `${a.name}-abc1234`);
            return { id: bucket, state: { ...a.inputs, bucket, arn: `arn:aws:s3:::${bucket}` } };
        },
    },
    calls: {
        "aws:eks/getCluster:getCluster": (a) => ({
            name: a.inputs.name,
            endpoint: MOCK_EKS.endpoint,
            certificateAuthorities: [{ data: MOCK_EKS.certificateAuthorityData }],
            identities: [{ oidcs: [{ issuer: MOCK_EKS.oidcIssuerUrl }] }],
        }),
    },
});

/**
 * Runs `program` under the recorder with AWS-like resource state and a mocked aws:eks/getCluster,
 * recording constructions and registerOutputs in code order too (`events`). What the program
 * throws is `error`. Call it from a `before` or a test, never at file top level.
 */
export function underAwsMocks(stack: string, program: () => Record<string, pulumi.Output<unknown>>): Promise<RecordedRun> {
    return recordUnderMocks({ stack, mocks: AWS_MOCKS, constructionOrder: true }, program);
}
