/**
 * Remote Write 1.0 or 2.0 between the zones and the global (measured: docs/benchmarks.md,
 * "Remote Write 2.0"). Facts from prometheus v3.5.0/v3.5.3:
 * - the sender's `remote_write.protobuf_message`: `prometheus.WriteRequest` (1.0, the default) or
 *   `io.prometheus.write.v2.Request` (2.0) (config/config.go RemoteWriteProtoMsgV1/V2); 2.0 goes
 *   out as `Content-Type: application/x-protobuf;proto=io.prometheus.write.v2.Request`
 *   (storage/remote/client.go). The key exists from 2.54 on (CHANGELOG.md 2.54.0: "Remote-Write:
 *   Version 2.0 experimental"); 2.42 refuses it, so 1.0 leaves it out;
 * - the receiver's `--web.remote-write-receiver.accepted-protobuf-messages`, repeated once per
 *   message (a cumulative flag, cmd/prometheus/main.go rwProtoMsgFlagValue), default both;
 * - with 2.0, metadata travels with each series from the WAL and `metadata_config.send` is
 *   ignored with a warning (storage/remote/queue_manager.go), so 2.0 turns it off;
 * - a 2.0 sender treats a 2xx without the 2.0 "written" response headers as a failure of the
 *   whole batch (queue_manager.go: "the target only supports PRW 1.0"): 2.0 must never be sent to
 *   a receiver that does not speak it, so the backends keep 1.0 unless their docs say otherwise.
 *   AMP's RemoteWrite API documents the 1.0 request only (AMP user guide, "RemoteWrite":
 *   `X-Prometheus-Remote-Write-Version: 0.1.0`, body prompb.WriteRequest); Mimir accepts 2.0 from
 *   2.17.0 on (Mimir docs, distributor "Supported protocols"; grafana/mimir#12622) and the chart
 *   pinned here runs 2.16.0 (components/mimir/mimir-chart.ts).
 */

export const REMOTE_WRITE_PROTOCOLS = ["2.0", "1.0"] as const;
export type RemoteWriteProtocol = (typeof REMOTE_WRITE_PROTOCOLS)[number];

/** The global Prometheus' default: 2.0 (fewer bytes per sample across regions, docs/benchmarks.md). */
export const DEFAULT_REMOTE_WRITE_PROTOCOL: RemoteWriteProtocol = "2.0";

/** The protobuf message of each protocol (prometheus config/config.go at v3.5.0). */
export const REMOTE_WRITE_MESSAGE: Readonly<Record<RemoteWriteProtocol, string>> = {
    "1.0": "prometheus.WriteRequest",
    "2.0": "io.prometheus.write.v2.Request",
};

/** The global receiver's flag naming what it accepts (prometheus cmd/prometheus/main.go at v3.5.0). */
export const ACCEPTED_MESSAGES_FLAG = "web.remote-write-receiver.accepted-protobuf-messages";

function checked(protocol: string, setting: string): RemoteWriteProtocol {
    if (!(REMOTE_WRITE_PROTOCOLS as readonly string[]).includes(protocol)) {
        throw new Error(`${setting}: ${JSON.stringify(protocol)} is not a remote-write protocol; allowed: ${REMOTE_WRITE_PROTOCOLS.join(", ")}`);
    }
    return protocol as RemoteWriteProtocol;
}

/**
 * The receiver's flags (chart `server.extraFlags`, without the leading --): with 2.0 it accepts
 * both messages, so zones still sending 1.0 (mid-rollout, or a 2.x zone) keep landing; with 1.0
 * only 1.0.
 */
export function receiverProtocolFlags(protocol: RemoteWriteProtocol, setting = "remoteWriteProtocol"): string[] {
    const accepted = checked(protocol, setting) === "2.0" ? (["1.0", "2.0"] as const) : (["1.0"] as const);
    return accepted.map((p) => `${ACCEPTED_MESSAGES_FLAG}=${REMOTE_WRITE_MESSAGE[p]}`);
}

/** The fields of a zone's remote_write entry that depend on the protocol: `protobuf_message` and `metadata_config`. */
export function remoteWriteProtocolFields(protocol: RemoteWriteProtocol, metadata: Readonly<Record<string, unknown>>, setting = "remoteWrite.protocol"): Record<string, unknown> {
    if (checked(protocol, setting) === "1.0") return { metadata_config: { ...metadata } };
    return { protobuf_message: REMOTE_WRITE_MESSAGE["2.0"], metadata_config: { ...metadata, send: false } };
}

/** What zones send to a backend: the configured protocol for the global Prometheus, 1.0 for AMP and Mimir (see above). */
export function backendRemoteWriteProtocol(backend: "prometheus" | "amp" | "mimir", configured: RemoteWriteProtocol): RemoteWriteProtocol {
    return backend === "prometheus" ? configured : "1.0";
}
