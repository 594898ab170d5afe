import { renderYaml } from "../kernel/render-yaml";
import { DNS_LABEL } from "../kernel/validators";
import { parseMeshVersion, usesOpenTelemetryBackendRef } from "./kuma-facts";

/**
 * Mesh-wide observability policies (MeshMetric, MeshTrace, MeshAccessLog and, from 2.14, the
 * MeshOpenTelemetryBackend they point at) in their Kubernetes CRD form. Field names and enums are
 * the kuma.io CRDs of v2.14.3 (deployments/charts/kuma/crds); tests validate every variant
 * against those schemas.
 */

/** Where Prometheus runs relative to the mesh: the three options of Kong Mesh's observability page. */
export type PrometheusPlacement = "inside-mesh" | "outside-mesh" | "outside-mesh-tls";

export type TraceSettings =
    | {
          readonly backend: "opentelemetry";
          /** host:port of the zone collector's OTLP gRPC receiver (normally 4317), no scheme. */
          readonly endpoint: string;
          /** Percent of requests traced, 0-100 (MeshTrace sampling.overall). */
          readonly samplingPercent: number;
      }
    | {
          readonly backend: "datadog";
          /** http://<host>:<port> of the Datadog trace agent, e.g. http://trace-svc.<ns>:8126; no path. */
          readonly url: string;
          /** Percent of requests traced, 0-100 (MeshTrace sampling.overall). */
          readonly samplingPercent: number;
      }
    | { readonly backend: "none" };

export type AccessLogSettings =
    | {
          readonly backend: "opentelemetry";
          /** host:port of the zone collector's OTLP gRPC receiver, no scheme. */
          readonly endpoint: string;
      }
    | {
          readonly backend: "tcp";
          /** host:port of a TCP log listener (e.g. the Datadog agent's). */
          readonly address: string;
      }
    | { readonly backend: "none" };

export interface MeshPolicySettings {
    /** Meshes to configure; one set of policies per mesh. */
    readonly meshes: readonly string[];
    /** Control plane system namespace the policies live in (kuma-system / kong-mesh-system). */
    readonly namespace: string;
    /** Control plane release, MAJOR.MINOR.PATCH: from 2.14 OpenTelemetry backends are MeshOpenTelemetryBackend references. */
    readonly meshVersion: string;
    /** MeshMetric's Prometheus backend. */
    readonly metrics: {
        /** Where the scraping Prometheus runs (decides tls.mode). */
        readonly placement: PrometheusPlacement;
        /** Port of the dataplanes' metrics listener (Kuma default 5670). */
        readonly port: number;
        /** Path of the dataplanes' metrics endpoint (Kuma default /metrics). */
        readonly path: string;
        /** Matched against kuma_sd's client_id; unset for Kuma's default client. */
        readonly clientId?: string;
    };
    /** MeshTrace backend; "none" creates no MeshTrace. */
    readonly traces: TraceSettings;
    /** MeshAccessLog backend; "none" creates no MeshAccessLog. */
    readonly accessLogs: AccessLogSettings;
}

/**
 * The policies are applied on the zone control plane, which only accepts policies that say they
 * originate there: docs' zone-originated policies carry `kuma.io/origin: zone`.
 */
const ORIGIN_LABELS = { "kuma.io/origin": "zone" } as const;

export type KumaKind = "MeshMetric" | "MeshTrace" | "MeshAccessLog" | "MeshOpenTelemetryBackend";

export interface KumaResource {
    readonly apiVersion: "kuma.io/v1alpha1";
    readonly kind: KumaKind;
    readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Readonly<Record<string, string>> };
    readonly spec: Record<string, unknown>;
}

export const KUMA_API_VERSION = "kuma.io/v1alpha1";
export const MESH_LABEL = "kuma.io/mesh";
/** Which signal a MeshOpenTelemetryBackend of ours serves; policies select it by this label (plus the mesh). */
export const SIGNAL_LABEL = "meshobs.io/signal";
/** Prefix of every policy name, so ours never collide with a team's own policies in the system namespace. */
const NAME_PREFIX = "meshobs";

/**
 * MeshMetric `tls.mode` per placement. The enum is the CRD's (`Disabled`, `ProvidedTLS`,
 * `ActiveMTLSBackend`); Kong's page writes `disabled` in lower case, which is the legacy Mesh field's
 * spelling. inside-mesh does not use `ActiveMTLSBackend`: the MeshMetric docs say it is no longer
 * supported, so the listener stays plain and the in-mesh Prometheus reaches it directly (see
 * prometheusPlacementRequirements).
 */
export const TLS_MODE: Readonly<Record<PrometheusPlacement, "Disabled" | "ProvidedTLS">> = {
    "inside-mesh": "Disabled",
    "outside-mesh": "Disabled",
    "outside-mesh-tls": "ProvidedTLS",
};

