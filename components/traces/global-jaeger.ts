import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ServiceExposure } from "../kernel/service-exposure";
import { sha256 } from "../kernel/checksum";
import { mountedConfigMap } from "../kernel/mounted-config-map";
import { pinnedChart } from "../kernel/pinned-chart";
import { buildJaegerExposure, buildJaegerValues, JAEGER_CHART, JAEGER_CONFIG_KEY, jaegerQueryUrl } from "./jaeger-chart";
import { JaegerStorage, renderJaegerConfig } from "./jaeger-config";

export interface GlobalJaegerArgs {
    /** Namespace to deploy into (must exist). */
    readonly namespace: string;
    /** Trace storage: memory (max traces), badger on a PVC (size, Go-duration retention) or an external Elasticsearch. */
    readonly storage: JaegerStorage;
    /** How zones in other clusters reach the OTLP receivers (ClusterIP: in-cluster DNS only). */
    readonly exposure: ServiceExposure;
}

/**
 * The global Jaeger v2 (all-in-one): the OTLP endpoint every zone sends traces to and the query
 * service Grafana reads. Its config file is ours, mounted from a ConfigMap whose name carries the
 * content hash, so a changed config rolls the pod (the chart has no pod-annotation value for that).
 */
export class GlobalJaeger extends pulumi.ComponentResource {
    /** OTLP/gRPC endpoint as zones reach it (http:// = plain text); undefined when the exposure (Ingress) offers no gRPC. */
    public readonly otlpGrpcEndpoint: pulumi.Output<string | undefined>;
    /** OTLP/gRPC endpoint by cluster DNS (http://<svc>.<ns>.svc.cluster.local:4317), for senders in the global cluster. */
    public readonly inClusterOtlpGrpcEndpoint: pulumi.Output<string>;
    /** OTLP/HTTP base URL as zones reach it (exporters append /v1/traces). */
    public readonly otlpHttpEndpoint: pulumi.Output<string>;
    /** In-cluster query URL (Grafana's Jaeger datasource), port 16686. */
    public readonly queryUrl: pulumi.Output<string>;
    /** The generated Jaeger config, byte for byte as mounted. */
    public readonly configText: string;
    /** Plan warnings about this exposure. */
    public readonly warnings: readonly string[];

    constructor(name: string, args: GlobalJaegerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("meshobs:traces:GlobalJaeger", name, {}, opts);
        this.configText = renderJaegerConfig(args.storage);
        const configMapName = `${name}-config-${sha256(this.configText).slice(0, 10)}`;
        const config = mountedConfigMap(this, `${name}-config`, args.namespace, "jaeger", { [JAEGER_CONFIG_KEY]: this.configText }, configMapName);

        const dependsOn: pulumi.Resource[] = [config];
        let badgerClaimName: string | undefined;
        if (args.storage.type === "badger") {
            badgerClaimName = `${name}-badger`;
            dependsOn.push(
                new k8s.core.v1.PersistentVolumeClaim(
                    `${name}-badger`,
                    {
                        metadata: { name: badgerClaimName, namespace: args.namespace },
                        spec: {
                            accessModes: ["ReadWriteOnce"],
                            // No storageClassName: the cluster's default StorageClass.
                            resources: { requests: { storage: args.storage.storageSize } },
                        },
                    },
                    { parent: this },
                ),
            );
        }

        const chart = pinnedChart(
            name,
            JAEGER_CHART,
            { namespace: args.namespace, values: buildJaegerValues({ fullname: name, configMapName, storage: args.storage, badgerClaimName }) },
            { parent: this, dependsOn },
        );

        const exposure = buildJaegerExposure(args.exposure, name, args.namespace, name);
        const exposed: pulumi.Resource[] = [];
        if (exposure.service !== undefined) {
            exposed.push(new k8s.core.v1.Service(`${name}-otlp`, exposure.service, { parent: this, dependsOn: [chart] }));
        }
        if (exposure.ingress !== undefined) {
            exposed.push(new k8s.networking.v1.Ingress(`${name}-otlp`, exposure.ingress, { parent: this, dependsOn: [chart] }));
        }

        this.warnings = exposure.warnings;
        this.otlpGrpcEndpoint = pulumi.output(exposure.otlpGrpcEndpoint);
        this.otlpHttpEndpoint = pulumi.output(exposure.otlpHttpEndpoint);
        this.inClusterOtlpGrpcEndpoint = pulumi.output(buildJaegerExposure({ type: "ClusterIP" }, name, args.namespace, name).otlpGrpcEndpoint as string);
        this.queryUrl = pulumi.output(jaegerQueryUrl(name, args.namespace));
        this.registerOutputs({
            otlpGrpcEndpoint: this.otlpGrpcEndpoint,
            otlpHttpEndpoint: this.otlpHttpEndpoint,
            inClusterOtlpGrpcEndpoint: this.inClusterOtlpGrpcEndpoint,
            queryUrl: this.queryUrl,
            chart: chart.urn,
            exposure: exposed.map((r) => r.urn),
        });
    }
}
