import { DATAPLANE_METRICS_PATH, DATAPLANE_METRICS_PORT } from "../mesh/kuma-facts";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { mountedConfigMap } from "../kernel/mounted-config-map";
import { pinnedChart } from "../kernel/pinned-chart";
import {
    agentObjectNames,
    API_KEY_SECRET_KEY,
    agentEndpoints,
    APM_PORT,
    buildDatadogAgentValues,
    CLUSTER_AGENT_TOKEN_KEY,
    DATADOG_CHART,
    LOGS_TCP_PORT,
    MetricsEndpoint,
    renderAgentChecks,
} from "./agent-chart";

export interface ZoneDatadogAgentArgs {
    /** Namespace to deploy into (must exist). */
    readonly namespace: pulumi.Input<string>;
    /** Zone name, tagged `zone:<zone>` on everything the agents send. */
    readonly zone: string;
    /** Environment name, tagged `env:<environment>`. */
    readonly environment: string;
    /** Datadog cluster name (`datadog.clusterName`): lower-case DNS-like tokens, ≤ 80 characters. */
    readonly clusterName: string;
    /** Datadog site, e.g. datadoghq.com or datadoghq.eu. */
    readonly site: string;
    /** Datadog API key (a secret; stored in a Kubernetes Secret the chart reads as an env var). */
    readonly apiKey: pulumi.Input<string>;
    /** The dataplanes' Prometheus endpoint; default port 5670, path /metrics (MeshMetric's Prometheus backend defaults). */
    readonly dataplaneMetrics?: MetricsEndpoint;
    /** Collect container logs and listen for MeshAccessLog's TCP stream; false where Alloy owns logs; default true. */
    readonly collectLogs?: boolean;
}

/**
 * The Datadog Agent in one zone cluster (datadog chart, pinned): node agents collecting the
 * dataplanes' and the control plane's OpenMetrics, every container's logs and MeshAccessLog's TCP
 * stream, and traces on 8126 behind the Kong Mesh docs' `trace-svc` Service; plus a Cluster Agent.
 */
export class ZoneDatadogAgent extends pulumi.ComponentResource {
    /** Where MeshTrace's Datadog backend sends spans: http://trace-svc.<namespace>.svc.cluster.local:8126. */
    public readonly apmUrl: pulumi.Output<string>;
    /** host:port for MeshAccessLog's Tcp backend; "" when collectLogs is false. */
    public readonly logsTcpAddress: pulumi.Output<string>;

    constructor(name: string, args: ZoneDatadogAgentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("meshobs:datadog:ZoneDatadogAgent", name, {}, opts);
        const names = agentObjectNames(name);
        const settings = {
            zone: args.zone,
            env: args.environment,
            clusterName: args.clusterName,
            site: args.site,
            apiKeySecret: { name: `${name}-api-key`, key: API_KEY_SECRET_KEY },
            dataplaneMetrics: args.dataplaneMetrics ?? { port: DATAPLANE_METRICS_PORT, path: DATAPLANE_METRICS_PATH },
            fullname: name,
            collectLogs: args.collectLogs,
        };
        // Build first: invalid settings fail before any resource is registered.
        const values = buildDatadogAgentValues(settings);
        const checks = renderAgentChecks(settings);

        // Read by the chart as DD_API_KEY (env), not mounted: a plain Secret, no workload annotation.
        const apiKey = new k8s.core.v1.Secret(
            settings.apiKeySecret.name,
            {
                metadata: { name: settings.apiKeySecret.name, namespace: args.namespace },
                type: "Opaque",
                stringData: { [API_KEY_SECRET_KEY]: pulumi.secret(args.apiKey) },
            },
            { parent: this },
        );

        // Drawn once and kept in state, so agents are not rolled by a new random token on every update.
        const token = new random.RandomPassword(`${name}-cluster-agent-token`, { length: 32, special: false }, { parent: this });
        const tokenSecret = new k8s.core.v1.Secret(
            names.clusterAgentToken,
            {
                metadata: { name: names.clusterAgentToken, namespace: args.namespace },
                type: "Opaque",
                stringData: { [CLUSTER_AGENT_TOKEN_KEY]: pulumi.secret(token.result) },
            },
            { parent: this },
        );

        const checksConfig = mountedConfigMap(this, names.checksConfigMap, args.namespace, "datadog-agent", checks.files);

        const chart = pinnedChart(name, DATADOG_CHART, { namespace: args.namespace, values }, { parent: this, dependsOn: [apiKey, tokenSecret, checksConfig] });

        const service = (role: string, serviceName: string, port: { name: string; port: number }) =>
            new k8s.core.v1.Service(
                `${name}-${role}`,
                {
                    metadata: { name: serviceName, namespace: args.namespace },
                    spec: {
                        type: "ClusterIP",
                        selector: { ...names.agentPodSelector },
                        ports: [{ name: port.name, protocol: "TCP", port: port.port, targetPort: port.port }],
                    },
                },
                { parent: this, dependsOn: [chart] },
            );
        // As in the Kong Mesh docs (8126 → 8126), selecting the chart's node agent pods.
        const traceService = service("trace-svc", names.traceService, { name: "traceport", port: APM_PORT });
        const logsService = (args.collectLogs ?? true) ? service("logs", names.logsService, { name: "logs-tcp", port: LOGS_TCP_PORT }) : undefined;

        const endpoints = pulumi.output(args.namespace).apply((namespace) => agentEndpoints(name, namespace));
        this.apmUrl = endpoints.apmUrl;
        this.logsTcpAddress = logsService !== undefined ? endpoints.logsTcpAddress : pulumi.output("");
        this.registerOutputs({
            apmUrl: this.apmUrl,
            logsTcpAddress: this.logsTcpAddress,
            chart: chart.urn,
            traceService: traceService.urn,
            logsService: logsService?.urn,
        });
    }
}
