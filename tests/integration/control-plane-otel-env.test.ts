import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as path from "path";
import { controlPlaneOtelEnv, ControlPlaneTelemetrySettings } from "../../components/mesh/control-plane-telemetry";
import { OtlpGrpcReceiver, startOtlpGrpcReceiver } from "../support/otlp-grpc-receiver";

const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
const EMITTER = path.join(__dirname, "..", "support", "otel-env-span-emitter.ts");
const CHILD_TIMEOUT_MS = 30_000;

interface ChildResult {
    readonly code: number | null;
    readonly stderr: string;
}

/** Runs the emitter with exactly `env` plus PATH as its environment; killed after CHILD_TIMEOUT_MS. */
function runEmitter(env: Record<string, string>, spanName: string): Promise<ChildResult> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), EMITTER, spanName], {
            cwd: PROJECT_ROOT,
            env: { ...env, PATH: process.env.PATH ?? "/usr/bin:/bin" },
            stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        child.stderr.on("data", (d) => (stderr += String(d)));
        const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_TIMEOUT_MS);
        child.on("error", (e) => {
            clearTimeout(timer);
            reject(e);
        });
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code, stderr });
        });
    });
}

describe("control plane OpenTelemetry environment, against a real OTLP/gRPC receiver", function () {
    this.timeout(60_000);
    let receiver: OtlpGrpcReceiver;

    before(async () => {
        receiver = await startOtlpGrpcReceiver();
    });
    after(async () => {
        await receiver?.stop();
    });

    const cases: Array<[string, Omit<ControlPlaneTelemetrySettings, "otlpEndpoint" | "insecure">, Record<string, string>]> = [
        ["a zone control plane", { zone: "us-east-1" }, { "kuma.zone": "us-east-1", "service.name": "kuma-cp" }],
        ["the global control plane", { zone: "global" }, { "kuma.zone": "global", "service.name": "kuma-cp" }],
    ];

    for (const [what, settings, expectedResource] of cases) {
        it(`${what}: a child configured only by controlPlaneOtelEnv() delivers a span with zone and service name`, async () => {
            const env = controlPlaneOtelEnv({ ...settings, otlpEndpoint: `http://127.0.0.1:${receiver.port}`, insecure: true });
            const spanName = `kuma-cp-probe-${settings.zone}`;
            const child = await runEmitter(env, spanName);
            assert.equal(child.code, 0, `emitter exited ${child.code}: ${child.stderr}`);

            const rs = await receiver.waitForSpan(spanName, 5_000).catch((e) => assert.fail(`${(e as Error).message}; emitter stderr: ${child.stderr}`));
            // Exactly what the environment carries: the emitter's resource comes from nowhere else.
            assert.deepEqual(rs.resource, expectedResource);
            const spans = rs.scopes.flatMap((s) => s.spans).filter((s) => s.name === spanName);
            assert.equal(spans.length, 1);
            assert.match(spans[0].traceId, /^[0-9a-f]{32}$/);
            assert.notEqual(spans[0].traceId, "0".repeat(32));
            assert.equal(typeof spans[0].attributes["probe.pid"], "number");
        });
    }

    it("the emitter really gates on KUMA_TRACING_OPENTELEMETRY_ENABLED (so the positive cases depend on it)", async () => {
        const env = controlPlaneOtelEnv({ zone: "off", otlpEndpoint: `http://127.0.0.1:${receiver.port}`, insecure: true });
        const withoutFlag = { ...env };
        delete withoutFlag.KUMA_TRACING_OPENTELEMETRY_ENABLED;
        const before = receiver.requests.length;
        const child = await runEmitter(withoutFlag, "kuma-cp-probe-off");
        assert.equal(child.code, 3, child.stderr);
        assert.equal(receiver.requests.length, before);
    });
});
