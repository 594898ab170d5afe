/**
 * Issue 12, Loki half: the tenant header of the zones' log pushes, checked on the wire.
 *
 * Access logs leave a zone through its OpenTelemetry Collector: MeshAccessLog's OpenTelemetry
 * backend sends them to the collector, whose `otlp_http/loki` exporter POSTs them to the global
 * Loki's OTLP endpoint with `X-Scope-OrgID: <tenant>` (components/telemetry/collector-config.ts).
 * No OpenTelemetry Collector or Grafana Alloy binary exists here (Debian 12 and npm ship neither),
 * so the sender is a stand-in: the OpenTelemetry JS SDK's real OTLP/HTTP log exporter
 * (@opentelemetry/exporter-logs-otlp-http), configured from nothing but the zone's GENERATED
 * collector config, the file its pod mounts:
 *   - URL: the exporter's `endpoint` with `/v1/logs` appended, as the collector's otlphttp exporter
 *     does (open-telemetry/opentelemetry-collector exporter/otlphttpexporter/README.md: "for logs
 *     /v1/logs will be appended"), with only host:port moved to a loopback stand-in for Loki; the
 *     scheme stays (https:// endpoints reach a TLS stand-in with a throw-away certificate);
 *   - headers: the exporter's `headers`, verbatim;
 *   - resource: the sender's attributes with the logs pipeline's `resource` processor actions
 *     applied (upsert of `kuma.zone` and `zone`), as the collector would before exporting.
 * The JS exporter encodes OTLP/JSON where the collector defaults to protobuf; Loki's OTLP handler
 * takes both (grafana/loki pkg/loghttp/push/otlp.go extractLogs: application/x-protobuf and
 * application/json). The stand-in answers like a multi-tenant Loki: 401 without X-Scope-OrgID.
 *
 * Asserted on the wire, for every zone of every shipped environment whose logs go to Loki through
 * the collector: the path is Loki's OTLP ingestion path `/otlp/v1/logs` (Loki HTTP API reference,
 * https://grafana.com/docs/loki/latest/reference/loki-http-api/#ingest-logs-using-otlp; grafana/loki
 * docs/sources/send-data/otel/_index.md gives the exporter `http://<loki-addr>:3100/otlp`), the
 * header carries the global's tenant, and the decoded body carries the zone. A negative check
 * proves the wire check can fail: the same settings without the header are refused (401) and fail
 * the check, and a push under another tenant fails it too.
 *
 * Alloy's `loki.write` (container logs, `tenant_id`) stays checked on the generated config only
 * (tests/stacks/telemetry-wiring.test.ts): no Alloy binary, and no JS stand-in speaks its push API.
 */
