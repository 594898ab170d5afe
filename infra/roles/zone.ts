import * as pulumi from "@pulumi/pulumi";
import { controlPlaneEndpoints, hasMadsLongPollBug } from "../../components/mesh/control-plane";
import { ZonePrometheus } from "../../components/prometheus/zone-prometheus";
import { ZoneConfig } from "../config/zone-schema";
import { readGlobalOutputs } from "../global-outputs";
import { kubernetesProvider } from "../kubernetes-provider";
import { globalStackName, StackIdentity } from "../stack-identity";
import { observabilityNamespace } from "./namespace";

/** kuma_sd fetch_timeout when none is configured: Prometheus' own default. */
const DEFAULT_FETCH_TIMEOUT = "2m";

export interface ZoneStackExports {
    readonly zone: pulumi.Output<string>;
    readonly discoveryMode: pulumi.Output<string>;
    readonly prometheusAddress: pulumi.Output<string>;
    readonly remoteWriteUrl: pulumi.Output<string>;
    readonly madsServer: pulumi.Output<string>;
    readonly globalStack: pulumi.Output<string>;
}

/** The global stack a zone reads: configured, or `<org>/<project>/<env>-global`. */
export function zoneGlobalStack(id: Extract<StackIdentity, { role: "zone" }>, cfg: ZoneConfig): string {
    return cfg.globalStack ?? globalStackName(pulumi.getOrganization(), pulumi.getProject(), id.env);
}

/** kuma_sd fetch_timeout for a mesh version: 0s on 2.6.x (kumahq/kuma#9508), else configured or 2m. */
export function effectiveFetchTimeout(version: string, configured: string | undefined): string {
    return hasMadsLongPollBug(version) ? "0s" : (configured ?? DEFAULT_FETCH_TIMEOUT);
}

/** Provisions an `<env>-zone-<zone>` stack and returns its exports. */
export function zoneStack(id: Extract<StackIdentity, { role: "zone" }>, cfg: ZoneConfig): ZoneStackExports {
    const globalStack = zoneGlobalStack(id, cfg);
    const global = readGlobalOutputs(new pulumi.StackReference(globalStack));
    const cp = controlPlaneEndpoints({ product: cfg.mesh.product, version: cfg.mesh.version, ...cfg.mesh.controlPlane });
    const p = cfg.zonePrometheus;

    // A zone the global does not declare would write series nobody dashboards or alerts on.
    const remoteWriteUrl = pulumi.all([global.zones, global.remoteWriteUrl]).apply(([zones, url]) => {
        if (!zones.includes(id.zone)) {
            throw new Error(
                `${id.stack}: zone ${JSON.stringify(id.zone)} is not declared by ${globalStack} (zones: ${zones.join(", ")}); ` +
                    `add it to mesh-observability:zones in stacks/Pulumi.${id.env}-global.yaml`,
            );
        }
        return url;
    });

    const provider = kubernetesProvider(id.stack, cfg.kubernetes);
    const namespace = observabilityNamespace(id.stack, cfg.namespace, provider);
    const prometheus = new ZonePrometheus(
        "zone-prometheus",
        {
            namespace: cfg.namespace,
            settings: {
                zone: id.zone,
                externalLabels: p.externalLabels,
                scrapeInterval: p.scrapeInterval,
                dataplaneScrapeInterval: p.dataplaneScrapeInterval,
                discovery: {
                    madsUrl: cp.madsUrl,
                    refreshInterval: p.discovery.refreshInterval,
                    fetchTimeout: effectiveFetchTimeout(cfg.mesh.version, p.discovery.fetchTimeout),
                    clientId: p.discovery.clientId,
                },
                controlPlaneMetricsTarget: cp.metricsTarget,
            },
            remoteWriteUrl,
            remoteWriteUsername: global.remoteWriteUsername,
            remoteWritePassword: global.remoteWritePassword,
            retention: p.retention,
            storageSize: p.storageSize,
            storageClassName: p.storageClassName,
        },
        { providers: [provider], dependsOn: [namespace] },
    );

    return {
        zone: pulumi.output(id.zone),
        discoveryMode: pulumi.output("kuma_sd"),
        prometheusAddress: prometheus.address,
        remoteWriteUrl,
        madsServer: pulumi.output(cp.madsUrl),
        globalStack: pulumi.output(globalStack),
    };
}
