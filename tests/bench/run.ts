import { spawnSync } from "child_process";
import * as os from "os";
import * as path from "path";

/**
 * `npm run bench`: the plan's cost as zones grow (local, 10, 50 zones; each in a fresh process,
 * best of 3 for time, peak RSS of that run) and the test suite's wall time. Figures are printed;
 * the README quotes them with machine and date. Nothing here asserts a timing.
 */
const ROOT = path.resolve(__dirname, "..", "..");
const NODE = [process.execPath, "-r", "ts-node/register/transpile-only"];

interface PlanFigure {
    env: string;
    stacks: number;
    resources: number;
    seconds: number;
    maxRssMiB: number;
}

function planOnce(args: string[]): PlanFigure & { processSeconds: number } {
    const started = Date.now();
    const r = spawnSync(NODE[0], [...NODE.slice(1), path.join(__dirname, "plan-once.ts"), ...args], { cwd: ROOT, encoding: "utf8", timeout: 600_000 });
    if (r.status !== 0) throw new Error(`plan-once ${args.join(" ")} failed: ${r.stderr}`);
    return { ...JSON.parse(r.stdout.trim().split("\n").pop()!), processSeconds: (Date.now() - started) / 1000 };
}

function bestOf(n: number, args: string[]): ReturnType<typeof planOnce> {
    const runs = Array.from({ length: n }, () => planOnce(args));
    return runs.reduce((best, r) => (r.seconds < best.seconds ? r : best));
}

function main(): void {
    const skipTests = process.argv.includes("--no-tests");
    console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
    console.log("\nplan cost (fresh process each; best of 3 wall time, peak RSS of that run)");
    console.log("| environment | stacks | resources | plan s | whole process s | peak RSS MiB | plan ms per stack |");
    console.log("|---|---|---|---|---|---|---|");
    for (const args of [[], ["--zones", "10"], ["--zones", "50"]]) {
        const f = bestOf(3, args);
        const label = args.length === 0 ? "local (shipped)" : `generated, ${args[1]} zones`;
        console.log(`| ${label} | ${f.stacks} | ${f.resources} | ${f.seconds.toFixed(2)} | ${f.processSeconds.toFixed(2)} | ${f.maxRssMiB.toFixed(0)} | ${((f.seconds * 1000) / f.stacks).toFixed(1)} |`);
    }
    if (skipTests) return;
    console.log("\ntest suite (npm test: typecheck + mocha, real Prometheus included)");
    const started = Date.now();
    const r = spawnSync("npm", ["test"], { cwd: ROOT, encoding: "utf8", timeout: 1_200_000 });
    const seconds = (Date.now() - started) / 1000;
    const summary = r.stdout.split("\n").filter((l) => / passed, \d+ failed/.test(l)).pop() ?? "(no summary line)";
    console.log(`wall time ${seconds.toFixed(1)} s, exit ${r.status}: ${summary}`);
}

main();
