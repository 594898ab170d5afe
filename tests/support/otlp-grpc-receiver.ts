import * as grpc from "@grpc/grpc-js";
import { decodeExportTraceServiceRequest, DecodedResourceSpans } from "./otlp-trace-decoder";

/** The OTLP trace service method every OTLP/gRPC trace exporter calls. */
export const TRACE_EXPORT_PATH = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

export interface OtlpGrpcReceiver {
    /** Port on 127.0.0.1. */
    readonly port: number;
    /** Every Export request received so far, decoded. */
    readonly requests: DecodedResourceSpans[][];
    /** Resolves with the first resource-spans holding a span named `spanName`; rejects after `timeoutMs`. */
    waitForSpan(spanName: string, timeoutMs: number): Promise<DecodedResourceSpans>;
    stop(): Promise<void>;
}

/**
 * An OTLP/gRPC trace receiver on 127.0.0.1 (plain text): implements TraceService/Export, decodes each
 * request with our own wire decoder and answers with an empty ExportTraceServiceResponse (full success).
 */
export async function startOtlpGrpcReceiver(): Promise<OtlpGrpcReceiver> {
    const requests: DecodedResourceSpans[][] = [];
    const waiters: Array<() => void> = [];
    const server = new grpc.Server();
    const service: grpc.ServiceDefinition = {
        Export: {
            path: TRACE_EXPORT_PATH,
            requestStream: false,
            responseStream: false,
            requestSerialize: (b: Buffer) => b,
            requestDeserialize: (b: Buffer) => b,
            responseSerialize: () => Buffer.alloc(0),
            responseDeserialize: () => ({}),
        },
    };
    server.addService(service, {
        Export: (call: grpc.ServerUnaryCall<Buffer, unknown>, callback: grpc.sendUnaryData<unknown>) => {
            try {
                requests.push(decodeExportTraceServiceRequest(call.request));
            } catch (e) {
                callback({ code: grpc.status.INVALID_ARGUMENT, details: (e as Error).message });
                return;
            }
            callback(null, {});
            waiters.splice(0).forEach((w) => w());
        },
    });
    const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );

    const find = (spanName: string) => requests.flat().find((rs) => rs.scopes.some((s) => s.spans.some((sp) => sp.name === spanName)));
    return {
        port,
        requests,
        waitForSpan(spanName, timeoutMs) {
            return new Promise((resolve, reject) => {
                const deadline = setTimeout(() => reject(new Error(`no span ${JSON.stringify(spanName)} within ${timeoutMs} ms (${requests.length} export requests)`)), timeoutMs);
                const check = () => {
                    const hit = find(spanName);
                    if (hit) {
                        clearTimeout(deadline);
                        resolve(hit);
                    } else waiters.push(check);
                };
                check();
            });
        },
        stop() {
            return new Promise<void>((resolve) => {
                const force = setTimeout(() => {
                    server.forceShutdown();
                    resolve();
                }, 2000);
                server.tryShutdown(() => {
                    clearTimeout(force);
                    resolve();
                });
            });
        },
    };
}
