import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** A chart at an exact version from its repository: what every `*_CHART` constant pins. */
export interface ChartPin {
    readonly chart: string;
    readonly version: string;
    readonly repo: string;
}

export interface PinnedChartArgs {
    /** Namespace to install into (must exist). */
    readonly namespace: pulumi.Input<string>;
    readonly values: NonNullable<k8s.helm.v4.ChartArgs["values"]>;
    /** Helm release name; default `name`. Differs only where the install docs name the release (the control plane's product). */
    readonly release?: string;
}

/**
 * A Helm v4 chart release named `<name>-chart` in Pulumi. Every chart goes through here so that
 * the pin in a `*_CHART` constant (the one the tests check against the upstream chart) is exactly
 * what gets installed: the version and repository cannot be mixed up between charts.
 */
export function pinnedChart(name: string, pin: ChartPin, args: PinnedChartArgs, opts: pulumi.ComponentResourceOptions): k8s.helm.v4.Chart {
    return new k8s.helm.v4.Chart(
        `${name}-chart`,
        {
            name: args.release ?? name,
            namespace: args.namespace,
            chart: pin.chart,
            version: pin.version,
            repositoryOpts: { repo: pin.repo },
            values: args.values,
        },
        opts,
    );
}
