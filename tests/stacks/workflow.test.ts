import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import { PROJECT_ROOT } from "../../infra/plan/evaluate-environment";
import { PROJECT } from "../../infra/plan/evaluate-stack";
import { parseStackName } from "../../infra/stack-identity";
import { outputsFromStackFile } from "../../infra/verify/stack-file-outputs";

const WORKFLOWS = path.join(PROJECT_ROOT, ".github", "workflows");
/** Environments deploy.yml does not deploy, and why (see the comment in deploy.yml). */
const NOT_DEPLOYED: Readonly<Record<string, string>> = { local: "renders manifests to .rendered/ on the runner; there is no cluster" };
/** The official Pulumi action's current major (pulumi/actions 7.0.0, 2026-05-01, pulumi/actions#1407). */
const PULUMI_ACTION = "pulumi/actions@v7";

interface Step {
    name?: string;
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    env?: Record<string, unknown>;
}
interface Job {
    "runs-on": string;
    needs?: string | string[];
    strategy?: { matrix?: { stack?: string[] } };
    steps: Step[];
    env?: Record<string, unknown>;
}
interface Workflow {
    name: string;
    on: Record<string, unknown>;
    jobs: Record<string, Job>;
}

function load(file: string): Workflow {
    const doc = parseDocument(fs.readFileSync(path.join(WORKFLOWS, file), "utf8"), { uniqueKeys: true });
    assert.deepEqual(doc.errors.map((e) => e.message), [], `${file} parses`);
    assert.deepEqual(doc.warnings.map((e) => e.message), [], `${file} has no YAML warnings`);
    return doc.toJS() as Workflow;
}

const stackFiles = (): string[] =>
    fs
        .readdirSync(path.join(PROJECT_ROOT, "stacks"))
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();

const needsOf = (job: Job): string[] => (job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs]);

/** Every job a job waits for, directly or not. */
function ancestors(wf: Workflow, name: string, seen = new Set<string>()): Set<string> {
    for (const n of needsOf(wf.jobs[name])) {
        if (!seen.has(n)) {
            seen.add(n);
            ancestors(wf, n, seen);
        }
    }
    return seen;
}

