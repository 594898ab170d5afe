/**
 * Request body limit of the Ingresses zones push through (Prometheus remote write, Loki push and
 * OTLP logs, Jaeger OTLP/HTTP). ingress-nginx refuses bodies over its `proxy-body-size` with 413,
 * default 1m (kubernetes/ingress-nginx docs/user-guide/nginx-configuration/configmap.md
 * `proxy-body-size`; per Ingress: annotations.md "Custom max body size"), and a 413 is not retried
 * by remote write, Alloy or the OTel exporters: the batch is dropped. One remote-write batch
 * (remote-write-queue.ts, 1000 samples) stays far below it, but Alloy's Loki batches (1 MiB before
 * compression) and the collector's OTLP batches can cross it. Other controllers ignore the
 * annotation; an annotation of the same name in the stack file wins.
 */
export const NGINX_PROXY_BODY_SIZE = "nginx.ingress.kubernetes.io/proxy-body-size";
export const INGEST_BODY_LIMIT = "16m";

/** The annotations of an ingestion Ingress: the body limit, then the stack file's own annotations. */
export function ingestIngressAnnotations(annotations: Readonly<Record<string, string>> | undefined): Record<string, string> {
    return { [NGINX_PROXY_BODY_SIZE]: INGEST_BODY_LIMIT, ...annotations };
}
