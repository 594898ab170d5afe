import * as pulumi from "@pulumi/pulumi";
import { RemoteWriteProtocol } from "../components/prometheus/remote-write-protocol";
import { ZoneWriterView } from "../components/prometheus/zone-writers";

/**
 * The contract between a global stack and its zones: what global exports and zones read. Typing
 * the global's exports against it makes a renamed or dropped output a compile error; the offline
 * plan checks the same names at run time.
 */
export interface GlobalStackOutputs {
    /** Environment name (`local`, `prod`). */
    readonly environment: string;
    /** Zones the environment declares. */
    readonly zones: string[];
    /** Where zones' metrics land: the global Prometheus, Amazon Managed Prometheus or Mimir. */
    readonly metricsBackend: "prometheus" | "amp" | "mimir";
    /** How metrics reach the global: zones remote-write, or the global federates them (zones then keep them). */
    readonly metricsTransport: "remote-write" | "federation";
    /** Zones the global Prometheus remote-reads (`metrics.remoteRead.zones`; POST /api/v1/read on their :9090); [] when none. */
    readonly remoteReadZones: string[];
    /** How zones authenticate their remote write: basic auth (Prometheus), SigV4 (AMP), or none (Mimir tenant header). */
    readonly remoteWriteAuth: "basic" | "sigv4" | "none";
    /** URL zones remote-write to; "" under federation. */
    readonly remoteWriteUrl: string;
    /** Remote Write protocol zones send: what the receiver accepts (the global Prometheus' setting; 1.0 for AMP and Mimir). */
    readonly remoteWriteProtocol: RemoteWriteProtocol;
    /**
     * Per remote-writing zone, the basic-auth users of its accepted credential generations (active, and
     * standby while rotating); {} unless remoteWriteAuth is basic. Passwords are in each zone's own
     * secret output (zoneCredentialOutput).
     */
    readonly remoteWriteCredentials: Record<string, ZoneWriterView>;
    /** X-Scope-OrgID zones write with (Mimir); "" otherwise. */
    readonly remoteWriteTenant: string;
    /** AMP workspace region and ARN (SigV4 signing region; the IRSA policy's only resource); "" unless amp. */
    readonly ampRegion: string;
    readonly ampWorkspaceArn: string;
    /** Query URL of the metrics backend (the global Prometheus, AMP's or Mimir's Prometheus API). */
    readonly prometheusQueryUrl: string;
    /** Read-only basic-auth user of the global Prometheus (Grafana's; `npm run verify` queries as it); "" when none. */
    readonly prometheusReadUsername: string;
    /** Its password (secret); "" when none. */
    readonly prometheusReadPassword: string;
    /** Jaeger's query API (in-cluster, what Grafana reads); "" unless jaeger. */
    readonly jaegerQueryUrl: string;
    /** Loki's query base URL (in-cluster, what Grafana reads); "" unless loki. */
    readonly lokiQueryUrl: string;
    /** Central trace backend: zones build their collector and MeshTrace from it. */
    readonly tracesBackend: "jaeger" | "datadog" | "none";
    /** Central log backend: zones build their log shipper and MeshAccessLog from it. */
    readonly logsBackend: "loki" | "datadog" | "none";
    /** Jaeger OTLP endpoint zones export traces to (gRPC: scheme://host:port; http: base URL); "" unless jaeger. */
    readonly otlpTracesEndpoint: string;
    /** Protocol of that endpoint: gRPC, or OTLP/HTTP where Jaeger sits behind an Ingress; "" unless jaeger. */
    readonly otlpTracesProtocol: "grpc" | "http" | "";
    /** Loki push URL (…/loki/api/v1/push); "" unless logsBackend is loki. */
    readonly lokiPushUrl: string;
    /** Loki OTLP base URL (…/otlp), for access logs through the zone collector; "" unless loki. */
    readonly lokiOtlpUrl: string;
    /** Loki tenant (X-Scope-OrgID) zones write as. */
    readonly lokiTenant: string;
    /** Datadog site; "" unless a backend is datadog. */
    readonly datadogSite: string;
    /** Datadog API key for zone agents (secret); "" unless a backend is datadog. */
    readonly datadogApiKey: string;
    /** Grafana URL (in-cluster); "" when Grafana is off. */
    readonly grafanaUrl: string;
    /** Grafana admin password (secret); "" when Grafana is off. */
    readonly grafanaAdminPassword: string;
    /** Env block for the global control plane so its own traces reach the central backend; {} when traces are off. */
    readonly globalControlPlaneOtelEnv: Record<string, string>;
    /** The same as a Helm values file for the global control plane's chart; "" when traces are off. */
    readonly globalControlPlaneValuesSnippet: string;
}

export type GlobalStackExports = { readonly [K in keyof GlobalStackOutputs]: pulumi.Output<GlobalStackOutputs[K]> };

/** One zone's credential: its accepted generations with users and passwords (a secret output). */
export interface ZoneCredentialSecret {
    readonly active: { readonly generation: number; readonly username: string; readonly password: string };
    /** Also accepted but not written with (the next or the old generation while rotating); null outside a rotation. */
    readonly standby: { readonly generation: number; readonly username: string; readonly password: string } | null;
}

