import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { ampQueryUrl, ampRemoteWriteUrl, AmpWorkspace } from "../../components/aws/amp-workspace";
import { EXEC_API_VERSION, eksKubeconfig, EksKubeconfigArgs, lookupEksCluster } from "../../components/aws/eks-kubeconfig";
import { ampRemoteWritePolicy, irsaTrustPolicy, lokiBucketPolicy } from "../../components/aws/iam-policies";
import { IrsaRole } from "../../components/aws/irsa-role";
import { LokiBucket, LokiBucketArgs, lokiLifecycleRules } from "../../components/aws/loki-bucket";
import { RecordedRun, Registration } from "../../infra/plan/mock-runtime";
import { MOCK_ACCOUNT, MOCK_EKS, MOCK_REGION, underAwsMocks } from "../support/aws-mocks";
import { assertRejects } from "../support/config-errors";

const ISSUER = MOCK_EKS.oidcIssuerUrl.replace("https://", "");
const PROVIDER_ARN = `arn:aws:iam::${MOCK_ACCOUNT}:oidc-provider/${ISSUER}`;

const T = {
    component: (t: string) => `meshobs:aws:${t}`,
    workspace: "aws:amp/workspace:Workspace",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    bucket: "aws:s3/bucket:Bucket",
    publicAccess: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
};

const byType = (run: RecordedRun, type: string): Registration[] => run.resources.filter((r) => r.type === type);
const one = (run: RecordedRun, type: string): Registration => {
    const found = byType(run, type);
    assert.equal(found.length, 1, `${type}: ${found.map((r) => r.name).join(", ")}`);
    return found[0];
};
/** URN of a component, as its children name their parent. */
const componentUrn = (run: RecordedRun, r: Registration): string => {
    const urns = run.resources.filter((x) => x.parent !== "").map((x) => x.parent);
    const urn = urns.find((u) => u.endsWith(`${r.type}::${r.name}`));
    assert.ok(urn !== undefined, `no child of ${r.type} ${r.name}`);
    return urn;
};

/**
 * The component conventions: its type token, every direct child named `<name>-<role>` with the
 * component as parent, and registerOutputs after the last child was constructed.
 */
function assertComponentShape(run: RecordedRun, type: string, name: string, childTypes: string[]): void {
    const component = run.resources.filter((r) => r.type === T.component(type) && r.name === name);
    assert.equal(component.length, 1, `${type} ${name} registered ${component.length} times`);
    const urn = componentUrn(run, component[0]);
    const children = run.resources.filter((r) => r.parent === urn);
    assert.deepEqual(children.map((c) => c.type).sort(), [...childTypes].sort());
    for (const c of children) assert.ok(c.name.startsWith(`${name}-`) && c.name.length > name.length + 1, `${c.type} ${c.name}`);
    const outputsAt = run.events.findIndex((e) => e.kind === "outputs" && e.type === T.component(type) && e.name === name);
    assert.ok(outputsAt >= 0, `${name}: registerOutputs never called`);
    const lastChild = Math.max(...run.events.map((e, i) => (e.kind === "construct" && e.parent === name ? i : -1)));
    assert.ok(lastChild < outputsAt, `${name}: a child was constructed after registerOutputs`);
}

describe("aws: AMP URLs", () => {
    const endpoint = `https://aps-workspaces.${MOCK_REGION}.amazonaws.com/workspaces/ws-123/`;
    it("remote write = endpoint (ending in /) + api/v1/remote_write; query = endpoint without the /", () => {
        assert.equal(ampRemoteWriteUrl(endpoint), `https://aps-workspaces.${MOCK_REGION}.amazonaws.com/workspaces/ws-123/api/v1/remote_write`);
        assert.equal(ampRemoteWriteUrl(endpoint.slice(0, -1)), ampRemoteWriteUrl(endpoint));
        assert.equal(ampQueryUrl(endpoint), `https://aps-workspaces.${MOCK_REGION}.amazonaws.com/workspaces/ws-123`);
    });
    it("refuses anything but an https workspace endpoint", () => {
        for (const bad of ["http://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-123/", "https://aps-workspaces.eu-west-1.amazonaws.com/", "not a url", `${endpoint}?x=1`]) {
            assertRejects(() => ampRemoteWriteUrl(bad), "prometheusEndpoint", /not an AMP workspace endpoint/);
        }
    });
});

