import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROMTOOL_BIN, promtoolCheckConfig } from "../support/prometheus-process";
import { RenderedEnvironment, renderedShippedEnvironments, RenderedStack } from "../support/rendered-environments";
import { flagValue, MaterializedContainer, podPrometheusConfig, withPrometheusPod } from "../support/rendered-pod";
import { kumaSdEntries, renderPrometheusYaml, swapKumaSdForHttpSd } from "../support/swap-discovery";

const component = (stack: string) => (stack.endsWith("-global") ? "global-prometheus" : "zone-prometheus");
/** Stacks that run a Prometheus (a global on AMP or Mimir runs none). */
const withPrometheus = (env: RenderedEnvironment) => env.stacks.filter((s) => s.evaluation.resources.some((r) => r.name === `${component(s.stack)}-chart`));
/** `fn` on the stack's rendered Prometheus pod, laid out (rendered-pod.ts). */
const onPod = <T>(stack: RenderedStack, fn: (pod: MaterializedContainer) => T) => withPrometheusPod(stack, component(stack.stack), fn);

/** promtool on the config each rendered Prometheus pod mounts, with the files of its mounts (rendered-pod.ts). */
describe("promtool on every rendered Prometheus configuration", function () {
    this.timeout(120_000);
    let envs: RenderedEnvironment[] = [];
    before(async () => {
        envs = await renderedShippedEnvironments();
    });

    it("Debian's promtool really lacks kuma_sd (why the discovery block is swapped)", () => {
        const zone = envs[0].stacks.find((s) => s.stack.includes("-zone-"))!;
        const result = onPod(zone, (pod) => promtoolCheckConfig(renderPrometheusYaml(podPrometheusConfig(pod))));
        assert.equal(result.ok, false);
        assert.match(result.output, /kuma_sd_configs not found/);
    });

    it("passes `promtool check config` for every stack of every shipped environment (kuma_sd swapped for http_sd; --agent where the pod runs one)", () => {
        let checked = 0;
        let agents = 0;
        for (const env of envs) {
            for (const stack of withPrometheus(env)) {
                onPod(stack, (pod) => {
                    let cfg = podPrometheusConfig(pod);
                    const kumaBlocks = kumaSdEntries(cfg).length;
                    cfg = swapKumaSdForHttpSd(cfg, () => "http://127.0.0.1:9/targets");
                    assert.equal(kumaSdEntries(cfg).length, 0);
                    if (stack.stack.includes("-zone-")) assert.equal(kumaBlocks, 1, stack.stack);
                    const agent = pod.args.includes("--agent");
                    const result = promtoolCheckConfig(renderPrometheusYaml(cfg), {}, { agent });
                    assert.ok(result.ok, `${stack.stack}${agent ? " (--agent)" : ""}: ${result.output}`);
                    checked++;
                    if (agent) agents++;
                });
            }
        }
        assert.ok(checked >= 9, `checked ${checked} configs`);
        assert.ok(agents >= 1, "at least one shipped zone runs as an agent");
    });

    it("passes `promtool check web-config` for every global's web config (its --web.config.file)", () => {
        let checked = 0;
        for (const env of envs) {
            const global = env.stacks[0];
            if (!withPrometheus(env).includes(global)) continue;
            onPod(global, (pod) => {
                const web = flagValue(pod.args, "web.config.file");
                assert.ok(web !== undefined && fs.existsSync(web), `${global.stack}: --web.config.file ${web} is mounted`);
                const r = spawnSync(PROMTOOL_BIN, ["check", "web-config", web], { encoding: "utf8", timeout: 30_000 });
                assert.equal(r.status, 0, `${global.stack}: ${r.stdout}${r.stderr}`);
                checked++;
            });
        }
        assert.ok(checked >= 2, `checked ${checked} web configs`);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "webcfg-"));
        try {
            fs.writeFileSync(path.join(dir, "bad.yml"), "basic_auth_users:\n  zone-writer: not-a-hash\n");
            const bad = spawnSync(PROMTOOL_BIN, ["check", "web-config", "bad.yml"], { cwd: dir, encoding: "utf8", timeout: 30_000 });
            assert.notEqual(bad.status, 0, "promtool must reject a non-bcrypt credential");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
