import { ZoneMetrics } from "./queries";

/**
 * From what the global and the trace/log backends answered to one verdict per zone: pure, so
 * every rule is unit-tested (tests/unit/verify-verdict.test.ts) and the CLI only asks and prints.
 */

export interface Thresholds {
    /** A zone whose newest sample is older than this is silent. */
    readonly maxSampleAgeSeconds: number;
    /** A zone whose remote-write queue is further behind than this is lagging. */
    readonly maxLagSeconds: number;
}

/**
 * What a trace or log backend said. `not-asked`: it exists but cannot be asked from here (the
 * reason says why); `unreachable`: asked and failed; `answered`: the zones it has seen recently.
 */
export type BackendAnswer =
    | { readonly kind: "none" }
    | { readonly kind: "not-asked"; readonly reason: string }
    | { readonly kind: "unreachable"; readonly error: string }
    | { readonly kind: "answered"; readonly zonesSeen: ReadonlySet<string>; readonly window: string };

export interface Backends {
    readonly logs: { readonly name: string; readonly answer: BackendAnswer };
    readonly traces: { readonly name: string; readonly answer: BackendAnswer };
}

/** Verdicts, worst first: a zone's verdict is its worst problem. */
export const VERDICTS = ["silent", "targets down", "no control plane", "lagging", "no logs", "healthy"] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface ZoneReport {
    readonly zone: string;
    readonly verdict: Verdict;
    readonly healthy: boolean;
    /** Facts, in a fixed order: samples, lag, targets, logs, traces. */
    readonly details: readonly string[];
}

const secs = (n: number) => (n < 600 ? `${Math.round(n)}s` : n < 7200 ? `${Math.round(n / 60)}m` : `${(n / 3600).toFixed(1)}h`);

export function evaluateZone(m: ZoneMetrics, backends: Backends, t: Thresholds): ZoneReport {
    const found: Verdict[] = [];
    const details: string[] = [];

    const age = m.newestSampleAgeSeconds;
    if (age === undefined || age > t.maxSampleAgeSeconds) {
        found.push("silent");
        const last = age ?? m.lastSeenSecondsAgo;
        details.push(
            last === undefined
                ? "no sample in the last hour (zone Prometheus down, not deployed, cannot reach the global, or refused: 401 means a wrong credential)"
                : `newest sample ${secs(last)} old (limit ${secs(t.maxSampleAgeSeconds)}): the zone stopped sending (down, unreachable, or refused: 401 means a wrong credential)`,
        );
    } else {
        details.push(`newest sample ${secs(age)} old`);
    }
    // A silent zone's last samples stay visible for the 5m lookback: its lag and targets are stale, not news.
    const silent = found.includes("silent");
    if (!silent) {
        const lag = m.remoteWriteLagSeconds;
        if (lag === undefined) details.push("remote-write lag unknown (no queue series)");
        else if (lag > t.maxLagSeconds) {
            found.push("lagging");
            details.push(`remote-write lag ${secs(lag)} (limit ${secs(t.maxLagSeconds)})`);
        } else details.push(`remote-write lag ${secs(lag)}`);

        const cp = m.controlPlane;
        if (cp.total === 0) {
            found.push("no control plane");
            details.push("no control plane series carry this zone");
        } else {
            if (cp.up < cp.total) found.push("targets down");
            details.push(`control plane ${cp.up}/${cp.total} up`);
        }
        const dp = m.dataplanes;
        if (dp.up < dp.total) found.push("targets down");
        details.push(dp.total === 0 ? "no dataplane targets discovered" : `dataplanes ${dp.up}/${dp.total} up`);
    }

    const logs = backends.logs.answer;
    if (logs.kind === "answered") {
        const seen = logs.zonesSeen.has(m.zone);
        if (!seen) found.push("no logs");
        details.push(`${backends.logs.name} ${seen ? "has" : "has no"} logs of it in the last ${logs.window}`);
    }
    const traces = backends.traces.answer;
    // Not a failure: control plane spans depend on traffic and sampling.
    if (traces.kind === "answered") details.push(`${backends.traces.name} ${traces.zonesSeen.has(m.zone) ? "has" : "has no"} control plane traces of it in the last ${traces.window}`);

    const verdict = VERDICTS.find((v) => found.includes(v)) ?? "healthy";
    return { zone: m.zone, verdict, healthy: verdict === "healthy", details };
}

/** One line per backend: reachable or not, or why it was not asked. Unreachable fails the run. */
export function backendLine(kind: "logs" | "traces", b: Backends["logs"]): { readonly line: string; readonly ok: boolean } {
    const a = b.answer;
    switch (a.kind) {
        case "none":
            return { line: `${kind}: no backend configured`, ok: true };
        case "not-asked":
            return { line: `${kind}: ${b.name} not asked: ${a.reason}`, ok: true };
        case "unreachable":
            return { line: `${kind}: ${b.name} UNREACHABLE: ${a.error}`, ok: false };
        case "answered":
            return { line: `${kind}: ${b.name} reachable; zones seen in the last ${a.window}: ${[...a.zonesSeen].sort().join(", ") || "none"}`, ok: true };
    }
}

/** `east   healthy        newest sample 3s old, ...` */
export function zoneLine(r: ZoneReport, width: number): string {
    return `${r.zone.padEnd(width)}  ${r.verdict.padEnd(16)}  ${r.details.join(", ")}`;
}

/** 0: every zone healthy and every asked backend reachable; 1 otherwise. */
export function exitCode(reports: readonly ZoneReport[], backendsOk: boolean): 0 | 1 {
    return reports.every((r) => r.healthy) && backendsOk ? 0 : 1;
}