/** Name of the secret output only zone `zone` reads: its own credential, never another zone's. */
export function zoneCredentialOutput(zone: string): `remoteWriteCredential-${string}` {
    return `remoteWriteCredential-${zone}`;
}

/** The per-zone credential outputs of a global stack. */
export type ZoneCredentialExports = { readonly [K in ReturnType<typeof zoneCredentialOutput>]: pulumi.Output<ZoneCredentialSecret> };

/** Outputs a zone reads; each is required, so a missing one fails with the output's name. */
export const ZONE_READS = [
    "zones",
    "metricsBackend",
    "metricsTransport",
    "remoteReadZones",
    "remoteWriteAuth",
    "remoteWriteProtocol",
    "remoteWriteTenant",
    "ampRegion",
    "ampWorkspaceArn",
    "remoteWriteUrl",
    "remoteWriteCredentials",
    "tracesBackend",
    "logsBackend",
    "otlpTracesEndpoint",
    "otlpTracesProtocol",
    "lokiPushUrl",
    "lokiOtlpUrl",
    "lokiTenant",
    "datadogSite",
    "datadogApiKey",
] as const satisfies readonly (keyof GlobalStackOutputs)[];

export type ZoneView = { readonly [K in (typeof ZONE_READS)[number]]: pulumi.Output<GlobalStackOutputs[K]> };

/** Outputs whose values decide which resources a zone creates, so they are read before creating any. */
export interface ZoneDecisions {
    readonly tracesBackend: GlobalStackOutputs["tracesBackend"];
    readonly logsBackend: GlobalStackOutputs["logsBackend"];
    /** Datadog site: the collector's exporter and the agent's chart need it as a plain value. */
    readonly datadogSite: string;
    /** Zones the global declares: a zone not among them fails before it creates anything. */
    readonly zones: GlobalStackOutputs["zones"];
    /** The metrics path: they decide the remote-write block, IRSA role or credential Secret. */
    readonly metricsBackend: GlobalStackOutputs["metricsBackend"];
    readonly metricsTransport: GlobalStackOutputs["metricsTransport"];
    /** Zones the global remote-reads: a zone among them with default-deny on must admit the global (globalSourceCidrs). */
    readonly remoteReadZones: GlobalStackOutputs["remoteReadZones"];
    readonly remoteWriteAuth: GlobalStackOutputs["remoteWriteAuth"];
    /** It decides prometheus.yml's remote_write fields (protobuf_message, metadata_config). */
    readonly remoteWriteProtocol: GlobalStackOutputs["remoteWriteProtocol"];
    /** Which users each zone may write as: a zone the global issues none fails before any resource. */
    readonly remoteWriteCredentials: GlobalStackOutputs["remoteWriteCredentials"];
    readonly ampRegion: string;
    /** Jaeger's OTLP endpoint and protocol: they pick the collector's exporter and its TLS setting. */
    readonly otlpTracesEndpoint: GlobalStackOutputs["otlpTracesEndpoint"];
    readonly otlpTracesProtocol: GlobalStackOutputs["otlpTracesProtocol"];
    /** Where metrics and logs go: a cluster-DNS URL of another cluster fails before any resource (infra/cross-cluster-endpoints.ts). */
    readonly remoteWriteUrl: GlobalStackOutputs["remoteWriteUrl"];
    readonly lokiPushUrl: GlobalStackOutputs["lokiPushUrl"];
    readonly lokiOtlpUrl: GlobalStackOutputs["lokiOtlpUrl"];
}

const DECISION_KEYS = ["zones", "metricsBackend", "metricsTransport", "remoteReadZones", "remoteWriteAuth", "remoteWriteProtocol", "remoteWriteCredentials", "ampRegion", "tracesBackend", "logsBackend", "datadogSite", "otlpTracesEndpoint", "otlpTracesProtocol", "remoteWriteUrl", "lokiPushUrl", "lokiOtlpUrl"] as const satisfies readonly (keyof ZoneDecisions &
    keyof GlobalStackOutputs)[];

export function readGlobalOutputs(ref: pulumi.StackReference): ZoneView {
    const read = <K extends (typeof ZONE_READS)[number]>(key: K) => ref.requireOutput(key) as pulumi.Output<GlobalStackOutputs[K]>;
    const view = Object.fromEntries(ZONE_READS.map((key) => [key, read(key)])) as unknown as { -readonly [K in keyof ZoneView]: ZoneView[K] };
    // Secret whether or not the referenced stack marked them so.
    view.datadogApiKey = pulumi.secret(view.datadogApiKey);
    return view;
}

/** This zone's own credential output (and no other zone's), secret whether or not the global marked it so. */
export function readZoneCredential(ref: pulumi.StackReference, zone: string): pulumi.Output<ZoneCredentialSecret> {
    return pulumi.secret(ref.requireOutput(zoneCredentialOutput(zone)) as pulumi.Output<ZoneCredentialSecret>);
}

/**
 * Reads the decision outputs (DECISION_KEYS) as plain values; none is a secret. Creating resources
 * inside an apply would hide them from preview; awaiting these first keeps the graph static.
 */
export async function readZoneDecisions(ref: pulumi.StackReference): Promise<ZoneDecisions> {
    const values = await Promise.all(DECISION_KEYS.map(async (key) => [key, await ref.requireOutputValue(key)] as const));
    return Object.fromEntries(values) as unknown as ZoneDecisions;
}
