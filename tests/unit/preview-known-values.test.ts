import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { IrsaRole, irsaRoleName } from "../../components/aws/irsa-role";
import { mockProviders, Registration, underMocks } from "../../infra/plan/mock-runtime";

/** Pulumi's wire sentinel for a value unknown at preview (sdk/nodejs/runtime/rpc.ts unknownValue). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const PROVIDER_ARN = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC";

/**
 * Runs `program` as a first `pulumi preview` sees it: a resource that does not exist yet has no
 * computed outputs (its ARN, its auto-name), which the SDK then treats as unknown.
 */
async function firstPreview(program: () => void): Promise<Registration[]> {
    const run = await underMocks(
        {
            stack: "cloud-zone-us-east-1",
            preview: true,
            mocks: mockProviders({
                resources: {
                    "aws:iam/role:Role": (a) => {
                        const { arn: _arn, name: _name, ...state } = a.inputs;
                        return { id: undefined, state };
                    },
                },
            }),
        },
        () => (program(), {}),
    );
    return run.resources;
}

const roleFor = (roleName?: string) =>
    new IrsaRole("zone-prometheus-amp-write", {
        oidcProviderArn: PROVIDER_ARN,
        oidcIssuer: "oidc.eks.eu-west-1.amazonaws.com/id/ABC",
        namespace: "mesh-observability",
        serviceAccount: "zone-prometheus",
        policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["aps:RemoteWrite"], Resource: ["arn:aws:aps:us-east-1:123456789012:workspace/ws-1"] }] },
        ...(roleName !== undefined ? { roleName } : {}),
    });

/** What a chart's values would carry: the ServiceAccount annotation, here on a ConfigMap standing for the chart. */
const consumer = (role: IrsaRole) => new k8s.core.v1.ConfigMap("values", { data: role.serviceAccountAnnotations });

describe("IRSA role ARNs are known at a first preview", () => {
    it("a named role's ARN (account and partition of the OIDC provider) reaches its consumers at preview", async () => {
        const name = irsaRoleName("cloud-zone-us-east-1", "zone-prometheus-amp-write");
        const seen = await firstPreview(() => void consumer(roleFor(name)));
        const role = seen.find((r) => r.type === "aws:iam/role:Role")!;
        assert.equal(role.inputs.name, name);
        const values = seen.find((r) => r.type === "kubernetes:core/v1:ConfigMap")!;
        assert.deepEqual(values.inputs.data, { "eks.amazonaws.com/role-arn": `arn:aws:iam::123456789012:role/${name}` });
    });

    it("the harness models a first preview: an auto-named role's ARN is unknown there", async () => {
        const seen = await firstPreview(() => void consumer(roleFor()));
        const values = seen.find((r) => r.type === "kubernetes:core/v1:ConfigMap")!;
        assert.equal(values.inputs.data, UNKNOWN);
    });

    it("role names stay within IAM's 64 characters and apart per stack", () => {
        const long = irsaRoleName("a-very-long-environment-name-zone-gke-europe-west1-extra", "zone-prometheus-amp-write");
        assert.ok(long.length <= 64, long);
        assert.notEqual(irsaRoleName("prod-global", "mimir-s3"), irsaRoleName("cloud-global", "mimir-s3"));
        assert.notEqual(long, irsaRoleName("a-very-long-environment-name-zone-gke-europe-west1-extrb", "zone-prometheus-amp-write"));
    });
});

describe("cloud: every IAM role the program creates has a fixed name, so the charts carrying its ARN preview", function () {
    this.timeout(120_000);
    it("each role is named <stack>-<purpose>; each IRSA annotation in chart values is that role's ARN", async () => {
        const { evaluateEnvironment } = await import("../../infra/plan/evaluate-environment");
        const cloud = await evaluateEnvironment("cloud");
        let annotated = 0;
        for (const s of cloud.stacks) {
            const roles = s.resources.filter((r) => r.type === "aws:iam/role:Role").map((r) => (r.inputs as any).name as string | undefined);
            for (const name of roles) assert.ok(name !== undefined && name.startsWith(`${s.stack}-`), `${s.stack}: role ${name}`);
            const arns = new Set(roles.map((n) => `arn:aws:iam::123456789012:role/${n}`));
            for (const chart of s.resources.filter((r) => r.type === "kubernetes:helm.sh/v4:Chart")) {
                const found = JSON.stringify(chart.inputs).match(/arn:aws:iam::\d{12}:role\/[\w+=,.@-]+/g) ?? [];
                for (const arn of found) {
                    assert.ok(arns.has(arn), `${s.stack} ${chart.name}: ${arn} is none of ${[...arns].join(", ")}`);
                    annotated++;
                }
            }
        }
        // Grafana's AMP role, Loki's bucket role (global), the two EKS zones' remote-write roles.
        assert.ok(annotated >= 4, `${annotated} role ARNs in chart values`);
    });
});
