import type { types } from "@pulumi/kubernetes";

/**
 * Test pods as the Kubernetes API serves them (core/v1 Pod JSON), built from a compact description.
 * kubernetes-api-server.ts stores and serves these objects; Prometheus' pod discovery decodes them
 * into its typed `apiv1.Pod` and derives `__meta_kubernetes_pod_*` from metadata, spec.containers /
 * spec.initContainers (ports), status.podIP, status.phase, the Ready condition, containerStatuses
 * and the controller ownerReference (prometheus/prometheus discovery/kubernetes/pod.go, v3.5.0).
 *
 * The shape is checked twice: at compile time every literal below `satisfies` the Pod type of
 * @pulumi/kubernetes (generated from the Kubernetes OpenAPI schema, so a misspelt or misplaced
 * field fails `npm run typecheck`), and at run time assertPodShape() checks what the API server
 * guarantees of every stored pod (names, required fields, enums, IPs), so a test that edits a pod
 * into an impossible shape fails before Prometheus ever sees it.
 */

type K8sPod = types.input.core.v1.Pod;
type K8sContainer = types.input.core.v1.Container;
type K8sContainerStatus = types.input.core.v1.ContainerStatus;

export interface TestContainerPort {
    readonly name?: string;
    readonly containerPort: number;
    /** Default "TCP" (the Kubernetes default). */
    readonly protocol?: "TCP" | "UDP" | "SCTP";
}

export interface TestContainer {
    readonly name: string;
    readonly image?: string;
    /** An init container; `sidecar` makes it a native sidecar (restartPolicy Always), as kuma-sidecar can run. */
    readonly init?: boolean;
    readonly sidecar?: boolean;
    readonly ports?: readonly TestContainerPort[];
}

export interface TestPod {
    readonly namespace: string;
    readonly name: string;
    /** status.podIP; omitted for a pod that has none yet (Pending, not yet scheduled). */
    readonly ip?: string;
    /** Default "Running". */
    readonly phase?: PodPhase;
    /** Ready condition; default true when Running. */
    readonly ready?: boolean;
    readonly nodeName?: string;
    /** The pod's controller (ownerReferences[].controller = true). */
    readonly controller?: { readonly kind: "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Job"; readonly name: string };
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly containers: readonly TestContainer[];
}

export type PodPhase = "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";
const PHASES: readonly string[] = ["Pending", "Running", "Succeeded", "Failed", "Unknown"];

/** The fields of a served Pod this harness reads back (the object carries more). */
export interface PodObject {
    apiVersion: "v1";
    kind: "Pod";
    metadata: {
        name: string;
        namespace: string;
        uid: string;
        /** Set by the API server on every write. */
        resourceVersion?: string;
        creationTimestamp?: string;
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
        ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }>;
    };
    spec: {
        nodeName?: string;
        containers: Array<{ name: string; image: string; ports?: Array<{ name?: string; containerPort: number; protocol: string }>; restartPolicy?: string }>;
        initContainers?: Array<{ name: string; image: string; ports?: Array<{ name?: string; containerPort: number; protocol: string }>; restartPolicy?: string }>;
        [field: string]: unknown;
    };
    status: {
        phase: PodPhase;
        podIP?: string;
        podIPs?: Array<{ ip: string }>;
        hostIP?: string;
        conditions?: Array<{ type: string; status: "True" | "False" | "Unknown" }>;
        containerStatuses?: Array<{ name: string; [field: string]: unknown }>;
        initContainerStatuses?: Array<{ name: string; [field: string]: unknown }>;
        [field: string]: unknown;
    };
}

const CONTROLLER_API_VERSION: Record<NonNullable<TestPod["controller"]>["kind"], string> = {
    ReplicaSet: "apps/v1",
    StatefulSet: "apps/v1",
    DaemonSet: "apps/v1",
    Job: "batch/v1",
};

