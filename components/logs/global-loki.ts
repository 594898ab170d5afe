import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ServiceExposure } from "../kernel/service-exposure";
import {
    buildLokiExposedService,
    buildLokiValues,
    LOKI_CHART,
    lokiEndpoints,
    LokiStorage,
    validateLokiTenant,
} from "./loki-chart";
import { pinnedChart } from "../kernel/pinned-chart";
import { S3Keys, s3KeysSecret } from "../aws/s3-keys";

export interface GlobalLokiArgs {
    /** Namespace to deploy into (must exist). */
    readonly namespace: string;
    /** Monolithic replicas: 1 (filesystem or s3), or 3 and more (s3 only). */
    readonly replicas: number;
    /** Tenant (X-Scope-OrgID) zones push as and Grafana reads as: Loki runs multi-tenant, so every request needs one. */
    readonly tenant: string;
    /** Log retention (Prometheus-style duration, at least 24h, e.g. 30d). */
    readonly retention: string;
    /** Chunk and index store: a PVC (filesystem, size) or an S3 bucket (credentials from the pod's cloud identity). */
    readonly storage: LokiStorage;
    /** How zones in other clusters reach the push endpoints. */
    readonly exposure: ServiceExposure;
    /** Annotations of Loki's ServiceAccount (named after the component), e.g. eks.amazonaws.com/role-arn; default none. */
    readonly serviceAccountAnnotations?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** S3 keys (secret config) for a cluster without IRSA: a Secret of this component, env of Loki's pods; default none. */
    readonly s3Keys?: S3Keys;
}

/**
 * The global Loki, monolithic (`-target=all`, one StatefulSet) behind the chart's nginx gateway:
 * the log store every zone pushes to (Loki push API or OTLP/HTTP) and Grafana queries.
 */
export class GlobalLoki extends pulumi.ComponentResource {
    /** Push API URL as zones reach it (…/loki/api/v1/push). */
    public readonly pushUrl: pulumi.Output<string>;
    /** OTLP base URL as zones reach it (…/otlp; exporters append /v1/logs). */
    public readonly otlpUrl: pulumi.Output<string>;
    /** In-cluster query URL through the gateway (Grafana's Loki datasource). */
    public readonly queryUrl: pulumi.Output<string>;
    /** X-Scope-OrgID to push and query with. */
    public readonly tenant: pulumi.Output<string>;
    /** Plan warnings about this exposure. */
    public readonly warnings: readonly string[];

    constructor(name: string, args: GlobalLokiArgs, opts?: pulumi.ComponentResourceOptions) {
        super("meshobs:logs:GlobalLoki", name, {}, opts);
        const tenant = validateLokiTenant(args.tenant);
        const keysSecret = args.s3Keys !== undefined ? `${name}-s3-keys` : undefined;
        const settings = {
            fullname: name,
            replicas: args.replicas,
            retention: args.retention,
            storage: args.storage,
            exposure: args.exposure,
            s3KeysSecret: keysSecret,
        };
        buildLokiValues(settings); // bad settings fail here, not inside the apply below
        const dependsOn = args.s3Keys !== undefined && keysSecret !== undefined ? [s3KeysSecret(this, keysSecret, args.namespace, args.s3Keys)] : [];

        const chart = pinnedChart(
            name,
            LOKI_CHART,
            {
                namespace: args.namespace,
                values: pulumi.output(args.serviceAccountAnnotations ?? {}).apply((serviceAccountAnnotations) =>
                    buildLokiValues({ ...settings, serviceAccountAnnotations }),
                ),
            },
            { parent: this, dependsOn },
        );

        const exposed: pulumi.Resource[] = [];
        if (args.exposure.type === "LoadBalancer" || args.exposure.type === "NodePort") {
            const service = buildLokiExposedService(args.exposure, name, args.namespace, name);
            exposed.push(new k8s.core.v1.Service(`${name}-push`, service, { parent: this, dependsOn: [chart] }));
        }

        const endpoints = lokiEndpoints(args.exposure, name, args.namespace);
        this.warnings = endpoints.warnings;
        this.pushUrl = pulumi.output(endpoints.pushUrl);
        this.otlpUrl = pulumi.output(endpoints.otlpUrl);
        this.queryUrl = pulumi.output(endpoints.queryUrl);
        this.tenant = pulumi.output(tenant);
        this.registerOutputs({
            pushUrl: this.pushUrl,
            otlpUrl: this.otlpUrl,
            queryUrl: this.queryUrl,
            tenant: this.tenant,
            chart: chart.urn,
            exposure: exposed.map((r) => r.urn),
        });
    }
}
