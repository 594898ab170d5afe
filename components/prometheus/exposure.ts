import { SERVICE_PORT } from "./chart";
import { ServiceExposure } from "../kernel/service-exposure";

/** Path of Prometheus's remote-write receiver (docs/storage.md). */
export const REMOTE_WRITE_PATH = "/api/v1/write";

export interface ReceiverEndpoint {
    /** Base URL zones use to reach the server (no path). */
    readonly baseUrl: string;
    /** Remote-write URL. */
    readonly remoteWriteUrl: string;
    /** Problems a reviewer should see in the plan (e.g. credentials over plain HTTP). */
    readonly warnings: readonly string[];
}

/** The URL zones write to for a given exposure of the global Prometheus Service. */
export function receiverEndpoint(exposure: ServiceExposure, fullname: string, namespace: string): ReceiverEndpoint {
    const warnings: string[] = [];
    let baseUrl: string;
    switch (exposure.type) {
        case "ClusterIP":
            baseUrl = `http://${fullname}.${namespace}.svc.cluster.local:${SERVICE_PORT}`;
            break;
        case "LoadBalancer":
        case "NodePort":
            baseUrl = `http://${exposure.host}:${exposure.type === "NodePort" ? exposure.nodePort : SERVICE_PORT}`;
            warnings.push(
                `remote write crosses the network over plain HTTP at ${baseUrl}: basic-auth credentials are readable in transit; ` +
                    `use exposure type "ingress" with tlsSecretName`,
            );
            break;
        case "Ingress":
            baseUrl = `${exposure.tlsSecretName !== undefined ? "https" : "http"}://${exposure.host}`;
            if (exposure.tlsSecretName === undefined) {
                warnings.push(`ingress ${exposure.host} has no tlsSecretName: basic-auth credentials cross the network in clear text`);
            }
            break;
    }
    return { baseUrl, remoteWriteUrl: `${baseUrl}${REMOTE_WRITE_PATH}`, warnings };
}
