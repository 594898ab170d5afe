/**
 * How a global workload's Service is exposed beyond the cluster (Prometheus, Jaeger, Loki, Grafana):
 * in-cluster DNS only, a LoadBalancer Service, or an Ingress. Each chart builder maps it onto its
 * own chart's keys; the stack config's `exposure` blocks become this in infra/roles/exposure.ts.
 */
export type ServiceExposure =
    | { readonly type: "ClusterIP" }
    | { readonly type: "LoadBalancer"; readonly host: string; readonly annotations?: Record<string, string>; readonly sourceRanges?: readonly string[] }
    | {
          readonly type: "Ingress";
          readonly host: string;
          readonly ingressClassName?: string;
          readonly tlsSecretName?: string;
          readonly annotations?: Record<string, string>;
      };