import { strict as assert } from "assert";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { InMemoryLogRecordExporter, LoggerProvider, ReadableLogRecord, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import { OTLP_INDEX_LABELS, OTLP_LOGS_PATH } from "../../components/logs/loki-chart";
import { COLLECTOR_CONFIG_KEY } from "../../components/telemetry/collector-chart";
import { LOKI_EXPORTER, ZONE_RESOURCE_ATTRIBUTES } from "../../components/telemetry/collector-config";
import { TENANT_HEADER } from "../../components/kernel/tenant-header";
import { LOKI_RELEASE } from "../../infra/roles/releases";
import { evaluateEnvironment, EnvironmentEvaluation } from "../../infra/plan/evaluate-environment";
import { StackEvaluation } from "../../infra/plan/evaluate-stack";
import { LokiOtlpStandIn, ReceivedPush, startLokiOtlpStandIn } from "../support/loki-otlp-stand-in";
import { one, output, revealed, yamlFile } from "../support/plan-access";
import { CHART_TYPE } from "../../infra/plan/mock-runtime";
import { SHIPPED_ENVIRONMENTS } from "../support/rendered-environments";

/** The collector's workload name in the plan's files (workloadFiles). */
const COLLECTOR_WORKLOAD = "otel-collector";
/** What the collector's otlphttp exporter appends to `endpoint` for logs (otlphttpexporter/README.md). */
const LOGS_SIGNAL_PATH = "/v1/logs";
/** What a sender (kuma-dp's access-log backend) might claim before the collector's resource processor. */
const SENDER_RESOURCE = { "service.name": "kuma-dp", zone: "claimed-by-sender" };

/** The zone collector's Loki exporter and the resource actions of its logs pipeline, from the mounted config. */
interface GeneratedLokiExport {
    readonly endpoint: string;
    readonly headers: Readonly<Record<string, string>>;
    readonly resourceActions: ReadonlyArray<{ readonly key: string; readonly value: string; readonly action: string }>;
}

function generatedLokiExport(z: StackEvaluation): GeneratedLokiExport | undefined {
    const cfg = yamlFile(z, COLLECTOR_WORKLOAD, COLLECTOR_CONFIG_KEY);
    const exporter = cfg.exporters?.[LOKI_EXPORTER];
    if (exporter === undefined) return undefined;
    const logs = cfg.service.pipelines.logs;
    assert.ok(logs.exporters.includes(LOKI_EXPORTER), `${z.stack}: ${LOKI_EXPORTER} is not in the logs pipeline`);
    assert.ok(logs.processors.includes("resource"), `${z.stack}: the logs pipeline has no resource processor`);
    return { endpoint: exporter.endpoint, headers: exporter.headers ?? {}, resourceActions: cfg.processors.resource.attributes };
}

/** The resource as it leaves the collector: the sender's, with the processor's actions applied (only upsert is generated). */
function exportedResource(sender: Readonly<Record<string, string>>, actions: GeneratedLokiExport["resourceActions"]): Record<string, string> {
    const out = { ...sender };
    for (const a of actions) {
        if (a.action !== "upsert") throw new Error(`resource action ${a.action} on ${a.key}: this stand-in applies upsert only`);
        out[a.key] = a.value;
    }
    return out;
}

/** The exporter's endpoint with only host:port moved to the stand-in; the collector then appends /v1/logs. */
function loopbackLogsUrl(endpoint: string, standIn: LokiOtlpStandIn): string {
    const generated = new URL(endpoint);
    const local = new URL(standIn.origin);
    assert.equal(local.protocol, generated.protocol, `${endpoint}: the stand-in must keep the scheme`);
    assert.equal(generated.search + generated.hash, "", `${endpoint}: no query or fragment`);
    assert.ok(!endpoint.endsWith("/"), `${endpoint}: a trailing slash would change how /v1/logs is joined`);
    return `${local.origin}${generated.pathname}${LOGS_SIGNAL_PATH}`;
}

interface PushResult {
    /** The export's error (undefined when it succeeded), e.g. OTLPExporterError with the HTTP status in `code`. */
    readonly error?: Error & { readonly code?: number };
    /** The requests this export put on the wire. */
    readonly requests: ReceivedPush[];
}

/** One log record through the real OTLPLogExporter, configured with `url`, `headers` and `resource`. */
async function pushLogRecord(standIn: LokiOtlpStandIn, url: string, headers: Readonly<Record<string, string>>, resource: Record<string, string>, body: string): Promise<PushResult> {
    const captured = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({ resource: resourceFromAttributes(resource), processors: [new SimpleLogRecordProcessor(captured)] });
    provider.getLogger("loki-tenant-wire").emit({ body, severityText: "INFO", attributes: { "kuma.mesh": "default" } });
    await provider.forceFlush();
    const records: ReadableLogRecord[] = captured.getFinishedLogRecords();
    assert.equal(records.length, 1);

    const exporter = new OTLPLogExporter({ url, headers: { ...headers }, ...(standIn.ca !== undefined ? { httpAgentOptions: { ca: standIn.ca } } : {}) });
    const before = standIn.received.length;
    try {
        const result = await new Promise<{ error?: Error }>((resolve) => exporter.export(records, resolve));
        return { error: result.error, requests: standIn.received.slice(before) };
    } finally {
        await exporter.shutdown();
        await provider.shutdown();
    }
}

interface DecodedLogs {
    readonly resource: Record<string, string>;
    readonly bodies: string[];
}

/** OTLP/JSON ExportLogsServiceRequest (opentelemetry-proto logs_service.proto, JSON mapping): resources and record bodies, read independently of the SDK. */
function decodeOtlpJsonLogs(body: Buffer): DecodedLogs[] {
    const parsed = JSON.parse(body.toString("utf8"));
    return (parsed.resourceLogs ?? []).map((rl: any) => ({
        resource: Object.fromEntries((rl.resource?.attributes ?? []).map((kv: any) => [kv.key, kv.value?.stringValue])),
        bodies: (rl.scopeLogs ?? []).flatMap((sl: any) => (sl.logRecords ?? []).map((r: any) => r.body?.stringValue)),
    }));
}

/** The wire check: one accepted POST to Loki's OTLP path, as `tenant`, carrying `zone` on the resource and `body`. */
function assertLokiPush(requests: readonly ReceivedPush[], expected: { readonly tenant: string; readonly zone: string; readonly body: string }): void {
    assert.equal(requests.length, 1, `one request on the wire, got ${requests.length}`);
    const [push] = requests;
    assert.equal(push.method, "POST");
    assert.equal(push.path, OTLP_LOGS_PATH, "Loki's OTLP ingestion path");
    assert.equal(push.headers[TENANT_HEADER.toLowerCase()], expected.tenant, `${TENANT_HEADER} on the wire`);
    assert.equal(push.status, 204, "the stand-in accepted it");
    assert.equal(push.headers["content-type"], "application/json");
    const decoded = decodeOtlpJsonLogs(push.body);
    assert.equal(decoded.length, 1);
    for (const key of ZONE_RESOURCE_ATTRIBUTES) assert.equal(decoded[0].resource[key], expected.zone, `resource ${key}`);
    assert.deepEqual(decoded[0].bodies, [expected.body]);
}

describe("Loki pushes on the wire: the zone collector's generated otlp_http/loki settings, sent by the JS SDK's OTLP/HTTP log exporter", function () {
    this.timeout(120_000);
    const evaluated = new Map<string, EnvironmentEvaluation>();
    const standIns: { http?: LokiOtlpStandIn; https?: LokiOtlpStandIn } = {};
    const standInFor = (endpoint: string): LokiOtlpStandIn => (new URL(endpoint).protocol === "https:" ? standIns.https! : standIns.http!);

    before(async () => {
        standIns.http = await startLokiOtlpStandIn({ tls: false });
        standIns.https = await startLokiOtlpStandIn({ tls: true });
        for (const env of SHIPPED_ENVIRONMENTS) evaluated.set(env, await evaluateEnvironment(env));
    });
    after(async () => {
        await standIns.http?.stop();
        await standIns.https?.stop();
    });

    const globalOf = (env: string) => evaluated.get(env)!.stacks.find((s) => s.stack === `${env}-global`)!;
    const zonesOf = (env: string) => evaluated.get(env)!.stacks.filter((s) => s.stack.startsWith(`${env}-zone-`));

    it("local (in-cluster http://) and prod (TLS Ingress, https://) both send access logs to a multi-tenant Loki through the zone collector", () => {
        for (const env of ["local", "prod"]) {
            assert.ok(SHIPPED_ENVIRONMENTS.includes(env), env);
            const g = globalOf(env);
            assert.equal(revealed(one(g, CHART_TYPE, `${LOKI_RELEASE}-chart`)).values.loki.auth_enabled, true, `${env}: Loki is multi-tenant`);
            const exports = zonesOf(env).map(generatedLokiExport);
            assert.ok(exports.length > 0 && exports.every((e) => e !== undefined), `${env}: every zone exports logs to Loki`);
        }
        assert.equal(new URL(generatedLokiExport(zonesOf("local")[0])!.endpoint).protocol, "http:");
        assert.equal(new URL(generatedLokiExport(zonesOf("prod")[0])!.endpoint).protocol, "https:");
        // The zone attribute the push carries is the one the global Loki indexes as a stream label.
        assert.ok(ZONE_RESOURCE_ATTRIBUTES.some((k) => (OTLP_INDEX_LABELS as readonly string[]).includes(k)));
    });

    for (const env of SHIPPED_ENVIRONMENTS) {
        it(`${env}: each zone's push goes to /otlp/v1/logs with ${TENANT_HEADER}: <the global's tenant> and the zone on the resource`, async () => {
            const g = globalOf(env);
            const zones = zonesOf(env).filter((z) => generatedLokiExport(z) !== undefined);
            if (zones.length === 0) {
                // Nothing to send: then the global has no Loki at all (not a zone that silently lost its exporter).
                assert.notEqual(output(g, "logsBackend"), "loki", `${env}: Loki global but no zone exports to it`);
                return;
            }
            const tenant = String(output(g, "lokiTenant"));
            assert.notEqual(tenant, "");
            for (const z of zones) {
                const generated = generatedLokiExport(z)!;
                assert.equal(generated.endpoint, output(g, "lokiOtlpUrl"), `${z.stack}: the global's OTLP URL`);
                assert.equal(new URL(generated.endpoint).pathname + LOGS_SIGNAL_PATH, OTLP_LOGS_PATH, `${z.stack}: the collector posts to Loki's OTLP path`);
                const zone = String(output(z, "zone"));
                const body = `access log of ${z.stack}`;
                const standIn = standInFor(generated.endpoint);
                const result = await pushLogRecord(standIn, loopbackLogsUrl(generated.endpoint, standIn), generated.headers, exportedResource(SENDER_RESOURCE, generated.resourceActions), body);
                assert.equal(result.error, undefined, `${z.stack}: export failed: ${result.error?.message}`);
                assertLokiPush(result.requests, { tenant, zone, body });
            }
        });
    }

    it("negative: the same generated settings without the tenant header are refused (401), the export fails and the wire check rejects them; another tenant fails it too", async () => {
        const z = zonesOf("local")[0];
        const generated = generatedLokiExport(z)!;
        const tenant = String(output(globalOf("local"), "lokiTenant"));
        const zone = String(output(z, "zone"));
        const standIn = standInFor(generated.endpoint);
        const url = loopbackLogsUrl(generated.endpoint, standIn);
        const resource = exportedResource(SENDER_RESOURCE, generated.resourceActions);

        const withoutTenant = Object.fromEntries(Object.entries(generated.headers).filter(([k]) => k !== TENANT_HEADER));
        assert.equal(Object.keys(withoutTenant).length, Object.keys(generated.headers).length - 1, "the generated headers had the tenant");
        const refused = await pushLogRecord(standIn, url, withoutTenant, resource, "no tenant");
        assert.equal(refused.error?.code, 401, `export without ${TENANT_HEADER}: ${refused.error?.message}`);
        assert.equal(refused.requests.length, 1, "401 is not retried");
        assert.equal(refused.requests[0].headers[TENANT_HEADER.toLowerCase()], undefined);
        assert.throws(() => assertLokiPush(refused.requests, { tenant, zone, body: "no tenant" }), new RegExp(TENANT_HEADER));

        const otherTenant = String(output(globalOf("prod"), "lokiTenant"));
        assert.notEqual(otherTenant, tenant);
        const misrouted = await pushLogRecord(standIn, url, { ...generated.headers, [TENANT_HEADER]: otherTenant }, resource, "other tenant");
        assert.equal(misrouted.error, undefined);
        assert.throws(() => assertLokiPush(misrouted.requests, { tenant, zone, body: "other tenant" }), new RegExp(TENANT_HEADER));
        // And the check does pass on that very request for the tenant it carries (so the throw above is the tenant's doing).
        assertLokiPush(misrouted.requests, { tenant: otherTenant, zone, body: "other tenant" });
    });
});
