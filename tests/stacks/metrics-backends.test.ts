import { strict as assert } from "assert";
import { parse } from "yaml";
import { DATA_MOUNT_PATH } from "../../components/prometheus/chart";
import { evaluateEnvironment, EnvironmentEvaluation } from "../../infra/plan/evaluate-environment";
import { PROJECT, StackEvaluation } from "../../infra/plan/evaluate-stack";
import { MockedResource, MockSpyRun, providerName, withMockSpy } from "../../infra/plan/mock-runtime";
import { PLAN_AWS_ACCOUNT } from "../../infra/plan/mocks";
import { containsSecret, revealOrMask } from "../../infra/plan/secret-values";
import { securePlaceholder, StackFile } from "../../infra/plan/stack-files";
import { file, one, output, resourcesOf, revealed, yamlFile } from "../support/plan-access";
import { testStack } from "../support/stack-file";
import { refusedEnvironment as refused } from "../support/refused-environment";
import { CHART_TYPE } from "../../infra/plan/mock-runtime";

const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const SECRET = "kubernetes:core/v1:Secret";
const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const WORKSPACE = "aws:amp/workspace:Workspace";
const IRSA_ANNOTATION = "eks.amazonaws.com/role-arn";
const NAMESPACE = "mesh-observability";

const stack = testStack;

const zoneStack = (env: string, zone: string, extra: Record<string, unknown> = {}) => stack(`${env}-zone-${zone}`, { mesh: { version: "2.9.2" }, ...extra });
const placeholder = (key: string) => securePlaceholder(`${PROJECT}:${key}`);
/** Object-storage keys a global off EKS needs for Mimir or Loki on S3 (secret config). */
const S3_KEYS = ["s3AccessKeyId", "s3SecretAccessKey"];

/** Runs an environment with the mocks recorded; fails the hook when the environment fails. */
async function evaluated(env: string, files?: StackFile[]): Promise<MockSpyRun<EnvironmentEvaluation> & { e: EnvironmentEvaluation }> {
    const run = await withMockSpy(() => evaluateEnvironment(env, files !== undefined ? { files } : {}));
    if (run.error !== undefined) throw run.error;
    return { ...run, e: run.result! };
}

const stackOf = (e: EnvironmentEvaluation, name: string) => {
    const s = e.stacks.find((x) => x.stack === name);
    if (s === undefined) throw new Error(`no stack ${name} (have ${e.stacks.map((x) => x.stack).join(", ")})`);
    return s;
};

const json = (text: unknown) => JSON.parse(String(text));

interface IrsaExpectation {
    readonly issuer: string;
    readonly serviceAccount: string;
}

/** The trust policy admits exactly one ServiceAccount's web identity from exactly one cluster's issuer. */
function assertIrsaTrust(role: StackEvaluationResource, x: IrsaExpectation): void {
    const trust = json(revealed(role).assumeRolePolicy);
    assert.equal(trust.Version, "2012-10-17");
    assert.equal(trust.Statement.length, 1, JSON.stringify(trust));
    const [s] = trust.Statement;
    assert.equal(s.Effect, "Allow");
    assert.deepEqual(s.Principal, { Federated: `arn:aws:iam::${PLAN_AWS_ACCOUNT}:oidc-provider/${x.issuer}` });
    assert.deepEqual(s.Action, ["sts:AssumeRoleWithWebIdentity"]);
    assert.deepEqual(s.Condition, {
        StringEquals: {
            [`${x.issuer}:sub`]: `system:serviceaccount:${NAMESPACE}:${x.serviceAccount}`,
            [`${x.issuer}:aud`]: "sts.amazonaws.com",
        },
    });
}

type StackEvaluationResource = StackEvaluation["resources"][number];

/** The identity policy's statements as [Effect, Action, Resource] (Sids are for humans). */
function grants(policy: StackEvaluationResource): Array<{ Effect: string; Action: string[]; Resource: string[] }> {
    const doc = json(revealed(policy).policy);
    assert.equal(doc.Version, "2012-10-17");
    return doc.Statement.map((s: any) => ({ Effect: s.Effect, Action: s.Action, Resource: s.Resource }));
}

