import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { evaluateEnvironment, PROJECT_ROOT } from "./evaluate-environment";
import { allObjects, countByKind, stackManifests, writeManifests } from "./manifests";
import { countByType, renderStack } from "./render";
import { renderTopology } from "./topology";

const USAGE = "usage: npm run plan -- --env <env> [--out <dir>] [--show-secrets] [--render [--charts <dir>]]";

/**
 * The offline plan: `pulumi preview`'s stand-in where no Pulumi CLI exists. Evaluates every stack
 * of an environment under Pulumi's mock runtime and writes what each would deploy.
 */
export async function runPlan(argv: string[], log: (line: string) => void = console.log): Promise<number> {
    let values: { env?: string; out?: string; "show-secrets"?: boolean; render?: boolean; charts?: string };
    try {
        ({ values } = parseArgs({
            args: argv,
            options: { env: { type: "string" }, out: { type: "string" }, "show-secrets": { type: "boolean" }, render: { type: "boolean" }, charts: { type: "string" } },
        }));
    } catch (e) {
        log(`${(e as Error).message}\n${USAGE}`);
        return 2;
    }
    if (!values.env) {
        log(`--env is required\n${USAGE}`);
        return 2;
    }
    if (values.charts !== undefined && values.render !== true) {
        log(`--charts needs --render\n${USAGE}`);
        return 2;
    }
    const chartsDir = values.charts !== undefined ? path.resolve(values.charts) : undefined;
    if (chartsDir !== undefined && !fs.existsSync(chartsDir)) {
        log(`--charts ${chartsDir}: no such directory (it should hold <chart>-<version>.tgz archives)\n${USAGE}`);
        return 2;
    }
    const outDir = path.resolve(values.out ?? path.join(PROJECT_ROOT, ".plan"));
    const showSecrets = values["show-secrets"] === true;
    const started = Date.now();
    let failed = false;
    try {
        const env = await evaluateEnvironment(values.env, {
            progress: ({ stack, phase, evaluation }) => {
                if (phase === "start") return log(`▶ ${stack}: evaluating`);
                if (!evaluation) return;
                renderStack(evaluation, { outDir, showSecrets });
                log(`✔ ${stack}: ${evaluation.resources.length} resources, ${Object.keys(evaluation.outputs).length} outputs`);
                for (const [type, n] of countByType(evaluation.resources)) log(`    ${String(n).padStart(3)}  ${type}`);
                for (const w of evaluation.warnings) log(`  ⚠ warning: ${w}`);
                if (values.render !== true) return;
                const renderStarted = Date.now();
                const manifests = stackManifests(evaluation, { chartsDir });
                writeManifests(manifests, path.join(outDir, evaluation.stack, "manifests"), showSecrets);
                const objects = allObjects(manifests);
                const releases = manifests.groups.filter((g) => g.from !== undefined).length;
                log(`  ▤ ${evaluation.stack}: ${objects.length} Kubernetes objects (${releases} Helm releases rendered ${chartsDir ? `from ${chartsDir}` : "from their repositories"}) in ${((Date.now() - renderStarted) / 1000).toFixed(2)}s`);
                for (const [kind, n] of countByKind(objects)) log(`    ${String(n).padStart(3)}  ${kind}`);
                for (const g of manifests.groups) if (g.standIn) log(`  ⚠ stand-in: ${g.name}: ${g.standIn}`);
            },
        });
        fs.writeFileSync(path.join(outDir, "topology.md"), renderTopology(env));
        log(`plan of ${values.env}: ${env.stacks.length} stacks in ${((Date.now() - started) / 1000).toFixed(2)}s → ${outDir}${showSecrets ? " (secrets shown)" : ""}`);
    } catch (e) {
        failed = true;
        log(`✘ plan failed: ${(e as Error).message}`);
    }
    return failed ? 1 : 0;
}

if (require.main === module) {
    runPlan(process.argv.slice(2)).then((code) => process.exit(code));
}
