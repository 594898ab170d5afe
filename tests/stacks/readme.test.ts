import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GLOBAL_SECRET_KEYS } from "../../infra/config/global-schema";
import { ZONE_SECRET_KEYS } from "../../infra/config/zone-schema";
import { runPlan } from "../../infra/plan/cli";
import { evaluateEnvironment } from "../../infra/plan/evaluate-environment";
import { renderTopology } from "../../infra/plan/topology";

const ROOT = path.join(__dirname, "..", "..");
const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const STACKS = fs.readdirSync(path.join(ROOT, "stacks")).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => s !== undefined);

/** Every command line of the README's bash blocks, comments stripped. */
function commands(): string[] {
    const blocks = [...README.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]);
    return blocks.flatMap((b) => b.split("\n")).map((l) => l.replace(/\s+#.*$/, "").trim()).filter((l) => l !== "");
}

describe("README: every command it gives is exercised", function () {
    this.timeout(120_000);

    it("starts with the two commands: the main job on `local`, and the tests exactly as .ci/run runs them", () => {
        const first = README.slice(README.indexOf("```bash"), README.indexOf("```", README.indexOf("```bash") + 3));
        assert.match(first, /npm ci --ignore-scripts && npm run plan -- --env local/);
        assert.match(first, /bash \.ci\/run/);
        const ci = fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8");
        assert.match(ci, /npm ci --ignore-scripts/);
        assert.match(ci, /\nnpm test\s*$/m, ".ci/run ends by calling the test command the README names");
    });

    it("every `npm run plan` command runs", async () => {
        const plans = commands().flatMap((c) => c.split("&&").map((x) => x.trim())).filter((c) => c.startsWith("npm run plan -- "));
        assert.ok(plans.length >= 1);
        for (const cmd of plans) {
            const args = cmd.replace("npm run plan -- ", "").split(/\s+/).filter((a) => !a.startsWith("<"));
            if (args.includes("<env>")) continue;
            const out = fs.mkdtempSync(path.join(os.tmpdir(), "readme-plan-"));
            try {
                const lines: string[] = [];
                assert.equal(await runPlan([...args, "--out", out], (l) => lines.push(l)), 0, `${cmd}\n${lines.join("\n")}`);
            } finally {
                fs.rmSync(out, { recursive: true, force: true });
            }
        }
    });

    it("every stack it selects exists, and each block selects a global before its zones", () => {
        const blocks = [...README.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]);
        let selected = 0;
        for (const block of blocks) {
            const order = [...block.matchAll(/pulumi stack select --create (\S+)/g)].map((m) => m[1]);
            for (const [i, stack] of order.entries()) {
                assert.ok(STACKS.includes(stack), `README selects ${stack}, which has no stacks/Pulumi.${stack}.yaml`);
                const zone = /^(.+)-zone-/.exec(stack);
                if (zone) assert.ok(order.slice(0, i).includes(`${zone[1]}-global`), `${stack} before ${zone[1]}-global`);
                selected++;
            }
        }
        assert.ok(selected >= 2);
    });

    it("every `pulumi config set --secret` key it names is a key the program requires to be secret", () => {
        const keys = [...README.matchAll(/pulumi config set --secret (\w+)/g)].map((m) => m[1]);
        assert.ok(keys.length >= 2);
        for (const key of keys) assert.ok([...GLOBAL_SECRET_KEYS, ...ZONE_SECRET_KEYS].includes(key as never), key);
    });

    it("the topology diagram is the plan's own for `local`", async () => {
        const md = renderTopology(await evaluateEnvironment("local"));
        const expected = md.slice(md.indexOf("```mermaid"), md.lastIndexOf("```") + 3);
        const shown = /<!-- topology:local -->\n([\s\S]*?)\n<!-- \/topology:local -->/.exec(README)?.[1];
        assert.equal(shown, expected, "README's diagram is stale: paste topology.md's mermaid block from `npm run plan -- --env local`");
    });
});
