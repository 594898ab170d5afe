import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { evaluateEnvironment } from "../../infra/plan/evaluate-environment";
import { renderStack } from "../../infra/plan/render";
import { renderTopology } from "../../infra/plan/topology";
import { generatedEnvironment } from "./generated-environment";

/**
 * One measured plan in a fresh process (so peak RSS is this plan's alone): `--env local` reads
 * the shipped stack files; `--zones N` plans a generated environment. Prints one JSON line.
 */
async function measure(): Promise<void> {
    const args = process.argv.slice(2);
    const zones = args.includes("--zones") ? Number(args[args.indexOf("--zones") + 1]) : undefined;
    const env = zones === undefined ? "local" : "bench";
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "bench-plan-"));
    const started = process.hrtime.bigint();
    const evaluation = await evaluateEnvironment(env, zones === undefined ? {} : { files: generatedEnvironment(env, zones) });
    for (const s of evaluation.stacks) renderStack(s, { outDir: out, showSecrets: false });
    fs.writeFileSync(path.join(out, "topology.md"), renderTopology(evaluation));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    fs.rmSync(out, { recursive: true, force: true });
    const resources = evaluation.stacks.reduce((n, s) => n + s.resources.length, 0);
    const maxRssMiB = process.resourceUsage().maxRSS / 1024;
    process.stdout.write(`${JSON.stringify({ env, stacks: evaluation.stacks.length, resources, seconds, maxRssMiB })}\n`);
}

measure().catch((e) => {
    console.error(e);
    process.exit(1);
});