/** What a placement needs beyond the policy, for whoever deploys Prometheus and the workloads. */
export function prometheusPlacementRequirements(p: PrometheusPlacement): readonly string[] {
    switch (p) {
        case "inside-mesh":
            // As kumactl install observability deploys it (install-observability golden manifest).
            return [
                "Prometheus pod label kuma.io/sidecar-injection: enabled (joins the mesh)",
                'Prometheus pod annotation kuma.io/direct-access-services: "*" (scrapes dataplane IPs directly, past its sidecar)',
            ];
        case "outside-mesh":
            return ["Prometheus outside the mesh (namespace or pod label kuma.io/sidecar-injection: disabled); scrapes are plain HTTP"];
        case "outside-mesh-tls":
            return [
                "every dataplane sidecar needs KUMA_DATAPLANE_RUNTIME_METRICS_CERT_PATH and KUMA_DATAPLANE_RUNTIME_METRICS_KEY_PATH (e.g. a ContainerPatch) and the certificate mounted",
                "Prometheus scrapes with https and must trust that certificate (kuma_sd gives the target scheme https)",
            ];
    }
}

/**
 * Access-log fields: JSON keys of the Tcp backend, attribute keys of the OpenTelemetry one (both
 * match the CRD's attribute key pattern). Kuma's placeholders (%KUMA_MESH%, %KUMA_SOURCE_SERVICE%,
 * ...) attribute a line to mesh and services without the sidecar's pod metadata; there is no zone
 * placeholder, and the policy is the same in every zone, so the per-zone receiver adds the zone.
 */
export const ACCESS_LOG_FIELDS: ReadonlyArray<readonly [key: string, value: string]> = [
    ["start_time", "%START_TIME%"],
    ["mesh", "%KUMA_MESH%"],
    ["traffic_direction", "%KUMA_TRAFFIC_DIRECTION%"],
    ["source_service", "%KUMA_SOURCE_SERVICE%"],
    ["source_address", "%KUMA_SOURCE_ADDRESS_WITHOUT_PORT%"],
    ["destination_service", "%KUMA_DESTINATION_SERVICE%"],
    ["upstream_host", "%UPSTREAM_HOST%"],
    ["protocol", "%PROTOCOL%"],
    ["method", "%REQ(:METHOD)%"],
    ["path", "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%"],
    ["response_code", "%RESPONSE_CODE%"],
    ["response_flags", "%RESPONSE_FLAGS%"],
    ["bytes_received", "%BYTES_RECEIVED%"],
    ["bytes_sent", "%BYTES_SENT%"],
    ["duration_ms", "%DURATION%"],
    ["request_id", "%REQ(X-REQUEST-ID)%"],
    ["traceparent", "%REQ(TRACEPARENT)%"],
];

export function buildMeshPolicies(s: MeshPolicySettings): KumaResource[] {
    validate(s);
    const backendRef = usesOpenTelemetryBackendRef(s.meshVersion);
    return s.meshes.flatMap((mesh) => {
        const out: KumaResource[] = [];
        const meta = (role: string, extraLabels: Record<string, string> = {}) => ({
            name: `${NAME_PREFIX}-${role}-${mesh}`,
            namespace: s.namespace,
            labels: { [MESH_LABEL]: mesh, ...ORIGIN_LABELS, ...extraLabels },
        });
        /** The openTelemetry block of a policy backend: a backendRef (2.14+) or the endpoint itself. */
        const otel = (signal: string, endpoint: string): Record<string, unknown> => {
            if (!backendRef) return { endpoint };
            const [address, port] = splitHostPort(endpoint);
            out.push({
                apiVersion: KUMA_API_VERSION,
                kind: "MeshOpenTelemetryBackend",
                metadata: meta(`otel-${signal}`, { [SIGNAL_LABEL]: signal }),
                spec: {
                    endpoint: { address, port },
                    protocol: "grpc",
                    // Our endpoint is authoritative: an OTEL_EXPORTER_OTLP_ENDPOINT in a dataplane's
                    // environment would otherwise win (the CRD's default precedence is EnvFirst). Env
                    // still fills what we leave unset (headers, certificates).
                    env: { mode: "Optional", precedence: "ExplicitFirst" },
                },
            });
            return { backendRef: { kind: "MeshOpenTelemetryBackend", labels: { [MESH_LABEL]: mesh, [SIGNAL_LABEL]: signal } } };
        };

        out.push({
            apiVersion: KUMA_API_VERSION,
            kind: "MeshMetric",
            metadata: meta("metrics"),
            spec: {
                targetRef: { kind: "Mesh" },
                default: {
                    backends: [
                        {
                            type: "Prometheus",
                            prometheus: {
                                ...(s.metrics.clientId !== undefined ? { clientId: s.metrics.clientId } : {}),
                                port: s.metrics.port,
                                path: s.metrics.path,
                                tls: { mode: TLS_MODE[s.metrics.placement] },
                            },
                        },
                    ],
                },
            },
        });

        if (s.traces.backend !== "none") {
            const backend =
                s.traces.backend === "opentelemetry"
                    ? { type: "OpenTelemetry", openTelemetry: otel("traces", s.traces.endpoint) }
                    : { type: "Datadog", datadog: { url: s.traces.url } };
            out.push({
                apiVersion: KUMA_API_VERSION,
                kind: "MeshTrace",
                metadata: meta("traces"),
                spec: {
                    targetRef: { kind: "Mesh" },
                    default: {
                        backends: [backend],
                        // random and client keep their default 100, so overall alone is the traced share.
                        sampling: { overall: samplingValue(s.traces.samplingPercent) },
                        // A literal is correct per mesh policy. No zone tag: the CRD's tags are literals or
                        // request headers only, and one policy applied on the global CP is synced to every
                        // zone, so a literal zone would be wrong in all but one; the zone is the receiving
                        // side's to add (each zone sends to its own collector or agent).
                        tags: [{ name: "mesh", literal: mesh }],
                    },
                },
            });
        }

        if (s.accessLogs.backend !== "none") {
            const backend =
                s.accessLogs.backend === "opentelemetry"
                    ? {
                          type: "OpenTelemetry",
                          openTelemetry: {
                              ...otel("access-logs", s.accessLogs.endpoint),
                              attributes: ACCESS_LOG_FIELDS.map(([key, value]) => ({ key, value })),
                          },
                      }
                    : {
                          type: "Tcp",
                          tcp: {
                              address: s.accessLogs.address,
                              format: { type: "Json", json: ACCESS_LOG_FIELDS.map(([key, value]) => ({ key, value })) },
                          },
                      };
            const conf = { targetRef: { kind: "Mesh" }, default: { backends: [backend] } };
            // Both directions, as the docs' "log all incoming and outgoing" example.
            out.push({
                apiVersion: KUMA_API_VERSION,
                kind: "MeshAccessLog",
                metadata: meta("access-logs"),
                spec: { targetRef: { kind: "Mesh" }, from: [conf], to: [conf] },
            });
        }
        return out;
    });
}

