import { spawnSync } from "child_process";
import { PROMETHEUS_BIN } from "./prometheus-process";

/**
 * The release of the Prometheus binary the harness runs, from `prometheus --version`
 * ("prometheus, version 2.42.0+ds (branch: …)"), so tests pick version-specific flags the way
 * the chart values do for the pinned image.
 */
export function installedPrometheusVersion(): string {
    const r = spawnSync(PROMETHEUS_BIN, ["--version"], { encoding: "utf8", timeout: 10_000 });
    const text = `${r.stdout ?? ""}${r.stderr ?? ""}`;
    const m = /version ([0-9]+\.[0-9]+\.[0-9]+[^\s]*)/.exec(text);
    if (!m) throw new Error(`cannot read the version of ${PROMETHEUS_BIN}: ${text || r.error?.message}`);
    return m[1];
}
