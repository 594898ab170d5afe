import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { compareSync } from "bcryptjs";
import { evaluateEnvironment, EnvironmentEvaluation } from "../../infra/plan/evaluate-environment";
import { StackEvaluation } from "../../infra/plan/evaluate-stack";
import { containsSecret } from "../../infra/plan/secret-values";
import { ZoneCredentialSecret } from "../../infra/global-outputs";
import { environmentStacks } from "../../infra/plan/stack-files";
import { runPlan } from "../../infra/plan/cli";
import { file, one, output, revealed, yamlFile } from "../support/plan-access";

const SECRET = "kubernetes:core/v1:Secret";
const CHART = "kubernetes:helm.sh/v4:Chart";
const SHIPPED = fs
    .readdirSync(path.join(__dirname, "..", "..", "stacks"))
    .map((f) => /^Pulumi\.(.+)-global\.yaml$/.exec(f)?.[1])
    .filter((e): e is string => e !== undefined);

describe("shipped environments under Pulumi's mock runtime", function () {
    this.timeout(120_000);
    const envs = new Map<string, EnvironmentEvaluation>();
    before(async () => {
        for (const env of SHIPPED) envs.set(env, await evaluateEnvironment(env));
    });
    const global = (env: string) => envs.get(env)!.stacks.find((s) => s.stack === `${env}-global`)!;
    const zones = (env: string) => envs.get(env)!.stacks.filter((s) => s.stack.includes("-zone-"));

    it("ships local and prod, each with a global and at least two zones", () => {
        assert.ok(SHIPPED.includes("local") && SHIPPED.includes("prod"), SHIPPED.join());
        for (const env of SHIPPED) {
            assert.ok(zones(env).length >= 2, env);
            assert.deepEqual(zones(env).map((z) => output(z, "zone")).sort(), [...(output(global(env), "zones") as string[])].sort());
        }
    });

    for (const env of ["local", "prod"]) {
        describe(`${env}: cross-stack wiring`, () => {
            /** The zone's own credential, as only that zone reads it from the global. */
            const credentialOf = (g: StackEvaluation, z: StackEvaluation) => output(g, `remoteWriteCredential-${output(z, "zone")}`) as ZoneCredentialSecret;

            it("each zone remote-writes to exactly the global's URL, as its own user (generation 1 by default)", () => {
                const g = global(env);
                const users = new Set<string>();
                for (const z of zones(env)) {
                    const zone = String(output(z, "zone"));
                    const rw = yamlFile(z, "prometheus", "prometheus.yml").remote_write[0];
                    assert.equal(rw.url, output(g, "remoteWriteUrl"));
                    const user = revealed(one(z, SECRET, "zone-prometheus-remote-write")).stringData["remote-write-username"];
                    assert.equal(user, `zone-writer-${zone}-g1`);
                    assert.deepEqual((output(g, "remoteWriteCredentials") as Record<string, unknown>)[zone], { active: { generation: 1, username: `zone-writer-${zone}-g1` }, standby: null });
                    assert.equal(output(z, "remoteWriteUsername"), user);
                    assert.equal(output(z, "remoteWriteGeneration"), 1);
                    assert.equal(output(z, "remoteWriteUrl"), output(g, "remoteWriteUrl"));
                    users.add(user);
                }
                assert.equal(users.size, zones(env).length, "no two zones share a user");
            });

            it("each zone's credential Secret holds its own password (no other zone's), as a secret, mounted where password_file points", () => {
                const g = global(env);
                for (const z of zones(env)) {
                    const secret = one(z, SECRET, "zone-prometheus-remote-write");
                    assert.ok(containsSecret(secret.inputs.stringData), "stringData must be a secret");
                    const own = credentialOf(g, z);
                    assert.deepEqual(revealed(secret).stringData, { "remote-write-password": own.active.password, "remote-write-username": own.active.username });
                    for (const other of zones(env).filter((o) => o !== z)) assert.notEqual(credentialOf(g, other).active.password, own.active.password);
                    const rw = yamlFile(z, "prometheus", "prometheus.yml").remote_write[0];
                    const values = revealed(one(z, CHART, "zone-prometheus-chart")).values;
                    const mount = values.server.extraSecretMounts.find((m: any) => m.secretName === "zone-prometheus-remote-write");
                    assert.deepEqual(rw.basic_auth, { username_file: `${mount.mountPath}/remote-write-username`, password_file: `${mount.mountPath}/remote-write-password` });
                }
            });

            it("no ConfigMap carries a password", () => {
                const g = global(env);
                const passwords = zones(env).map((z) => credentialOf(g, z).active.password);
                for (const s of envs.get(env)!.stacks) {
                    for (const r of s.resources.filter((x) => x.type === "kubernetes:core/v1:ConfigMap")) {
                        for (const password of passwords) assert.ok(!JSON.stringify(r.inputs).includes(password), `${s.stack} ${r.name}`);
                    }
                }
            });

            it("the global's web config admits each zone's user with that zone's exported password only (bcrypt)", () => {
                const g = global(env);
                const web = yamlFile(g, "prometheus", "web-config.yml");
                for (const z of zones(env)) {
                    const own = credentialOf(g, z);
                    const hash = web.basic_auth_users[own.active.username];
                    assert.ok(compareSync(own.active.password, hash));
                    assert.ok(!compareSync("wrong", hash));
                    for (const other of zones(env).filter((o) => o !== z)) assert.ok(!compareSync(credentialOf(g, other).active.password, hash), "another zone's password");
                }
            });

            it("exports each zone's credential only as a secret output; users and generations in plain", () => {
                const g = global(env);
                for (const z of zones(env)) assert.equal(g.outputs[`remoteWriteCredential-${output(z, "zone")}`].secret, true);
                for (const key of ["remoteWriteUrl", "remoteWriteCredentials", "zones", "environment"]) assert.equal(g.outputs[key].secret, false, key);
                for (const z of zones(env)) for (const key of ["zone", "prometheusAddress", "discoveryMode", "remoteWriteUrl", "remoteWriteUsername"]) assert.equal(z.outputs[key].secret, false, `${z.stack} ${key}`);
            });

            it("zones export their Prometheus address, zone name and discovery mode", () => {
                for (const z of zones(env)) {
                    assert.equal(output(z, "discoveryMode"), "kuma_sd");
                    assert.match(String(output(z, "prometheusAddress")), /^http:\/\/zone-prometheus\.[a-z0-9-]+\.svc\.cluster\.local:80$/);
                    assert.equal(yamlFile(z, "prometheus", "prometheus.yml").global.external_labels.zone, output(z, "zone"));
                }
            });
        });
    }

    it("global runs the remote-write receiver behind the generated web config, probes without auth headers", () => {
        for (const env of SHIPPED.filter((e) => output(global(e), "metricsBackend") === "prometheus")) {
            const values = revealed(one(global(env), CHART, "global-prometheus-chart")).values;
            assert.ok(values.server.extraFlags.includes("web.enable-remote-write-receiver"));
            assert.equal(values.server.extraArgs["web.config.file"], "/etc/prometheus/secrets/auth/web-config.yml");
            assert.equal(values.server.tcpSocketProbeEnabled, true);
            assert.equal(values.configmapReload.prometheus.enabled, false);
            assert.deepEqual(values.server.probeHeaders, undefined, "no credentials in probe headers");
        }
    });

    it("prod: TLS ingress URL, retention and storage from config", () => {
        const g = global("prod");
        assert.equal(output(g, "remoteWriteUrl"), "https://prometheus-global.mesh.example.com/api/v1/write");
        const server = revealed(one(g, CHART, "global-prometheus-chart")).values.server;
        assert.equal(server.retention, "30d");
        assert.equal(server.retentionSize, "450GB");
        assert.deepEqual(server.persistentVolume, { enabled: true, size: "500Gi", storageClass: "gp3" });
        assert.deepEqual(server.ingress.tls, [{ secretName: "prometheus-global-tls", hosts: ["prometheus-global.mesh.example.com"] }]);
    });

    it("prod: Kong Mesh zones use kong-mesh-control-plane.kong-mesh-system, and 2.6.x gets fetch_timeout 0s", () => {
        const byZone = new Map(zones("prod").map((z) => [output(z, "zone"), z] as [unknown, StackEvaluation]));
        const sd = (zone: string) => yamlFile(byZone.get(zone)!, "prometheus", "prometheus.yml").scrape_configs[0].kuma_sd_configs[0];
        assert.equal(sd("us-east-1").server, "http://kong-mesh-control-plane.kong-mesh-system:5676");
        assert.equal(sd("us-east-1").fetch_timeout, "2m");
        assert.equal(sd("us-east-1").client_id, "prometheus-us-east-1");
        assert.equal(sd("eu-west-1").fetch_timeout, "0s");
    });

    it("local renders manifests to a directory; prod targets kubeconfig contexts", () => {
        for (const s of envs.get("local")!.stacks) {
            const provider = s.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
            assert.equal(provider.inputs.renderYamlToDirectory, `.rendered/${s.stack}`);
            assert.equal(provider.inputs.context, undefined);
        }
        for (const s of envs.get("prod")!.stacks) {
            const provider = s.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
            assert.equal(provider.inputs.renderYamlToDirectory, undefined);
            assert.match(String(provider.inputs.context), /^prod-/);
        }
    });

    it("components follow the naming contract: meshobs type tokens, children named <component>-<role> under their parent", () => {
        for (const env of SHIPPED) {
            for (const s of envs.get(env)!.stacks) {
                for (const c of s.resources.filter((r) => r.type.startsWith("meshobs:"))) {
                    assert.match(c.type, /^meshobs:[a-z]+:[A-Z][A-Za-z]+$/);
                    const children = s.resources.filter((r) => r.parent === `${c.type}::${c.name}`);
                    assert.ok(children.length > 0);
                    for (const child of children) assert.ok(child.name.startsWith(`${c.name}-`), `${child.name} under ${c.name}`);
                }
            }
        }
    });
});

