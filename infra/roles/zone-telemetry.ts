import { PoliciesConfig } from "../config/zone-schema";
import { ZoneDecisions } from "../global-outputs";

/** What a zone runs for traces and logs, decided from the global's backends and the zone's policies config. */
export interface ZoneTelemetryPlan {
    /** Where the zone collector sends spans (kuma-cp always goes through it); "none": no trace pipeline. */
    readonly collectorTraces: "jaeger" | "datadog" | "none";
    /** Whether the collector forwards MeshAccessLog's OTLP records to Loki. */
    readonly collectorLogs: boolean;
    /** MeshTrace's backend: the collector (OpenTelemetry) or the Datadog agent's trace-svc. */
    readonly meshTrace: "opentelemetry" | "datadog" | "none";
    /** MeshAccessLog's backend: OTLP to the collector, or TCP to the Datadog agent. */
    readonly accessLogs: "opentelemetry" | "tcp" | "none";
    /** Who ships container logs: Alloy to Loki, the Datadog agent, or nobody. */
    readonly logShipper: "alloy" | "datadog-agent" | "none";
    /** Whether the Datadog agent runs (APM for MeshTrace, and/or logs, plus OpenMetrics). */
    readonly datadogAgent: boolean;
}

/**
 * Decides the zone's telemetry. Returns the plan, or the problems with the zone's config given what
 * the global offers (each names the key and what is allowed), so they fail before any resource.
 */
export function planZoneTelemetry(global: ZoneDecisions, policies: PoliciesConfig, globalStack: string): ZoneTelemetryPlan | { problems: string[] } {
    const accessLogs = policies.accessLogs ?? (global.logsBackend === "loki" ? "opentelemetry" : global.logsBackend === "datadog" ? "tcp" : "none");
    const needs = { opentelemetry: "loki", tcp: "datadog" } as const;
    if (accessLogs !== "none" && global.logsBackend !== needs[accessLogs]) {
        const other = global.logsBackend === "loki" ? "opentelemetry" : global.logsBackend === "datadog" ? "tcp" : undefined;
        return {
            problems: [
                `policies.accessLogs: ${JSON.stringify(accessLogs)} needs the global logs backend ${needs[accessLogs]}, ` +
                    `but ${globalStack} has ${JSON.stringify(global.logsBackend)}; allowed: ${other !== undefined ? `${other}, none` : "none"}`,
            ],
        };
    }
    return {
        collectorTraces: global.tracesBackend,
        collectorLogs: accessLogs === "opentelemetry",
        meshTrace: global.tracesBackend === "jaeger" ? "opentelemetry" : global.tracesBackend === "datadog" ? "datadog" : "none",
        accessLogs,
        logShipper: global.logsBackend === "loki" ? "alloy" : global.logsBackend === "datadog" ? "datadog-agent" : "none",
        datadogAgent: global.tracesBackend === "datadog" || global.logsBackend === "datadog",
    };
}
