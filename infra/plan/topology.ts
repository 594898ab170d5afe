import { CP_METRICS_PATH, CP_METRICS_PORT } from "../../components/mesh/kuma-facts";
import { EnvironmentEvaluation } from "./evaluate-environment";
import { StackEvaluation } from "./evaluate-stack";

/** Mermaid-safe node id. */
function id(...parts: string[]): string {
    return parts.join("_").replace(/[^A-Za-z0-9_]/g, "_");
}

function out(ev: StackEvaluation, key: string): string {
    const o = ev.outputs[key];
    return o === undefined ? "" : o.secret ? "[secret]" : String(o.value);
}

/** How the global metrics node reads for each backend. */
const METRICS_NODE: Readonly<Record<string, string>> = {
    prometheus: "global Prometheus<br/>remote-write receiver, basic auth",
    amp: "Amazon Managed Prometheus<br/>SigV4",
    mimir: "Grafana Mimir<br/>tenant header",
};

function quote(text: string): string {
    return `"${text.replace(/"/g, "#quot;")}"`;
}

/**
 * topology.md: one Mermaid flowchart of the environment, drawn from the stacks' evaluated outputs
 * (not from config), so it shows what the program would actually wire together: metrics (thick),
 * traces and logs (dotted).
 */
export function renderTopology(env: EnvironmentEvaluation): string {
    const global = env.stacks.find((s) => s.stack === `${env.env}-global`);
    const zones = env.stacks.filter((s) => s !== global);
    const lines = ["flowchart LR"];
    const node = (name: string) => id(env.env, "global", name);
    const tracesBackend = global ? out(global, "tracesBackend") : "";
    const logsBackend = global ? out(global, "logsBackend") : "";
    if (global) {
        lines.push(`  subgraph ${id(global.stack)}[${quote(`${global.stack} (global)`)}]`);
        lines.push(`    ${node("prometheus")}[${quote(`${METRICS_NODE[out(global, "metricsBackend")] ?? "global Prometheus"}<br/>${out(global, "prometheusQueryUrl")}`)}]`);
        if (tracesBackend === "jaeger") lines.push(`    ${node("jaeger")}[${quote(`Jaeger v2<br/>OTLP ${out(global, "otlpTracesEndpoint")}`)}]`);
        if (logsBackend === "loki") lines.push(`    ${node("loki")}[${quote(`Loki (tenant ${out(global, "lokiTenant")})<br/>${out(global, "lokiPushUrl")}`)}]`);
        if (out(global, "grafanaUrl")) lines.push(`    ${node("grafana")}[${quote(`Grafana<br/>${out(global, "grafanaUrl")}`)}]`);
        lines.push("  end");
        if (tracesBackend === "datadog" || logsBackend === "datadog") lines.push(`  ${node("datadog")}[(${quote(`Datadog ${out(global, "datadogSite")}`)})]`);
        if (out(global, "grafanaUrl")) {
            lines.push(`  ${node("grafana")} -. "PromQL" .-> ${node("prometheus")}`);
            if (tracesBackend === "jaeger") lines.push(`  ${node("grafana")} -. "traces" .-> ${node("jaeger")}`);
            if (logsBackend === "loki") lines.push(`  ${node("grafana")} -. "LogQL" .-> ${node("loki")}`);
        }
    }
    for (const z of zones) {
        const zone = out(z, "zone");
        const cp = id(z.stack, "cp");
        const dps = id(z.stack, "dataplanes");
        const prom = id(z.stack, "prometheus");
        const collector = id(z.stack, "collector");
        const shipper = id(z.stack, "logs");
        lines.push(`  subgraph ${id(z.stack)}[${quote(`${z.stack} (zone ${zone})`)}]`);
        lines.push(`    ${cp}[${quote(`zone control plane<br/>MADS ${out(z, "madsServer")}`)}]`);
        lines.push(`    ${dps}[${quote("dataplanes (kuma-dp)")}]`);
        lines.push(`    ${prom}[${quote(`zone Prometheus<br/>${out(z, "prometheusAddress")}<br/>external label zone=${zone}`)}]`);
        if (out(z, "collectorOtlpEndpoint")) lines.push(`    ${collector}[${quote(`OTel Collector gateway<br/>${out(z, "collectorOtlpEndpoint")}<br/>resource zone=${zone}`)}]`);
        if (out(z, "logShipper") && out(z, "logShipper") !== "none") lines.push(`    ${shipper}[${quote(`${out(z, "logShipper")} (logs, zone=${zone})`)}]`);
        lines.push("  end");
        lines.push(`  ${prom} -- ${quote(`${out(z, "discoveryMode")}: assignments`)} --> ${cp}`);
        lines.push(`  ${prom} -- ${quote("scrape /metrics")} --> ${dps}`);
        lines.push(`  ${prom} -- ${quote(`scrape :${CP_METRICS_PORT}${CP_METRICS_PATH}`)} --> ${cp}`);
        if (global && out(global, "metricsTransport") === "federation") lines.push(`  ${node("prometheus")} == ${quote("federate /federate")} ==> ${prom}`);
        else if (global) lines.push(`  ${prom} == ${quote(`remote_write ${out(z, "remoteWriteUrl")} (${out(global, "remoteWriteAuth")})`)} ==> ${node("prometheus")}`);
        if (out(z, "collectorOtlpEndpoint")) {
            lines.push(`  ${dps} -. ${quote("MeshTrace OTLP")} .-> ${collector}`);
            lines.push(`  ${cp} -. ${quote("CP traces OTLP")} .-> ${collector}`);
            const target = tracesBackend === "jaeger" ? node("jaeger") : tracesBackend === "datadog" ? node("datadog") : undefined;
            if (target) lines.push(`  ${collector} -. ${quote(`traces ${out(z, "tracesExportEndpoint")}`)} .-> ${target}`);
            if (logsBackend === "loki" && out(z, "accessLogsBackend") === "opentelemetry") lines.push(`  ${collector} -. ${quote("access logs OTLP")} .-> ${node("loki")}`);
        }
        if (out(z, "logShipper") === "alloy") lines.push(`  ${shipper} -. ${quote(`push ${out(z, "logsPushUrl")}`)} .-> ${node("loki")}`);
        if (out(z, "logShipper") === "datadog-agent") lines.push(`  ${shipper} -. ${quote("logs, APM, OpenMetrics")} .-> ${node("datadog")}`);
    }
    return [
        `# Topology of the \`${env.env}\` environment`,
        "",
        "Generated by `npm run plan` from the evaluated stacks. Thick arrows carry metrics to global; dotted ones traces and logs.",
        "",
        "```mermaid",
        ...lines,
        "```",
        "",
    ].join("\n");
}