describe("cross-stack failures", () => {
    it("fails with the output's name when global does not export what a zone reads", async () => {
        const files = environmentStacks(path.join(__dirname, "..", "..", "stacks"), "local");
        const { evaluateStack } = await import("../../infra/plan/evaluate-stack");
        const g = await evaluateStack(files[0], new Map());
        const { remoteWriteCredentials, ...partial } = g.outputs;
        assert.ok(remoteWriteCredentials);
        await assert.rejects(
            evaluateStack(files[1], new Map([["organization/mesh-observability/local-global", partial]])),
            /Required output 'remoteWriteCredentials' does not exist on stack 'organization\/mesh-observability\/local-global'/,
        );
        // A zone reads its own credential output by name: without it, that name is what fails.
        const { ["remoteWriteCredential-east"]: east, ...withoutEast } = g.outputs;
        assert.ok(east);
        await assert.rejects(
            evaluateStack(files[1], new Map([["organization/mesh-observability/local-global", withoutEast]])),
            /Required output 'remoteWriteCredential-east' does not exist on stack 'organization\/mesh-observability\/local-global'/,
        );
    });

    it("fails when the global does not declare the zone", async () => {
        const files = environmentStacks(path.join(__dirname, "..", "..", "stacks"), "local");
        const { evaluateStack } = await import("../../infra/plan/evaluate-stack");
        const g = await evaluateStack(files[0], new Map());
        const outputs = { ...g.outputs, zones: { value: ["west"], secret: false } };
        await assert.rejects(
            evaluateStack(files[1], new Map([["organization/mesh-observability/local-global", outputs]])),
            /zone "east" is not declared by organization\/mesh-observability\/local-global \(zones: west\)/,
        );
    });
});