/** A deterministic UUID-shaped uid, so a re-created pod of the same name is told apart only by the API server. */
function uidFor(seed: string): string {
    let h = 0x811c9dc5;
    const hex: string[] = [];
    for (let round = 0; round < 4; round++) {
        for (const ch of `${round}:${seed}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
        hex.push(h.toString(16).padStart(8, "0"));
    }
    const s = hex.join("");
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-8${s.slice(17, 20)}-${s.slice(20, 32)}`;
}

const STARTED_AT = "2026-01-01T00:00:00Z";

/** core/v1 Pod JSON for `t`, as `kubectl get pod -o json` would show it (metadata.resourceVersion left to the server). */
export function podObject(t: TestPod): PodObject {
    const phase = t.phase ?? "Running";
    const running = phase === "Running";
    const ready = t.ready ?? running;
    const image = (c: TestContainer) => c.image ?? `registry.example/${c.name}:1.0.0`;
    const container = (c: TestContainer) => ({
        name: c.name,
        image: image(c),
        ...(c.ports !== undefined && c.ports.length > 0
            ? { ports: c.ports.map((p) => ({ ...(p.name !== undefined ? { name: p.name } : {}), containerPort: p.containerPort, protocol: p.protocol ?? "TCP" })) }
            : {}),
        ...(c.sidecar ? { restartPolicy: "Always" } : {}),
    }) satisfies K8sContainer;
    const status = (c: TestContainer) => ({
        name: c.name,
        image: image(c),
        imageID: `registry.example/${c.name}@sha256:${uidFor(c.name).replace(/-/g, "").padEnd(64, "0")}`,
        // Only containers that have started carry a runtime id (pod.go reads it into __meta_kubernetes_pod_container_id).
        ...(running ? { containerID: `containerd://${uidFor(`${t.namespace}/${t.name}/${c.name}`).replace(/-/g, "")}` } : {}),
        ready: running && ready && (!c.init || c.sidecar === true),
        restartCount: 0,
        started: running,
        state: running ? { running: { startedAt: STARTED_AT } } : { waiting: { reason: "PodInitializing" } },
    }) satisfies K8sContainerStatus;
    const main = t.containers.filter((c) => !c.init);
    const init = t.containers.filter((c) => c.init);
    const scheduled = t.nodeName !== undefined || t.ip !== undefined;
    const nodeName = t.nodeName ?? (scheduled ? "node-1" : undefined);
    const hostIP = scheduled ? "10.0.0.1" : undefined;
    const pod = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
            name: t.name,
            namespace: t.namespace,
            uid: uidFor(`${t.namespace}/${t.name}`),
            ...(t.labels !== undefined ? { labels: { ...t.labels } } : {}),
            ...(t.annotations !== undefined ? { annotations: { ...t.annotations } } : {}),
            ...(t.controller !== undefined
                ? {
                      ownerReferences: [
                          {
                              apiVersion: CONTROLLER_API_VERSION[t.controller.kind],
                              kind: t.controller.kind,
                              name: t.controller.name,
                              uid: uidFor(`${t.namespace}/${t.controller.kind}/${t.controller.name}`),
                              controller: true,
                              blockOwnerDeletion: true,
                          },
                      ],
                  }
                : {}),
        },
        spec: {
            ...(nodeName !== undefined ? { nodeName } : {}),
            ...(init.length > 0 ? { initContainers: init.map(container) } : {}),
            containers: main.map(container),
            restartPolicy: "Always",
            serviceAccountName: "default",
            terminationGracePeriodSeconds: 30,
        },
        status: {
            phase,
            conditions: [
                { type: "PodScheduled", status: scheduled ? "True" : "False" },
                ...(scheduled ? [{ type: "Initialized", status: running ? "True" : "False" }] : []),
                ...(scheduled ? [{ type: "Ready", status: ready ? "True" : "False" }] : []),
            ] as Array<{ type: string; status: "True" | "False" }>,
            ...(hostIP !== undefined ? { hostIP, hostIPs: [{ ip: hostIP }] } : {}),
            ...(t.ip !== undefined ? { podIP: t.ip, podIPs: [{ ip: t.ip }] } : {}),
            ...(scheduled ? { startTime: STARTED_AT, containerStatuses: main.map(status) } : {}),
            ...(scheduled && init.length > 0 ? { initContainerStatuses: init.map(status) } : {}),
            qosClass: "BestEffort",
        },
    } satisfies K8sPod;
    const typed: PodObject = pod;
    assertPodShape(typed);
    return typed;
}