describe("AmpWorkspace under Pulumi mocks", () => {
    let run: RecordedRun;
    before(async () => {
        run = await underAwsMocks("prod-global", () => {
            const ws = new AmpWorkspace("amp", { alias: "prod-mesh", tags: { team: "mesh" }, logging: { retentionInDays: 30 } });
            return { workspaceId: ws.workspaceId, arn: ws.arn, prometheusEndpoint: ws.prometheusEndpoint, remoteWriteUrl: ws.remoteWriteUrl, queryUrl: ws.queryUrl, logGroupArn: ws.logGroupArn };
        });
        assert.equal(run.error, undefined);
    });

    it("is a meshobs:aws:AmpWorkspace with its log group and workspace as children, outputs registered last", () => {
        assertComponentShape(run, "AmpWorkspace", "amp", [T.logGroup, T.workspace]);
        assert.deepEqual(run.resources.map((r) => r.name), ["amp", "amp-logs", "amp-workspace"]);
    });

    it("creates the workspace with alias and tags, logging to the log group ARN suffixed :*", () => {
        const logs = one(run, T.logGroup).inputs;
        assert.equal(logs.name, "/aws/vendedlogs/prometheus/prod-mesh");
        assert.equal(logs.retentionInDays, 30);
        assert.deepEqual(logs.tags, { team: "mesh" });
        const ws = one(run, T.workspace).inputs;
        assert.equal(ws.alias, "prod-mesh");
        assert.deepEqual(ws.tags, { team: "mesh" });
        assert.deepEqual(ws.loggingConfiguration, { logGroupArn: `arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT}:log-group:/aws/vendedlogs/prometheus/prod-mesh:*` });
        assert.equal(run.outputs.logGroupArn.value, `arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT}:log-group:/aws/vendedlogs/prometheus/prod-mesh`);
    });

    it("builds the remote write and query URLs from the endpoint the workspace reports", () => {
        const id = "ws-amp-workspace-0000-1111";
        assert.equal(run.outputs.workspaceId.value, id);
        assert.equal(run.outputs.arn.value, `arn:aws:aps:${MOCK_REGION}:${MOCK_ACCOUNT}:workspace/${id}`);
        assert.equal(run.outputs.prometheusEndpoint.value, `https://aps-workspaces.${MOCK_REGION}.amazonaws.com/workspaces/${id}/`);
        assert.equal(run.outputs.remoteWriteUrl.value, `https://aps-workspaces.${MOCK_REGION}.amazonaws.com/workspaces/${id}/api/v1/remote_write`);
        assert.equal(run.outputs.queryUrl.value, `https://aps-workspaces.${MOCK_REGION}.amazonaws.com/workspaces/${id}`);
    });

    it("without logging: no log group, no loggingConfiguration", async () => {
        const plain = await underAwsMocks("prod-global", () => {
            const ws = new AmpWorkspace("amp", { alias: "prod-mesh" });
            return { logGroupArn: ws.logGroupArn };
        });
        assertComponentShape(plain, "AmpWorkspace", "amp", [T.workspace]);
        assert.equal(one(plain, T.workspace).inputs.loggingConfiguration, undefined);
        assert.equal(plain.outputs.logGroupArn.value, undefined);
    });

    it("bad alias or retention: a clear error before anything registers", async () => {
        const cases: Array<[Partial<ConstructorParameters<typeof AmpWorkspace>[1]>, string, RegExp]> = [
            [{ alias: "prod mesh" }, "alias", /not a workspace alias/],
            [{ logging: { retentionInDays: 10 } }, "logging.retentionInDays", /not a CloudWatch Logs retention/],
        ];
        for (const [over, setting, problem] of cases) {
            const bad = await underAwsMocks("prod-global", () => {
                new AmpWorkspace("amp", { alias: "prod-mesh", ...over });
                return {};
            });
            assertRejects(() => {
                throw bad.error;
            }, setting, problem);
            assert.ok((bad.error as Error).message.startsWith("AmpWorkspace amp: "), (bad.error as Error).message);
            assert.deepEqual(bad.resources, [], setting);
        }
    });
});

