import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { kubernetesTarget } from "./config/kubernetes-target";
import { DEFAULT_NAMESPACE, dnsLabel } from "./config/primitives";
import { readStackFile, StackFile } from "./plan/stack-files";
import { StackTarget } from "./cluster-identity";

/** Pulumi.yaml's `stackConfigDir`: where `pulumi up` of every stack reads its stack file. */
const STACK_CONFIG_DIR = "stacks";

let evaluated: readonly StackFile[] | undefined;

/**
 * Runs `run` with `files` standing for the environment's stack files: the offline plan evaluates
 * stack files that need not be on disk (generated environments), and each stack must see exactly
 * the siblings the plan evaluates with it.
 */
export async function withEnvironmentStackFiles<T>(files: readonly StackFile[], run: () => Promise<T>): Promise<T> {
    const before = evaluated;
    evaluated = files;
    try {
        return await run();
    } finally {
        evaluated = before;
    }
}

/** The project root: where the engine runs the program from, else the checkout this file is in. */
function projectRoot(): string {
    const root = pulumi.runtime.getRootDirectory();
    return root !== "" && fs.existsSync(path.join(root, "Pulumi.yaml")) ? root : path.resolve(__dirname, "..");
}

/**
 * Where every stack of environment `env` deploys, read from the stack files `pulumi up` reads its
 * config from (or the plan's). Why not the global's outputs or the zones' own: a zone reads the
 * global's outputs as of the global's last `up` (stale once a zone is retargeted), and a zone cannot
 * read a sibling zone's outputs (a StackReference to a stack not created yet fails, so the first zone
 * could never deploy). The stack files are the one source every sibling's `pulumi up` will use, and
 * they are in the checkout CI and operators run from. A sibling whose target does not parse is left
 * to its own run, which reports it.
 */
export function environmentStackTargets(env: string): StackTarget[] {
    const files = evaluated ?? stackFilesOnDisk(env);
    return files
        .filter((f) => f.identity.env === env)
        .flatMap((f) => {
            const kubernetes = kubernetesTarget.optional().safeParse(decoded(f.config[`${pulumi.getProject()}:kubernetes`]));
            const namespace = dnsLabel.optional().safeParse(f.config[`${pulumi.getProject()}:namespace`]);
            if (!kubernetes.success || !namespace.success) return [];
            return [{ identity: f.identity, kubernetes: kubernetes.data, namespace: namespace.data ?? DEFAULT_NAMESPACE }];
        });
}

function stackFilesOnDisk(env: string): StackFile[] {
    const dir = path.join(projectRoot(), STACK_CONFIG_DIR);
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined && (s === `${env}-global` || s.startsWith(`${env}-zone-`)))
        .map((s) => readStackFile(dir, s));
}

function decoded(value: string | undefined): unknown {
    if (value === undefined) return undefined;
    try {
        return JSON.parse(value);
    } catch {
        return value;
    }
}
