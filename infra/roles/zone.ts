import * as pulumi from "@pulumi/pulumi";
import { ZoneDatadogAgent } from "../../components/datadog/zone-datadog-agent";
import { ZoneLogShipper } from "../../components/logs/zone-log-shipper";
import { controlPlaneEndpoints } from "../../components/mesh/control-plane";
import { DATAPLANE_METRICS_PATH, DATAPLANE_METRICS_PORT, usesPodDiscovery } from "../../components/mesh/kuma-facts";
import { controlPlaneValuesSnippet } from "../../components/mesh/control-plane-chart";
import { ControlPlaneInstall } from "../../components/mesh/control-plane-install";
import { controlPlaneOtelEnv } from "../../components/mesh/control-plane-telemetry";
import { MeshPolicies } from "../../components/mesh/mesh-policies";
import { MeshPolicySettings } from "../../components/mesh/policies";
import { collectorEndpoints } from "../../components/telemetry/collector-chart";
import { ZoneCollector } from "../../components/telemetry/zone-collector";
import { ConfigError } from "../config/load";
import { ZoneConfig } from "../config/zone-schema";
import { readGlobalOutputs, readZoneCredential, readZoneDecisions, ZoneDecisions } from "../global-outputs";
import { clusterTarget } from "../kubernetes-provider";
import { environmentStackTargets } from "../environment-stacks";
import { sharedClusterProblems, StackTarget } from "../cluster-identity";
import { zoneReachabilityProblems } from "../cross-cluster-endpoints";
import { globalStackName, StackIdentity, stackFile } from "../stack-identity";
import { observabilityNamespace } from "./namespace";
import { accessLogSettings, collectorTracesBackend, datadogEndpoints, planZoneTelemetry, traceSettings, tracesExportEndpoint } from "./zone-telemetry";
import { ObservabilityNetworkPolicies } from "../../components/network/observability-network-policies";
import { existingPrometheusSnippet } from "./existing-prometheus";
import { zoneMetricsProblems, zonePrometheus, zoneRemoteWrite } from "./zone-metrics";
import { DATADOG_AGENT_RELEASE, ZONE_COLLECTOR_RELEASE, ZONE_LOGS_RELEASE } from "./releases";
import { zoneNetworkPolicySettings, zoneNetworkProblems } from "./zone-network";
import { warn } from "../warnings";

/** MeshMetric's Prometheus backend defaults (Kuma docs): the dataplanes' metrics listener. */
const DATAPLANE_METRICS = { port: DATAPLANE_METRICS_PORT, path: DATAPLANE_METRICS_PATH } as const;

export interface ZoneStackExports {
    readonly zone: pulumi.Output<string>;
    readonly discoveryMode: pulumi.Output<string>;
    readonly prometheusAddress: pulumi.Output<string>;
    readonly remoteWriteUrl: pulumi.Output<string>;
    /** The user this zone writes as and its credential generation (docs/operations.md); "" and 0 without basic auth. */
    readonly remoteWriteUsername: pulumi.Output<string>;
    readonly remoteWriteGeneration: pulumi.Output<number>;
    readonly madsServer: pulumi.Output<string>;
    readonly globalStack: pulumi.Output<string>;
    /** Trace and log backends this zone sends to (from the global stack). */
    readonly tracesBackend: pulumi.Output<string>;
    readonly logsBackend: pulumi.Output<string>;
    /** host:port of the zone collector's OTLP gRPC receiver; "" when the zone runs none. */
    readonly collectorOtlpEndpoint: pulumi.Output<string>;
    /** Where the zone's spans leave it (Jaeger endpoint, or the Datadog site); "" when traces are off. */
    readonly tracesExportEndpoint: pulumi.Output<string>;
    /** alloy | datadog-agent | none. */
    readonly logShipper: pulumi.Output<string>;
    /** Loki push URL Alloy writes to; "" unless the shipper is Alloy. */
    readonly logsPushUrl: pulumi.Output<string>;
    /** MeshAccessLog backend: opentelemetry | tcp | none. */
    readonly accessLogsBackend: pulumi.Output<string>;
    /** The control plane's OpenTelemetry environment (installed here, or for whoever manages it). */
    readonly controlPlaneOtelEnv: pulumi.Output<Record<string, string>>;
    /** The same as a Helm values file for the control plane chart; "" when traces are off. */
    readonly controlPlaneValuesSnippet: pulumi.Output<string>;
    /** The mesh policies as multi-document YAML; "" when policies are disabled. */
    readonly meshPoliciesYaml: pulumi.Output<string>;
    /** For an existing Prometheus: external labels, mesh scrape jobs and remote-write block to merge into its config. */
    readonly existingPrometheusSnippet: pulumi.Output<string>;
}

