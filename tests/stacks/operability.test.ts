import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { evaluateEnvironment, EnvironmentEvaluation } from "../../infra/plan/evaluate-environment";
import { renderStack } from "../../infra/plan/render";
import { output, yamlFile } from "../support/plan-access";
import { promtoolCheckConfig } from "../support/prometheus-process";
import { parsePrometheusYaml, renderPrometheusYaml, swapKumaSdForHttpSd } from "../support/swap-discovery";

/** What a team's own Prometheus might already run. */
const EXISTING = { global: { scrape_interval: "30s" }, scrape_configs: [{ job_name: "node", static_configs: [{ targets: ["node-exporter:9100"] }] }] };

describe("operability outputs: snippets for teams that run things themselves", function () {
    this.timeout(60_000);
    let env: EnvironmentEvaluation;
    before(async () => {
        env = await evaluateEnvironment("prod");
    });
    const zones = () => env.stacks.filter((s) => s.stack.includes("-zone-"));

    it("existingPrometheusSnippet carries the zone label, the mesh jobs and the remote write exactly as the zone runs them", () => {
        for (const z of zones()) {
            const snippet = parse(String(output(z, "existingPrometheusSnippet")));
            const ours = yamlFile(z, "prometheus", "prometheus.yml");
            assert.equal(snippet.global.external_labels.zone, output(z, "zone"));
            assert.deepEqual(snippet.remote_write, ours.remote_write);
            assert.deepEqual(
                snippet.scrape_configs.map((j: any) => j.job_name),
                ["kuma-dataplanes", "kuma-control-plane"],
            );
            assert.deepEqual(snippet.scrape_configs[0], ours.scrape_configs[0]);
            const credential = output(env.stacks[0], `remoteWriteCredential-${output(z, "zone")}`) as { active: { password: string } };
            assert.match(credential.active.password, /^[A-Za-z0-9]{32}$/);
            assert.ok(!JSON.stringify(snippet).includes(credential.active.password), "no password in the snippet");
        }
    });

    it("merged into an existing prometheus.yml, the snippet passes promtool (kuma_sd swapped, as everywhere here)", () => {
        for (const z of zones()) {
            const snippet = parse(String(output(z, "existingPrometheusSnippet")));
            const merged = {
                global: { ...EXISTING.global, external_labels: snippet.global.external_labels },
                scrape_configs: [...EXISTING.scrape_configs, ...snippet.scrape_configs],
                remote_write: snippet.remote_write.map((rw: any) => ({ ...rw, basic_auth: { ...rw.basic_auth, password_file: "secrets/password" } })),
            };
            const cfg = swapKumaSdForHttpSd(parsePrometheusYaml(renderPrometheusYaml(merged as any)), () => "http://127.0.0.1:9/targets");
            const result = promtoolCheckConfig(renderPrometheusYaml(cfg), { "secrets/password": "x" });
            assert.ok(result.ok, `${z.stack}: ${result.output}`);
        }
    });

    it("the plan writes every snippet output as a file under snippets/, secrets never", () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "snippets-"));
        try {
            for (const s of env.stacks) renderStack(s, { outDir: out, showSecrets: false });
            for (const z of zones()) {
                for (const key of ["existingPrometheusSnippet", "controlPlaneValuesSnippet", "meshPoliciesYaml"]) {
                    assert.equal(fs.readFileSync(path.join(out, z.stack, "snippets", `${key}.yaml`), "utf8"), output(z, key), `${z.stack} ${key}`);
                }
            }
            assert.equal(fs.readFileSync(path.join(out, "prod-global", "snippets", "globalControlPlaneValuesSnippet.yaml"), "utf8"), output(env.stacks[0], "globalControlPlaneValuesSnippet"));
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
        }
    });
});