describe("IrsaRole under Pulumi mocks (zone Prometheus writing to AMP)", () => {
    let run: RecordedRun;
    before(async () => {
        run = await underAwsMocks("prod-zone-east", () => {
            const ws = new AmpWorkspace("amp", { alias: "prod-mesh" });
            const role = new IrsaRole("prom-writer", {
                oidcProviderArn: PROVIDER_ARN,
                oidcIssuer: pulumi.output(ISSUER), // as lookupEksCluster gives it
                namespace: "mesh-observability",
                serviceAccount: "prometheus-server",
                policy: ws.arn.apply(ampRemoteWritePolicy),
                tags: { team: "mesh" },
            });
            return { roleArn: role.roleArn, annotations: role.serviceAccountAnnotations, workspaceArn: ws.arn };
        });
        assert.equal(run.error, undefined);
    });

    it("is a meshobs:aws:IrsaRole with the role and its inline policy as children", () => {
        assertComponentShape(run, "IrsaRole", "prom-writer", [T.role, T.rolePolicy]);
        assert.deepEqual(byType(run, T.role).map((r) => r.name), ["prom-writer-role"]);
        assert.deepEqual(byType(run, T.rolePolicy).map((r) => r.name), ["prom-writer-policy"]);
    });

    it("trusts exactly the prometheus-server ServiceAccount of the cluster's issuer", () => {
        const role = one(run, T.role).inputs;
        const trust = JSON.parse(role.assumeRolePolicy);
        assert.deepEqual(trust, irsaTrustPolicy({ oidcProviderArn: PROVIDER_ARN, oidcIssuer: ISSUER, namespace: "mesh-observability", serviceAccount: "prometheus-server" }));
        assert.deepEqual(JSON.parse(role.assumeRolePolicy).Statement[0].Condition.StringEquals, {
            [`${ISSUER}:sub`]: "system:serviceaccount:mesh-observability:prometheus-server",
            [`${ISSUER}:aud`]: "sts.amazonaws.com",
        });
        assert.deepEqual(role.tags, { team: "mesh" });
        assert.equal(role.inlinePolicies, undefined);
        assert.equal(role.managedPolicyArns, undefined, "permissions are the one inline RolePolicy");
    });

    it("grants aps:RemoteWrite on the workspace it was given, on its own role", () => {
        const p = one(run, T.rolePolicy).inputs;
        assert.deepEqual(JSON.parse(p.policy), ampRemoteWritePolicy(run.outputs.workspaceArn.value));
        assert.equal(p.role, "prom-writer-role-abc1234");
    });

    it("exports the role ARN and the ServiceAccount annotation", () => {
        const arn = `arn:aws:iam::${MOCK_ACCOUNT}:role/prom-writer-role-abc1234`;
        assert.equal(run.outputs.roleArn.value, arn);
        assert.deepEqual(run.outputs.annotations.value, { "eks.amazonaws.com/role-arn": arn });
    });

    it("bad input: a clear error before anything registers", async () => {
        const base = { oidcProviderArn: PROVIDER_ARN, oidcIssuer: ISSUER, namespace: "mesh-observability", serviceAccount: "prometheus-server", policy: ampRemoteWritePolicy(`arn:aws:aps:${MOCK_REGION}:${MOCK_ACCOUNT}:workspace/ws-1`) };
        const cases: Array<[object, string, RegExp]> = [
            [{ serviceAccount: "*" }, "serviceAccount", /not a ServiceAccount name/],
            [{ namespace: "kube_system" }, "namespace", /not a Kubernetes namespace name/],
            [{ oidcIssuer: MOCK_EKS.oidcIssuerUrl }, "oidcIssuer", /URL scheme/],
            [{ policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["aps:*"], Resource: ["*"] }] } }, "policy.Statement[0].Action", /grants every action/],
        ];
        for (const [over, setting, problem] of cases) {
            const bad = await underAwsMocks("prod-global", () => {
                new IrsaRole("writer", { ...base, ...over } as any);
                return {};
            });
            assertRejects(() => {
                throw bad.error;
            }, setting, problem);
            assert.ok((bad.error as Error).message.startsWith("IrsaRole writer: "), (bad.error as Error).message);
            assert.deepEqual(bad.resources, [], setting);
        }
    });
});

