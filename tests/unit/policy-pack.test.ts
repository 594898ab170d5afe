import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { unknownCheckingProxy } from "@pulumi/policy";
import { evaluateEnvironment, EnvironmentEvaluation, PROJECT_ROOT } from "../../infra/plan/evaluate-environment";
import { fromEngine, plain, policies } from "../../infra/policy/policies";
import { RuleResource, UNKNOWN } from "../../infra/policy/resource";
import {
    imagesPinned,
    noSecretInConfigMap,
    prometheusReceiverAuthenticated,
    resourceRequestsSet,
    RESOURCE_RULES,
    s3PublicAccessBlocked,
    STACK_RULES,
} from "../../infra/policy/rules";
import { clone, stackRuleResources } from "../support/policy-resources";

const CHART = "kubernetes:helm.sh/v4:Chart";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const BUCKET = "aws:s3/bucket:Bucket";
const PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const POLICY_DIR = path.join(PROJECT_ROOT, "infra", "policy");
const SHIPPED = fs
    .readdirSync(path.join(PROJECT_ROOT, "stacks"))
    .map((f) => /^Pulumi\.(.+)-global\.yaml$/.exec(f)?.[1])
    .filter((e): e is string => e !== undefined)
    .sort();
/** Pulumi's "unknown string" sentinel, as the engine sends a value not known at preview (pulumi/sdk rpc). */
const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

