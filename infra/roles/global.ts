import * as pulumi from "@pulumi/pulumi";
import { GlobalPrometheus } from "../../components/prometheus/global-prometheus";
import { ServiceExposure } from "../../components/prometheus/chart-values";
import { ExposureConfig, GlobalConfig } from "../config/global-schema";
import { GlobalStackExports } from "../global-outputs";
import { kubernetesProvider } from "../kubernetes-provider";
import { StackIdentity } from "../stack-identity";
import { warn } from "../warnings";
import { observabilityNamespace } from "./namespace";

/** Provisions an `<env>-global` stack and returns its exports. */
export function globalStack(id: Extract<StackIdentity, { role: "global" }>, cfg: GlobalConfig): GlobalStackExports {
    const provider = kubernetesProvider(id.stack, cfg.kubernetes);
    const namespace = observabilityNamespace(id.stack, cfg.namespace, provider);
    const p = cfg.globalPrometheus;
    const prometheus = new GlobalPrometheus(
        "global-prometheus",
        {
            namespace: cfg.namespace,
            remoteWriteUsername: p.remoteWriteUsername,
            retention: p.retention,
            retentionSize: p.retentionSize,
            storageSize: p.storageSize,
            storageClassName: p.storageClassName,
            scrapeInterval: p.scrapeInterval,
            exposure: serviceExposure(p.exposure),
        },
        { providers: [provider], dependsOn: [namespace] },
    );
    prometheus.warnings.forEach(warn);
    return {
        environment: pulumi.output(id.env),
        zones: pulumi.output([...cfg.zones]),
        remoteWriteUrl: prometheus.remoteWriteUrl,
        remoteWriteUsername: prometheus.remoteWriteUsername,
        remoteWritePassword: prometheus.remoteWritePassword,
        prometheusQueryUrl: prometheus.queryUrl,
    };
}

function serviceExposure(e: ExposureConfig): ServiceExposure {
    switch (e.type) {
        case "cluster-dns":
            return { type: "ClusterIP" };
        case "load-balancer":
            return { type: "LoadBalancer", host: e.host, annotations: e.annotations, sourceRanges: e.sourceRanges };
        case "ingress":
            return { type: "Ingress", host: e.host, ingressClassName: e.ingressClassName, tlsSecretName: e.tlsSecretName, annotations: e.annotations };
    }
}

