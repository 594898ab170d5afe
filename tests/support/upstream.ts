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