/**
 * Endpoints of the global this zone would send to that its cluster cannot resolve. Compared against
 * the global of this environment's stack files only: a `globalStack` set elsewhere has no file here.
 */
function zoneEndpointProblems(id: Extract<StackIdentity, { role: "zone" }>, cfg: ZoneConfig, siblings: readonly StackTarget[], d: ZoneDecisions): string[] {
    if (cfg.globalStack !== undefined) return [];
    const global = siblings.find((s) => s.identity.role === "global");
    const used = {
        remoteWriteUrl: d.metricsTransport === "remote-write" && d.metricsBackend !== "amp" ? d.remoteWriteUrl : undefined,
        otlpTracesEndpoint: d.tracesBackend === "jaeger" ? d.otlpTracesEndpoint : undefined,
        lokiPushUrl: d.logsBackend === "loki" ? d.lokiPushUrl : undefined,
        lokiOtlpUrl: d.logsBackend === "loki" ? d.lokiOtlpUrl : undefined,
    };
    return zoneReachabilityProblems({ identity: id, kubernetes: cfg.kubernetes, namespace: cfg.namespace }, global, used);
}

/** The global stack a zone reads: configured, or `<org>/<project>/<env>-global`. */
export function zoneGlobalStack(id: Extract<StackIdentity, { role: "zone" }>, cfg: ZoneConfig): string {
    return cfg.globalStack ?? globalStackName(pulumi.getOrganization(), pulumi.getProject(), id.env);
}

/**
 * Provisions an `<env>-zone-<zone>` stack and returns its exports. The global's backend choices are
 * awaited first: they decide which resources exist, and a conflict with this zone's config fails
 * before any resource is registered.
 */
