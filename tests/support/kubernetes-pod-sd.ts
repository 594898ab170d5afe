import * as http from "http";
import { AddressInfo } from "net";
import { unrefServer } from "./loopback-http";

/**
 * A stand-in for Prometheus' Kubernetes service discovery, role `pod`, which Debian's Prometheus
 * 2.42 is built without: fake pods in, the exact target label sets kubernetes_sd would produce
 * out, served as http_sd target groups on 127.0.0.1 (swap-kubernetes-discovery.ts points the
 * generated job at it). Relabeling, scraping and storage then run for real.
 *
 * Labels emulated (Prometheus docs, configuration.md `<kubernetes_sd_config>`, role pod; the same
 * list the prometheus-operator and Alloy docs repeat; discovery/kubernetes/pod.go):
 *   target group (one per pod):
 *     __meta_kubernetes_namespace
 *     __meta_kubernetes_pod_name, _pod_ip, _pod_ready ("true"/"false"/"unknown"), _pod_phase,
 *     _pod_node_name, _pod_host_ip, _pod_uid
 *     __meta_kubernetes_pod_controller_kind, _pod_controller_name   (only with a controller owner)
 *     __meta_kubernetes_pod_label_<name>, _pod_labelpresent_<name>             (every pod label)
 *     __meta_kubernetes_pod_annotation_<name>, _pod_annotationpresent_<name>   (every annotation)
 *   target (one per container port; one per container without ports, init containers included):
 *     __address__ (podIP:port, IPv6 bracketed; bare pod IP for a container without ports)
 *     __meta_kubernetes_pod_container_name, _container_image, _container_id (when known),
 *     _container_init ("true"/"false")
 *     __meta_kubernetes_pod_container_port_name, _port_number, _port_protocol  (ports only)
 * Label and annotation names are sanitised as strutil.SanitizeLabelName does ([^a-zA-Z0-9_] → _).
 * A pod without an IP yields no targets (pod.go: "PodIP can be empty when a pod is starting").
 * Not emulated: node metadata (attach_metadata), namespace labels, selectors, the API server.
 *
 * http_sd has no per-target labels, so each target becomes its own group carrying the pod labels
 * and its container labels merged; Prometheus merges group labels into targets the same way, so
 * the label sets reaching relabeling are identical. http_sd adds `__meta_url`, which no rule reads.
 */

export interface FakeContainerPort {
    readonly name?: string;
    readonly containerPort: number;
    /** Default "TCP" (the Kubernetes default). */
    readonly protocol?: "TCP" | "UDP" | "SCTP";
}

export interface FakeContainer {
    readonly name: string;
    readonly image?: string;
    /** containerStatuses[].containerID, e.g. "containerd://abc". */
    readonly id?: string;
    /** An init container (native sidecars are init containers with restartPolicy Always). */
    readonly init?: boolean;
    readonly ports?: readonly FakeContainerPort[];
}

export interface FakePod {
    readonly namespace: string;
    readonly name: string;
    /** status.podIP; "" for a pod that has none yet. */
    readonly ip: string;
    /** Default "Running". */
    readonly phase?: "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";
    /** Ready condition; default true. */
    readonly ready?: boolean;
    readonly nodeName?: string;
    readonly hostIp?: string;
    readonly uid?: string;
    readonly controller?: { readonly kind: string; readonly name: string };
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly containers: readonly FakeContainer[];
}

export interface HttpSdGroup {
    targets: string[];
    labels: Record<string, string>;
}

/** strutil.SanitizeLabelName. */
export function sanitizeLabelName(name: string): string {
    return name.replace(/[^a-zA-Z0-9_]/g, "_");
}

