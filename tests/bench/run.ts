import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * `npm run bench`: the plan's cost as zones grow (local, 1, 10, 50, 200 zones; each in a fresh
 * process, best of 3 for time, peak RSS of that run; per-zone increments and a linearity check),
 * the cost of rendering every shipped environment with real Helm (`--render`, best of 3),
 * the remote-write pipeline (tests/bench/remote-write.ts), the sizing check (tests/bench/sizing.ts),
 * the survivable outage (tests/bench/wal-retention.ts, ~40 min), the global taking a backlog into its
 * out-of-order window (tests/bench/ooo-backlog.ts, ~10 min for the default cases; 45 min for 100000x6 under shared load) and the test suite's wall time.
 * Figures are printed; docs/benchmarks.md quotes them with machine and date. Nothing here asserts a timing.
 *
 * Parts: `--plan`, `--render`, `--remote-write`, `--sizing`, `--wal`, `--ooo`, `--tests` run only the parts named; with none of
 * them every part runs (`--no-tests` still drops the test suite). Options of the parts are passed
 * through: `--plan-zones 1,10,50,200`, `--rw-zones 1 --rw-rtt 0,50 --rw-variants generated,defaults
 * --rw-dataplanes 50 --rw-series 1000 --rw-interval 5s --rw-measure 30 --rw-outage 60 --rw-throttle 20
 * --rw-ceiling 20` (`--rw-rtt none`: only the ceiling), `--sizing-series 100000,300000`, `--wal-scale 12.8 --wal-production-segment-mib 128
 * --wal-outage-blocks 2.6 --wal-bucket 10 --wal-mode server` (`--wal-mode agent`: the zone as an agent), `--ooo-cases 20000x2,100000x1 --ooo-shards 4 --ooo-zones 1 --ooo-paths ooo,in-order` (e.g. `npm run bench -- --remote-write --rw-series 200`).
 * The remote-write, sizing, WAL and out-of-order parts run in child processes (each stops its Prometheus
 * processes and fake servers itself, also on error).
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

const PARTS = ["--plan", "--render", "--remote-write", "--sizing", "--wal", "--ooo", "--tests"] as const;

