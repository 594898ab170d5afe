import { strict as assert } from "assert";
import {
    ampQueryPolicy,
    ampRemoteWritePolicy,
    irsaTrustPolicy,
    IrsaTrustPolicyArgs,
    lokiBucketPolicy,
    PolicyDocument,
    validateIdentityPolicy,
} from "../../components/aws/iam-policies";
import { serviceAccountAnnotations } from "../../components/aws/irsa-role";
import { assertRejects } from "../support/config-errors";

const ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF";
const PROVIDER_ARN = `arn:aws:iam::123456789012:oidc-provider/${ISSUER}`;
const WORKSPACE_ARN = "arn:aws:aps:eu-west-1:123456789012:workspace/ws-0a1b2c3d-4e5f-6789-abcd-ef0123456789";
const BUCKET_ARN = "arn:aws:s3:::prod-mesh-loki";
const trustArgs = (over: Partial<IrsaTrustPolicyArgs> = {}): IrsaTrustPolicyArgs => ({
    oidcProviderArn: PROVIDER_ARN,
    oidcIssuer: ISSUER,
    namespace: "mesh-observability",
    serviceAccount: "prometheus-server",
    ...over,
});

describe("aws iam: IRSA trust policy", () => {
    it("lets exactly one ServiceAccount's STS-audience token assume the role", () => {
        assert.deepEqual(irsaTrustPolicy(trustArgs()), {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "EksServiceAccount",
                    Effect: "Allow",
                    Principal: { Federated: PROVIDER_ARN },
                    Action: ["sts:AssumeRoleWithWebIdentity"],
                    Condition: {
                        StringEquals: {
                            [`${ISSUER}:sub`]: "system:serviceaccount:mesh-observability:prometheus-server",
                            [`${ISSUER}:aud`]: "sts.amazonaws.com",
                        },
                    },
                },
            ],
        });
    });

    it("uses StringEquals only and no wildcard anywhere", () => {
        const doc = irsaTrustPolicy(trustArgs({ namespace: "loki", serviceAccount: "loki" }));
        assert.deepEqual(Object.keys(doc.Statement[0].Condition!), ["StringEquals"]);
        assert.deepEqual(Object.keys(doc.Statement[0].Condition!.StringEquals), [`${ISSUER}:sub`, `${ISSUER}:aud`]);
        assert.ok(!JSON.stringify(doc).includes("*"));
        assert.ok(!JSON.stringify(doc).includes("?"));
    });

    it("refuses an issuer with its scheme, saying which form is wanted", () => {
        assertRejects(() => irsaTrustPolicy(trustArgs({ oidcIssuer: `https://${ISSUER}` })), "oidcIssuer", /URL scheme/);
        assert.throws(() => irsaTrustPolicy(trustArgs({ oidcIssuer: `https://${ISSUER}` })), new RegExp(`allowed: the host/path alone: "${ISSUER}"`));
    });

    it("refuses a provider ARN of another issuer, an empty issuer and a non-ARN", () => {
        assertRejects(() => irsaTrustPolicy(trustArgs({ oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/FFFF" })), "oidcProviderArn", /not of oidcIssuer/);
        assertRejects(() => irsaTrustPolicy(trustArgs({ oidcIssuer: "" })), "oidcIssuer", /is empty/);
        assertRejects(() => irsaTrustPolicy(trustArgs({ oidcProviderArn: "oidc-provider" })), "oidcProviderArn", /not an IAM OIDC provider ARN/);
        assertRejects(() => irsaTrustPolicy(trustArgs({ oidcIssuer: "oidc.eks.eu-west-1.amazonaws.com/id/*" })), "oidcIssuer", /not an issuer host\/path/);
    });

    it("refuses wildcards and non-Kubernetes names for namespace and ServiceAccount", () => {
        assertRejects(() => irsaTrustPolicy(trustArgs({ namespace: "*" })), "namespace", /not a Kubernetes namespace name/);
        assertRejects(() => irsaTrustPolicy(trustArgs({ namespace: "Mesh" })), "namespace", /not a Kubernetes namespace name/);
        assertRejects(() => irsaTrustPolicy(trustArgs({ serviceAccount: "*" })), "serviceAccount", /not a ServiceAccount name/);
        assertRejects(() => irsaTrustPolicy(trustArgs({ serviceAccount: "prometheus-*" })), "serviceAccount", /not a ServiceAccount name/);
        assertRejects(() => irsaTrustPolicy(trustArgs({ serviceAccount: "" })), "serviceAccount", /not a ServiceAccount name/);
    });
});

describe("aws iam: permission policies", () => {
    it("AMP remote write: aps:RemoteWrite on that workspace only", () => {
        const expected: PolicyDocument = {
            Version: "2012-10-17",
            Statement: [{ Sid: "AmpRemoteWrite", Effect: "Allow", Action: ["aps:RemoteWrite"], Resource: [WORKSPACE_ARN] }],
        };
        assert.deepEqual(ampRemoteWritePolicy(WORKSPACE_ARN), expected);
    });

    it("AMP query (Grafana): the four read actions on that workspace only", () => {
        assert.deepEqual(ampQueryPolicy(WORKSPACE_ARN), {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "AmpQuery",
                    Effect: "Allow",
                    Action: ["aps:QueryMetrics", "aps:GetSeries", "aps:GetLabels", "aps:GetMetricMetadata"],
                    Resource: [WORKSPACE_ARN],
                },
            ],
        });
    });

    it("AMP policies refuse anything but a workspace ARN", () => {
        for (const bad of ["*", "arn:aws:aps:eu-west-1:123456789012:workspace/*", BUCKET_ARN, ""]) {
            assertRejects(() => ampRemoteWritePolicy(bad), "workspaceArn", /not the ARN expected here/);
            assertRejects(() => ampQueryPolicy(bad), "workspaceArn", /not the ARN expected here/);
        }
    });

    it("Loki bucket: ListBucket on the bucket, Get/Put/DeleteObject on its objects, nothing else", () => {
        assert.deepEqual(lokiBucketPolicy(BUCKET_ARN), {
            Version: "2012-10-17",
            Statement: [
                { Sid: "LokiListBucket", Effect: "Allow", Action: ["s3:ListBucket"], Resource: [BUCKET_ARN] },
                { Sid: "LokiObjects", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: [`${BUCKET_ARN}/*`] },
            ],
        });
    });

    it("Loki bucket refuses an object path or wildcard for the bucket ARN", () => {
        assertRejects(() => lokiBucketPolicy(`${BUCKET_ARN}/*`), "bucketArn", /not the ARN expected here/);
        assertRejects(() => lokiBucketPolicy("arn:aws:s3:::*"), "bucketArn", /not the ARN expected here/);
    });

    it("every builder's policy passes the identity-policy check; wildcard grants do not", () => {
        for (const doc of [ampRemoteWritePolicy(WORKSPACE_ARN), ampQueryPolicy(WORKSPACE_ARN), lokiBucketPolicy(BUCKET_ARN)]) validateIdentityPolicy(doc, "test");
        const star = (s: object): PolicyDocument => ({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["aps:RemoteWrite"], Resource: [WORKSPACE_ARN], ...s }] });
        assertRejects(() => validateIdentityPolicy(star({ Action: ["*"] }), "test"), "policy.Statement[0].Action", /grants every action/);
        assertRejects(() => validateIdentityPolicy(star({ Action: ["s3:*"] }), "test"), "policy.Statement[0].Action", /grants every action/);
        assertRejects(() => validateIdentityPolicy(star({ Resource: ["*"] }), "test"), "policy.Statement[0].Resource", /every resource/);
        assertRejects(() => validateIdentityPolicy({ Version: "2012-10-17", Statement: [] }, "test"), "policy.Statement", /is empty/);
        assertRejects(() => validateIdentityPolicy({ ...star({}), Version: "2008-10-17" as any }, "test"), "policy.Version", /not the IAM policy language version/);
        assertRejects(() => validateIdentityPolicy(star({ Principal: { Federated: PROVIDER_ARN } }), "test"), "policy.Statement[0].Principal", /identity policy/);
    });
});

describe("aws iam: ServiceAccount annotation", () => {
    it("is the eks.amazonaws.com/role-arn annotation, for role ARNs only", () => {
        assert.deepEqual(serviceAccountAnnotations("arn:aws:iam::123456789012:role/loki-irsa"), { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/loki-irsa" });
        assertRejects(() => serviceAccountAnnotations("arn:aws:iam::123456789012:user/loki"), "roleArn", /not an IAM role ARN/);
    });
});
