import { strict as assert } from "assert";
import { irsaRoleName } from "../../components/aws/irsa-role";
import { S3_KEY_ENV } from "../../components/aws/s3-keys";
import { EnvironmentEvaluation, evaluateEnvironment } from "../../infra/plan/evaluate-environment";
import { PROJECT, StackEvaluation } from "../../infra/plan/evaluate-stack";
import { withMockSpy } from "../../infra/plan/mock-runtime";
import { PLAN_AWS_ACCOUNT } from "../../infra/plan/mocks";
import { containsSecret, revealOrMask } from "../../infra/plan/secret-values";
import { securePlaceholder } from "../../infra/plan/stack-files";
import { one, resourcesOf, revealed } from "../support/plan-access";
import { testStack } from "../support/stack-file";
import { CHART_TYPE } from "../../infra/plan/mock-runtime";

const SECRET = "kubernetes:core/v1:Secret";
const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const IRSA = "eks.amazonaws.com/role-arn";
const EKS = { eks: { clusterName: "mesh-global", region: "eu-west-1" } };
const ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/";
const mimir = { backend: "mimir", mimir: { tenant: "mesh", storage: { type: "s3", bucket: "acme-mimir", region: "eu-west-1" } } };
const lokiOnBucket = { backend: "loki", loki: { replicas: 3, storage: { type: "s3", bucket: "acme-loki", region: "eu-west-1" } } };
const zone = (env: string) => testStack(`${env}-zone-a`, { mesh: { version: "2.14.3" } });
const globalOf = (e: EnvironmentEvaluation) => e.stacks.find((s) => s.stack === `${e.env}-global`)!;
const json = (text: unknown) => JSON.parse(String(text));

/** The role named `roleName` of a stack, with its trust and permission documents. */
function irsaRole(g: StackEvaluation, roleName: string): { trust: any; policy: any; arn: string } {
    const role = resourcesOf(g, ROLE).find((r) => revealed(r).name === roleName);
    assert.ok(role !== undefined, `${g.stack}: no role named ${roleName} (have ${resourcesOf(g, ROLE).map((r) => revealed(r).name).join(", ")})`);
    const policy = resourcesOf(g, ROLE_POLICY).find((p) => p.parent === `${role.parent}`);
    assert.ok(policy !== undefined, `${g.stack}: no policy beside ${roleName}`);
    return { trust: json(revealed(role).assumeRolePolicy), policy: json(revealed(policy).policy), arn: `arn:aws:iam::${PLAN_AWS_ACCOUNT}:role/${roleName}` };
}

function assertOnlyServiceAccount(trust: any, serviceAccount: string): void {
    assert.equal(trust.Statement.length, 1);
    const cond = trust.Statement[0].Condition.StringEquals;
    const sub = Object.entries(cond).find(([k]) => k.endsWith(":sub"))!;
    assert.ok(sub[0].startsWith(ISSUER), sub[0]);
    assert.equal(sub[1], `system:serviceaccount:mesh-observability:${serviceAccount}`);
}