/** Steps that run a Pulumi command (the action without `command` only installs the CLI). */
const pulumiSteps = (job: Job): Step[] => job.steps.filter((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command !== undefined);

/** The stacks a job runs Pulumi on: its matrix, or the stack named in its stack-name. */
function stacksOfJob(job: Job): string[] {
    return pulumiSteps(job).flatMap((s) => {
        const name = String(s.with?.["stack-name"]);
        const m = /^organization\/mesh-observability\/(.+)$/.exec(name);
        assert.ok(m, `stack-name ${name} is <org>/mesh-observability/<stack>`);
        return m[1] === "${{ matrix.stack }}" ? [...(job.strategy?.matrix?.stack ?? [])] : [m[1]];
    });
}

function strings(v: unknown, at: string, out: { at: string; value: string }[] = []): { at: string; value: string }[] {
    if (typeof v === "string") out.push({ at, value: v });
    else if (Array.isArray(v)) v.forEach((x, i) => strings(x, `${at}[${i}]`, out));
    else if (typeof v === "object" && v !== null) for (const [k, x] of Object.entries(v)) strings(x, `${at}.${k}`, out);
    return out;
}

describe("GitHub workflows", () => {
    const preview = load("preview.yml");
    const deploy = load("deploy.yml");
    const both: [string, Workflow][] = [
        ["preview.yml", preview],
        ["deploy.yml", deploy],
    ];

    it("are well-formed: triggers, jobs with runs-on and steps, each step exactly one of uses/run, needs pointing at jobs", () => {
        assert.deepEqual(Object.keys(preview.on), ["pull_request"]);
        assert.deepEqual(deploy.on, { push: { branches: ["main"] } });
        for (const [file, wf] of both) {
            assert.ok(Object.keys(wf.jobs).length > 0, file);
            for (const [name, job] of Object.entries(wf.jobs)) {
                assert.equal(typeof job["runs-on"], "string", `${file} ${name} runs-on`);
                assert.ok(Array.isArray(job.steps) && job.steps.length > 0, `${file} ${name} steps`);
                for (const s of job.steps) assert.ok((s.uses === undefined) !== (s.run === undefined), `${file} ${name}: ${JSON.stringify(s)}`);
                for (const n of needsOf(job)) assert.ok(wf.jobs[n], `${file} ${name} needs unknown job ${n}`);
                assert.ok(!ancestors(wf, name).has(name), `${file} ${name} needs itself`);
            }
        }
    });

    it("pin every action to a major tag, the Pulumi action to its current major", () => {
        for (const [file, wf] of both) {
            for (const [name, job] of Object.entries(wf.jobs)) {
                for (const s of job.steps.filter((x) => x.uses)) {
                    assert.match(s.uses!, /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+@v\d+$/, `${file} ${name}: ${s.uses}`);
                    if (s.uses!.startsWith("pulumi/actions@")) assert.equal(s.uses, PULUMI_ACTION);
                }
            }
        }
    });

    it("test before Pulumi: Node 20 with npm cache, npm ci --ignore-scripts, prometheus installed, typecheck, npm test", () => {
        for (const [file, wf] of both) {
            const test = wf.jobs.test;
            assert.ok(test, `${file} has a test job`);
            const setup = test.steps.find((s) => s.uses?.startsWith("actions/setup-node@"));
            assert.deepEqual(setup?.with, { "node-version": 20, cache: "npm" });
            const runs = test.steps.filter((s) => s.run).map((s) => s.run!);
            const index = (re: RegExp) => runs.findIndex((r) => re.test(r));
            assert.ok(index(/apt-get install .*\bprometheus\b/) >= 0, `${file}: prometheus`);
            assert.ok(index(/^npm ci --ignore-scripts$/) >= 0);
            assert.ok(index(/^npm ci --ignore-scripts$/) < index(/^npm run typecheck$/));
            assert.ok(index(/^npm run typecheck$/) < index(/^npm test$/));
            for (const [name, job] of Object.entries(wf.jobs)) {
                if (pulumiSteps(job).length > 0) {
                    assert.ok(ancestors(wf, name).has("test"), `${file} ${name} runs after the tests`);
                    const stepIndex = (pred: (s: Step) => boolean) => job.steps.findIndex(pred);
                    assert.ok(stepIndex((s) => s.run === "npm ci --ignore-scripts") < stepIndex((s) => !!s.uses?.startsWith("pulumi/actions@")), `${file} ${name} installs before Pulumi`);
                }
            }
        }
    });

    it("preview: the matrix is exactly the stack files in stacks/, each previewed with comments, the policy pack and the project dir", () => {
        const job = preview.jobs.preview;
        assert.deepEqual([...(job.strategy?.matrix?.stack ?? [])].sort(), stackFiles());
        const [step] = pulumiSteps(job);
        assert.equal(pulumiSteps(job).length, 1);
        assert.equal(step.with?.command, "preview");
        assert.equal(step.with?.["stack-name"], "organization/mesh-observability/${{ matrix.stack }}");
        assert.equal(step.with?.["comment-on-pr"], true);
        assert.equal(step.with?.["work-dir"], ".");
        assert.ok(fs.existsSync(path.join(PROJECT_ROOT, String(step.with?.["work-dir"]), "Pulumi.yaml")));
        const permissions = (preview as any).permissions;
        assert.equal(permissions?.["pull-requests"], "write", "comment-on-pr needs pull-requests: write");
    });

    it("every Pulumi step enforces the policy pack, and the path is the pack", () => {
        for (const [file, wf] of both) {
            for (const [name, job] of Object.entries(wf.jobs)) {
                for (const s of pulumiSteps(job)) {
                    const pack = String(s.with?.policyPacks);
                    assert.equal(pack, "infra/policy", `${file} ${name}`);
                    for (const f of ["PulumiPolicy.yaml", "index.ts", "package.json"]) assert.ok(fs.existsSync(path.join(PROJECT_ROOT, pack, f)), `${pack}/${f}`);
                }
            }
        }
    });

    it("deploy: `pulumi up` on every stack of every deployed environment, exactly once, global before that environment's zones", () => {
        const byStack = new Map<string, string>();
        for (const [name, job] of Object.entries(deploy.jobs)) {
            for (const s of pulumiSteps(job)) assert.equal(s.with?.command, "up", name);
            for (const stack of stacksOfJob(job)) {
                assert.ok(!byStack.has(stack), `${stack} deployed twice`);
                byStack.set(stack, name);
            }
        }
        const expected = stackFiles().filter((s) => !(parseStackName(s).env in NOT_DEPLOYED));
        assert.deepEqual([...byStack.keys()].sort(), expected);
        for (const stack of expected) {
            const id = parseStackName(stack);
            if (id.role !== "zone") continue;
            const zoneJob = byStack.get(stack)!;
            const globalJob = byStack.get(`${id.env}-global`);
            assert.ok(globalJob, `${id.env}-global is deployed`);
            assert.notEqual(zoneJob, globalJob, `${stack} runs in its own job after the global`);
            assert.ok(ancestors(deploy, zoneJob).has(globalJob!), `${stack} (${zoneJob}) needs ${globalJob}`);
        }
        for (const env of Object.keys(NOT_DEPLOYED)) assert.ok(stackFiles().some((s) => s.startsWith(`${env}-`)), `${env} still exists`);
    });

    it("cluster and AWS access only for stacks that target real clusters, from secrets (OIDC role, kubeconfig)", () => {
        for (const [file, wf] of both) {
            for (const [name, job] of Object.entries(wf.jobs)) {
                const steps = (job as any).steps ?? [];
                const pulumiAt = steps.findIndex((s: any) => String(s.uses ?? "").startsWith("pulumi/actions@") && s.with?.command !== undefined);
                if (pulumiAt < 0) continue;
                const aws = steps.findIndex((s: any) => String(s.uses ?? "").startsWith("aws-actions/configure-aws-credentials@v"));
                assert.ok(aws >= 0 && aws < pulumiAt, `${file} ${name}: AWS credentials before pulumi`);
                assert.equal(steps[aws].with["role-to-assume"], "${{ secrets.AWS_DEPLOY_ROLE_ARN }}");
                assert.match(String(steps[aws].if), /local-/, "not for local stacks, which only render manifests");
                const kube = steps.find((s: any) => s.name === "kubeconfig");
                assert.equal(kube?.env?.KUBECONFIG_CONTENT, "${{ secrets.KUBECONFIG }}", `${file} ${name}`);
            }
            assert.equal((wf as unknown as { permissions: Record<string, string> }).permissions["id-token"], "write", `${file}: OIDC for the AWS role`);
        }
    });

    it("credentials only from secrets.*: tokens, passphrase and backend URL, no literal credential anywhere", () => {
        for (const [file, wf] of both) {
            for (const [name, job] of Object.entries(wf.jobs)) {
                for (const s of pulumiSteps(job)) {
                    assert.equal(s.env?.PULUMI_ACCESS_TOKEN, "${{ secrets.PULUMI_ACCESS_TOKEN }}", `${file} ${name}`);
                    assert.equal(s.env?.PULUMI_CONFIG_PASSPHRASE, "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}", `${file} ${name}`);
                    assert.equal(s.with?.["cloud-url"], "${{ secrets.PULUMI_BACKEND_URL }}", `${file} ${name}`);
                }
            }
            for (const { at, value } of strings(wf, file)) {
                const key = at.split(".").pop()!;
                // `permissions.id-token` is a permission level (write, for OIDC), not a credential.
                const isPermission = /\.permissions\.[^.]+$/.test(at);
                if (!isPermission && /token|passphrase|password|secret|api[-_]?key|access[-_]?key|cloud-url/i.test(key)) {
                    assert.match(value, /^\$\{\{ secrets\.[A-Z0-9_]+ \}\}$/, `${at} must come from secrets.*`);
                }
                assert.ok(!/\bpul-[0-9a-f]{40}\b|\bAKIA[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{36}\b/.test(value), `${at} holds a literal credential`);
                for (const expr of value.match(/\$\{\{[^}]*\}\}/g) ?? []) {
                    if (/secret|token|passphrase/i.test(expr)) assert.match(expr, /^\$\{\{ secrets\.[A-Z0-9_]+ \}\}$/, `${at}: ${expr}`);
                }
            }
        }
    });
    it("preview creates a stack that does not exist yet (a zone the pull request adds) instead of failing on it", () => {
        const [step] = pulumiSteps(preview.jobs.preview);
        assert.equal(step.with?.upsert, true);
    });

    it("deploy creates a stack that does not exist yet, on its first `up` (after its global's)", () => {
        for (const [name, job] of Object.entries(deploy.jobs)) for (const s of pulumiSteps(job)) assert.equal(s.with?.upsert, true, name);
    });

    it("deploy runs `npm run verify -- --env <env>` after every `up` of the environment, with the Pulumi CLI and the backend's secrets (and AWS credentials for AMP)", () => {
        const deployed = [...new Set(stackFiles().map((s) => parseStackName(s).env))].filter((env) => !(env in NOT_DEPLOYED));
        assert.ok(deployed.length >= 2);
        const verifies = Object.entries(deploy.jobs).flatMap(([name, job]) =>
            job.steps.flatMap((s, i) => {
                const m = /^npm run verify -- --env (\S+)$/.exec(s.run ?? "");
                return m ? [{ name, job, env: m[1], step: s, index: i }] : [];
            }),
        );
        for (const env of deployed) {
            const backend = outputsFromStackFile(path.join(PROJECT_ROOT, "stacks"), env, PROJECT).outputs.metricsBackend;
            const mine = verifies.filter((v) => v.env === env);
            assert.equal(mine.length, 1, `${env} is verified once`);
            const v = mine[0];
            const upJobs = Object.entries(deploy.jobs).filter(([, job]) => stacksOfJob(job).some((st) => parseStackName(st).env === env)).map(([n]) => n);
            assert.ok(upJobs.length >= 2, env);
            for (const up of upJobs) assert.ok(ancestors(deploy, v.name).has(up), `verify ${env} (${v.name}) runs after ${up}`);
            const install = v.job.steps.findIndex((s) => s.uses === PULUMI_ACTION && s.with === undefined);
            assert.ok(install >= 0 && install < v.index, `${v.name}: the Pulumi CLI is installed before verify`);
            assert.ok(v.job.steps.findIndex((s) => s.run === "npm ci --ignore-scripts") < v.index, `${v.name}: npm ci first`);
            for (const key of ["PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_BACKEND_URL"]) assert.equal(v.step.env?.[key], `\${{ secrets.${key} }}`, `${v.name} ${key}`);
            // AMP queries are signed with the environment's AWS credentials (infra/verify/sigv4.ts).
            const aws = v.job.steps.findIndex((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
            if (backend === "amp") {
                assert.ok(aws >= 0 && aws < v.index, `${v.name}: AWS credentials before verify (AMP)`);
                assert.equal(v.job.steps[aws].with?.["role-to-assume"], "${{ secrets.AWS_DEPLOY_ROLE_ARN }}");
            } else assert.equal(aws, -1, `${v.name}: no AWS credentials where none are needed`);
        }
    });
});