describe("LokiBucket under Pulumi mocks", () => {
    describe("defaults", () => {
        let run: RecordedRun;
        before(async () => {
            run = await underAwsMocks("prod-global", () => {
                const b = new LokiBucket("loki", { bucketName: "prod-mesh-loki", retentionDays: 14 });
                return { bucketName: b.bucketName, bucketArn: b.bucketArn, roleArn: b.roleArn, annotations: b.serviceAccountAnnotations };
            });
            assert.equal(run.error, undefined);
        });

        it("is a meshobs:aws:LokiBucket with the bucket and one resource per setting as children", () => {
            assertComponentShape(run, "LokiBucket", "loki", [T.bucket, T.publicAccess, T.ownership, T.sse, T.lifecycle]);
            assert.equal(one(run, T.bucket).name, "loki-bucket");
        });

        it("creates the named bucket, kept on destroy", () => {
            const b = one(run, T.bucket).inputs;
            assert.equal(b.bucket, "prod-mesh-loki");
            assert.equal(b.forceDestroy, false);
            // Nothing through the deprecated inline arguments.
            for (const k of ["acl", "lifecycleRules", "serverSideEncryptionConfiguration", "versioning", "policy"]) assert.equal(b[k], undefined, k);
        });

        it("blocks every kind of public access and disables ACLs", () => {
            const pab = one(run, T.publicAccess).inputs;
            assert.deepEqual(
                { blockPublicAcls: pab.blockPublicAcls, blockPublicPolicy: pab.blockPublicPolicy, ignorePublicAcls: pab.ignorePublicAcls, restrictPublicBuckets: pab.restrictPublicBuckets },
                { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            );
            assert.equal(pab.bucket, "prod-mesh-loki");
            assert.deepEqual(one(run, T.ownership).inputs.rule, { objectOwnership: "BucketOwnerEnforced" });
        });

        it("encrypts with SSE-S3 (AES256)", () => {
            assert.deepEqual(one(run, T.sse).inputs.rules, [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
        });

        it("expires objects after the retention and aborts stale multipart uploads; no versioning", () => {
            const lc = one(run, T.lifecycle).inputs;
            assert.equal(lc.bucket, "prod-mesh-loki");
            assert.deepEqual(lc.rules, [
                { id: "loki-retention", status: "Enabled", filter: { prefix: "" }, expiration: { days: 14 }, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } },
            ]);
            assert.equal(byType(run, T.versioning).length, 0);
        });

        it("exports name and ARN; no role and no annotations without irsa", () => {
            assert.equal(run.outputs.bucketName.value, "prod-mesh-loki");
            assert.equal(run.outputs.bucketArn.value, "arn:aws:s3:::prod-mesh-loki");
            assert.equal(run.outputs.roleArn.value, undefined);
            assert.deepEqual(run.outputs.annotations.value, {});
        });
    });

    describe("Loki's IRSA role", () => {
        let run: RecordedRun;
        before(async () => {
            run = await underAwsMocks("prod-global", () => {
                const b = new LokiBucket("loki", {
                    bucketName: "prod-mesh-loki",
                    retentionDays: 30,
                    irsa: { oidcProviderArn: PROVIDER_ARN, oidcIssuer: ISSUER, namespace: "mesh-observability", serviceAccount: "loki" },
                });
                return { roleArn: b.roleArn, annotations: b.serviceAccountAnnotations };
            });
            assert.equal(run.error, undefined);
        });

        it("adds the IrsaRole as a child; the role's own children sit under it", () => {
            assertComponentShape(run, "LokiBucket", "loki", [T.bucket, T.publicAccess, T.ownership, T.sse, T.lifecycle, T.component("IrsaRole")]);
            assertComponentShape(run, "IrsaRole", "loki-irsa", [T.role, T.rolePolicy]);
        });

        it("gives Loki's ServiceAccount exactly lokiBucketPolicy on this bucket", () => {
            const trust = JSON.parse(one(run, T.role).inputs.assumeRolePolicy);
            assert.equal(trust.Statement[0].Condition.StringEquals[`${ISSUER}:sub`], "system:serviceaccount:mesh-observability:loki");
            assert.deepEqual(JSON.parse(one(run, T.rolePolicy).inputs.policy), lokiBucketPolicy("arn:aws:s3:::prod-mesh-loki"));
            const arn = `arn:aws:iam::${MOCK_ACCOUNT}:role/loki-irsa-role-abc1234`;
            assert.equal(run.outputs.roleArn.value, arn);
            assert.deepEqual(run.outputs.annotations.value, { "eks.amazonaws.com/role-arn": arn });
        });
    });

    it("objects expire after the given retention", () => {
        const [rule] = lokiLifecycleRules(90);
        assert.deepEqual(rule.expiration, { days: 90 });
        assert.deepEqual(rule.abortIncompleteMultipartUpload, { daysAfterInitiation: 7 });
        assert.equal(rule.noncurrentVersionExpiration, undefined);
    });

    it("bad input: a clear error before anything registers", async () => {
        const base: LokiBucketArgs = { bucketName: "prod-mesh-loki", retentionDays: 14 };
        const cases: Array<[Partial<LokiBucketArgs>, string, RegExp]> = [
            [{ bucketName: "Prod_Loki" }, "bucketName", /not an S3 bucket name/],
            [{ bucketName: "prod.mesh.loki" }, "bucketName", /not an S3 bucket name/],
            [{ bucketName: "xn--loki" }, "bucketName", /reserves/],
            [{ retentionDays: 0 }, "retentionDays", /whole number of days/],
            [{ retentionDays: 7.5 }, "retentionDays", /whole number of days/],
            [{ irsa: { oidcProviderArn: PROVIDER_ARN, oidcIssuer: pulumi.output(ISSUER), namespace: "loki", serviceAccount: "loki-*" } }, "serviceAccount", /not a ServiceAccount name/],
        ];
        for (const [over, setting, problem] of cases) {
            const bad = await underAwsMocks("prod-global", () => {
                new LokiBucket("loki", { ...base, ...over });
                return {};
            });
            assertRejects(() => {
                throw bad.error;
            }, setting, problem);
            assert.ok((bad.error as Error).message.startsWith("LokiBucket loki"), (bad.error as Error).message);
            assert.deepEqual(bad.resources, [], setting);
        }
    });
});

describe("aws: EKS kubeconfig", () => {
    const args = (over: Partial<EksKubeconfigArgs> = {}): EksKubeconfigArgs => ({
        clusterName: "prod-east",
        region: "us-east-1",
        endpoint: "https://ABCDEF0123456789.gr7.us-east-1.eks.amazonaws.com",
        certificateAuthorityData: MOCK_EKS.certificateAuthorityData,
        ...over,
    });

    it("parses as a kubeconfig whose user execs aws eks get-token for the cluster and region", () => {
        const k = parse(eksKubeconfig(args()));
        assert.equal(k.apiVersion, "v1");
        assert.equal(k.kind, "Config");
        assert.equal(k["current-context"], "prod-east.us-east-1");
        assert.deepEqual(k.clusters, [{ name: "prod-east.us-east-1", cluster: { server: "https://ABCDEF0123456789.gr7.us-east-1.eks.amazonaws.com", "certificate-authority-data": MOCK_EKS.certificateAuthorityData } }]);
        assert.deepEqual(k.contexts, [{ name: "prod-east.us-east-1", context: { cluster: "prod-east.us-east-1", user: "prod-east.us-east-1" } }]);
        assert.deepEqual(k.users, [
            {
                name: "prod-east.us-east-1",
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "aws",
                        args: ["eks", "get-token", "--cluster-name", "prod-east", "--region", "us-east-1", "--output", "json"],
                    },
                },
            },
        ]);
        assert.equal(EXEC_API_VERSION, "client.authentication.k8s.io/v1beta1");
    });

    it("adds --role-arn and AWS_PROFILE when given", () => {
        const exec = parse(eksKubeconfig(args({ profile: "mesh-prod", roleArn: "arn:aws:iam::123456789012:role/eks-admin" }))).users[0].user.exec;
        assert.deepEqual(exec.args.slice(-2), ["--role-arn", "arn:aws:iam::123456789012:role/eks-admin"]);
        assert.deepEqual(exec.env, [{ name: "AWS_PROFILE", value: "mesh-prod" }]);
    });

    it("holds no token or key", () => {
        const text = eksKubeconfig(args({ profile: "mesh-prod" }));
        for (const k of ["token", "client-key", "client-certificate", "password"]) assert.ok(!text.includes(`${k}:`), k);
    });

    it("refuses bad settings, naming them", () => {
        assertRejects(() => eksKubeconfig(args({ clusterName: "prod east" })), "clusterName", /not an EKS cluster name/);
        assertRejects(() => eksKubeconfig(args({ region: "useast1" })), "region", /not an AWS region/);
        assertRejects(() => eksKubeconfig(args({ endpoint: "http://ABCDEF.gr7.us-east-1.eks.amazonaws.com" })), "endpoint", /not a cluster API endpoint/);
        assertRejects(() => eksKubeconfig(args({ endpoint: "https://ABCDEF.gr7.us-east-1.eks.amazonaws.com/api" })), "endpoint", /not a cluster API endpoint/);
        assertRejects(() => eksKubeconfig(args({ certificateAuthorityData: "-----BEGIN CERTIFICATE-----" })), "certificateAuthorityData", /not base64/);
        assertRejects(() => eksKubeconfig(args({ profile: "my profile" })), "profile", /not an AWS CLI profile name/);
        assertRejects(() => eksKubeconfig(args({ roleArn: "eks-admin" })), "roleArn", /not an IAM role ARN/);
    });
});

