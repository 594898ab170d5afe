import { strict as assert } from "assert";
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import Ajv from "ajv";
import { parse } from "yaml";
import { OTLP_INDEX_LABELS } from "../../components/logs/loki-chart";
import { ZONE_ATTRIBUTE } from "../../components/mesh/control-plane-telemetry";
import { sha256 } from "../../components/kernel/checksum";
import { buildCollectorChartValues, COLLECTOR_CONFIG_KEY, CollectorChartSettings, OTEL_COLLECTOR_CHART } from "../../components/telemetry/collector-chart";
import {
    buildZoneCollectorConfig,
    COLLECTOR_HEALTH_PORT,
    COLLECTOR_OTLP_GRPC_PORT,
    COLLECTOR_OTLP_HTTP_PORT,
    DATADOG_CONNECTOR,
    DATADOG_EXPORTER,
    JAEGER_EXPORTER,
    JAEGER_HTTP_EXPORTER,
    LOKI_EXPORTER,
    MEMORY_LIMITER,
    renderZoneCollectorConfig,
    ZONE_RESOURCE_ATTRIBUTES,
    ZoneCollectorSettings,
} from "../../components/telemetry/collector-config";
import { DATADOG_API_KEY_ENV, ZoneCollector } from "../../components/telemetry/zone-collector";
import { WORKLOAD_ANNOTATION } from "../../components/kernel/workload-files";
import { RecordedRun, underMocks } from "../../infra/plan/mock-runtime";
import { containsSecret } from "../../infra/plan/secret-values";
import { registeredRevealed } from "../support/registrations";
import { upstreamJson, upstreamPath, upstreamYaml } from "../support/upstream";
import { unknownValuePaths } from "../support/values-keys";

const CHART_DIR = `opentelemetry-collector-chart-${OTEL_COLLECTOR_CHART.version}`;

const JAEGER = { type: "otlp", endpoint: "global-jaeger.obs.svc.cluster.local:4317", insecure: true } as const;
const DATADOG = { type: "datadog", site: "datadoghq.eu", apiKeyEnv: "DD_API_KEY" } as const;
const LOKI = { type: "loki-otlp", endpoint: "http://global-loki-gateway.obs.svc.cluster.local/otlp", tenant: "mesh-prod" } as const;

const settings = (over: Partial<ZoneCollectorSettings> = {}): ZoneCollectorSettings => ({ zone: "east", traces: JAEGER, logs: LOKI, ...over });
const config = (over: Partial<ZoneCollectorSettings> = {}): any => buildZoneCollectorConfig(settings(over));

/** Helm's merge of user values over the chart defaults (maps merge, everything else replaces): what the schema sees. */
function helmMerge(defaults: unknown, ours: unknown): unknown {
    const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
    if (!isMap(defaults) || !isMap(ours)) return ours;
    const out: Record<string, unknown> = { ...defaults };
    for (const [k, v] of Object.entries(ours)) out[k] = k in defaults ? helmMerge(defaults[k], v) : v;
    return out;
}

