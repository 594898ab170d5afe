import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ChartSource } from "../../infra/plan/chart-template";
import { CHART_TYPE } from "../../infra/plan/mock-runtime";
import { evaluateEnvironment, PROJECT_ROOT } from "../../infra/plan/evaluate-environment";
import { PROJECT, StackEvaluation } from "../../infra/plan/evaluate-stack";
import { KubeObject } from "../../infra/plan/kube-object";
import { allObjects, StackManifests, stackManifests } from "../../infra/plan/manifests";
import { environmentStacks, StackFile } from "../../infra/plan/stack-files";
import { clusterIdentity as programClusterIdentity } from "../../infra/cluster-identity";
import { KubernetesTargetConfig } from "../../infra/config/kubernetes-target";
import { upstreamPath } from "./upstream";

/**
 * Every shipped environment (stacks/Pulumi.<env>-global.yaml and its zones) evaluated and rendered
 * with real Helm from the packaged upstream charts, once per test run: the first caller pays (about
 * 10 s per environment), every test file after it shares the result.
 */
export const CHARTS: ChartSource = { chartsDir: upstreamPath("charts") };
export const STACKS_DIR = path.join(PROJECT_ROOT, "stacks");

export const SHIPPED_ENVIRONMENTS: readonly string[] = fs
    .readdirSync(STACKS_DIR)
    .map((f) => /^Pulumi\.(.+)-global\.yaml$/.exec(f)?.[1])
    .filter((e): e is string => e !== undefined)
    .sort();

export interface RenderedStack {
    readonly stack: string;
    readonly file: StackFile;
    readonly evaluation: StackEvaluation;
    readonly manifests: StackManifests;
    /** Every object the stack creates, secrets revealed. */
    readonly objects: KubeObject[];
}

export interface RenderedEnvironment {
    readonly env: string;
    readonly stacks: RenderedStack[];
}

/** Evaluates and renders the given stack files (global first) as `npm run plan -- --render` does. */
export async function renderEnvironment(env: string, files: StackFile[] = environmentStacks(STACKS_DIR, env)): Promise<RenderedEnvironment> {
    const evaluated = await evaluateEnvironment(env, { files });
    return {
        env,
        stacks: evaluated.stacks.map((evaluation, i) => {
            const manifests = stackManifests(evaluation, CHARTS);
            return { stack: evaluation.stack, file: files[i], evaluation, manifests, objects: allObjects(manifests) };
        }),
    };
}

const releases = new Map<string, RenderedRelease>();

/** A stack's own objects and one of its Helm releases, rendered (renderRelease). */
export type RenderedRelease = Pick<RenderedStack, "stack" | "manifests" | "objects">;

/**
 * One Helm release of an evaluated stack rendered, with the stack's own objects (the ConfigMaps and
 * Secrets its pods mount): what the pod emulation needs, without paying `helm template` for the other
 * releases. Memoised in-process by the stack's own resources and the release's inputs (chart, version,
 * values): evaluations that agree on them share one render. Share the result read-only.
 */
export function renderRelease(ev: StackEvaluation, chartResource: string): RenderedRelease {
    const chart = ev.resources.find((r) => r.type === CHART_TYPE && r.name === chartResource);
    if (chart === undefined) throw new Error(`${ev.stack}: no Helm release ${chartResource} (releases: ${ev.resources.filter((r) => r.type === CHART_TYPE).map((r) => r.name).join(", ")})`);
    const only: StackEvaluation = { ...ev, resources: ev.resources.filter((r) => r.type !== CHART_TYPE || r === chart) };
    const key = createHash("sha256")
        .update(JSON.stringify([ev.stack, CHARTS.chartsDir, only.resources.map((r) => [r.type, r.name, r.parent, r.inputs])]))
        .digest("hex");
    let rendered = releases.get(key);
    if (rendered === undefined) {
        const manifests = stackManifests(only, CHARTS);
        rendered = { stack: ev.stack, manifests, objects: allObjects(manifests) };
        releases.set(key, rendered);
    }
    return rendered;
}

let shipped: Promise<RenderedEnvironment[]> | undefined;

/** The shipped environments, rendered once per process (share it from a `before`). */
export function renderedShippedEnvironments(): Promise<RenderedEnvironment[]> {
    shipped ??= (async () => {
        const out: RenderedEnvironment[] = [];
        for (const env of SHIPPED_ENVIRONMENTS) out.push(await renderEnvironment(env));
        return out;
    })();
    return shipped;
}

/** The stack's `kubernetes` config as the program reads it (undefined: the default render directory). */
export function kubernetesConfig(file: StackFile): KubernetesTargetConfig | undefined {
    const raw = file.config[`${PROJECT}:kubernetes`];
    return raw === undefined ? undefined : JSON.parse(raw);
}

/**
 * Which cluster a stack deploys to, as the program itself tells (infra/cluster-identity.ts): an EKS
 * cluster (region and name), a kubeconfig context, or a render directory (the default,
 * `.rendered/<stack>`). Stacks with the same identity land in one cluster.
 */
export function clusterIdentity(file: StackFile): string {
    return programClusterIdentity(file.stack, kubernetesConfig(file)).key;
}
