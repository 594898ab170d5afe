import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { assertDatadogSite } from "../datadog/agent-chart";
import { sha256 } from "../kernel/checksum";
import { mountedConfigMap } from "../kernel/mounted-config-map";
import { pinnedChart } from "../kernel/pinned-chart";
import { assertKumaZoneName } from "../mesh/kuma-facts";
import { buildCollectorChartValues, COLLECTOR_CONFIG_KEY, collectorEndpoints, OTEL_COLLECTOR_CHART } from "./collector-chart";
import { LogsBackend, renderZoneCollectorConfig, TracesBackend } from "./collector-config";

/** The env var the datadog exporter reads its key from, and the Secret key holding it. */
export const DATADOG_API_KEY_ENV = "DD_API_KEY";
const DATADOG_API_KEY_SECRET_KEY = "api-key";

/** Trace backend with its endpoint or key as Pulumi inputs (e.g. from the global stack). */
export type ZoneCollectorTraces =
    | { readonly type: "otlp"; readonly endpoint: pulumi.Input<string>; readonly insecure: boolean }
    | { readonly type: "otlp-http"; readonly endpoint: pulumi.Input<string> }
    | { readonly type: "datadog"; readonly site: string; readonly apiKey: pulumi.Input<string> }
    | { readonly type: "none" };

/** Log backend with its endpoint and tenant as Pulumi inputs. */
export type ZoneCollectorLogs =
    | { readonly type: "loki-otlp"; readonly endpoint: pulumi.Input<string>; readonly tenant: pulumi.Input<string> }
    | { readonly type: "none" };

export interface ZoneCollectorArgs {
    /** Namespace to deploy into (must exist). */
    readonly namespace: pulumi.Input<string>;
    /** Zone name, upserted as `kuma.zone` and `zone` on every span and log record. */
    readonly zone: string;
    /** Span backend: the central Jaeger over OTLP/gRPC (host:port), Datadog (site, API key; a secret), or none. */
    readonly traces: ZoneCollectorTraces;
    /** Log backend: the global Loki's OTLP endpoint (…/otlp) and tenant, or none. */
    readonly logs: ZoneCollectorLogs;
}

/**
 * A zone's OpenTelemetry Collector gateway (opentelemetry-collector chart, contrib image): the OTLP
 * endpoint MeshTrace, MeshAccessLog and kuma-cp send to, which stamps the zone on everything and
 * forwards spans to Jaeger or Datadog and access logs to Loki. Its config is ours, mounted from a
 * ConfigMap; a sha256 pod annotation rolls the pods when it changes.
 */
export class ZoneCollector extends pulumi.ComponentResource {
    /** OTLP/gRPC endpoint for MeshTrace / MeshAccessLog / kuma-cp: <svc>.<ns>.svc.cluster.local:4317. */
    public readonly otlpGrpcEndpoint: pulumi.Output<string>;
    /** OTLP/HTTP base URL: http://<svc>.<ns>.svc.cluster.local:4318 (senders append /v1/traces, /v1/logs). */
    public readonly otlpHttpEndpoint: pulumi.Output<string>;
    /** The generated collector config, byte for byte as mounted. */
    public readonly configText: pulumi.Output<string>;

    constructor(name: string, args: ZoneCollectorArgs, opts?: pulumi.ComponentResourceOptions) {
        // What can be checked without the endpoints fails here, before any resource (this one included) is registered.
        assertKumaZoneName(args.zone);
        if (args.traces.type === "datadog") assertDatadogSite(args.traces.site);
        if (args.traces.type === "none" && args.logs.type === "none") throw new Error(`ZoneCollector ${name}: neither traces nor logs has a backend`);
        const apiKeySecret =
            args.traces.type === "datadog" ? { name: `${name}-datadog-api-key`, key: DATADOG_API_KEY_SECRET_KEY, env: DATADOG_API_KEY_ENV } : undefined;
        const values = (configChecksum: string) =>
            buildCollectorChartValues({ fullname: name, configMapName: `${name}-config`, configChecksum, apiKeySecret });
        super("meshobs:telemetry:ZoneCollector", name, {}, opts);

        this.configText = pulumi
            .all([tracesBackend(args.traces), logsBackend(args.logs)])
            .apply(([t, l]) => renderZoneCollectorConfig({ zone: args.zone, traces: t, logs: l }));

        const dependsOn: pulumi.Resource[] = [];
        if (args.traces.type === "datadog" && apiKeySecret !== undefined) {
            // Read as an env var, not mounted: a plain Secret without workload annotation (as ZoneDatadogAgent's).
            dependsOn.push(
                new k8s.core.v1.Secret(
                    apiKeySecret.name,
                    {
                        metadata: { name: apiKeySecret.name, namespace: args.namespace },
                        type: "Opaque",
                        stringData: { [apiKeySecret.key]: pulumi.secret(args.traces.apiKey) },
                    },
                    { parent: this },
                ),
            );
        }
        dependsOn.push(mountedConfigMap(this, `${name}-config`, args.namespace, "otel-collector", { [COLLECTOR_CONFIG_KEY]: this.configText }));

        const chart = pinnedChart(
            name,
            OTEL_COLLECTOR_CHART,
            { namespace: args.namespace, values: this.configText.apply((text) => values(sha256(text))) },
            { parent: this, dependsOn },
        );

        const endpoints = pulumi.output(args.namespace).apply((namespace) => collectorEndpoints(name, namespace));
        this.otlpGrpcEndpoint = endpoints.grpc;
        this.otlpHttpEndpoint = endpoints.http;
        this.registerOutputs({
            otlpGrpcEndpoint: this.otlpGrpcEndpoint,
            otlpHttpEndpoint: this.otlpHttpEndpoint,
            configText: this.configText,
            chart: chart.urn,
        });
    }
}

function tracesBackend(t: ZoneCollectorTraces): pulumi.Output<TracesBackend> {
    switch (t.type) {
        case "otlp": {
            const insecure = t.insecure;
            return pulumi.output(t.endpoint).apply((endpoint): TracesBackend => ({ type: "otlp", endpoint, insecure }));
        }
        case "otlp-http":
            return pulumi.output(t.endpoint).apply((endpoint): TracesBackend => ({ type: "otlp-http", endpoint }));
        case "datadog":
            // The key itself never enters the config: the exporter reads it from the env var.
            return pulumi.output<TracesBackend>({ type: "datadog", site: t.site, apiKeyEnv: DATADOG_API_KEY_ENV });
        case "none":
            return pulumi.output<TracesBackend>({ type: "none" });
    }
}

function logsBackend(l: ZoneCollectorLogs): pulumi.Output<LogsBackend> {
    if (l.type === "none") return pulumi.output<LogsBackend>({ type: "none" });
    return pulumi.all([l.endpoint, l.tenant]).apply(([endpoint, tenant]): LogsBackend => ({ type: "loki-otlp", endpoint, tenant }));
}