export async function zoneStack(id: Extract<StackIdentity, { role: "zone" }>, cfg: ZoneConfig): Promise<ZoneStackExports> {
    // Before anything is registered, the StackReference included: a zone is one cluster (infra/cluster-identity.ts).
    const siblings = environmentStackTargets(id.env);
    const clusterProblems = sharedClusterProblems({ identity: id, kubernetes: cfg.kubernetes, namespace: cfg.namespace }, siblings, pulumi.getProject());
    if (clusterProblems.length > 0) throw new ConfigError(stackFile(id.stack), clusterProblems);
    const globalStack = zoneGlobalStack(id, cfg);
    const ref = new pulumi.StackReference(globalStack);
    const global = readGlobalOutputs(ref);
    const decisions = await readZoneDecisions(ref);
    // A zone the global does not declare would send series nobody dashboards or alerts on.
    if (!decisions.zones.includes(id.zone)) undeclaredZone(id, globalStack, decisions.zones);
    const plan = planZoneTelemetry(decisions, cfg.policies, globalStack);
    const problems = [
        ...("problems" in plan ? plan.problems : []),
        ...zoneMetricsProblems(decisions, cfg, globalStack, id.zone, id.env),
        ...zoneNetworkProblems(decisions, cfg, globalStack, id.zone),
        ...zoneEndpointProblems(id, cfg, siblings, decisions),
    ];
    if (problems.length > 0 || "problems" in plan) throw new ConfigError(stackFile(id.stack), problems.map((p) => `${pulumi.getProject()}:${p}`));
    const cluster = clusterTarget(id.stack, cfg.kubernetes);

    const podDiscovery = usesPodDiscovery(cfg.mesh.version, cfg.mesh.environment);
    const cp = controlPlaneEndpoints({ product: cfg.mesh.product, version: cfg.mesh.version, ...cfg.mesh.controlPlane });

    const remoteWriteUrl = global.remoteWriteUrl;
    const remoteWrite = zoneRemoteWrite(decisions, global, remoteWriteUrl, cfg, cluster, id.stack, () => readZoneCredential(ref, id.zone), id.zone);
    const provider = cluster.provider;
    const namespace = observabilityNamespace(id.stack, cfg.namespace, provider);
    const opts = { providers: [provider], dependsOn: [namespace] };
    const prometheus = zonePrometheus(id.zone, cfg, cp, podDiscovery, remoteWrite, opts);

    const collectorTraces = collectorTracesBackend(plan, decisions, global.datadogApiKey);
    const collector =
        collectorTraces.type !== "none" || plan.collectorLogs
            ? new ZoneCollector(
                  ZONE_COLLECTOR_RELEASE,
                  {
                      namespace: cfg.namespace,
                      zone: id.zone,
                      traces: collectorTraces,
                      logs: plan.collectorLogs ? { type: "loki-otlp", endpoint: global.lokiOtlpUrl, tenant: global.lokiTenant } : { type: "none" },
                  },
                  opts,
              )
            : undefined;
    const collectorGrpc = collectorEndpoints(ZONE_COLLECTOR_RELEASE, cfg.namespace).grpc;
    const agent = datadogEndpoints(plan, cfg.namespace);

    if (plan.logShipper === "alloy") {
        new ZoneLogShipper(ZONE_LOGS_RELEASE, { namespace: cfg.namespace, zone: id.zone, lokiPushUrl: global.lokiPushUrl, tenant: global.lokiTenant }, opts);
    }
    if (plan.datadogAgent) {
        new ZoneDatadogAgent(
            DATADOG_AGENT_RELEASE,
            {
                namespace: cfg.namespace,
                zone: id.zone,
                environment: id.env,
                clusterName: cfg.clusterName ?? `${id.env}-${id.zone}`,
                site: decisions.datadogSite,
                apiKey: global.datadogApiKey,
                dataplaneMetrics: DATAPLANE_METRICS,
                collectLogs: plan.logShipper === "datadog-agent",
            },
            opts,
        );
    }

    if (cfg.networkPolicies.enabled) {
        new ObservabilityNetworkPolicies(
            "zone-network",
            {
                role: "zone",
                // Prometheus from the global (in-cluster peer when it federates, networkPolicies.globalSourceCidrs);
                // the Datadog webhook from networkPolicies.apiServerCidrs.
                settings: zoneNetworkPolicySettings(cfg, decisions, {
                    controlPlaneNamespace: cp.namespace,
                    collectorRelease: collector !== undefined ? ZONE_COLLECTOR_RELEASE : undefined,
                    datadogAgent: plan.datadogAgent ? { fullname: DATADOG_AGENT_RELEASE, apm: plan.meshTrace === "datadog", logsTcp: plan.accessLogs === "tcp" } : undefined,
                }),
            },
            opts,
        );
    }

    // kuma-cp's spans go to the zone collector whatever the backend: kuma-cp only speaks OTLP.
    const cpEnv = collectorTraces.type !== "none" ? controlPlaneOtelEnv({ zone: id.zone, otlpEndpoint: `http://${collectorGrpc}`, insecure: true }) : {};
    const install = cfg.mesh.install;
    const controlPlane = install.enabled
        ? new ControlPlaneInstall(
              "control-plane",
              {
                  product: cfg.mesh.product,
                  zone: id.zone,
                  kdsGlobalAddress: install.kdsGlobalAddress,
                  env: cpEnv,
                  licenseSecret: install.licenseSecret,
                  ...(cfg.kongMeshLicense !== undefined ? { license: pulumi.secret(cfg.kongMeshLicense) } : {}),
                  namespace: cp.namespace,
                  version: cfg.mesh.version,
              },
              { providers: [provider] },
          )
        : undefined;

    const policies = cfg.policies.enabled
        ? new MeshPolicies(
              "mesh-policies",
              {
                  settings: policySettings(cfg, cp.namespace, {
                      traces: traceSettings(plan, collectorGrpc, agent.apmUrl, cfg.policies.tracingSamplingPercent),
                      accessLogs: accessLogSettings(plan, collectorGrpc, agent.logsTcpAddress),
                  }),
              },
              // The kuma.io CRDs come with the control plane chart.
              { providers: [provider], dependsOn: controlPlane ? [controlPlane] : [] },
          )
        : undefined;

    return {
        zone: pulumi.output(id.zone),
        discoveryMode: pulumi.output(podDiscovery ? "kubernetes_sd" : "kuma_sd"),
        prometheusAddress: prometheus.address,
        remoteWriteUrl,
        remoteWriteUsername: pulumi.output(remoteWrite?.auth === "basic" ? remoteWrite.username : ""),
        remoteWriteGeneration: pulumi.output(remoteWrite?.auth === "basic" ? decisions.remoteWriteCredentials[id.zone].active.generation : 0),
        madsServer: pulumi.output(podDiscovery ? "" : cp.madsUrl),
        globalStack: pulumi.output(globalStack),
        tracesBackend: pulumi.output(decisions.tracesBackend),
        logsBackend: pulumi.output(decisions.logsBackend),
        collectorOtlpEndpoint: collector?.otlpGrpcEndpoint ?? pulumi.output(""),
        tracesExportEndpoint: tracesExportEndpoint(collectorTraces),
        logShipper: pulumi.output(plan.logShipper),
        logsPushUrl: plan.logShipper === "alloy" ? global.lokiPushUrl : pulumi.output(""),
        accessLogsBackend: pulumi.output(plan.accessLogs),
        controlPlaneOtelEnv: pulumi.output(cpEnv),
        controlPlaneValuesSnippet: pulumi.output(Object.keys(cpEnv).length > 0 ? controlPlaneValuesSnippet({ product: cfg.mesh.product, env: cpEnv }) : ""),
        meshPoliciesYaml: policies?.policyYaml ?? pulumi.output(""),
        existingPrometheusSnippet: prometheus.configText.apply((text) => existingPrometheusSnippet(text, globalStack, id.zone)),
    };
}

