import * as pulumi from "@pulumi/pulumi";
import { agentEndpoints } from "../../components/datadog/agent-chart";
import { AccessLogSettings, TraceSettings } from "../../components/mesh/policies";
import { ZoneCollectorTraces } from "../../components/telemetry/zone-collector";
import { PoliciesConfig } from "../config/zone-schema";
import { ZoneDecisions } from "../global-outputs";
import { DATADOG_AGENT_RELEASE } from "./releases";

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

/** The collector's trace exporter: gRPC or OTLP/HTTP to Jaeger as the global offers it, or Datadog. */
export function collectorTracesBackend(plan: ZoneTelemetryPlan, global: ZoneDecisions, datadogApiKey: pulumi.Output<string>): ZoneCollectorTraces {
    switch (plan.collectorTraces) {
        case "jaeger":
            return global.otlpTracesProtocol === "http"
                ? { type: "otlp-http", endpoint: global.otlpTracesEndpoint }
                : { type: "otlp", endpoint: global.otlpTracesEndpoint, insecure: global.otlpTracesEndpoint.startsWith("http://") };
        case "datadog":
            return { type: "datadog", site: global.datadogSite, apiKey: datadogApiKey };
        case "none":
            return { type: "none" };
    }
}

export function tracesExportEndpoint(traces: ZoneCollectorTraces): pulumi.Output<string> {
    switch (traces.type) {
        case "otlp":
        case "otlp-http":
            return pulumi.output(traces.endpoint);
        case "datadog":
            return pulumi.output(`datadog ${traces.site}`);
        case "none":
            return pulumi.output("");
    }
}

export function datadogEndpoints(plan: ZoneTelemetryPlan, namespace: string): { apmUrl: string; logsTcpAddress: string } {
    return plan.datadogAgent ? agentEndpoints(DATADOG_AGENT_RELEASE, namespace) : { apmUrl: "", logsTcpAddress: "" };
}

export function traceSettings(plan: ZoneTelemetryPlan, collectorGrpc: string, apmUrl: string, samplingPercent: number): TraceSettings {
    switch (plan.meshTrace) {
        case "opentelemetry":
            return { backend: "opentelemetry", endpoint: collectorGrpc, samplingPercent };
        case "datadog":
            return { backend: "datadog", url: apmUrl, samplingPercent };
        case "none":
            return { backend: "none" };
    }
}

export function accessLogSettings(plan: ZoneTelemetryPlan, collectorGrpc: string, logsTcpAddress: string): AccessLogSettings {
    switch (plan.accessLogs) {
        case "opentelemetry":
            return { backend: "opentelemetry", endpoint: collectorGrpc };
        case "tcp":
            return { backend: "tcp", address: logsTcpAddress };
        case "none":
            return { backend: "none" };
    }
}
