import { PUSH_PATH, validateLokiTenant } from "./loki-chart";
import { assertKumaZoneName } from "../mesh/kuma-facts";

/**
 * The Alloy pipeline of a zone's log shipper, in Alloy syntax (there is no structured form to render
 * from, so this module writes the text and quotes every value itself).
 *
 * Shape, following the promtail config of `kumactl install observability` (kuma v2.14.3
 * install-observability golden file): discover this node's pods, tail /var/log/pods/*<uid>/<container>/*.log,
 * label streams with namespace, pod, container, app and node_id (<mesh>.<pod>.<namespace>, Envoy's node
 * id, which Grafana's Jaeger→Loki link matches), and on kuma-sidecar lines take `mesh` and the access
 * log's own timestamp with the reference regex. The zone is a static label on everything pushed.
 */

/** The regex of the reference promtail pipeline for kuma-sidecar access-log lines, verbatim (Go RE2). */
export const KUMA_ACCESS_LOG_REGEX = "([\\S]*) stdout ([\\S]*) \\[(?P<timestamp>[\\S]*)\\] (?P<mesh>[\\S]*)";
/** Container name of the Kuma / Kong Mesh sidecar. */
export const KUMA_SIDECAR_CONTAINER = "kuma-sidecar";
/** Where the kubelet keeps container logs; the chart mounts the host's /var/log (alloy.mounts.varlog). */
export const POD_LOGS_DIR = "/var/log/pods";
/** Kuma's default mesh: an injected pod without a kuma.io/mesh label or annotation belongs to it. */
const DEFAULT_MESH = "default";

export interface ZoneLogShipperSettings {
    /** Zone name; the `zone` label on every stream (loki.write external_labels). */
    readonly zone: string;
    /** Loki push URL (http(s)://…/loki/api/v1/push). */
    readonly lokiPushUrl: string;
    /** Loki tenant (X-Scope-OrgID, sent as tenant_id). */
    readonly tenant: string;
}

/** An Alloy string literal. Alloy strings take Go's escapes, which cover what JSON.stringify emits. */
export function alloyString(value: string): string {
    return JSON.stringify(value);
}

function validate(s: ZoneLogShipperSettings): void {
    assertKumaZoneName(s.zone);
    validateLokiTenant(s.tenant);
    let url: URL;
    try {
        url = new URL(s.lokiPushUrl);
    } catch {
        throw new Error(`lokiPushUrl ${JSON.stringify(s.lokiPushUrl)} is not a URL; allowed: http(s)://<loki>${PUSH_PATH}`);
    }
    if ((url.protocol !== "http:" && url.protocol !== "https:") || !url.pathname.endsWith(PUSH_PATH)) {
        throw new Error(`lokiPushUrl ${s.lokiPushUrl} is not a Loki push URL; allowed: http(s)://<loki>${PUSH_PATH}`);
    }
}

/** A Prometheus-style relabel rule as discovery.relabel takes it (action defaults to replace). */
export interface RelabelRule {
    readonly source_labels: readonly string[];
    readonly separator?: string;
    readonly regex?: string;
    readonly target_label?: string;
    readonly replacement?: string;
    readonly action?: string;
}

function renderRule(r: RelabelRule): string[] {
    const attrs: string[] = [`source_labels = [${r.source_labels.map(alloyString).join(", ")}]`];
    for (const key of ["separator", "regex", "target_label", "replacement", "action"] as const) {
        const v = r[key];
        if (v !== undefined) attrs.push(`${key} = ${alloyString(v)}`);
    }
    return ["  rule {", ...attrs.map((a) => `    ${a}`), "  }"];
}

