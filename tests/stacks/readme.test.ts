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
/** The README and every `docs/` file: the commands they give are all checked here. */
const DOCS = ["README.md", ...fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => path.join("docs", f))].map((file) => ({
    file,
    text: fs.readFileSync(path.join(ROOT, file), "utf8"),
}));
const STACKS = fs.readdirSync(path.join(ROOT, "stacks")).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => s !== undefined);

/** Every `bash` block of the README and the docs, with the file it is in. */
function bashBlocks(): Array<{ file: string; block: string }> {
    return DOCS.flatMap(({ file, text }) => [...text.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => ({ file, block: m[1] })));
}

/** Every command line of those blocks, comments stripped. */
function commands(): string[] {
    return bashBlocks()
        .flatMap(({ block }) => block.split("\n"))
        .map((l) => l.replace(/\s+#.*$/, "").trim())
        .filter((l) => l !== "");
}

describe("README and docs/: every command they give is exercised", function () {
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
        let selected = 0;
        for (const { file, block } of bashBlocks()) {
            const order = [...block.matchAll(/pulumi stack select --create (\S+)/g)].map((m) => m[1]);
            for (const [i, stack] of order.entries()) {
                assert.ok(STACKS.includes(stack), `${file} selects ${stack}, which has no stacks/Pulumi.${stack}.yaml`);
                const zone = /^(.+)-zone-/.exec(stack);
                if (zone) assert.ok(order.slice(0, i).includes(`${zone[1]}-global`), `${stack} before ${zone[1]}-global`);
                selected++;
            }
        }
        assert.ok(selected >= 2);
    });

    it("every `pulumi config set --secret` key it names is a key the program requires to be secret", () => {
        const keys = DOCS.flatMap(({ text }) => [...text.matchAll(/pulumi config set --secret (\w+)/g)].map((m) => m[1]));
        assert.ok(keys.length >= 2);
        for (const key of keys) assert.ok([...GLOBAL_SECRET_KEYS, ...ZONE_SECRET_KEYS].includes(key as never), key);
    });

    it("every `npm run <script>` named anywhere in them is a script of package.json", () => {
        const scripts = Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts as Record<string, string>);
        const named = DOCS.flatMap(({ file, text }) => [...text.matchAll(/npm run ([\w:-]+)/g)].map((m) => ({ file, script: m[1] })));
        assert.ok(named.some((n) => n.script === "verify") && named.some((n) => n.script === "plan"));
        for (const { file, script } of named) assert.ok(scripts.includes(script), `${file} names \`npm run ${script}\`; package.json has ${scripts.join(", ")}`);
    });

    it("the README stays short (two screens) and every relative link of the README and docs/ names a file that exists", () => {
        assert.ok(README.split("\n").length <= 150, `README.md has ${README.split("\n").length} lines; move detail into docs/`);
        for (const { file, text } of DOCS) {
            for (const [, target] of text.matchAll(/\]\(([^)#\s]+\.md)(#[^)]*)?\)/g)) {
                if (/^[a-z]+:/.test(target)) continue;
                assert.ok(fs.existsSync(path.join(ROOT, path.dirname(file), target)), `${file} links to ${target}, which does not exist`);
            }
        }
    });

    it("the topology diagram is the plan's own for `local`", async () => {
        const md = renderTopology(await evaluateEnvironment("local"));
        const expected = md.slice(md.indexOf("```mermaid"), md.lastIndexOf("```") + 3);
        const shown = /<!-- topology:local -->\n([\s\S]*?)\n<!-- \/topology:local -->/.exec(README)?.[1];
        assert.equal(shown, expected, "README's diagram is stale: paste topology.md's mermaid block from `npm run plan -- --env local`");
    });
});
