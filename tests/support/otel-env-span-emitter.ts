/**
 * Child process for the control plane OpenTelemetry peer test: behaves as kuma-cp's tracing plugin
 * does, with the Node SDK. Tracing runs only when KUMA_TRACING_OPENTELEMETRY_ENABLED is "true"; the
 * exporter is OTLP/gRPC with no options (endpoint and TLS from OTEL_EXPORTER_OTLP_*), and the resource
 * is only what the environment gives (OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME), like kuma-cp's
 * empty resource merged with the environment. Emits one span named argv[2], flushes, exits.
 */
import { diag, DiagConsoleLogger, DiagLogLevel } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { detectResources, envDetector } from "@opentelemetry/resources";
import { BatchSpanProcessor, NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

async function main(): Promise<void> {
    const spanName = process.argv[2];
    if (!spanName) throw new Error("usage: otel-env-span-emitter <span name>");
    if (process.env.KUMA_TRACING_OPENTELEMETRY_ENABLED !== "true") {
        console.error("KUMA_TRACING_OPENTELEMETRY_ENABLED is not \"true\": tracing stays off");
        process.exitCode = 3;
        return;
    }
    diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN); // export failures reach stderr
    const provider = new NodeTracerProvider({
        resource: detectResources({ detectors: [envDetector] }),
        spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
    });
    const span = provider.getTracer("meshobs-control-plane-probe").startSpan(spanName, { attributes: { "probe.pid": process.pid } });
    span.end();
    await provider.forceFlush();
    await provider.shutdown();
}

main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
});