function argValue(flag: string, fallback: string): string {
    const i = process.argv.indexOf(flag);
    return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

function planSection(): void {
    const zoneCounts = argValue("--plan-zones", "1,10,50,200").split(",").map(Number);
    console.log("\nplan cost (fresh process each; best of 3 wall time, peak RSS of that run)");
    console.log("| environment | stacks | resources | plan s | whole process s | peak RSS MiB | plan ms per stack |");
    console.log("|---|---|---|---|---|---|---|");
    const generated: Array<{ zones: number; f: ReturnType<typeof bestOf> }> = [];
    for (const args of [[], ...zoneCounts.map((z) => ["--zones", String(z)])]) {
        // Above 50 zones one plan takes tens of seconds: one run keeps the bench near 10 minutes.
        const large = args.length > 0 && Number(args[1]) > 50;
        const f = bestOf(large ? 1 : 3, args);
        const label = args.length === 0 ? "local (shipped)" : `generated, ${args[1]} zones${large ? " (1 run)" : ""}`;
        if (args.length > 0) generated.push({ zones: Number(args[1]), f });
        console.log(`| ${label} | ${f.stacks} | ${f.resources} | ${f.seconds.toFixed(2)} | ${f.processSeconds.toFixed(2)} | ${f.maxRssMiB.toFixed(0)} | ${((f.seconds * 1000) / f.stacks).toFixed(1)} |`);
    }
    if (generated.length < 2) return;
    console.log("\nper-zone increments between consecutive generated environments");
    console.log("| zones | + resources per zone | + plan ms per zone | + whole process ms per zone | + peak RSS MiB per zone |");
    console.log("|---|---|---|---|---|");
    const step = (a: (typeof generated)[number], b: (typeof generated)[number]) => {
        const dz = b.zones - a.zones;
        return {
            resources: (b.f.resources - a.f.resources) / dz,
            planMs: ((b.f.seconds - a.f.seconds) * 1000) / dz,
            processMs: ((b.f.processSeconds - a.f.processSeconds) * 1000) / dz,
            rssMiB: (b.f.maxRssMiB - a.f.maxRssMiB) / dz,
        };
    };
    const steps = new Map<string, ReturnType<typeof step>>();
    for (let i = 1; i < generated.length; i++) {
        const s = step(generated[i - 1], generated[i]);
        steps.set(`${generated[i - 1].zones}→${generated[i].zones}`, s);
        console.log(`| ${generated[i - 1].zones} → ${generated[i].zones} | ${s.resources.toFixed(1)} | ${s.planMs.toFixed(1)} | ${s.processMs.toFixed(1)} | ${s.rssMiB.toFixed(2)} |`);
    }
    const early = steps.get("10→50");
    const late = steps.get("50→200");
    if (early && late) {
        console.log(
            `linearity (printed, not asserted): plan time per zone 50→200 is ${late.planMs.toFixed(1)} ms vs ${early.planMs.toFixed(1)} ms for 10→50 ` +
                `(ratio ${(late.planMs / early.planMs).toFixed(2)}; 1.00 = linear, > 1 = superlinear); peak RSS per zone ${late.rssMiB.toFixed(2)} vs ${early.rssMiB.toFixed(2)} MiB`,
        );
    }
}

interface RenderFigure {
    env: string;
    stacks: number;
    releases: number;
    objects: number;
    evaluateSeconds: number;
    renderSeconds: number;
    helmSeconds: number;
    maxRssMiB: number;
}

/** `npm run plan -- --render` per shipped environment from the packaged upstream charts (fresh process each, best of 3 render time). */
function renderSection(): void {
    const envs = fs
        .readdirSync(path.join(ROOT, "stacks"))
        .map((f) => /^Pulumi\.(.+)-global\.yaml$/.exec(f)?.[1])
        .filter((e): e is string => e !== undefined)
        .sort();
    console.log("\nrender cost (npm run plan -- --render --charts <upstream charts>; fresh process each, best of 3 render time)");
    console.log("| environment | stacks | Helm releases | objects | evaluate s | render s | helm template s | ms per release | peak RSS MiB |");
    console.log("|---|---|---|---|---|---|---|---|---|");
    for (const env of envs) {
        const runs = Array.from({ length: 3 }, () => {
            const r = spawnSync(NODE[0], [...NODE.slice(1), path.join(__dirname, "render-once.ts"), "--env", env], { cwd: ROOT, encoding: "utf8", timeout: 600_000 });
            if (r.status !== 0) throw new Error(`render-once --env ${env} failed: ${r.stderr}`);
            return JSON.parse(r.stdout.trim().split("\n").pop()!) as RenderFigure;
        });
        const f = runs.reduce((best, r) => (r.renderSeconds < best.renderSeconds ? r : best));
        console.log(
            `| ${env} | ${f.stacks} | ${f.releases} | ${f.objects} | ${f.evaluateSeconds.toFixed(2)} | ${f.renderSeconds.toFixed(2)} | ${f.helmSeconds.toFixed(2)} | ${((f.renderSeconds * 1000) / f.releases).toFixed(0)} | ${f.maxRssMiB.toFixed(0)} |`,
        );
    }
}

/** A bench part in its own process, output streamed; a timeout SIGTERMs it (its handlers stop its Prometheus processes). */
function childPart(script: string, timeoutMs: number): void {
    const started = Date.now();
    const r = spawnSync(NODE[0], [...NODE.slice(1), path.join(__dirname, script), ...process.argv.slice(2)], { cwd: ROOT, stdio: "inherit", timeout: timeoutMs });
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    if (r.status !== 0) console.log(`(${script} ended with status ${r.status}${r.signal ? `, signal ${r.signal}` : ""} after ${seconds} s)`);
    else console.log(`(${script}: ${seconds} s)`);
}

function main(): void {
    const named = PARTS.filter((p) => process.argv.includes(p));
    const runs = (part: (typeof PARTS)[number]) => (named.length === 0 ? part !== "--tests" || !process.argv.includes("--no-tests") : named.includes(part));
    console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
    if (runs("--plan")) planSection();
    if (runs("--render")) renderSection();
    if (runs("--remote-write")) childPart("remote-write.ts", 2_400_000);
    if (runs("--sizing")) childPart("sizing.ts", 1_800_000);
    if (runs("--wal")) childPart("wal-retention.ts", 3_600_000);
    if (runs("--ooo")) childPart("ooo-backlog.ts", 3_600_000);
    if (!runs("--tests")) return;
    console.log("\ntest suite (npm test: typecheck + mocha, real Prometheus included)");
    const started = Date.now();
    const r = spawnSync("npm", ["test"], { cwd: ROOT, encoding: "utf8", timeout: 1_200_000 });
    const seconds = (Date.now() - started) / 1000;
    const summary = r.stdout.split("\n").filter((l) => / passed, \d+ failed/.test(l)).pop() ?? "(no summary line)";
    console.log(`wall time ${seconds.toFixed(1)} s, exit ${r.status}: ${summary}`);
}

main();