/**
 * A zone the global does not list. `up` fails before any resource. A preview only warns: a pull
 * request that adds a zone changes the global's `zones` too, but the global's outputs change only
 * once it is `up`, so the new zone's preview reads the old list; it shows what the zone will create.
 */
function undeclaredZone(id: Extract<StackIdentity, { role: "zone" }>, globalStack: string, zones: readonly string[]): void {
    const problem = `${id.stack}: zone ${JSON.stringify(id.zone)} is not declared by ${globalStack} (zones: ${zones.join(", ")})`;
    const fix = `add it to mesh-observability:zones in stacks/Pulumi.${id.env}-global.yaml and \`pulumi up\` ${globalStack} first`;
    // Removing a zone goes the other way round: `pulumi destroy` (which does not run the program) first.
    if (!pulumi.runtime.isDryRun()) throw new Error(`${problem}; ${fix} (removing the zone instead? \`pulumi destroy\` this stack before the global drops it)`);
    warn(`${problem} yet; ${fix}, then \`pulumi up\` this stack (the preview below shows what it will create)`);
}

function policySettings(cfg: ZoneConfig, cpNamespace: string, backends: Pick<MeshPolicySettings, "traces" | "accessLogs">): MeshPolicySettings {
    return {
        meshes: cfg.mesh.meshes,
        namespace: cpNamespace,
        meshVersion: cfg.mesh.version,
        metrics: { placement: cfg.policies.prometheusPlacement, ...DATAPLANE_METRICS, clientId: cfg.zonePrometheus.discovery.clientId },
        ...backends,
    };
}