function joinHostPort(host: string, port: number): string {
    return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Pod-level labels (the target group's labels in kubernetes_sd). */
export function podGroupLabels(pod: FakePod): Record<string, string> {
    const ls: Record<string, string> = {
        __meta_kubernetes_namespace: pod.namespace,
        __meta_kubernetes_pod_name: pod.name,
        __meta_kubernetes_pod_ip: pod.ip,
        __meta_kubernetes_pod_ready: pod.ready === false ? "false" : "true",
        __meta_kubernetes_pod_phase: pod.phase ?? "Running",
        __meta_kubernetes_pod_node_name: pod.nodeName ?? "node-1",
        __meta_kubernetes_pod_host_ip: pod.hostIp ?? "10.0.0.1",
        __meta_kubernetes_pod_uid: pod.uid ?? `uid-${pod.namespace}-${pod.name}`,
    };
    if (pod.controller) {
        ls.__meta_kubernetes_pod_controller_kind = pod.controller.kind;
        ls.__meta_kubernetes_pod_controller_name = pod.controller.name;
    }
    for (const [k, v] of Object.entries(pod.labels ?? {})) {
        ls[`__meta_kubernetes_pod_label_${sanitizeLabelName(k)}`] = v;
        ls[`__meta_kubernetes_pod_labelpresent_${sanitizeLabelName(k)}`] = "true";
    }
    for (const [k, v] of Object.entries(pod.annotations ?? {})) {
        ls[`__meta_kubernetes_pod_annotation_${sanitizeLabelName(k)}`] = v;
        ls[`__meta_kubernetes_pod_annotationpresent_${sanitizeLabelName(k)}`] = "true";
    }
    return ls;
}

/** The full label set of every target kubernetes_sd role=pod produces for `pod` (group labels merged in). */
export function podTargets(pod: FakePod): Array<Record<string, string>> {
    if (pod.ip === "") return [];
    const group = podGroupLabels(pod);
    const out: Array<Record<string, string>> = [];
    for (const c of pod.containers) {
        const container: Record<string, string> = {
            __meta_kubernetes_pod_container_name: c.name,
            __meta_kubernetes_pod_container_image: c.image ?? `registry.example/${c.name}:1`,
            __meta_kubernetes_pod_container_init: c.init ? "true" : "false",
            ...(c.id !== undefined ? { __meta_kubernetes_pod_container_id: c.id } : {}),
        };
        const ports = c.ports ?? [];
        if (ports.length === 0) {
            out.push({ ...group, ...container, __address__: pod.ip });
            continue;
        }
        for (const p of ports) {
            out.push({
                ...group,
                ...container,
                __address__: joinHostPort(pod.ip, p.containerPort),
                __meta_kubernetes_pod_container_port_name: p.name ?? "",
                __meta_kubernetes_pod_container_port_number: String(p.containerPort),
                __meta_kubernetes_pod_container_port_protocol: p.protocol ?? "TCP",
            });
        }
    }
    return out;
}

/** http_sd groups for the pods of `namespaces` (all pods when undefined), as kubernetes_sd `namespaces.names` restricts them. */
export function toHttpSdGroups(pods: readonly FakePod[], namespaces?: readonly string[]): HttpSdGroup[] {
    return pods
        .filter((p) => namespaces === undefined || namespaces.includes(p.namespace))
        .flatMap(podTargets)
        .map((t) => {
            const { __address__, ...labels } = t;
            // An empty label value means "no label" to Prometheus; http_sd would accept it, but drop it for clarity.
            for (const [k, v] of Object.entries(labels)) if (v === "") delete labels[k];
            return { targets: [__address__], labels };
        });
}

export interface KubernetesPodSd {
    /** http_sd URL serving the pods of `namespaces` (all namespaces when omitted). */
    url(namespaces?: readonly string[]): string;
    readonly port: number;
    /** Requests served so far. */
    readonly served: number;
    /** Replaces the fake cluster's pods (what the next http_sd refresh sees). */
    setPods(pods: readonly FakePod[]): void;
    stop(): Promise<void>;
}

/** Serves `GET /pods?namespaces=a,b` on 127.0.0.1 (free port) with the groups toHttpSdGroups builds. */
export async function startKubernetesPodSd(initial: readonly FakePod[]): Promise<KubernetesPodSd> {
    let pods = [...initial];
    let served = 0;
    const server = http.createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://127.0.0.1");
        if (req.method !== "GET" || url.pathname !== "/pods") {
            res.writeHead(404, { "Content-Type": "text/plain" });
            res.end("not found\n");
            return;
        }
        served += 1;
        const ns = url.searchParams.get("namespaces");
        const text = JSON.stringify(toHttpSdGroups(pods, ns === null ? undefined : ns.split(",").filter((n) => n !== "")));
        // http_sd accepts application/json only.
        res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
        res.end(text);
    });
    unrefServer(server);
    const port = await new Promise<number>((resolve, reject) => {
        server.once("error", reject);
        server.listen({ host: "127.0.0.1", port: 0 }, () => resolve((server.address() as AddressInfo).port));
    });
    return {
        url: (namespaces) => `http://127.0.0.1:${port}/pods${namespaces === undefined ? "" : `?namespaces=${namespaces.map(encodeURIComponent).join(",")}`}`,
        port,
        get served() {
            return served;
        },
        setPods(next) {
            pods = [...next];
        },
        stop: () =>
            new Promise<void>((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            }),
    };
}