/** Relabeling of discovered pod containers into stream labels and the file glob to tail. */
export const POD_RELABEL_RULES: readonly RelabelRule[] = [
    { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
    { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
    { source_labels: ["__meta_kubernetes_pod_container_name"], target_label: "container" },
    // app: the pod's `app` label (the Kuma demo's, and the reference's job), else app.kubernetes.io/name.
    { source_labels: ["__meta_kubernetes_pod_label_app_kubernetes_io_name"], regex: "(.+)", target_label: "app" },
    { source_labels: ["__meta_kubernetes_pod_label_app"], regex: "(.+)", target_label: "app" },
    // The pod's mesh for node_id: "default" for an injected pod, overridden by the kuma.io/mesh annotation
    // (what the reference reads) and then by the kuma.io/mesh label (the current way to pick a mesh).
    { source_labels: ["__meta_kubernetes_pod_annotation_kuma_io_sidecar_injected"], regex: "true", target_label: "__tmp_mesh", replacement: DEFAULT_MESH },
    { source_labels: ["__meta_kubernetes_pod_annotation_kuma_io_mesh"], regex: "(.+)", target_label: "__tmp_mesh" },
    { source_labels: ["__meta_kubernetes_pod_label_kuma_io_mesh"], regex: "(.+)", target_label: "__tmp_mesh" },
    // node_id = <mesh>.<pod>.<namespace>, as the reference, but only for pods in a mesh: the regex refuses
    // the leading "." an empty mesh leaves, so other pods get no node_id instead of ".<pod>.<namespace>".
    {
        source_labels: ["__tmp_mesh", "__meta_kubernetes_pod_name", "__meta_kubernetes_namespace"],
        separator: ".",
        regex: "([^.].*)",
        target_label: "node_id",
    },
    {
        source_labels: ["__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"],
        separator: "/",
        replacement: `${POD_LOGS_DIR}/*$1/*.log`,
        target_label: "__path__",
    },
];

/**
 * The Alloy config. Order inside loki.process matters:
 * 1. on kuma-sidecar lines, the reference regex runs on the raw CRI line (`<time> stdout F <log>`) it was
 *    written for, and `mesh` becomes a label (only access-log lines match: they are on stdout and start
 *    with `[%START_TIME%] %KUMA_MESH%`, Kuma's default format);
 * 2. stage.cri strips the CRI prefix and sets the entry time to the runtime's;
 * 3. the access log's own start time then replaces it, as the reference's timestamp stage does (it has
 *    to come after stage.cri, which would overwrite it);
 * 4. `filename` (added by loki.source.file) is dropped: `pod` and `container` identify the stream.
 */
export function renderAlloyConfig(s: ZoneLogShipperSettings): string {
    validate(s);
    const sidecar = alloyString(`{container=${JSON.stringify(KUMA_SIDECAR_CONTAINER)}}`);
    const lines: string[] = [
        "// Generated by mesh-observability; do not edit.",
        `// Zone ${s.zone}: every container's log on this node, tailed from ${POD_LOGS_DIR}, pushed to Loki tenant ${s.tenant}.`,
        "",
        "// This node's pods only: the alloy chart sets HOSTNAME to the node name (spec.nodeName).",
        'discovery.kubernetes "pods" {',
        '  role = "pod"',
        "",
        "  selectors {",
        '    role  = "pod"',
        '    field = "spec.nodeName=" + sys.env("HOSTNAME")',
        "  }",
        "}",
        "",
        'discovery.relabel "pods" {',
        "  targets = discovery.kubernetes.pods.targets",
        ...POD_RELABEL_RULES.flatMap((r) => ["", ...renderRule(r)]),
        "}",
        "",
        'local.file_match "pods" {',
        "  path_targets = discovery.relabel.pods.output",
        "}",
        "",
        'loki.source.file "pods" {',
        "  targets    = local.file_match.pods.targets",
        "  forward_to = [loki.process.pods.receiver]",
        "}",
        "",
        'loki.process "pods" {',
        "  forward_to = [loki.write.central.receiver]",
        "",
        "  stage.match {",
        `    selector = ${sidecar}`,
        "",
        "    stage.regex {",
        `      expression = ${alloyString(KUMA_ACCESS_LOG_REGEX)}`,
        "    }",
        "",
        "    stage.labels {",
        '      values = { mesh = "mesh" }',
        "    }",
        "  }",
        "",
        "  stage.cri { }",
        "",
        "  stage.match {",
        `    selector = ${sidecar}`,
        "",
        "    stage.timestamp {",
        '      source = "timestamp"',
        '      format = "RFC3339Nano"',
        "    }",
        "  }",
        "",
        "  stage.label_drop {",
        '    values = ["filename"]',
        "  }",
        "}",
        "",
        'loki.write "central" {',
        "  external_labels = {",
        // Multi-line Alloy objects take trailing commas.
        `    zone = ${alloyString(s.zone)},`,
        "  }",
        "",
        "  endpoint {",
        `    url       = ${alloyString(s.lokiPushUrl)}`,
        `    tenant_id = ${alloyString(s.tenant)}`,
        "  }",
        "}",
    ];
    return `${lines.join("\n")}\n`;
}
