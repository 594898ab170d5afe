/**
 * How a global workload's Service is exposed beyond the cluster (Prometheus, Jaeger, Loki):
 * in-cluster DNS only, a LoadBalancer Service, a NodePort Service, or an Ingress. Each chart builder
 * maps it onto its own chart's keys; the stack config's `exposure` blocks become this in
 * infra/roles/exposure.ts.
 */
export type ServiceExposure =
    | { readonly type: "ClusterIP" }
    | { readonly type: "LoadBalancer"; readonly host: string; readonly annotations?: Record<string, string>; readonly sourceRanges?: readonly string[] }
    /**
     * A port opened on every node of the cluster; `host` is a name zones resolve to one of its nodes
     * (on kind, the node container's name on the `kind` Docker network). For clusters with no load
     * balancer: kind, bare metal.
     */
    | { readonly type: "NodePort"; readonly host: string; readonly nodePort: number; readonly annotations?: Record<string, string> }
    | {
          readonly type: "Ingress";
          readonly host: string;
          readonly ingressClassName?: string;
          readonly tlsSecretName?: string;
          readonly annotations?: Record<string, string>;
      };

/**
 * The port range a NodePort may take: kube-apiserver's `--service-node-port-range` default
 * (kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/).
 */
export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;