describe("policy pack: rules over the offline plan of every shipped environment", function () {
    this.timeout(120_000);
    const stacks = new Map<string, RuleResource[]>();
    before(async () => {
        const envs: EnvironmentEvaluation[] = [];
        for (const env of SHIPPED) envs.push(await evaluateEnvironment(env));
        for (const e of envs) for (const s of e.stacks) stacks.set(s.stack, stackRuleResources(s));
    });
    const all = () => [...stacks.values()].flat();
    const find = (stack: string, type: string, name: string) => {
        const r = stacks.get(stack)?.find((x) => x.type === type && x.name === name);
        if (!r) throw new Error(`${stack}: no ${type} ${name}`);
        return clone(r);
    };

    it("evaluates every stack file in stacks/", () => {
        const files = fs.readdirSync(path.join(PROJECT_ROOT, "stacks")).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter(Boolean);
        assert.deepEqual([...stacks.keys()].sort(), files.sort());
    });

    for (const [name, rule] of Object.entries(RESOURCE_RULES)) {
        it(`${name}: no violation in any shipped stack`, () => {
            const found = [...stacks.entries()].flatMap(([stack, rs]) => rs.flatMap((r) => rule.check(r).map((m) => `${stack}: ${m}`)));
            assert.deepEqual(found, []);
        });
    }
    for (const [name, rule] of Object.entries(STACK_RULES)) {
        it(`${name}: no violation in any shipped stack`, () => {
            const found = [...stacks.entries()].flatMap(([stack, rs]) => rule.check(rs).map((v) => `${stack}: ${v.message}`));
            assert.deepEqual(found, []);
        });
    }

    it("the zero counts mean something: the plan holds what each rule inspects", () => {
        const charts = all().filter((r) => r.type === CHART);
        const receivers = charts.filter((r) => r.props.chart === "prometheus" && (r.props.values as any).server.extraFlags.includes("web.enable-remote-write-receiver"));
        assert.ok(receivers.length >= 2, "global Prometheus receivers (local, prod)");
        assert.ok(all().filter((r) => r.type === CONFIG_MAP).length >= 20);
        assert.ok(charts.some((r) => (r.props.values as any).image?.tag), "an image pinned in chart values");
        for (const chart of ["prometheus", "opentelemetry-collector", "alloy"]) assert.ok(charts.some((r) => r.props.chart === chart), chart);
        assert.equal(all().filter((r) => r.type === BUCKET).length, 1);
        assert.equal(all().filter((r) => r.type === PAB).length, 1);
    });

    describe("(a) prometheus-remote-write-receiver-authenticated", () => {
        it("flags a receiver without web.config.file", () => {
            const r = find("local-global", CHART, "global-prometheus-chart");
            delete (r.props.values as any).server.extraArgs["web.config.file"];
            assert.deepEqual(prometheusReceiverAuthenticated(r), [
                'global-prometheus-chart: Prometheus enables --web.enable-remote-write-receiver without server.extraArgs["web.config.file"], so anyone who reaches it can write series; set a web config with basic_auth_users, mounted from a Secret',
            ]);
        });
        it("flags a web config that is not inside a mounted Secret", () => {
            const r = find("prod-global", CHART, "global-prometheus-chart");
            (r.props.values as any).server.extraSecretMounts = [];
            assert.deepEqual(prometheusReceiverAuthenticated(r), [
                "global-prometheus-chart: Prometheus enables --web.enable-remote-write-receiver but web.config.file /etc/prometheus/secrets/auth/web-config.yml is not inside a mounted Secret (server.extraSecretMounts); the web config holds credentials and must come from a Secret",
            ]);
            (r.props.values as any).server.extraArgs["web.config.file"] = "/etc/config/web.yml";
            (r.props.values as any).server.extraSecretMounts = [{ name: "auth", mountPath: "/etc/prometheus/secrets/auth", secretName: "x", readOnly: true }];
            assert.equal(prometheusReceiverAuthenticated(r).length, 1, "a Secret mounted elsewhere does not count");
        });
        it("also sees the receiver switched on through extraArgs or the old feature flag, and accepts a secret volume", () => {
            const r = find("local-global", CHART, "global-prometheus-chart");
            const server = (r.props.values as any).server;
            server.extraFlags = ["enable-feature=remote-write-receiver"];
            delete server.extraArgs["web.config.file"];
            assert.equal(prometheusReceiverAuthenticated(r).length, 1);
            server.extraFlags = [];
            server.extraArgs["web.enable-remote-write-receiver"] = "";
            assert.equal(prometheusReceiverAuthenticated(r).length, 1);
            server.extraArgs["web.config.file"] = "/auth/web.yml";
            server.extraSecretMounts = [];
            server.extraVolumes = [{ name: "auth", secret: { secretName: "web" } }];
            server.extraVolumeMounts = [{ name: "auth", mountPath: "/auth" }];
            assert.deepEqual(prometheusReceiverAuthenticated(r), []);
        });
        it("checks rendered workloads too (what the engine sees of the chart's StatefulSet)", () => {
            const sts = (args: string[], volumes: unknown[], mounts: unknown[]): RuleResource => ({
                type: "kubernetes:apps/v1:StatefulSet",
                name: "global-prometheus-server",
                props: { spec: { template: { spec: { volumes, containers: [{ name: "prometheus-server", args, volumeMounts: mounts }] } } } },
            });
            const receiver = ["--storage.tsdb.path=/data", "--web.enable-remote-write-receiver"];
            assert.deepEqual(prometheusReceiverAuthenticated(sts(receiver, [], [])), [
                "global-prometheus-server: container prometheus-server runs --web.enable-remote-write-receiver without --web.config.file, so anyone who reaches it can write series",
            ]);
            const withConfig = [...receiver, "--web.config.file=/etc/auth/web.yml"];
            assert.deepEqual(prometheusReceiverAuthenticated(sts(withConfig, [{ name: "auth", configMap: { name: "web" } }], [{ name: "auth", mountPath: "/etc/auth" }])), [
                "global-prometheus-server: container prometheus-server runs --web.enable-remote-write-receiver but --web.config.file /etc/auth/web.yml is not inside a mounted Secret volume",
            ]);
            assert.deepEqual(prometheusReceiverAuthenticated(sts(withConfig, [{ name: "auth", secret: { secretName: "web" } }], [{ name: "auth", mountPath: "/etc/auth" }])), []);
            assert.deepEqual(prometheusReceiverAuthenticated(sts(["--storage.tsdb.path=/data"], [], [])), []);
        });
        it("leaves a zone Prometheus (no receiver) alone", () => {
            const r = find("local-zone-east", CHART, "zone-prometheus-chart");
            (r.props.values as any).server.extraSecretMounts = [];
            assert.deepEqual(prometheusReceiverAuthenticated(r), []);
        });
    });

    describe("(b) no-secret-in-configmap", () => {
        const cm = (data: Record<string, string>): RuleResource => ({ type: CONFIG_MAP, name: "bad-config", props: { metadata: { name: "bad" }, data } });
        it("flags a literal password in a config file, without printing it", () => {
            const r = find("local-zone-east", CONFIG_MAP, "zone-prometheus-config");
            const data = r.props.data as Record<string, string>;
            data["prometheus.yml"] = data["prometheus.yml"].replace(/password_file: .*/, "password: hunter2-literal");
            const found = noSecretInConfigMap(r);
            assert.equal(found.length, 1, found.join("\n"));
            assert.match(found[0], /^zone-prometheus-config: ConfigMap data key "prometheus\.yml" line \d+ sets "password" to a literal value; reference a mounted Secret file or an environment variable from a Secret instead$/);
            assert.ok(!found[0].includes("hunter2"));
        });
        it("flags credential-named keys, bcrypt hashes, AWS keys and private keys", () => {
            const hash = "$2a$10$" + "N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy";
            assert.deepEqual(noSecretInConfigMap(cm({ "admin-password": "x" })), [
                'bad-config: ConfigMap data key "admin-password" is named like a credential; credentials belong in a Secret',
            ]);
            assert.deepEqual(noSecretInConfigMap(cm({ "web-config.yml": `basic_auth_users:\n  zone-writer: ${hash}\n` })), [
                'bad-config: ConfigMap data key "web-config.yml" holds a bcrypt hash; password hashes belong in a Secret too',
            ]);
            assert.deepEqual(noSecretInConfigMap(cm({ "users.csv": "ci-bot,AKIAIOSFODNN7EXAMPLE\n" })), ['bad-config: ConfigMap data key "users.csv" holds an AWS access key ID']);
            const awsSecret = noSecretInConfigMap(cm({ creds: "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n" }));
            assert.ok(awsSecret.includes('bad-config: ConfigMap data key "creds" holds an AWS secret access key'), awsSecret.join("\n"));
            assert.deepEqual(noSecretInConfigMap(cm({ "tls.pem": "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n" })), [
                'bad-config: ConfigMap data key "tls.pem" holds a private key',
            ]);
            assert.deepEqual(noSecretInConfigMap(cm({ "datasources.json": '{"secureJsonData": {"apiKey": "abc123"}}' })), [
                'bad-config: ConfigMap data key "datasources.json" line 1 sets "apiKey" to a literal value; reference a mounted Secret file or an environment variable from a Secret instead',
            ]);
        });
        it("reads binaryData too", () => {
            const r: RuleResource = { type: CONFIG_MAP, name: "bin", props: { binaryData: { "app.ini": Buffer.from("token = s3cr3t\n").toString("base64") } } };
            assert.deepEqual(noSecretInConfigMap(r), ['bin: ConfigMap binaryData key "app.ini" line 1 sets "token" to a literal value; reference a mounted Secret file or an environment variable from a Secret instead']);
        });
        it("accepts references: *_file paths, ${ENV}, Grafana $__file{}, Alloy env()", () => {
            assert.deepEqual(
                noSecretInConfigMap(
                    cm({
                        "prometheus.yml": "basic_auth:\n  password_file: /etc/secrets/p\n",
                        "datasources.yaml": "secureJsonData:\n  basicAuthPassword: ${MESHOBS_PROMETHEUS_PASSWORD}\n  token: $__file{/etc/secrets/t}\n",
                        "config.alloy": 'basic_auth {\n  password = env("LOKI_PASSWORD")\n  password = local.file.p.content\n}\n',
                    }),
                ),
                [],
            );
            assert.equal(noSecretInConfigMap(cm({ "config.alloy": 'basic_auth {\n  password = "literal"\n}\n' })).length, 1);
        });
    });

    describe("(c) images-pinned", () => {
        it('flags an image on "latest" and one without a tag in chart values', () => {
            const r = find("prod-zone-us-east-1", CHART, "zone-collector-chart");
            (r.props.values as any).image.tag = "latest";
            assert.deepEqual(imagesPinned(r), ['zone-collector-chart values.image: image otel/opentelemetry-collector-contrib uses the mutable tag "latest"; pin a version tag or a digest']);
            delete (r.props.values as any).image.tag;
            assert.deepEqual(imagesPinned(r), ["zone-collector-chart values.image: image otel/opentelemetry-collector-contrib is not pinned (no tag or digest)"]);
            (r.props.values as any).image.digest = `sha256:${"a".repeat(64)}`;
            assert.deepEqual(imagesPinned(r), []);
        });
        it("flags a chart without a version", () => {
            const r = find("local-global", CHART, "global-grafana-chart");
            delete r.props.version;
            assert.deepEqual(imagesPinned(r), ["global-grafana-chart: chart grafana has no version; pin the chart version"]);
        });
        it("checks pod specs: string images with no tag or latest; tags and digests pass; registry ports are not tags", () => {
            const pod = (image: string): RuleResource => ({
                type: "kubernetes:apps/v1:Deployment",
                name: "app",
                props: { spec: { template: { spec: { containers: [{ name: "c", image }] } } } },
            });
            assert.deepEqual(imagesPinned(pod("registry:5000/team/app")), ["app spec.template.spec.containers[0].image: image registry:5000/team/app is not pinned (no tag or digest)"]);
            assert.deepEqual(imagesPinned(pod("nginx:latest")), ['app spec.template.spec.containers[0].image: image nginx:latest uses the mutable tag "latest"; pin a version tag or a digest']);
            assert.deepEqual(imagesPinned(pod("registry:5000/team/app:1.2.3")), []);
            assert.deepEqual(imagesPinned(pod(`nginx@sha256:${"0".repeat(64)}`)), []);
        });
    });

    describe("(d) resource-requests-set", () => {
        it("flags a Prometheus server without requests", () => {
            const r = find("cloud-zone-us-east-1", CHART, "zone-prometheus-chart");
            delete (r.props.values as any).server.resources.requests;
            assert.deepEqual(resourceRequestsSet(r), [
                "zone-prometheus-chart: prometheus chart values lack server.resources.requests.cpu; without requests the scheduler can overcommit the node",
                "zone-prometheus-chart: prometheus chart values lack server.resources.requests.memory; without requests the scheduler can overcommit the node",
            ]);
        });
        it("extends to the collector and Alloy, whose requests we set", () => {
            const collector = find("local-zone-west", CHART, "zone-collector-chart");
            delete (collector.props.values as any).resources.requests.memory;
            assert.deepEqual(resourceRequestsSet(collector), [
                "zone-collector-chart: opentelemetry-collector chart values lack resources.requests.memory; without requests the scheduler can overcommit the node",
            ]);
            const alloy = find("local-zone-west", CHART, "zone-logs-chart");
            delete (alloy.props.values as any).alloy.resources;
            assert.equal(resourceRequestsSet(alloy).length, 2);
        });
    });

    describe("(e) s3-public-access-blocked", () => {
        it("flags a bucket without a public access block", () => {
            const rs = clone(stacks.get("cloud-global")!).filter((r) => r.type !== PAB);
            assert.deepEqual(
                s3PublicAccessBlocked(rs).map((v) => v.message),
                ["loki-bucket-bucket: S3 bucket has no BucketPublicAccessBlock; add one with blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets all true"],
            );
        });
        it("flags a public access block with a flag off, naming the flag", () => {
            const rs = clone(stacks.get("cloud-global")!);
            rs.find((r) => r.type === PAB)!.props.restrictPublicBuckets = false;
            assert.deepEqual(
                s3PublicAccessBlocked(rs).map((v) => v.message),
                ["loki-bucket-bucket: BucketPublicAccessBlock loki-bucket-public-access does not set restrictPublicBuckets to true"],
            );
        });
        it("a block for another bucket does not count", () => {
            const rs = clone(stacks.get("cloud-global")!);
            rs.find((r) => r.type === PAB)!.props.bucket = "someone-elses-bucket";
            assert.equal(s3PublicAccessBlocked(rs).length, 1);
        });
        it("at preview (bucket id unknown) matches through the engine's property dependencies", () => {
            const bucket: RuleResource = { type: BUCKET, name: "b", urn: "urn:b", props: { bucket: UNKNOWN } };
            const block = (deps: string[]): RuleResource => ({
                type: PAB,
                name: "pab",
                urn: "urn:pab",
                propertyDependencies: { bucket: deps },
                props: { bucket: UNKNOWN, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            });
            assert.deepEqual(s3PublicAccessBlocked([bucket, block(["urn:b"])]), []);
            assert.equal(s3PublicAccessBlocked([bucket, block([])]).length, 1);
        });
    });
});

describe("policy pack: @pulumi/policy wiring", function () {
    // Two child processes start ts-node; on a loaded machine that alone can take tens of seconds.
    this.timeout(150_000);

    it("has one mandatory policy per rule, resource rules as validateResource, the S3 rule as validateStack", () => {
        assert.deepEqual(policies.map((p) => p.name).sort(), [...Object.keys(RESOURCE_RULES), ...Object.keys(STACK_RULES)].sort());
        for (const p of policies) assert.equal(p.enforcementLevel, "mandatory", p.name);
        assert.equal(typeof (policies.find((p) => p.name === "s3-public-access-blocked") as any).validateStack, "function");
        for (const name of Object.keys(RESOURCE_RULES)) assert.equal(typeof (policies.find((p) => p.name === name) as any).validateResource, "function");
    });

    it("the adapters report through reportViolation what the plain functions return (engine-shaped args, unknowns proxied)", async () => {
        const violations: { message: string; urn?: string }[] = [];
        const report = (message: string, urn?: string) => violations.push({ message, urn });
        const chart = policies.find((p) => p.name === "images-pinned") as any;
        const props = unknownCheckingProxy({ chart: "grafana", values: { image: { repository: "grafana/grafana", tag: "latest" }, podAnnotations: { checksum: UNKNOWN_STRING } } });
        await chart.validateResource({ type: CHART, name: "g", urn: "urn:g", props, opts: {}, stackTags: new Map(), getConfig: () => ({}), notApplicable: () => undefined, isType: () => false, asType: () => undefined }, report);
        assert.deepEqual(violations.map((v) => v.message), [
            "g: chart grafana has no version; pin the chart version",
            'g values.image: image grafana/grafana uses the mutable tag "latest"; pin a version tag or a digest',
        ]);

        violations.length = 0;
        const s3 = policies.find((p) => p.name === "s3-public-access-blocked") as any;
        const bucket = { type: BUCKET, name: "b", urn: "urn:b", props: unknownCheckingProxy({ bucket: UNKNOWN_STRING }), propertyDependencies: {} };
        const pab = (deps: any[]) => ({
            type: PAB,
            name: "pab",
            urn: "urn:pab",
            props: unknownCheckingProxy({ bucket: UNKNOWN_STRING, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }),
            propertyDependencies: { bucket: deps },
        });
        await s3.validateStack({ resources: [bucket, pab([bucket])], stackTags: new Map(), getConfig: () => ({}), notApplicable: () => undefined }, report);
        assert.equal(violations.length, 0, JSON.stringify(violations));
        await s3.validateStack({ resources: [bucket, pab([])], stackTags: new Map(), getConfig: () => ({}), notApplicable: () => undefined }, report);
        assert.equal(violations.length, 1);
        assert.equal(violations[0].urn, "urn:b");
    });

    it("plain() turns values unknown at preview into UNKNOWN instead of throwing", () => {
        assert.deepEqual(plain(unknownCheckingProxy({ a: UNKNOWN_STRING, b: [1, UNKNOWN_STRING], c: { d: "x" } })), { a: UNKNOWN, b: [1, UNKNOWN], c: { d: "x" } });
        assert.deepEqual(fromEngine({ type: "t", name: "n", urn: "u", props: { x: 1 }, propertyDependencies: { x: [{ urn: "dep" } as any] } }).propertyDependencies, { x: ["dep"] });
    });

    it("PulumiPolicy.yaml declares a nodejs pack; package.json carries the version PolicyPack requires", () => {
        const manifest = parse(fs.readFileSync(path.join(POLICY_DIR, "PulumiPolicy.yaml"), "utf8"));
        assert.equal(manifest.runtime, "nodejs");
        const pkg = JSON.parse(fs.readFileSync(path.join(POLICY_DIR, "package.json"), "utf8"));
        assert.match(pkg.version, /^\d+\.\d+\.\d+$/);
        assert.equal(pkg.main, "index.ts");
    });

    const tsNode = ["-r", "ts-node/register/transpile-only"];
    it("index.ts constructs PolicyPack('mesh-observability', mandatory) with every policy (server replaced by a recorder, in a child process)", () => {
        const probe = path.join(PROJECT_ROOT, "tests", "support", "policy-pack-probe.ts");
        const run = spawnSync(process.execPath, [...tsNode, probe, path.join(POLICY_DIR, "index.ts")], { cwd: POLICY_DIR, encoding: "utf8", timeout: 120_000 });
        assert.equal(run.error, undefined, String(run.error));
        assert.equal(run.status, 0, run.stderr);
        const got = JSON.parse(run.stdout.trim().split("\n").pop()!);
        assert.equal(got.name, "mesh-observability");
        assert.equal(got.version, "0.1.0");
        assert.equal(got.enforcementLevel, "mandatory");
        assert.deepEqual(
            got.policies.map((p: any) => `${p.name}:${p.kind}:${p.enforcementLevel}`).sort(),
            [...Object.keys(RESOURCE_RULES).map((n) => `${n}:resource:mandatory`), ...Object.keys(STACK_RULES).map((n) => `${n}:stack:mandatory`)].sort(),
        );
    });

    it("index.ts, run as the engine runs it, starts the analyzer and prints its port", async () => {
        const child = spawn(process.execPath, [...tsNode, path.join(POLICY_DIR, "index.ts")], { cwd: POLICY_DIR, stdio: ["ignore", "pipe", "pipe"] });
        try {
            const port = await new Promise<number>((resolve, reject) => {
                let out = "";
                let err = "";
                const timer = setTimeout(() => reject(new Error(`no port within 120s; stderr: ${err}`)), 120_000);
                child.stdout.on("data", (d) => {
                    out += d;
                    const m = /^(\d+)\s*$/m.exec(out);
                    if (m) {
                        clearTimeout(timer);
                        resolve(Number(m[1]));
                    }
                });
                child.stderr.on("data", (d) => (err += d));
                child.on("exit", (code) => {
                    clearTimeout(timer);
                    reject(new Error(`exited ${code} before printing a port; stderr: ${err}`));
                });
            });
            assert.ok(port > 0 && port < 65536, String(port));
        } finally {
            child.kill("SIGTERM");
        }
    });
});