describe("metrics backends across stacks (offline plan, mock runtime)", function () {
    this.timeout(120_000);

    describe("cloud: AMP on EKS, Loki on a managed S3 bucket, EKS zones by IRSA and a GKE zone by static keys", () => {
        let run: MockSpyRun<EnvironmentEvaluation> & { e: EnvironmentEvaluation };
        before(async () => {
            run = await evaluated("cloud");
        });
        const g = () => stackOf(run.e, "cloud-global");
        const z = (zone: string) => stackOf(run.e, `cloud-zone-${zone}`);
        const mocked = (s: string, type: string, name: string): MockedResource => {
            const r = run.resources.find((x) => x.stack === s && x.type === type && x.name === name);
            if (r === undefined) throw new Error(`${s}: the mocks saw no ${type} ${name}`);
            return r;
        };
        /** The OIDC issuer (without https://) the EKS lookup of `s` returned, for cluster `cluster`. */
        const issuerOf = (s: string, cluster: string): string => {
            const lookups = run.calls.filter((c) => c.stack === s && c.token === "aws:eks/getCluster:getCluster");
            assert.deepEqual(
                lookups.map((c) => c.inputs.name),
                [cluster],
                `${s} looks up its own cluster once`,
            );
            return String(lookups[0].result.identities[0].oidcs[0].issuer).replace(/^https:\/\//, "");
        };
        const roleArn = (s: string, name: string) => String(mocked(s, ROLE, name).state.arn);
        const workspaceEndpoint = () => String(mocked("cloud-global", WORKSPACE, "metrics-amp-workspace").state.prometheusEndpoint);

        describe("global", () => {
            it("creates the AMP workspace with the environment's alias, tags and vended logs to a log group ARN ending in :*", () => {
                const ws = revealed(one(g(), WORKSPACE, "metrics-amp-workspace"));
                assert.equal(ws.alias, "mesh-observability-cloud");
                assert.deepEqual(ws.tags, { "mesh-observability/environment": "cloud", team: "platform" });
                const logGroupName = "/aws/vendedlogs/prometheus/mesh-observability-cloud";
                assert.deepEqual(ws.loggingConfiguration, { logGroupArn: `arn:aws:logs:us-east-1:${PLAN_AWS_ACCOUNT}:log-group:${logGroupName}:*` });
                const logs = revealed(one(g(), "aws:cloudwatch/logGroup:LogGroup", "metrics-amp-logs"));
                assert.equal(logs.name, logGroupName);
                assert.equal(logs.retentionInDays, 30);
            });

            it("exports amp / sigv4 with the workspace's remote-write URL, region and ARN", () => {
                const endpoint = workspaceEndpoint();
                const state = mocked("cloud-global", WORKSPACE, "metrics-amp-workspace").state;
                assert.match(endpoint, /^https:\/\/aps-workspaces\.us-east-1\.amazonaws\.com\/workspaces\/ws-[a-z0-9]+\/$/);
                assert.equal(output(g(), "metricsBackend"), "amp");
                assert.equal(output(g(), "metricsTransport"), "remote-write");
                assert.deepEqual(output(g(), "remoteReadZones"), []);
                assert.equal(output(g(), "remoteWriteAuth"), "sigv4");
                assert.equal(output(g(), "remoteWriteUrl"), `${endpoint}api/v1/remote_write`);
                assert.equal(output(g(), "prometheusQueryUrl"), endpoint.replace(/\/$/, ""));
                assert.equal(output(g(), "ampRegion"), "us-east-1");
                assert.equal(output(g(), "ampWorkspaceArn"), state.arn);
                assert.equal(output(g(), "ampWorkspaceArn"), `arn:aws:aps:us-east-1:${PLAN_AWS_ACCOUNT}:workspace/${endpoint.split("/")[4]}`);
                assert.deepEqual(output(g(), "remoteWriteCredentials"), {});
                assert.deepEqual(Object.keys(g().outputs).filter((k) => k.startsWith("remoteWriteCredential-")), [], "SigV4 zones get no basic-auth credential");
                assert.equal(output(g(), "remoteWriteTenant"), "");
            });

            it("runs no global Prometheus", () => {
                assert.deepEqual(resourcesOf(g(), "meshobs:prometheus:GlobalPrometheus"), []);
                assert.equal(
                    g().resources.filter((r) => r.type === CHART_TYPE && r.name === "global-prometheus-chart").length,
                    0,
                );
                assert.throws(() => file(g(), "prometheus", "prometheus.yml"), /no file prometheus\/prometheus\.yml/);
            });

            it("Grafana's Prometheus datasource signs with SigV4 in the workspace's region against its query URL", () => {
                const prom = yamlFile(g(), "grafana", "datasources.yaml").datasources.find((d: any) => d.uid === "prometheus");
                assert.equal(prom.url, workspaceEndpoint().replace(/\/$/, ""));
                assert.equal(prom.url, output(g(), "prometheusQueryUrl"));
                assert.equal(prom.jsonData.sigV4Auth, true);
                assert.equal(prom.jsonData.sigV4Region, "us-east-1");
                assert.equal(prom.basicAuth, false);
                assert.equal(prom.secureJsonData, undefined);
            });

            it("AMP is provisioned as grafana-amazonprometheus-datasource (what Grafana 13 would migrate it to), its plugin installed, and the Kuma datasource still reaches it by uid through a signing proxy", () => {
                const datasources = yamlFile(g(), "grafana", "datasources.yaml").datasources;
                const prom = datasources.find((d: any) => d.uid === "prometheus");
                assert.equal(prom.type, "grafana-amazonprometheus-datasource");
                assert.equal(prom.name, "Prometheus", "the Kuma dashboards name their datasource");
                assert.deepEqual(prom.jsonData, { httpMethod: "POST", sigV4Auth: true, sigV4AuthType: "default", sigV4Region: "us-east-1" });
                const kuma = datasources.find((d: any) => d.type === "kumahq-kuma-datasource");
                assert.equal(kuma.jsonData.prometheusDataSourceId, `uid/${prom.uid}`);
                const values = revealed(one(g(), CHART_TYPE, "global-grafana-chart")).values;
                assert.ok(values.plugins.includes("grafana-amazonprometheus-datasource@3.3.4"), JSON.stringify(values.plugins));
                assert.ok(values.plugins.some((p: string) => p.startsWith("kumahq-kuma-datasource@")), JSON.stringify(values.plugins));
                // The Kuma plugin's queries go through the data source proxy, which signs only with SigV4 enabled.
                assert.equal(values["grafana.ini"].auth.sigv4_auth_enabled, true);
            });

            it("Grafana's IRSA role: only global-grafana's ServiceAccount of mesh-global, only the four query actions on the workspace", () => {
                const issuer = issuerOf("cloud-global", "mesh-global");
                assert.match(issuer, /^oidc\.eks\.us-east-1\.amazonaws\.com\/id\/[0-9A-F]{32}$/);
                const role = one(g(), ROLE, "grafana-amp-query-role");
                assertIrsaTrust(role, { issuer, serviceAccount: "global-grafana" });
                const policy = one(g(), ROLE_POLICY, "grafana-amp-query-policy");
                assert.equal(revealed(policy).role, mocked("cloud-global", ROLE, "grafana-amp-query-role").state.name);
                assert.deepEqual(grants(policy), [
                    { Effect: "Allow", Action: ["aps:QueryMetrics", "aps:GetSeries", "aps:GetLabels", "aps:GetMetricMetadata"], Resource: [output(g(), "ampWorkspaceArn")] },
                ]);
                const values = revealed(one(g(), CHART_TYPE, "global-grafana-chart")).values;
                assert.deepEqual(values.serviceAccount.annotations, { [IRSA_ANNOTATION]: roleArn("cloud-global", "grafana-amp-query-role") });
            });
        });

        describe("Loki's bucket", () => {
            it("is acme-mesh-cloud-loki: private, encrypted, objects expiring after the 30d retention", () => {
                const bucket = revealed(one(g(), "aws:s3/bucket:Bucket", "loki-bucket-bucket"));
                assert.equal(bucket.bucket, "acme-mesh-cloud-loki");
                const pab = revealed(one(g(), "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "loki-bucket-public-access"));
                assert.equal(pab.bucket, "acme-mesh-cloud-loki");
                assert.deepEqual(
                    [pab.blockPublicAcls, pab.blockPublicPolicy, pab.ignorePublicAcls, pab.restrictPublicBuckets],
                    [true, true, true, true],
                );
                const sse = revealed(one(g(), "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "loki-bucket-encryption"));
                assert.equal(sse.bucket, "acme-mesh-cloud-loki");
                assert.equal(sse.rules.length, 1);
                assert.equal(sse.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "AES256");
                const lifecycle = revealed(one(g(), "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "loki-bucket-lifecycle"));
                assert.equal(lifecycle.bucket, "acme-mesh-cloud-loki");
                assert.equal(lifecycle.rules.length, 1);
                assert.equal(lifecycle.rules[0].status, "Enabled");
                assert.deepEqual(lifecycle.rules[0].expiration, { days: 30 });
            });

            it("Loki's IRSA role admits only global-loki's ServiceAccount and allows exactly list on the bucket and get/put/delete on its objects", () => {
                const issuer = issuerOf("cloud-global", "mesh-global");
                assertIrsaTrust(one(g(), ROLE, "loki-bucket-irsa-role"), { issuer, serviceAccount: "global-loki" });
                const policy = one(g(), ROLE_POLICY, "loki-bucket-irsa-policy");
                assert.equal(revealed(policy).role, mocked("cloud-global", ROLE, "loki-bucket-irsa-role").state.name);
                assert.deepEqual(grants(policy), [
                    { Effect: "Allow", Action: ["s3:ListBucket"], Resource: ["arn:aws:s3:::acme-mesh-cloud-loki"] },
                    { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: ["arn:aws:s3:::acme-mesh-cloud-loki/*"] },
                ]);
                const values = revealed(one(g(), CHART_TYPE, "global-loki-chart")).values;
                assert.deepEqual(values.serviceAccount.annotations, { [IRSA_ANNOTATION]: roleArn("cloud-global", "loki-bucket-irsa-role") });
                assert.equal(values.serviceAccount.name, "global-loki");
            });
        });

        describe("EKS zones", () => {
            const eksZones = [
                { zone: "us-east-1", cluster: "mesh-zone-us-east-1", region: "us-east-1", mode: "agent" },
                { zone: "eu-west-1", cluster: "mesh-zone-eu-west-1", region: "eu-west-1", mode: "server" },
            ] as const;

            it("remote-write to the global's URL with sigv4 in the workspace's region (us-east-1, also from eu-west-1), no basic auth, no keys in the file", () => {
                for (const { zone } of eksZones) {
                    const text = file(z(zone), "prometheus", "prometheus.yml");
                    const cfg = parse(text);
                    assert.equal(cfg.remote_write.length, 1, zone);
                    const rw = cfg.remote_write[0];
                    assert.equal(rw.url, output(g(), "remoteWriteUrl"), zone);
                    assert.deepEqual(rw.sigv4, { region: "us-east-1" }, zone);
                    assert.equal(rw.basic_auth, undefined, zone);
                    assert.doesNotMatch(text, /access_key|secret_key/, zone);
                    assert.equal(output(z(zone), "remoteWriteUrl"), output(g(), "remoteWriteUrl"));
                }
            });

            it("each has its own IRSA role: zone-prometheus of that zone's cluster (its own issuer), aps:RemoteWrite on the workspace only", () => {
                const issuers = new Set<string>([issuerOf("cloud-global", "mesh-global")]);
                for (const { zone, cluster, region } of eksZones) {
                    const s = z(zone);
                    const issuer = issuerOf(s.stack, cluster);
                    assert.match(issuer, new RegExp(`^oidc\\.eks\\.${region}\\.amazonaws\\.com/id/[0-9A-F]{32}$`), zone);
                    issuers.add(issuer);
                    assertIrsaTrust(one(s, ROLE, "zone-prometheus-amp-write-role"), { issuer, serviceAccount: "zone-prometheus" });
                    const policy = one(s, ROLE_POLICY, "zone-prometheus-amp-write-policy");
                    assert.equal(revealed(policy).role, mocked(s.stack, ROLE, "zone-prometheus-amp-write-role").state.name);
                    assert.deepEqual(grants(policy), [{ Effect: "Allow", Action: ["aps:RemoteWrite"], Resource: [output(g(), "ampWorkspaceArn")] }]);
                    const values = revealed(one(s, CHART_TYPE, "zone-prometheus-chart")).values;
                    assert.deepEqual(values.serviceAccounts.server, {
                        create: true,
                        name: "zone-prometheus",
                        annotations: { [IRSA_ANNOTATION]: roleArn(s.stack, "zone-prometheus-amp-write-role") },
                    });
                    assert.equal(values.server.env, undefined, `${zone}: no AWS keys in the environment`);
                    assert.deepEqual(resourcesOf(s, SECRET).filter((r) => r.name.includes("aws-credentials")), []);
                }
                assert.equal(issuers.size, 3, "global and both zones each trust their own cluster's issuer");
            });

            it("us-east-1 runs as an agent (WAL only, no TSDB flags), eu-west-1 as a server", () => {
                const agent = revealed(one(z("us-east-1"), CHART_TYPE, "zone-prometheus-chart")).values.server;
                assert.ok(agent.defaultFlagsOverride.includes("--agent"), agent.defaultFlagsOverride);
                assert.ok(agent.defaultFlagsOverride.includes(`--storage.agent.path=${DATA_MOUNT_PATH}`), agent.defaultFlagsOverride);
                assert.deepEqual(
                    agent.defaultFlagsOverride.filter((f: string) => f.startsWith("--storage.tsdb")),
                    [],
                );
                const server = revealed(one(z("eu-west-1"), CHART_TYPE, "zone-prometheus-chart")).values.server;
                assert.equal(server.defaultFlagsOverride, undefined);
                assert.equal(server.retention, "2d");
                assert.deepEqual(server.persistentVolume, { enabled: true, size: "50Gi", storageClass: "gp3" });
            });

            it("reach their cluster with a kubeconfig that execs `aws eks get-token` for that cluster and region", () => {
                const targets = [{ s: g(), cluster: "mesh-global", region: "us-east-1" }, ...eksZones.map((x) => ({ s: z(x.zone), cluster: x.cluster, region: x.region }))];
                for (const { s, cluster, region } of targets) {
                    const providers = resourcesOf(s, "pulumi:providers:kubernetes");
                    assert.equal(providers.length, 1, s.stack);
                    const p = revealed(providers[0]);
                    assert.equal(p.context, undefined);
                    assert.equal(p.renderYamlToDirectory, undefined);
                    const kubeconfig = parse(p.kubeconfig);
                    assert.equal(kubeconfig.users.length, 1);
                    const exec = kubeconfig.users[0].user.exec;
                    assert.equal(exec.command, "aws");
                    assert.deepEqual(exec.args.slice(0, 6), ["eks", "get-token", "--cluster-name", cluster, "--region", region], s.stack);
                    assert.ok(kubeconfig.clusters[0].cluster.server.includes(`.${region}.eks.amazonaws.com`), s.stack);
                }
            });
        });

        describe("GKE zone", () => {
            const gke = () => z("gke-europe-west1");
            const keys = () => [placeholder("awsAccessKeyId"), placeholder("awsSecretAccessKey")];

            it("has no IRSA role and no AWS provider; its Kubernetes provider uses the configured context", () => {
                assert.deepEqual(
                    gke().resources.filter((r) => r.type.startsWith("aws:") || r.type === "meshobs:aws:IrsaRole" || r.type === "pulumi:providers:aws"),
                    [],
                );
                const providers = resourcesOf(gke(), "pulumi:providers:kubernetes");
                assert.equal(providers.length, 1);
                const p = revealed(providers[0]);
                assert.equal(p.context, "gke_acme-mesh_europe-west1_mesh-zone");
                assert.equal(p.kubeconfig, undefined);
                assert.equal(p.renderYamlToDirectory, undefined);
            });

            it("keeps the static keys in a secret Secret the chart exposes through secretKeyRef env vars", () => {
                const secret = one(gke(), SECRET, "zone-prometheus-aws-credentials");
                assert.ok(containsSecret(secret.inputs.stringData), "stringData must be a Pulumi secret");
                const masked = JSON.stringify(revealOrMask(secret.inputs.stringData, false));
                for (const k of keys()) assert.ok(!masked.includes(k), `${k} is not secret in stringData`);
                assert.deepEqual(revealed(secret).stringData, { AWS_ACCESS_KEY_ID: placeholder("awsAccessKeyId"), AWS_SECRET_ACCESS_KEY: placeholder("awsSecretAccessKey") });
                assert.equal(revealed(secret).metadata.name, "zone-prometheus-aws-credentials");
                const values = revealed(one(gke(), CHART_TYPE, "zone-prometheus-chart")).values;
                assert.deepEqual(values.server.env, [
                    { name: "AWS_ACCESS_KEY_ID", valueFrom: { secretKeyRef: { name: "zone-prometheus-aws-credentials", key: "AWS_ACCESS_KEY_ID" } } },
                    { name: "AWS_SECRET_ACCESS_KEY", valueFrom: { secretKeyRef: { name: "zone-prometheus-aws-credentials", key: "AWS_SECRET_ACCESS_KEY" } } },
                ]);
                assert.equal(values.serviceAccounts, undefined, "no IRSA annotation off EKS");
            });

            it("signs with sigv4 for us-east-1, and neither key appears in prometheus.yml, any ConfigMap or the chart values", () => {
                const text = file(gke(), "prometheus", "prometheus.yml");
                const rw = parse(text).remote_write;
                assert.equal(rw.length, 1);
                assert.equal(rw[0].url, output(g(), "remoteWriteUrl"));
                assert.deepEqual(rw[0].sigv4, { region: "us-east-1" });
                assert.equal(rw[0].basic_auth, undefined);
                assert.doesNotMatch(text, /access_key|secret_key/);
                const chartValues = JSON.stringify(revealed(one(gke(), CHART_TYPE, "zone-prometheus-chart")));
                for (const k of keys()) {
                    assert.ok(!text.includes(k), `prometheus.yml holds ${k}`);
                    assert.ok(!chartValues.includes(k), `chart values hold ${k}`);
                    for (const cm of resourcesOf(gke(), CONFIG_MAP)) assert.ok(!JSON.stringify(revealed(cm)).includes(k), `${cm.name} holds ${k}`);
                }
            });
        });

        it("every AWS resource and lookup goes through an explicit aws provider of the right region (no default provider)", () => {
            const expected: Record<string, string> = { "cloud-global": "us-east-1", "cloud-zone-us-east-1": "us-east-1", "cloud-zone-eu-west-1": "eu-west-1" };
            for (const s of run.e.stacks) {
                const aws = run.resources.filter((r) => r.stack === s.stack && r.type.startsWith("aws:"));
                const lookups = run.calls.filter((c) => c.stack === s.stack && c.token.startsWith("aws:"));
                if (!(s.stack in expected)) {
                    assert.deepEqual([...aws, ...lookups], [], `${s.stack} touches no AWS API`);
                    continue;
                }
                assert.ok(aws.length > 0 && lookups.length > 0, s.stack);
                const providers = run.resources.filter((r) => r.stack === s.stack && r.type === "pulumi:providers:aws");
                for (const r of [...aws, ...lookups]) {
                    const what = `${s.stack} ${"type" in r ? `${r.type} ${r.name}` : r.token}`;
                    assert.ok(r.provider !== undefined, `${what} uses the default provider`);
                    const ref = providerName(r.provider);
                    assert.equal(ref.pkg, "aws", what);
                    const p = providers.find((x) => x.name === ref.name);
                    assert.ok(p !== undefined, `${what}: provider ${ref.name} is not this stack's`);
                    assert.equal(p.state.region, expected[s.stack], what);
                }
            }
            assert.equal(mocked("cloud-global", WORKSPACE, "metrics-amp-workspace").state.region, "us-east-1");
        });
    });

    describe("generated: Mimir backend", () => {
        let e: EnvironmentEvaluation;
        before(async () => {
            ({ e } = await evaluated("mim", [
                stack("mim-global", { zones: ["a"], metrics: { backend: "mimir", mimir: { tenant: "mesh-test", storage: { type: "s3", bucket: "b-mimir", region: "eu-west-1" } } } }, S3_KEYS),
                zoneStack("mim", "a"),
            ]));
        });
        const g = () => stackOf(e, "mim-global");
        const za = () => stackOf(e, "mim-zone-a");

        it("global exports mimir, no auth, the tenant and Mimir's push URL", () => {
            assert.equal(output(g(), "metricsBackend"), "mimir");
            assert.equal(output(g(), "metricsTransport"), "remote-write");
            assert.deepEqual(output(g(), "remoteReadZones"), []);
            assert.equal(output(g(), "remoteWriteAuth"), "none");
            assert.equal(output(g(), "remoteWriteTenant"), "mesh-test");
            assert.match(String(output(g(), "remoteWriteUrl")), /^http:\/\/[a-z0-9.-]+(:\d+)?\/api\/v1\/push$/);
            assert.equal(output(g(), "ampRegion"), "");
            assert.equal(output(g(), "ampWorkspaceArn"), "");
        });

        it("the zone remote-writes with X-Scope-OrgID: mesh-test and no auth block", () => {
            const rw = yamlFile(za(), "prometheus", "prometheus.yml").remote_write;
            assert.equal(rw.length, 1);
            assert.equal(rw[0].url, output(g(), "remoteWriteUrl"));
            assert.deepEqual(rw[0].headers, { "X-Scope-OrgID": "mesh-test" });
            for (const auth of ["basic_auth", "sigv4", "authorization", "oauth2"]) assert.equal(rw[0][auth], undefined, auth);
            assert.deepEqual(resourcesOf(za(), SECRET).filter((r) => r.name.startsWith("zone-prometheus")), []);
        });

        it("Grafana queries Mimir as the tenant (httpHeaderName1 / httpHeaderValue1)", () => {
            const prom = yamlFile(g(), "grafana", "datasources.yaml").datasources.find((d: any) => d.uid === "prometheus");
            assert.equal(prom.url, output(g(), "prometheusQueryUrl"));
            assert.equal(prom.jsonData.httpHeaderName1, "X-Scope-OrgID");
            assert.deepEqual(prom.secureJsonData, { httpHeaderValue1: "mesh-test" });
            assert.equal(prom.jsonData.sigV4Auth, undefined);
        });

        it("an http:// object-storage endpoint keeps its scheme: host:port plus insecure, https:// stays TLS", async () => {
            const s3Of = async (endpoint: string) => {
                const run = await evaluated("mimep", [
                    stack("mimep-global", { zones: ["a"], metrics: { backend: "mimir", mimir: { tenant: "mesh-test", storage: { type: "s3", bucket: "b-mimir", region: "eu-west-1", endpoint } } } }, S3_KEYS),
                    zoneStack("mimep", "a"),
                ]);
                return revealed(one(stackOf(run.e, "mimep-global"), CHART_TYPE, "global-mimir-chart")).values.mimir.structuredConfig.common.storage.s3;
            };
            const minio = await s3Of("http://minio.storage.svc:9000");
            assert.equal(minio.endpoint, "minio.storage.svc:9000");
            assert.equal(minio.insecure, true);
            const tls = await s3Of("https://s3.eu-west-1.amazonaws.com");
            assert.equal(tls.endpoint, "s3.eu-west-1.amazonaws.com");
            assert.equal(tls.insecure ?? false, false);
        });

        it("the Mimir chart is pinned to 5.7.0; no global Prometheus", () => {
            const chart = revealed(one(g(), CHART_TYPE, "global-mimir-chart"));
            assert.equal(chart.version, "5.7.0");
            assert.equal(chart.chart, "mimir-distributed");
            assert.deepEqual(resourcesOf(g(), "meshobs:prometheus:GlobalPrometheus"), []);
        });
    });

    describe("generated: global Prometheus federating the zones", () => {
        const MATCH = '{__name__=~"job:.*"}';
        const fedGlobal = () => stack("fed-global", { zones: ["a"], metrics: { federation: { match: [MATCH], zones: { a: { url: "https://prom-a.example.com" } } } } });
        let e: EnvironmentEvaluation;
        before(async () => {
            ({ e } = await evaluated("fed", [fedGlobal(), zoneStack("fed", "a")]));
        });
        const g = () => stackOf(e, "fed-global");
        const za = () => stackOf(e, "fed-zone-a");

        it("the global's prometheus.yml federates zone a: honor_labels, /federate, match[] as configured", () => {
            const jobs = yamlFile(g(), "prometheus", "prometheus.yml").scrape_configs;
            const fed = jobs.filter((j: any) => j.metrics_path === "/federate");
            assert.equal(fed.length, 1, JSON.stringify(jobs));
            assert.equal(fed[0].job_name, "federate-a");
            assert.equal(fed[0].honor_labels, true);
            assert.deepEqual(fed[0].params, { "match[]": [MATCH] });
            assert.equal(fed[0].scheme, "https");
            assert.deepEqual(
                fed[0].static_configs.map((c: any) => c.targets),
                [["prom-a.example.com:443"]],
            );
        });

        it("global exports federation and no remote-write URL", () => {
            assert.equal(output(g(), "metricsBackend"), "prometheus");
            assert.equal(output(g(), "metricsTransport"), "federation");
            assert.deepEqual(output(g(), "remoteReadZones"), []);
            assert.equal(output(g(), "remoteWriteUrl"), "");
        });

        it("the zone keeps its series: no remote_write at all", () => {
            const cfg = yamlFile(za(), "prometheus", "prometheus.yml");
            assert.equal(cfg.remote_write, undefined);
            assert.deepEqual(resourcesOf(za(), SECRET).filter((r) => r.name === "zone-prometheus-remote-write"), []);
        });

        it("a zone running as agent against a federating global fails naming zonePrometheus.mode and its stack file, before any resource", async () => {
            const r = await refused("fed", [fedGlobal(), zoneStack("fed", "a", { zonePrometheus: { mode: "agent" } })]);
            assert.match(r.message, /^stacks\/Pulumi\.fed-zone-a\.yaml: invalid configuration:/);
            assert.match(r.message, /mesh-observability:zonePrometheus\.mode: "agent" has no \/federate/);
            assert.deepEqual(r.registered("fed-zone-a"), ["pulumi:pulumi:Stack", "pulumi:pulumi:StackReference"]);
        });
    });

    describe("generated: global Prometheus remote-reading some zones", () => {
        let e: EnvironmentEvaluation;
        before(async () => {
            ({ e } = await evaluated("rr", [
                stack("rr-global", { zones: ["a", "b", "c"], metrics: { remoteRead: { zones: { c: { url: "https://prom-c.example.com" }, a: { url: "http://prom-a.example.com:9090", readRecent: true } } } } }),
                zoneStack("rr", "a"),
                zoneStack("rr", "b"),
            ]));
        });
        const g = () => stackOf(e, "rr-global");

        it("global exports the remote-read zones as remoteReadZones (config order), next to remote-write", () => {
            assert.deepEqual(output(g(), "remoteReadZones"), ["c", "a"]);
            assert.equal(output(g(), "metricsTransport"), "remote-write");
            assert.deepEqual(
                yamlFile(g(), "prometheus", "prometheus.yml").remote_read.map((r: any) => r.url),
                ["https://prom-c.example.com/api/v1/read", "http://prom-a.example.com:9090/api/v1/read"],
            );
        });

        it("the shipped environments' globals remote-read no zone", async () => {
            for (const env of ["local", "prod"]) {
                const { e: shipped } = await evaluated(env);
                assert.deepEqual(output(stackOf(shipped, `${env}-global`), "remoteReadZones"), [], env);
            }
        });
    });

    describe("refused configurations", () => {
        /** AMP global rendered to a directory (not EKS): its AWS provider is its own, for the workspace's region. */
        const ampGlobal = () => stack("ampx-global", { zones: ["a"], grafana: { enabled: false }, metrics: { backend: "amp", amp: { region: "eu-central-1" } } });

        it("AMP global, zone neither on EKS nor with keys: fails before resources naming mesh-observability:awsAccessKeyId", async () => {
            const r = await refused("ampx", [ampGlobal(), zoneStack("ampx", "a")]);
            assert.match(r.message, /^stacks\/Pulumi\.ampx-zone-a\.yaml: invalid configuration:/);
            assert.match(r.message, /mesh-observability:awsAccessKeyId: required: organization\/mesh-observability\/ampx-global writes to Amazon Managed Prometheus and this cluster is not EKS/);
            assert.deepEqual(r.registered("ampx-zone-a"), ["pulumi:pulumi:Stack", "pulumi:pulumi:StackReference"]);
            // The global itself went through: its workspace sits in eu-central-1 behind its own provider.
            assert.ok(r.registered("ampx-global").includes(WORKSPACE));
        });

        it("AMP global on its own regional provider: workspace ARN and signing region follow metrics.amp.region", async () => {
            const run = await evaluated("ampx", [ampGlobal()]);
            const g = stackOf(run.e, "ampx-global");
            assert.match(String(output(g, "ampWorkspaceArn")), new RegExp(`^arn:aws:aps:eu-central-1:${PLAN_AWS_ACCOUNT}:workspace/ws-`));
            assert.equal(output(g, "ampRegion"), "eu-central-1");
            const ws = run.resources.find((x) => x.type === WORKSPACE)!;
            assert.ok(ws.provider !== undefined);
            assert.equal(providerName(ws.provider).name, "ampx-global-aws-eu-central-1");
            assert.equal(revealed(one(g, "pulumi:providers:aws", "ampx-global-aws-eu-central-1")).region, "eu-central-1");
        });

        it("a zone whose awsAccessKeyId is plaintext fails naming the key as plaintext", async () => {
            const zone = stack("ampx-zone-a", { mesh: { version: "2.9.2" }, awsAccessKeyId: "AKIAEXAMPLEEXAMPLE00" }, ["awsSecretAccessKey"]);
            const r = await refused("ampx", [ampGlobal(), zone]);
            assert.match(r.message, /^stacks\/Pulumi\.ampx-zone-a\.yaml: invalid configuration:/);
            assert.match(r.message, /mesh-observability:awsAccessKeyId: is stored in plaintext; allowed: a secret, set with `pulumi config set --secret awsAccessKeyId <value>`/);
            assert.doesNotMatch(r.message, /awsSecretAccessKey: is stored in plaintext/);
            assert.ok(!r.message.includes("AKIAEXAMPLEEXAMPLE00"), "the error does not echo the key");
            assert.deepEqual(r.registered("ampx-zone-a"), ["pulumi:pulumi:Stack"]);
        });

        const invalid: Array<[string, Record<string, unknown>, RegExp]> = [
            ["backend amp without amp", { backend: "amp" }, /mesh-observability:metrics\.amp: required when backend is amp/],
            [
                "federation with backend amp",
                { backend: "amp", amp: { region: "us-east-1" }, federation: { match: ["up"], zones: { a: { url: "https://prom-a.example.com" } } } },
                /mesh-observability:metrics\.federation: needs the global Prometheus \(backend prometheus\), not amp/,
            ],
            [
                "a federation zone not in zones",
                { federation: { match: ["up"], zones: { a: { url: "https://prom-a.example.com" }, b: { url: "https://prom-b.example.com" } } } },
                /mesh-observability:metrics\.federation\.zones\.b: zone "b" is not in zones; allowed: a/,
            ],
            ["amp logging retentionDays 13", { backend: "amp", amp: { region: "us-east-1", logging: { retentionDays: 13 } } }, /mesh-observability:metrics\.amp\.logging\.retentionDays: allowed: one of CloudWatch's retention periods \(1, 3, 5, 7, 14, 30,/],
        ];
        for (const [what, metrics, expected] of invalid) {
            it(`global metrics: ${what} fails naming the key, before any resource`, async () => {
                const r = await refused("bad", [stack("bad-global", { zones: ["a"], metrics })]);
                assert.match(r.message, /^stacks\/Pulumi\.bad-global\.yaml: invalid configuration:/);
                assert.match(r.message, expected);
                assert.deepEqual(r.registered("bad-global"), ["pulumi:pulumi:Stack"]);
            });
        }
    });
});