describe("npm run plan", function () {
    this.timeout(60_000);
    const dirs: string[] = [];
    after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
    const plan = async (...args: string[]) => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "plan-"));
        dirs.push(out);
        const lines: string[] = [];
        const code = await runPlan(["--env", "local", "--out", out, ...args], (l) => lines.push(l));
        return { out, code, log: lines.join("\n") };
    };
    const walk = (dir: string): string[] =>
        fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));

    it("writes resources, outputs, mounted files and topology for every stack, and prints a summary", async () => {
        const { out, code, log } = await plan();
        assert.equal(code, 0, log);
        const rel = walk(out).map((f) => path.relative(out, f)).sort();
        for (const stack of ["local-global", "local-zone-east", "local-zone-west"]) {
            for (const f of ["resources.json", "outputs.json", "files/prometheus/prometheus.yml"]) assert.ok(rel.includes(`${stack}/${f}`), `${stack}/${f}`);
            assert.match(log, new RegExp(`✔ ${stack}: \\d+ resources`));
        }
        for (const zone of ["local-zone-east", "local-zone-west"]) {
            for (const f of ["otel-collector/relay", "alloy/config.alloy", "kuma-control-plane/mesh-policies.yaml"]) assert.ok(rel.includes(`${zone}/files/${f}`), `${zone} ${f}`);
        }
        for (const f of ["grafana/datasources.yaml", "grafana/meshobs-multizone-overview.json", "jaeger/config.yaml"]) assert.ok(rel.includes(`local-global/files/${f}`), f);
        assert.ok(rel.includes("topology.md"));
        const topology = fs.readFileSync(path.join(out, "topology.md"), "utf8");
        assert.match(topology, /```mermaid\nflowchart LR/);
        // Zone west is in another kind cluster: zones write to a node port of the global's node.
        assert.match(topology, /remote_write http:\/\/meshobs-east-control-plane:30090\/api\/v1\/write/);
        assert.match(log, /kubernetes:helm\.sh\/v4:Chart/);
    });

    it("keeps secrets out of everything it writes unless --show-secrets", async () => {
        const { out } = await plan();
        const evaluation = await evaluateEnvironment("local");
        const g = evaluation.stacks[0];
        const secrets = [...["east", "west"].map((zone) => (output(g, `remoteWriteCredential-${zone}`) as ZoneCredentialSecret).active.password), ...Object.values(yamlFile(g, "prometheus", "web-config.yml").basic_auth_users as Record<string, string>)];
        for (const f of walk(out)) {
            const text = fs.readFileSync(f, "utf8");
            for (const s of secrets) assert.ok(!text.includes(s), `${path.relative(out, f)} leaks a secret`);
        }
        assert.ok(!walk(out).some((f) => f.endsWith("web-config.yml") || /remote-write-password/.test(path.basename(f))));
        assert.equal(JSON.parse(fs.readFileSync(path.join(out, "local-global", "outputs.json"), "utf8"))["remoteWriteCredential-east"], "[secret]");
    });

    it("writes secret files byte for byte with --show-secrets", async () => {
        const { out } = await plan("--show-secrets");
        const g = (await evaluateEnvironment("local")).stacks[0];
        assert.equal(fs.readFileSync(path.join(out, "local-global", "files", "prometheus", "web-config.yml"), "utf8"), file(g, "prometheus", "web-config.yml"));
        assert.equal(
            fs.readFileSync(path.join(out, "local-zone-east", "files", "prometheus", "remote-write-password"), "utf8"),
            (output(g, "remoteWriteCredential-east") as ZoneCredentialSecret).active.password,
        );
    });

    it("exits non-zero with usage on bad arguments and names unknown environments", async () => {
        const lines: string[] = [];
        assert.equal(await runPlan([], (l) => lines.push(l)), 2);
        assert.match(lines.join("\n"), /--env is required/);
        const { code, log } = await (async () => {
            const l: string[] = [];
            const c = await runPlan(["--env", "staging", "--out", fs.mkdtempSync(path.join(os.tmpdir(), "plan-"))], (x) => l.push(x));
            return { code: c, log: l.join("\n") };
        })();
        assert.equal(code, 1);
        assert.match(log, /environment "staging" has no stacks\/Pulumi\.staging-global\.yaml; environments here: .*local/);
    });
});