describe("lookupEksCluster under Pulumi mocks", () => {
    let run: RecordedRun;
    before(async () => {
        run = await underAwsMocks("prod-zone-east", () => {
            const c = lookupEksCluster("prod-east", MOCK_REGION, { profile: "mesh-prod" });
            return { endpoint: c.endpoint, ca: c.certificateAuthorityData, issuer: c.oidcIssuer, kubeconfig: c.kubeconfig };
        });
        assert.equal(run.error, undefined);
    });

    it("looks the cluster up through its own provider for the region, not the default one", () => {
        const provider = one(run, "pulumi:providers:aws");
        assert.equal(provider.name, `prod-east-${MOCK_REGION}-aws`);
        assert.equal(provider.inputs.region, MOCK_REGION);
        assert.equal(provider.inputs.profile, "mesh-prod");
        const calls = run.calls.filter((c) => c.token === "aws:eks/getCluster:getCluster");
        assert.equal(calls.length, 1);
        assert.equal(calls[0].inputs.name, "prod-east");
        assert.match(calls[0].provider ?? "", new RegExp(`pulumi:providers:aws::prod-east-${MOCK_REGION}-aws::`));
    });

    it("returns endpoint, CA, the issuer without https:// and a plain (not secret) kubeconfig", () => {
        assert.equal(run.outputs.endpoint.value, MOCK_EKS.endpoint);
        assert.equal(run.outputs.ca.value, MOCK_EKS.certificateAuthorityData);
        assert.equal(run.outputs.issuer.value, ISSUER);
        assert.equal(run.outputs.kubeconfig.secret, false);
        assert.equal(
            run.outputs.kubeconfig.value,
            eksKubeconfig({ clusterName: "prod-east", region: MOCK_REGION, endpoint: MOCK_EKS.endpoint, certificateAuthorityData: MOCK_EKS.certificateAuthorityData, profile: "mesh-prod" }),
        );
    });

    it("refuses a bad region before creating the provider", async () => {
        const bad = await underAwsMocks("prod-zone-east", () => {
            lookupEksCluster("prod-east", "Europe");
            return {};
        });
        assertRejects(() => {
            throw bad.error;
        }, "region", /not an AWS region/);
        assert.ok((bad.error as Error).message.startsWith("lookupEksCluster: "));
        assert.deepEqual(bad.resources, []);
        assert.deepEqual(bad.calls, []);
    });
});
