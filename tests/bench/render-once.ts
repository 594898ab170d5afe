import { evaluateEnvironment } from "../../infra/plan/evaluate-environment";
import { allObjects, stackManifests } from "../../infra/plan/manifests";
import { upstreamPath } from "../support/upstream";

/**
 * One measured `npm run plan -- --env <env> --render --charts <upstream charts>` in a fresh process
 * (so Helm's first unpack and the mock runtime's warm-up are inside or outside as in a real run):
 * evaluation, then every release through `helm template`. Prints one JSON line.
 */
async function measure(): Promise<void> {
    const env = process.argv[process.argv.indexOf("--env") + 1];
    const started = process.hrtime.bigint();
    const evaluation = await evaluateEnvironment(env);
    const evaluated = process.hrtime.bigint();
    let objects = 0;
    let releases = 0;
    let helmSeconds = 0;
    for (const s of evaluation.stacks) {
        const m = stackManifests(s, { chartsDir: upstreamPath("charts") });
        objects += allObjects(m).length;
        for (const g of m.groups) {
            if (g.seconds === undefined) continue;
            releases++;
            helmSeconds += g.seconds;
        }
    }
    const done = process.hrtime.bigint();
    process.stdout.write(
        `${JSON.stringify({ env, stacks: evaluation.stacks.length, releases, objects, evaluateSeconds: Number(evaluated - started) / 1e9, renderSeconds: Number(done - evaluated) / 1e9, helmSeconds, maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`,
    );
}

measure().catch((e) => {
    console.error(e);
    process.exit(1);
});
