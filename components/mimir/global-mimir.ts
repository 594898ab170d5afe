import * as pulumi from "@pulumi/pulumi";
import { pinnedChart } from "../kernel/pinned-chart";
import { S3Keys, s3KeysSecret } from "../aws/s3-keys";
import { buildMimirValues, MIMIR_CHART, mimirEndpoints, MimirS3Storage, validateMimirTenant } from "./mimir-chart";

export interface GlobalMimirArgs {
    /** Namespace to deploy into (must exist). */
    readonly namespace: string;
    /** Tenant (X-Scope-OrgID) every zone writes as and Grafana reads as; required; not "anonymous". */
    readonly tenant: string;
    /** S3 bucket for blocks, rules and alertmanager state (credentials from the pods' cloud identity). */
    readonly storage: MimirS3Storage;
    /** ServiceAccount annotations (e.g. eks.amazonaws.com/role-arn for IRSA, mimirServiceAccount()); default none. */
    readonly serviceAccountAnnotations?: pulumi.Input<Record<string, string>>;
    /** S3 keys (secret config) for a cluster without IRSA: a Secret of this component, env of every pod; default none. */
    readonly s3Keys?: S3Keys;
}

/** The one ServiceAccount the chart gives every Mimir component (mimir.serviceAccountName: the fullname; ruler and alertmanager reuse it). */
export function mimirServiceAccount(fullname: string): string {
    return fullname;
}

/**
 * The global metrics backend as Grafana Mimir (chart mimir-distributed, pinned): a horizontally
 * scalable remote-write receiver for environments that outgrow one Prometheus
 * (components/prometheus/sizing.ts singlePrometheusWarning). Zones remote-write to `pushUrl` with
 * `X-Scope-OrgID: <tenant>`; Grafana queries `queryUrl` with the same header. In-cluster only.
 */
export class GlobalMimir extends pulumi.ComponentResource {
    /** Remote-write URL through the gateway (…/api/v1/push). */
    public readonly pushUrl: pulumi.Output<string>;
    /** Prometheus-compatible query base through the gateway (…/prometheus). */
    public readonly queryUrl: pulumi.Output<string>;
    /** X-Scope-OrgID to push and query with. */
    public readonly tenant: pulumi.Output<string>;

    constructor(name: string, args: GlobalMimirArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validated and built before super(): bad settings fail before anything is registered.
        const tenant = validateMimirTenant(args.tenant);
        const keysSecret = args.s3Keys !== undefined ? `${name}-s3-keys` : undefined;
        const settings = (serviceAccountAnnotations: Record<string, string> | undefined) =>
            buildMimirValues({
                fullname: name,
                tenant,
                storage: args.storage,
                serviceAccountAnnotations,
                s3KeysSecret: keysSecret,
            });
        settings(undefined); // bad settings fail here, before anything is registered
        super("meshobs:mimir:GlobalMimir", name, {}, opts);

        const dependsOn = args.s3Keys !== undefined && keysSecret !== undefined ? [s3KeysSecret(this, keysSecret, args.namespace, args.s3Keys)] : [];
        const values = args.serviceAccountAnnotations !== undefined ? pulumi.output(args.serviceAccountAnnotations).apply(settings) : settings(undefined);
        const chart = pinnedChart(name, MIMIR_CHART, { namespace: args.namespace, values }, { parent: this, dependsOn });

        const endpoints = mimirEndpoints(name, args.namespace);
        this.pushUrl = pulumi.output(endpoints.pushUrl);
        this.queryUrl = pulumi.output(endpoints.queryUrl);
        this.tenant = pulumi.output(tenant);
        this.registerOutputs({ pushUrl: this.pushUrl, queryUrl: this.queryUrl, tenant: this.tenant, chart: chart.urn });
    }
}
