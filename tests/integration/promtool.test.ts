import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { evaluateEnvironment, EnvironmentEvaluation } from "../../infra/plan/evaluate-environment";
import { localPrometheusInputs } from "../support/mounted-workload";
import { one, revealed } from "../support/plan-access";
import { PROMTOOL_BIN, promtoolCheckConfig } from "../support/prometheus-process";
import { kumaSdEntries, parsePrometheusYaml, renderPrometheusYaml, rewriteFilePaths, swapKumaSdForHttpSd } from "../support/swap-discovery";

const SHIPPED = fs
    .readdirSync(path.join(__dirname, "..", "..", "stacks"))
    .map((f) => /^Pulumi\.(.+)-global\.yaml$/.exec(f)?.[1])
    .filter((e): e is string => e !== undefined);

const component = (stack: string) => (stack.endsWith("-global") ? "global-prometheus" : "zone-prometheus");
/** Stacks that run a Prometheus (a global on AMP or Mimir runs none). */
const withPrometheus = (env: EnvironmentEvaluation) => env.stacks.filter((s) => s.resources.some((r) => r.name === `${component(s.stack)}-chart`));
/** Whether the chart runs this Prometheus as an agent (its flags are then checked with --agent). */
const isAgent = (stack: EnvironmentEvaluation["stacks"][number]) =>
    ((revealed(one(stack, "kubernetes:helm.sh/v4:Chart", `${component(stack.stack)}-chart`)).values.server.defaultFlagsOverride ?? []) as string[]).includes("--agent");

describe("promtool on every generated configuration", function () {
    this.timeout(120_000);
    const envs: EnvironmentEvaluation[] = [];
    before(async () => {
        for (const env of SHIPPED) envs.push(await evaluateEnvironment(env));
    });

    it("Debian's promtool really lacks kuma_sd (why the discovery block is swapped)", () => {
        const zone = envs[0].stacks.find((s) => s.stack.includes("-zone-"))!;
        const { configYaml, files, pathMap } = localPrometheusInputs(zone, "zone-prometheus");
        const result = promtoolCheckConfig(renderPrometheusYaml(rewriteFilePaths(parsePrometheusYaml(configYaml), pathMap)), files);
        assert.equal(result.ok, false);
        assert.match(result.output, /kuma_sd_configs not found/);
    });

    it("passes `promtool check config` for every stack of every shipped environment (kuma_sd swapped for http_sd)", () => {
        let checked = 0;
        let agents = 0;
        for (const env of envs) {
            for (const stack of withPrometheus(env)) {
                const { configYaml, files, pathMap } = localPrometheusInputs(stack, component(stack.stack));
                let cfg = parsePrometheusYaml(configYaml);
                const kumaBlocks = kumaSdEntries(cfg).length;
                cfg = swapKumaSdForHttpSd(cfg, () => "http://127.0.0.1:9/targets");
                assert.equal(kumaSdEntries(cfg).length, 0);
                if (stack.stack.includes("-zone-")) assert.equal(kumaBlocks, 1, stack.stack);
                const agent = isAgent(stack);
                const result = promtoolCheckConfig(renderPrometheusYaml(rewriteFilePaths(cfg, pathMap)), files, { agent });
                assert.ok(result.ok, `${stack.stack}${agent ? " (--agent)" : ""}: ${result.output}`);
                checked++;
                if (agent) agents++;
            }
        }
        assert.ok(checked >= 9, `checked ${checked} configs`);
        assert.ok(agents >= 1, "at least one shipped zone runs as an agent");
    });

    it("passes `promtool check web-config` for every global's web config", () => {
        for (const env of envs) {
            const global = env.stacks[0];
            if (!withPrometheus(env).includes(global)) continue;
            const { files } = localPrometheusInputs(global, "global-prometheus");
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "webcfg-"));
            try {
                const web = Object.entries(files).find(([name]) => name.endsWith("web-config.yml"))!;
                fs.writeFileSync(path.join(dir, "web.yml"), web[1]);
                const r = spawnSync(PROMTOOL_BIN, ["check", "web-config", "web.yml"], { cwd: dir, encoding: "utf8", timeout: 30_000 });
                assert.equal(r.status, 0, `${global.stack}: ${r.stdout}${r.stderr}`);
                fs.writeFileSync(path.join(dir, "bad.yml"), "basic_auth_users:\n  zone-writer: not-a-hash\n");
                const bad = spawnSync(PROMTOOL_BIN, ["check", "web-config", "bad.yml"], { cwd: dir, encoding: "utf8", timeout: 30_000 });
                assert.notEqual(bad.status, 0, "promtool must reject a non-bcrypt credential");
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        }
    });
});
