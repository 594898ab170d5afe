import * as path from "path";
import { evaluateStack, LOCAL_ORGANIZATION, PlannedOutput, PROJECT, StackEvaluation } from "./evaluate-stack";
import { environmentStacks, StackFile } from "./stack-files";
import { withEnvironmentStackFiles } from "../environment-stacks";

export interface EnvironmentEvaluation {
    readonly env: string;
    readonly stacks: StackEvaluation[];
}

export interface EvaluateOptions {
    /** Directory of the stack files; default: the project's `stacks/`. */
    readonly stacksDir?: string;
    /** Replace the files read from disk (tests, generated environments). */
    readonly files?: StackFile[];
    /** Called as each stack starts and ends. */
    readonly progress?: (event: { stack: string; phase: "start" | "done"; evaluation?: StackEvaluation }) => void;
}

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/**
 * Evaluates every stack of an environment in deployment order: global first, then each zone
 * with the global's evaluated outputs behind its StackReference.
 */
export async function evaluateEnvironment(env: string, opts: EvaluateOptions = {}): Promise<EnvironmentEvaluation> {
    const files = opts.files ?? environmentStacks(opts.stacksDir ?? path.join(PROJECT_ROOT, "stacks"), env);
    const outputs = new Map<string, Record<string, PlannedOutput>>();
    const stacks: StackEvaluation[] = [];
    // Each stack checks its siblings (one cluster per zone) among exactly the files evaluated here.
    await withEnvironmentStackFiles(files, async () => {
        for (const file of files) {
            opts.progress?.({ stack: file.stack, phase: "start" });
            const evaluation = await evaluateStack(file, outputs);
            outputs.set(`${LOCAL_ORGANIZATION}/${PROJECT}/${file.stack}`, evaluation.outputs);
            stacks.push(evaluation);
            opts.progress?.({ stack: file.stack, phase: "done", evaluation });
        }
    });
    return { env, stacks };
}
