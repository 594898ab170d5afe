import { upstreamYaml } from "./upstream";

/**
 * The values a chart renders with: the chart's own values.yaml with ours coalesced over it, as Helm
 * does (maps merge key by key, anything else — scalars, lists — replaces; a `null` of ours deletes
 * the default). What a securityContext ends up as is decided here, not by our values alone: where we
 * set nothing, the upstream default is what runs.
 */
export function helmCoalesce(defaults: unknown, ours: unknown): unknown {
    if (ours === undefined) return structuredClone(defaults);
    if (!isMap(ours) || !isMap(defaults)) return structuredClone(ours);
    const out: Record<string, unknown> = structuredClone(defaults) as Record<string, unknown>;
    for (const [k, v] of Object.entries(ours)) {
        if (v === null) delete out[k];
        else out[k] = helmCoalesce(out[k], v);
    }
    return out;
}

function isMap(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `<chart>-chart-<version>/values.yaml` under ../shared/upstream (the folder naming every chart there follows). */
export function upstreamChartValues(chart: string, version: string): Record<string, unknown> {
    return upstreamYaml(`${chart}-chart-${version}`, "values.yaml");
}

/** Effective values of a Helm v4 Chart resource's inputs (chart, version, values). */
export function effectiveChartValues(inputs: { chart: string; version: string; values?: unknown }): any {
    return helmCoalesce(upstreamChartValues(inputs.chart, inputs.version), inputs.values ?? {});
}

/** Reads a dotted path (keys may not contain dots). */
export function at(values: unknown, dotted: string): any {
    return dotted.split(".").reduce<any>((v, k) => (v === undefined || v === null ? undefined : v[k]), values);
}
