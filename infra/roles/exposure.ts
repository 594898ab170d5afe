import { ingestIngressAnnotations } from "../../components/kernel/ingest-ingress";
import { ServiceExposure } from "../../components/kernel/service-exposure";
import { ExposureConfig } from "../config/global-schema";

/**
 * A stack file's `exposure` block (global Prometheus, Jaeger, Loki) as the chart builders take it.
 * Every ingress here carries zone pushes (Grafana's UI is never exposed through it), so each gets
 * the ingestion body limit.
 */
export function serviceExposure(e: ExposureConfig): ServiceExposure {
    switch (e.type) {
        case "cluster-dns":
            return { type: "ClusterIP" };
        case "load-balancer":
            return { type: "LoadBalancer", host: e.host, annotations: e.annotations, sourceRanges: e.sourceRanges };
        case "node-port":
            return { type: "NodePort", host: e.host, nodePort: e.nodePort, annotations: e.annotations };
        case "ingress":
            return { type: "Ingress", host: e.host, ingressClassName: e.ingressClassName, tlsSecretName: e.tlsSecretName, annotations: ingestIngressAnnotations(e.annotations) };
    }
}
