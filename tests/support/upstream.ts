import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

/** ../shared/upstream beside the project (CI and developers have it there; never copied in). */
export const UPSTREAM = path.resolve(__dirname, "..", "..", "..", "shared", "upstream");

export function upstreamPath(...parts: string[]): string {
    return path.join(UPSTREAM, ...parts);
}

export function upstreamYaml(...parts: string[]): any {
    return parse(fs.readFileSync(upstreamPath(...parts), "utf8"));
}

export function upstreamJson(...parts: string[]): any {
    return JSON.parse(fs.readFileSync(upstreamPath(...parts), "utf8"));
}

/**
 * One file of a packaged chart in charts/ (`<chart>-<version>.tgz`), e.g. a template: where a key the
 * templates read is missing from values.yaml (upstream documents it nowhere else).
 */
export function packagedChartFile(tgz: string, file: string): string {
    return execFileSync("tar", ["-xzOf", upstreamPath("charts", tgz), file], { encoding: "utf8" });
}