/** Multi-document YAML of every policy, with the generated-file header. */
export function renderMeshPolicies(s: MeshPolicySettings): string {
    // renderYaml for each document (one YAML dialect); only the first keeps the header line.
    return buildMeshPolicies(s)
        .map((r, i) => (i === 0 ? renderYaml(r) : renderYaml(r).replace(/^#[^\n]*\n/, "")))
        .join("---\n");
}

/** CRD: an integer, or a decimal as a string. */
function samplingValue(percent: number): number | string {
    return Number.isInteger(percent) ? percent : String(percent);
}

const HOST_PORT = /^([A-Za-z0-9.-]+):(\d{1,5})$/;

function splitHostPort(hostPort: string): [string, number] {
    const m = HOST_PORT.exec(hostPort);
    if (m === null) throw new Error(`${JSON.stringify(hostPort)} is not host:port`);
    return [m[1], Number(m[2])];
}

function checkHostPort(what: string, value: string): void {
    const m = HOST_PORT.exec(value);
    if (m === null || Number(m[2]) < 1 || Number(m[2]) > 65535) {
        throw new Error(`${what} ${JSON.stringify(value)} is not host:port; allowed: e.g. otel-collector.observability:4317 (no scheme)`);
    }
}

function checkSampling(percent: number): void {
    if (!Number.isFinite(percent) || percent < 0 || percent > 100) {
        throw new Error(`traces.samplingPercent ${percent} is not a percentage; allowed: 0 to 100`);
    }
}

function validate(s: MeshPolicySettings): void {
    parseMeshVersion(s.meshVersion);
    if (s.meshes.length === 0) throw new Error("meshes is empty; allowed: at least one mesh name");
    s.meshes.forEach((m, i) => {
        if (!DNS_LABEL.test(m)) throw new Error(`meshes[${i}] ${JSON.stringify(m)} is not a DNS label`);
        if (s.meshes.indexOf(m) !== i) throw new Error(`meshes[${i}]: duplicate mesh ${JSON.stringify(m)}`);
    });
    if (!DNS_LABEL.test(s.namespace)) throw new Error(`namespace ${JSON.stringify(s.namespace)} is not a DNS label`);
    const { port, path } = s.metrics;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`metrics.port ${port} is not a TCP port`);
    if (!path.startsWith("/")) throw new Error(`metrics.path ${JSON.stringify(path)} must start with "/"`);
    if (s.metrics.clientId === "") throw new Error("metrics.clientId is empty; leave it unset for Kuma's default client");
    if (s.traces.backend === "opentelemetry") {
        checkHostPort("traces.endpoint", s.traces.endpoint);
        checkSampling(s.traces.samplingPercent);
    } else if (s.traces.backend === "datadog") {
        // CRD: "only host and port are allowed (no paths, fragments etc.)".
        if (!/^http:\/\/[A-Za-z0-9.-]+:\d{1,5}$/.test(s.traces.url)) {
            const url = JSON.stringify(s.traces.url);
            throw new Error(`traces.url ${url} is not http://host:port; allowed: e.g. http://trace-svc.datadog:8126 (no path)`);
        }
        checkSampling(s.traces.samplingPercent);
    }
    if (s.accessLogs.backend === "opentelemetry") checkHostPort("accessLogs.endpoint", s.accessLogs.endpoint);
    if (s.accessLogs.backend === "tcp") checkHostPort("accessLogs.address", s.accessLogs.address);
}
