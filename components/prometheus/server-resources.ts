import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_FILE_KEY, PROMETHEUS_CHART } from "./chart";
import { sha256 } from "../kernel/checksum";
import { mountedConfigMap } from "../kernel/mounted-config-map";
import { mountedSecret as mountedWorkloadSecret } from "../kernel/mounted-secret";
import { pinnedChart } from "../kernel/pinned-chart";

/** A Secret of files the Prometheus container mounts (values made secret by the shared helper). */
export function mountedSecret(parent: pulumi.Resource, name: string, namespace: pulumi.Input<string>, files: Record<string, pulumi.Input<string>>): k8s.core.v1.Secret {
    return mountedWorkloadSecret(parent, name, namespace, "prometheus", files);
}

/** The suffix of our config ConfigMap; the chart mounts `<release>-<suffix>` (server.configMapOverrideName). */
export const CONFIG_MAP_SUFFIX = "config";

/**
 * Our prometheus.yml in its own ConfigMap (mounted byte for byte, instead of the chart re-rendering
 * it from values) and the pinned prometheus-community chart pointed at it. `values` receives the
 * config's sha256 for the pod annotation that rolls the pod when the file changes; it may return
 * an Output when a value depends on another resource (e.g. an IRSA role ARN).
 */
export function prometheusServer(
    parent: pulumi.Resource,
    release: string,
    namespace: pulumi.Input<string>,
    configText: pulumi.Input<string>,
    values: (configChecksum: string) => pulumi.Input<Record<string, unknown>>,
    dependsOn: pulumi.Resource[],
): k8s.helm.v4.Chart {
    const config = mountedConfigMap(parent, `${release}-${CONFIG_MAP_SUFFIX}`, namespace, "prometheus", { [CONFIG_FILE_KEY]: configText });
    return pinnedChart(
        release,
        PROMETHEUS_CHART,
        { namespace, values: pulumi.output(configText).apply((text) => values(sha256(text))) },
        { parent, dependsOn: [...dependsOn, config] },
    );
}