/** RFC 1123 label (namespaces, port names' charset). */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** RFC 1123 subdomain (pod names), at most 253 characters. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Label/annotation key: optional DNS-subdomain prefix and "/", then a qualified name (at most 63). */
const QUALIFIED_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** Label value: empty, or at most 63 alphanumerics with - _ . inside. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
/** IANA_SVC_NAME (container port names): at most 15, lowercase alphanumerics and "-", a letter somewhere. */
const PORT_NAME = /^(?=.*[a-z])[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const IPV6 = /^[0-9a-fA-F:]+$/;

/**
 * Throws, naming the pod and the field, unless `pod` has the shape the API server guarantees for
 * what Prometheus' pod discovery reads (names and keys valid, required fields present, enums in range).
 */
export function assertPodShape(pod: unknown): asserts pod is PodObject {
    const p = pod as PodObject;
    const where = `pod ${p?.metadata?.namespace ?? "?"}/${p?.metadata?.name ?? "?"}`;
    const fail = (what: string): never => {
        throw new Error(`${where}: ${what}`);
    };
    if (p === null || typeof p !== "object") fail("not an object");
    if (p.apiVersion !== "v1" || p.kind !== "Pod") fail(`apiVersion/kind ${p.apiVersion}/${p.kind}, expected v1/Pod`);
    const m = p.metadata;
    if (typeof m?.name !== "string" || m.name.length > 253 || !DNS_SUBDOMAIN.test(m.name)) fail("metadata.name is not a DNS subdomain");
    if (typeof m.namespace !== "string" || !DNS_LABEL.test(m.namespace)) fail("metadata.namespace is not a DNS label");
    if (typeof m.uid !== "string" || m.uid === "") fail("metadata.uid missing");
    if (m.resourceVersion !== undefined && !/^[1-9]\d*$/.test(m.resourceVersion)) fail(`metadata.resourceVersion ${m.resourceVersion} is not a positive integer string`);
    for (const [field, map, checkValue] of [
        ["labels", m.labels, true],
        ["annotations", m.annotations, false],
    ] as const) {
        for (const [k, v] of Object.entries(map ?? {})) {
            if (!QUALIFIED_KEY.test(k)) fail(`metadata.${field} key ${JSON.stringify(k)} is not a qualified name`);
            if (typeof v !== "string") fail(`metadata.${field}[${k}] is not a string`);
            if (checkValue && !LABEL_VALUE.test(v)) fail(`metadata.labels[${k}] value ${JSON.stringify(v)} is not a label value`);
        }
    }
    for (const ref of m.ownerReferences ?? []) {
        if (!ref.apiVersion || !ref.kind || !ref.name || !ref.uid) fail("ownerReferences entry lacks apiVersion, kind, name or uid");
    }
    const containers = [...(p.spec?.containers ?? []), ...(p.spec?.initContainers ?? [])];
    if (!Array.isArray(p.spec?.containers) || p.spec.containers.length === 0) fail("spec.containers is empty");
    const names = new Set<string>();
    for (const c of containers) {
        if (typeof c.name !== "string" || !DNS_LABEL.test(c.name)) fail(`container name ${JSON.stringify(c.name)} is not a DNS label`);
        if (names.has(c.name)) fail(`container name ${c.name} used twice (containers and initContainers share one namespace)`);
        names.add(c.name);
        if (typeof c.image !== "string" || c.image === "") fail(`container ${c.name} has no image`);
        for (const port of c.ports ?? []) {
            if (!Number.isInteger(port.containerPort) || port.containerPort < 1 || port.containerPort > 65535) fail(`container ${c.name} port ${port.containerPort} is not 1-65535`);
            if (!["TCP", "UDP", "SCTP"].includes(port.protocol)) fail(`container ${c.name} port protocol ${port.protocol} is not TCP, UDP or SCTP`);
            if (port.name !== undefined && !PORT_NAME.test(port.name)) fail(`container ${c.name} port name ${JSON.stringify(port.name)} is not an IANA_SVC_NAME`);
        }
    }
    const s = p.status;
    if (!PHASES.includes(s?.phase)) fail(`status.phase ${s?.phase} is not one of ${PHASES.join(", ")}`);
    if (s.podIP !== undefined) {
        if (!IPV4.test(s.podIP) && !(s.podIP.includes(":") && IPV6.test(s.podIP))) fail(`status.podIP ${s.podIP} is not an IP`);
        if (s.podIPs?.[0]?.ip !== s.podIP) fail("status.podIPs[0].ip must equal status.podIP");
    }
    for (const c of s.conditions ?? []) if (!["True", "False", "Unknown"].includes(c.status)) fail(`condition ${c.type} status ${c.status}`);
    for (const [field, list] of [
        ["containerStatuses", s.containerStatuses],
        ["initContainerStatuses", s.initContainerStatuses],
    ] as const) {
        for (const cs of list ?? []) if (!names.has(cs.name)) fail(`status.${field} names ${cs.name}, which the spec does not declare`);
    }
}