describe("zone collector config", () => {
    it("receives OTLP gRPC on 4317 and HTTP on 4318 on every interface (the receiver defaults to localhost)", () => {
        assert.equal(COLLECTOR_OTLP_GRPC_PORT, 4317);
        assert.equal(COLLECTOR_OTLP_HTTP_PORT, 4318);
        assert.deepEqual(config().receivers, { otlp: { protocols: { grpc: { endpoint: "0.0.0.0:4317" }, http: { endpoint: "0.0.0.0:4318" } } } });
    });

    it("upserts the zone as kuma.zone (kuma-cp's key) and zone (Loki's index label)", () => {
        const cfg = config({ zone: "eu-west-1" });
        assert.deepEqual(cfg.processors.resource.attributes, [
            { key: "kuma.zone", value: "eu-west-1", action: "upsert" },
            { key: "zone", value: "eu-west-1", action: "upsert" },
        ]);
        assert.ok(ZONE_RESOURCE_ATTRIBUTES.includes(ZONE_ATTRIBUTE as never), "the key kuma-cp's spans carry");
        assert.ok(ZONE_RESOURCE_ATTRIBUTES.some((k) => (OTLP_INDEX_LABELS as readonly string[]).includes(k)), "a key the global Loki indexes");
    });

    it("refuses bad zone names", () => {
        assert.throws(() => config({ zone: "East_1" }), /not a zone name/);
    });

    it("runs memory_limiter first, then resource, then batching, in every pipeline", () => {
        for (const traces of [JAEGER, DATADOG]) {
            const cfg = config({ traces });
            for (const [name, p] of Object.entries<any>(cfg.service.pipelines)) {
                if (p.receivers.includes("otlp")) assert.deepEqual(p.processors.slice(0, 2), ["memory_limiter", "resource"], name);
                assert.match(p.processors[p.processors.length - 1], /^batch/, name);
            }
        }
        assert.deepEqual(config().processors.memory_limiter, MEMORY_LIMITER);
    });

    it("uses the chart's own memory_limiter defaults (percentages of the memory limit)", () => {
        assert.deepEqual(MEMORY_LIMITER, upstreamYaml(CHART_DIR, "values.yaml").config.processors.memory_limiter);
    });

    it("exports spans to Jaeger over OTLP/gRPC host:port with TLS as asked", () => {
        const cfg = config();
        assert.deepEqual(cfg.exporters[JAEGER_EXPORTER], { endpoint: "global-jaeger.obs.svc.cluster.local:4317", tls: { insecure: true } });
        assert.deepEqual(cfg.service.pipelines.traces.exporters, [JAEGER_EXPORTER]);
        assert.match(JAEGER_EXPORTER, /^otlp_grpc\//, "the post-0.144 name, not the deprecated otlp alias");
        // GlobalJaeger exports http://host:4317; the scheme is accepted when it agrees with insecure.
        const tls = config({ traces: { type: "otlp", endpoint: "https://jaeger.example.com:4317", insecure: false } });
        assert.deepEqual(tls.exporters[JAEGER_EXPORTER], { endpoint: "jaeger.example.com:4317", tls: { insecure: false } });
        assert.equal(config({ traces: { ...JAEGER, endpoint: "http://global-jaeger.obs:4317" } }).exporters[JAEGER_EXPORTER].endpoint, "global-jaeger.obs:4317");
    });

    it("exports spans over OTLP/HTTP to a Jaeger behind an Ingress, giving the base URL the exporter appends /v1/traces to", () => {
        const cfg = config({ traces: { type: "otlp-http", endpoint: "https://otlp-global.mesh.example.com" } });
        assert.deepEqual(cfg.exporters[JAEGER_HTTP_EXPORTER], { endpoint: "https://otlp-global.mesh.example.com" });
        assert.equal(cfg.exporters[JAEGER_EXPORTER], undefined);
        assert.deepEqual(cfg.service.pipelines.traces.exporters, [JAEGER_HTTP_EXPORTER]);
        assert.throws(() => config({ traces: { type: "otlp-http", endpoint: "https://otlp.example.com/v1/traces" } }), /ends in \/v1\/traces; give the OTLP base URL/);
        assert.throws(() => config({ traces: { type: "otlp-http", endpoint: "otlp.example.com:4318" } }), /traces\.endpoint .* is not a URL|allowed schemes are http and https/);
    });

    it("refuses Jaeger endpoints without a port, with a path, or whose scheme contradicts insecure", () => {
        assert.throws(() => config({ traces: { ...JAEGER, endpoint: "jaeger.obs" } }), /not host:port/);
        assert.throws(() => config({ traces: { ...JAEGER, endpoint: "http://jaeger.obs:4317/v1/traces" } }), /not host:port/);
        assert.throws(() => config({ traces: { ...JAEGER, endpoint: "https://jaeger.obs:4317", insecure: true } }), /https:\/\/ is TLS/);
        assert.throws(() => config({ traces: { ...JAEGER, endpoint: "http://jaeger.obs:4317", insecure: false } }), /http:\/\/ is plain text/);
    });

    it("exports spans to Datadog with the key from the environment, and APM stats through the connector", () => {
        const cfg = config({ traces: DATADOG });
        assert.deepEqual(cfg.exporters[DATADOG_EXPORTER], { api: { key: "${env:DD_API_KEY}", site: "datadoghq.eu" } });
        assert.deepEqual(cfg.connectors, { [DATADOG_CONNECTOR]: {} });
        assert.deepEqual(cfg.service.pipelines.traces.exporters, [DATADOG_CONNECTOR, DATADOG_EXPORTER]);
        assert.deepEqual(cfg.service.pipelines["metrics/datadog-apm-stats"], { receivers: [DATADOG_CONNECTOR], processors: ["batch/datadog"], exporters: [DATADOG_EXPORTER] });
        assert.deepEqual(cfg.processors["batch/datadog"], { timeout: "10s" });
        assert.equal(cfg.exporters[JAEGER_EXPORTER], undefined);
        assert.throws(() => config({ traces: { ...DATADOG, site: "datadoghq.org" } }), /not a Datadog site/);
        assert.throws(() => config({ traces: { ...DATADOG, apiKeyEnv: "dd-key" } }), /not an environment variable name/);
    });

    it("exports logs to Loki's OTLP endpoint with the tenant in X-Scope-OrgID", () => {
        const cfg = config();
        assert.deepEqual(cfg.exporters[LOKI_EXPORTER], { endpoint: LOKI.endpoint, headers: { "X-Scope-OrgID": "mesh-prod" } });
        assert.deepEqual(cfg.service.pipelines.logs, { receivers: ["otlp"], processors: ["memory_limiter", "resource", "batch"], exporters: [LOKI_EXPORTER] });
        assert.match(LOKI_EXPORTER, /^otlp_http\//);
        assert.throws(() => config({ logs: { ...LOKI, endpoint: "http://loki/otlp/v1/logs" } }), /ends in \/v1\/logs/);
        assert.throws(() => config({ logs: { ...LOKI, endpoint: "loki:3100" } }), /allowed schemes|not a URL/);
        assert.throws(() => config({ logs: { ...LOKI, tenant: "a|b" } }), /not a tenant ID/);
    });

    it("wires a pipeline only for each configured signal, and declares only what the pipelines use", () => {
        const tracesOnly = config({ logs: { type: "none" } });
        assert.deepEqual(Object.keys(tracesOnly.service.pipelines), ["traces"]);
        assert.deepEqual(Object.keys(tracesOnly.exporters), [JAEGER_EXPORTER]);
        assert.deepEqual(Object.keys(tracesOnly.processors), ["memory_limiter", "resource", "batch"]);
        assert.equal(tracesOnly.connectors, undefined);

        const logsOnly = config({ traces: { type: "none" } });
        assert.deepEqual(Object.keys(logsOnly.service.pipelines), ["logs"]);
        assert.deepEqual(Object.keys(logsOnly.exporters), [LOKI_EXPORTER]);

        const datadogOnly = config({ traces: DATADOG, logs: { type: "none" } });
        assert.deepEqual(Object.keys(datadogOnly.processors), ["memory_limiter", "resource", "batch/datadog"]);

        assert.throws(() => config({ traces: { type: "none" }, logs: { type: "none" } }), /neither traces nor logs/);
        // Every component a pipeline names is declared.
        for (const cfg of [config(), config({ traces: DATADOG }), tracesOnly, logsOnly]) {
            for (const p of Object.values<any>(cfg.service.pipelines)) {
                for (const r of p.receivers) assert.ok(r in cfg.receivers || r in (cfg.connectors ?? {}), r);
                for (const x of p.processors) assert.ok(x in cfg.processors, x);
                for (const e of p.exporters) assert.ok(e in cfg.exporters || e in (cfg.connectors ?? {}), e);
            }
        }
    });

    it("serves health where the chart's probes look, and its metrics on 8888", () => {
        const cfg = config();
        assert.deepEqual(cfg.extensions.health_check, { endpoint: `0.0.0.0:${COLLECTOR_HEALTH_PORT}` });
        assert.deepEqual(cfg.service.extensions, ["health_check"]);
        const upstream = upstreamYaml(CHART_DIR, "values.yaml");
        for (const probe of ["livenessProbe", "readinessProbe"]) assert.deepEqual(upstream[probe].httpGet, { port: COLLECTOR_HEALTH_PORT, path: "/" }, probe);
        assert.equal(cfg.service.telemetry.metrics.readers[0].pull.exporter.prometheus.port, upstream.ports.metrics.containerPort);
    });

    it("renders YAML that parses back to the built config", () => {
        const text = renderZoneCollectorConfig(settings({ traces: DATADOG }));
        assert.match(text, /^# Generated by mesh-observability/);
        assert.deepEqual(parse(text), buildZoneCollectorConfig(settings({ traces: DATADOG })));
        assert.match(text, /key: \$\{env:DD_API_KEY\}/);
    });
});

describe(`opentelemetry-collector chart ${OTEL_COLLECTOR_CHART.version} values`, () => {
    const upstream = upstreamYaml(CHART_DIR, "values.yaml");
    const schema = upstreamJson(CHART_DIR, "values.schema.json");
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    /** Keys upstream documents only as commented-out examples in values.yaml. */
    const COMMENTED = ["service.enabled"];
    const base: CollectorChartSettings = { fullname: "zone-collector", configMapName: "zone-collector-config", configChecksum: "0".repeat(64) };
    const variants: Array<[string, CollectorChartSettings]> = [
        ["Jaeger/Loki", base],
        ["Datadog (API key from a Secret)", { ...base, apiKeySecret: { name: "zone-collector-datadog-api-key", key: "api-key", env: "DD_API_KEY" } }],
    ];

    it("pins the chart whose appVersion is the image tag", () => {
        const chart = upstreamYaml(CHART_DIR, "Chart.yaml");
        assert.equal(chart.version, OTEL_COLLECTOR_CHART.version);
        assert.equal(chart.appVersion, OTEL_COLLECTOR_CHART.appVersion);
        const v: any = buildCollectorChartValues(base);
        assert.deepEqual(v.image, { repository: "otel/opentelemetry-collector-contrib", tag: chart.appVersion });
        assert.equal(upstream.image.repository, "", "upstream sets no repository: the chart fails without ours");
    });

    for (const [what, s] of variants) {
        it(`${what}: every key path exists in upstream values.yaml (or is a documented commented key)`, () => {
            const unknown = unknownValuePaths(buildCollectorChartValues(s), upstream, COMMENTED);
            assert.deepEqual(unknown, []);
        });

        it(`${what}: merged over the chart defaults, validates against upstream values.schema.json`, () => {
            const merged = helmMerge(upstream, buildCollectorChartValues(s));
            assert.ok(validate(merged), JSON.stringify(validate.errors, null, 1));
        });
    }

    it("the checks can fail: a misspelt key is reported and rejected by the schema (additionalProperties false)", () => {
        const v: any = buildCollectorChartValues(base);
        v.replicas = 2;
        assert.deepEqual(unknownValuePaths(v, upstream, COMMENTED), ["replicas"]);
        assert.equal(validate(helmMerge(upstream, v)), false);
        assert.equal(schema.additionalProperties, false);
    });

    it("keys accepted as commented-out upstream really are documented that way", () => {
        const text = fs.readFileSync(upstreamPath(CHART_DIR, "values.yaml"), "utf8");
        assert.match(text, /^service:\n(?:.*\n)*?\s*#\s*enabled: true/m);
    });

    it("runs our ConfigMap instead of one the chart renders, with the contrib binary", () => {
        const v: any = buildCollectorChartValues(base);
        assert.deepEqual(v.configMap, { create: false, existingName: "zone-collector-config" });
        assert.equal(COLLECTOR_CONFIG_KEY, "relay");
        assert.match(fs.readFileSync(upstreamPath(CHART_DIR, "values.yaml"), "utf8"), /configuration via a key named 'relay'/);
        assert.deepEqual(v.command, { name: "otelcol-contrib" });
        assert.equal(v.config, undefined, "no chart-rendered config");
        assert.deepEqual(v.podAnnotations, { "meshobs.io/config-sha256": "0".repeat(64) });
    });

    it("a Deployment with the OTLP ports on a ClusterIP Service and the default Jaeger/Zipkin ports off", () => {
        const v: any = buildCollectorChartValues(base);
        assert.equal(v.mode, "deployment");
        assert.equal(v.replicaCount, 1);
        assert.equal(v.fullnameOverride, "zone-collector");
        assert.deepEqual(v.ports.otlp, { enabled: true, containerPort: 4317, servicePort: 4317, protocol: "TCP", appProtocol: "grpc" });
        assert.deepEqual(v.ports["otlp-http"], { enabled: true, containerPort: 4318, servicePort: 4318, protocol: "TCP" });
        const defaultOn = Object.entries<any>(upstream.ports).filter(([, p]) => p.enabled).map(([k]) => k);
        for (const p of defaultOn.filter((k) => k !== "otlp" && k !== "otlp-http")) assert.deepEqual(v.ports[p], { enabled: false }, p);
        assert.deepEqual(v.service, { enabled: true, type: "ClusterIP" });
    });

    it("runs restricted, with a memory limit for memory_limiter and GOMEMLIMIT, and no API token", () => {
        const v: any = buildCollectorChartValues(base);
        assert.equal(v.podSecurityContext.runAsNonRoot, true);
        assert.equal(v.podSecurityContext.runAsUser, 10001);
        assert.deepEqual(v.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
        assert.match(v.resources.limits.memory, /^[0-9]+Mi$/);
        assert.equal(upstream.useGOMEMLIMIT, true);
        assert.deepEqual(v.serviceAccount, { create: true, automountServiceAccountToken: false });
    });

    it("passes the Datadog key as an env var from the Secret, only when asked", () => {
        const v: any = buildCollectorChartValues(variants[1][1]);
        assert.deepEqual(v.extraEnvs, [{ name: "DD_API_KEY", valueFrom: { secretKeyRef: { name: "zone-collector-datadog-api-key", key: "api-key" } } }]);
        assert.equal((buildCollectorChartValues(base) as any).extraEnvs, undefined);
    });
});

describe("ZoneCollector under Pulumi mocks", () => {

    describe("Jaeger and Loki endpoints from the global stack (outputs)", () => {
        let run: RecordedRun;
        before(async () => {
            run = await underMocks({ stack: "test-zone-east" }, () => {
                const c = new ZoneCollector("zone-collector", {
                    namespace: "mesh-observability-east",
                    zone: "east",
                    traces: { type: "otlp", endpoint: pulumi.output("http://global-jaeger.obs.svc.cluster.local:4317"), insecure: true },
                    logs: { type: "loki-otlp", endpoint: pulumi.output(LOKI.endpoint), tenant: pulumi.output("mesh-prod") },
                });
                return { grpc: c.otlpGrpcEndpoint, http: c.otlpHttpEndpoint, config: c.configText };
            });
        });

        it("registers the component and its ConfigMap and chart, named after it", () => {
            assert.deepEqual(registeredRevealed(run, "meshobs:telemetry:ZoneCollector").map((r) => r.name), ["zone-collector"]);
            assert.deepEqual(registeredRevealed(run, "kubernetes:core/v1:ConfigMap").map((r) => r.name), ["zone-collector-config"]);
            assert.deepEqual(registeredRevealed(run, "kubernetes:helm.sh/v4:Chart").map((r) => r.name), ["zone-collector-chart"]);
            assert.equal(registeredRevealed(run, "kubernetes:core/v1:Secret").length, 0, "no Datadog key, no Secret");
        });

        it("mounts the rendered config byte for byte from a ConfigMap the plan lists for otel-collector", () => {
            const [cm] = registeredRevealed(run, "kubernetes:core/v1:ConfigMap");
            assert.equal(cm.revealed.metadata.annotations[WORKLOAD_ANNOTATION], "otel-collector");
            assert.equal(cm.revealed.data[COLLECTOR_CONFIG_KEY], run.outputs.config.value);
            const traces = { type: "otlp", endpoint: "http://global-jaeger.obs.svc.cluster.local:4317", insecure: true } as const;
            assert.equal(run.outputs.config.value, renderZoneCollectorConfig({ zone: "east", traces, logs: LOKI }));
            const [chart] = registeredRevealed(run, "kubernetes:helm.sh/v4:Chart");
            assert.equal(chart.revealed.values.configMap.existingName, cm.revealed.metadata.name, "the chart mounts this very ConfigMap");
            assert.equal(chart.revealed.values.podAnnotations["meshobs.io/config-sha256"], sha256(run.outputs.config.value as string));
        });

        it("installs the pinned chart from its repository into the namespace", () => {
            const [chart] = registeredRevealed(run, "kubernetes:helm.sh/v4:Chart");
            assert.equal(chart.revealed.chart, "opentelemetry-collector");
            assert.equal(chart.revealed.version, OTEL_COLLECTOR_CHART.version);
            assert.equal(chart.revealed.repositoryOpts.repo, "https://open-telemetry.github.io/opentelemetry-helm-charts");
            assert.equal(chart.revealed.namespace, "mesh-observability-east");
            assert.equal(chart.revealed.values.replicaCount, 1);
            assert.equal(chart.revealed.values.fullnameOverride, "zone-collector");
        });

        it("exports the Service's OTLP endpoints", () => {
            assert.equal(run.outputs.grpc.value, "zone-collector.mesh-observability-east.svc.cluster.local:4317");
            assert.equal(run.outputs.http.value, "http://zone-collector.mesh-observability-east.svc.cluster.local:4318");
        });
    });

    it("with Datadog: the key goes into a secret Secret read as DD_API_KEY, never into the config", async () => {
        const run = await underMocks({ stack: "test-zone-east" }, () => {
            const c = new ZoneCollector("zc", {
                namespace: "obs",
                zone: "east",
                traces: { type: "datadog", site: "datadoghq.com", apiKey: "dd-key-123" },
                logs: { type: "none" },
            });
            return { config: c.configText };
        });
        const [secret] = registeredRevealed(run, "kubernetes:core/v1:Secret");
        assert.equal(secret.name, "zc-datadog-api-key");
        assert.ok(containsSecret(secret.inputs.stringData), "the key is a Pulumi secret");
        assert.equal(secret.revealed.stringData["api-key"], "dd-key-123");
        const [chart] = registeredRevealed(run, "kubernetes:helm.sh/v4:Chart");
        assert.deepEqual(chart.revealed.values.extraEnvs, [{ name: DATADOG_API_KEY_ENV, valueFrom: { secretKeyRef: { name: "zc-datadog-api-key", key: "api-key" } } }]);
        assert.ok(!(run.outputs.config.value as string).includes("dd-key-123"));
        assert.match(run.outputs.config.value as string, /key: \$\{env:DD_API_KEY\}/);
    });

    it("refuses a bad zone, an unknown Datadog site and no backend at all before registering anything", async () => {
        const run = await underMocks({ stack: "test-zone-east" }, () => {
            assert.throws(() => new ZoneCollector("a", { namespace: "obs", zone: "East", traces: JAEGER, logs: { type: "none" } }), /not a zone name/);
            assert.throws(
                () => new ZoneCollector("b", { namespace: "obs", zone: "east", traces: { type: "datadog", site: "datadog.com", apiKey: "k" }, logs: { type: "none" } }),
                /not a Datadog site/,
            );
            assert.throws(() => new ZoneCollector("c", { namespace: "obs", zone: "east", traces: { type: "none" }, logs: { type: "none" } }), /neither traces nor logs/);
            return {};
        });
        assert.equal(run.resources.length, 0);
    });
});