function assertBucketOnly(policy: any, bucket: string): void {
    const resources = policy.Statement.flatMap((s: any) => s.Resource);
    assert.deepEqual([...new Set(resources)].sort(), [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`]);
    assert.deepEqual(policy.Statement.flatMap((s: any) => s.Action).sort(), ["s3:DeleteObject", "s3:GetObject", "s3:ListBucket", "s3:PutObject"]);
}

/**
 * Mimir, and Loki on a bucket it does not create, used to get no credentials at all: they worked only
 * where the node role happened to allow the bucket. On EKS each gets an IRSA role (as Loki on its
 * managed bucket does); elsewhere the keys come from secret config as env from a Secret.
 */
describe("Mimir and Loki on S3 get credentials for their bucket", function () {
    this.timeout(120_000);

    describe("on EKS: an IRSA role per store, trusted by exactly its ServiceAccount, allowed exactly its bucket", () => {
        let g: StackEvaluation;
        before(async () => {
            const e = await evaluateEnvironment("irsa", { files: [testStack("irsa-global", { kubernetes: EKS, zones: ["a"], metrics: mimir, logs: lokiOnBucket, grafana: { enabled: false } }), zone("irsa")] });
            g = globalOf(e);
        });

        it("Mimir: role irsa-global-mimir-s3 for ServiceAccount global-mimir, on acme-mimir; its ARN annotates the chart's ServiceAccount", () => {
            const role = irsaRole(g, irsaRoleName("irsa-global", "mimir-s3"));
            assertOnlyServiceAccount(role.trust, "global-mimir");
            assertBucketOnly(role.policy, "acme-mimir");
            const values = revealed(one(g, CHART_TYPE, "global-mimir-chart")).values;
            assert.deepEqual(values.serviceAccount.annotations, { [IRSA]: role.arn });
            assert.equal(values.mimir.structuredConfig.common.storage.s3.access_key_id, undefined, "no static keys on EKS");
        });

        it("Loki on an existing bucket: role irsa-global-loki-s3 for ServiceAccount global-loki, on acme-loki; its ARN annotates Loki's ServiceAccount", () => {
            const role = irsaRole(g, irsaRoleName("irsa-global", "loki-s3"));
            assertOnlyServiceAccount(role.trust, "global-loki");
            assertBucketOnly(role.policy, "acme-loki");
            const values = revealed(one(g, CHART_TYPE, "global-loki-chart")).values;
            assert.deepEqual(values.serviceAccount, { create: true, name: "global-loki", annotations: { [IRSA]: role.arn } });
            assert.deepEqual(resourcesOf(g, "aws:s3/bucket:Bucket"), [], "an existing bucket is not created");
        });

        it("static keys are refused on EKS", async () => {
            const run = await withMockSpy(() =>
                evaluateEnvironment("irsa", { files: [testStack("irsa-global", { kubernetes: EKS, zones: ["a"], metrics: mimir }, ["s3AccessKeyId", "s3SecretAccessKey"]), zone("irsa")] }),
            );
            assert.match(String(run.error), /mesh-observability:s3AccessKeyId: an EKS cluster reaches S3 through IRSA roles, not static keys/);
        });
    });

    describe("off EKS: the keys from secret config, as env from a Secret, referenced by the configs", () => {
        let prod: EnvironmentEvaluation;
        let keyed: StackEvaluation;
        before(async () => {
            prod = await evaluateEnvironment("prod");
            const e = await evaluateEnvironment("keys", { files: [testStack("keys-global", { zones: ["a"], metrics: mimir, grafana: { enabled: false } }, ["s3AccessKeyId", "s3SecretAccessKey"]), zone("keys")] });
            keyed = globalOf(e);
        });
        const placeholder = (key: string) => securePlaceholder(`${PROJECT}:${key}`);

        const assertKeysSecret = (g: StackEvaluation, name: string) => {
            const secret = one(g, SECRET, name);
            assert.ok(containsSecret(secret.inputs.stringData));
            assert.deepEqual(revealOrMask(secret.inputs.stringData, true), {
                [S3_KEY_ENV.accessKeyId]: placeholder("s3AccessKeyId"),
                [S3_KEY_ENV.secretAccessKey]: placeholder("s3SecretAccessKey"),
            });
        };

        it("prod: Loki on mesh-prod-loki reads AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY from global-loki-s3-keys; the values hold references only", () => {
            const g = globalOf(prod);
            assertKeysSecret(g, "global-loki-s3-keys");
            const chart = one(g, CHART_TYPE, "global-loki-chart");
            const values = revealed(chart).values;
            assert.deepEqual(values.loki.storage.s3, { region: "us-east-1", accessKeyId: "${AWS_ACCESS_KEY_ID}", secretAccessKey: "${AWS_SECRET_ACCESS_KEY}" });
            assert.deepEqual(values.defaults.extraEnvFrom, [{ secretRef: { name: "global-loki-s3-keys" } }]);
            assert.ok(!JSON.stringify(revealOrMask(chart.inputs, true)).includes(placeholder("s3SecretAccessKey")), "no key in the chart values");
        });

        it("Mimir reads them from global-mimir-s3-keys on every component (global.extraEnvFrom)", () => {
            assertKeysSecret(keyed, "global-mimir-s3-keys");
            const values = revealed(one(keyed, CHART_TYPE, "global-mimir-chart")).values;
            const s3 = values.mimir.structuredConfig.common.storage.s3;
            assert.deepEqual([s3.access_key_id, s3.secret_access_key], ["${AWS_ACCESS_KEY_ID}", "${AWS_SECRET_ACCESS_KEY}"]);
            assert.deepEqual(values.global.extraEnvFrom, [{ secretRef: { name: "global-mimir-s3-keys" } }]);
        });

        it("without keys, a global off EKS with Mimir or Loki on S3 is refused before any resource, naming the key", async () => {
            const run = await withMockSpy(() => evaluateEnvironment("nokeys", { files: [testStack("nokeys-global", { zones: ["a"], metrics: mimir, logs: lokiOnBucket }), zone("nokeys")] }));
            assert.match(String(run.error), /stacks\/Pulumi\.nokeys-global\.yaml: invalid configuration/);
            assert.match(String(run.error), /mesh-observability:s3AccessKeyId: required: Mimir and Loki on S3 and this cluster is not EKS/);
            assert.deepEqual(run.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), []);
        });
    });
});
