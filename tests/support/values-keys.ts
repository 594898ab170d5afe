/**
 * Checks chart values we generate against an upstream values.yaml: every key path we set must
 * exist upstream, unless it sits under a map upstream documents as free-form (given by the caller,
 * e.g. `server.podAnnotations`). Arrays are compared element-wise against upstream's first element
 * when upstream has one; an empty upstream list is free-form by nature.
 */
export function unknownValuePaths(ours: unknown, upstream: unknown, freeForm: readonly string[], prefix = ""): string[] {
    if (freeForm.includes(prefix)) return [];
    if (Array.isArray(ours)) {
        if (!Array.isArray(upstream)) return upstream === undefined ? [prefix] : [];
        if (upstream.length === 0) return [];
        return ours.flatMap((o, i) => unknownValuePaths(o, upstream[0], freeForm, `${prefix}[${i}]`).map((p) => p.replace(`[${i}]`, "[]")));
    }
    if (typeof ours !== "object" || ours === null) return [];
    if (typeof upstream !== "object" || upstream === null || Array.isArray(upstream)) {
        // Upstream has `{}` or a scalar placeholder here: only a map upstream declares as {} is open.
        return upstream !== null && typeof upstream === "object" ? [] : Object.keys(ours).map((k) => join(prefix, k));
    }
    const up = upstream as Record<string, unknown>;
    return Object.entries(ours as Record<string, unknown>).flatMap(([k, v]) => {
        const path = join(prefix, k);
        if (freeForm.includes(path)) return [];
        if (!(k in up)) return [path];
        const u = up[k];
        if (u !== null && typeof u === "object" && !Array.isArray(u) && Object.keys(u).length === 0) return []; // `{}`: a documented open map
        return unknownValuePaths(v, u, freeForm, path);
    });
}

function join(prefix: string, key: string): string {
    return prefix === "" ? key : `${prefix}.${key}`;
}
