import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { compareSync } from "bcryptjs";
import { parse } from "yaml";
import { KUMA_CHART } from "../../components/mesh/control-plane-chart";
import { evaluateEnvironment, EnvironmentEvaluation } from "../../infra/plan/evaluate-environment";
import { PROJECT, StackEvaluation } from "../../infra/plan/evaluate-stack";
import { kumaPolicyFile, renderStack } from "../../infra/plan/render";
import { containsSecret } from "../../infra/plan/secret-values";
import { securePlaceholder } from "../../infra/plan/stack-files";
import { renderTopology } from "../../infra/plan/topology";
import { loadKumaCrds } from "../support/kuma-crds";
import { testStack } from "../support/stack-file";
import { file, one, output, resourcesOf, revealed, yamlFile } from "../support/plan-access";

const SECRET = "kubernetes:core/v1:Secret";
const CHART = "kubernetes:helm.sh/v4:Chart";
const KUMA = "kubernetes:kuma.io/v1alpha1:";

const stack = testStack;

const zoneStack = (env: string, zone: string, extra: Record<string, unknown> = {}) =>
    stack(`${env}-zone-${zone}`, { namespace: `obs-${zone}`, mesh: { version: KUMA_CHART.version }, ...extra });

const globalOf = (e: EnvironmentEvaluation) => e.stacks.find((s) => s.stack === `${e.env}-global`)!;
const zonesOf = (e: EnvironmentEvaluation) => e.stacks.filter((s) => s.stack.includes("-zone-"));
const kuma = (z: StackEvaluation, kind: string) => resourcesOf(z, `${KUMA}${kind}`).map(revealed);
const env = (z: StackEvaluation) => output(z, "controlPlaneOtelEnv") as Record<string, string>;

describe("traces, logs and mesh policies wired across stacks", function () {
    this.timeout(120_000);
    const evaluated = new Map<string, EnvironmentEvaluation>();
    before(async () => {
        for (const e of ["local", "prod"]) evaluated.set(e, await evaluateEnvironment(e));
    });
    const crds = loadKumaCrds(KUMA_CHART.version);

    for (const name of ["local", "prod"]) {
        describe(`${name}: Jaeger and Loki`, () => {
            const e = () => evaluated.get(name)!;

            it("global exports the backends and every endpoint zones read; credentials only as secrets", () => {
                const g = globalOf(e());
                assert.equal(output(g, "tracesBackend"), "jaeger");
                assert.equal(output(g, "logsBackend"), "loki");
                for (const key of ["otlpTracesEndpoint", "lokiPushUrl", "lokiOtlpUrl", "lokiTenant", "grafanaUrl"]) {
                    assert.notEqual(output(g, key), "", key);
                    assert.equal(g.outputs[key].secret, false, key);
                }
                for (const key of ["grafanaAdminPassword", "datadogApiKey", ...(output(g, "zones") as string[]).map((zone) => `remoteWriteCredential-${zone}`)]) assert.equal(g.outputs[key].secret, true, key);
                assert.match(String(output(g, "lokiPushUrl")), /\/loki\/api\/v1\/push$/);
                assert.match(String(output(g, "lokiOtlpUrl")), /\/otlp$/);
            });

            it("each zone's collector stamps its zone and exports spans to the global's Jaeger endpoint with the matching protocol", () => {
                const g = globalOf(e());
                for (const z of zonesOf(e())) {
                    const cfg = yamlFile(z, "otel-collector", "relay");
                    const attrs = cfg.processors.resource.attributes;
                    assert.deepEqual(
                        attrs.filter((a: any) => a.key === "zone" || a.key === "kuma.zone"),
                        [
                            { key: "kuma.zone", value: output(z, "zone"), action: "upsert" },
                            { key: "zone", value: output(z, "zone"), action: "upsert" },
                        ],
                    );
                    const endpoint = String(output(g, "otlpTracesEndpoint"));
                    if (output(g, "otlpTracesProtocol") === "grpc") {
                        const url = new URL(endpoint);
                        assert.deepEqual(cfg.exporters["otlp_grpc/jaeger"], { endpoint: url.host, tls: { insecure: url.protocol === "http:" } });
                    } else {
                        assert.deepEqual(cfg.exporters["otlp_http/jaeger"], { endpoint });
                    }
                    assert.equal(output(z, "tracesExportEndpoint"), endpoint);
                }
            });

            it("access logs reach Loki's OTLP endpoint as the global's tenant; Alloy pushes container logs with the zone label", () => {
                const g = globalOf(e());
                for (const z of zonesOf(e())) {
                    const cfg = yamlFile(z, "otel-collector", "relay");
                    assert.deepEqual(cfg.exporters["otlp_http/loki"], { endpoint: output(g, "lokiOtlpUrl"), headers: { "X-Scope-OrgID": output(g, "lokiTenant") } });
                    assert.equal(output(z, "accessLogsBackend"), "opentelemetry");
                    assert.equal(output(z, "logShipper"), "alloy");
                    assert.equal(output(z, "logsPushUrl"), output(g, "lokiPushUrl"));
                    const alloy = file(z, "alloy", "config.alloy");
                    assert.ok(alloy.includes(`url       = ${JSON.stringify(output(g, "lokiPushUrl"))}`), alloy);
                    assert.ok(alloy.includes(`tenant_id = ${JSON.stringify(output(g, "lokiTenant"))}`));
                    assert.ok(alloy.includes(`zone = ${JSON.stringify(output(z, "zone"))}`));
                }
            });

            it("the control plane's environment sends its spans to the zone collector, tagged with the zone", () => {
                for (const z of zonesOf(e())) {
                    const vars = env(z);
                    assert.equal(vars.KUMA_TRACING_OPENTELEMETRY_ENABLED, "true");
                    assert.equal(vars.OTEL_EXPORTER_OTLP_ENDPOINT, `http://${output(z, "collectorOtlpEndpoint")}`);
                    assert.equal(vars.OTEL_EXPORTER_OTLP_INSECURE, "true");
                    assert.equal(vars.OTEL_RESOURCE_ATTRIBUTES, `kuma.zone=${output(z, "zone")}`);
                    // The snippet is the same block, under kuma: for the kong-mesh chart.
                    const snippet = parse(String(output(z, "controlPlaneValuesSnippet")));
                    assert.deepEqual(name === "prod" ? snippet.kuma.controlPlane.envVars : snippet.controlPlane.envVars, vars);
                }
            });

            it("the global control plane's own spans go to Jaeger in the global cluster, as zone global", () => {
                const g = globalOf(e());
                const vars = output(g, "globalControlPlaneOtelEnv") as Record<string, string>;
                assert.equal(vars.OTEL_EXPORTER_OTLP_ENDPOINT, "http://global-jaeger.mesh-observability.svc.cluster.local:4317");
                assert.equal(vars.OTEL_RESOURCE_ATTRIBUTES, "kuma.zone=global");
                assert.equal(vars.KUMA_TRACING_OPENTELEMETRY_ENABLED, "true");
            });

            it("mesh policies point at the zone collector, carry mesh and origin labels, and the plan writes them as applied", () => {
                for (const z of zonesOf(e())) {
                    const [host, port] = String(output(z, "collectorOtlpEndpoint")).split(":");
                    const metric = kuma(z, "MeshMetric");
                    assert.equal(metric.length, 1);
                    assert.equal(metric[0].spec.default.backends[0].prometheus.tls.mode, "Disabled");
                    assert.equal(metric[0].spec.default.backends[0].prometheus.port, 5670);
                    for (const kind of ["MeshMetric", "MeshTrace", "MeshAccessLog"]) {
                        for (const r of kuma(z, kind)) assert.deepEqual([r.metadata.labels["kuma.io/mesh"], r.metadata.labels["kuma.io/origin"]], ["default", "zone"], kind);
                    }
                    const backends = kuma(z, "MeshOpenTelemetryBackend");
                    if (backends.length > 0) {
                        // 2.14+: the endpoint lives in the MeshOpenTelemetryBackend both MeshTrace and MeshAccessLog reference.
                        for (const b of backends) assert.deepEqual(b.spec.endpoint, { address: host, port: Number(port) });
                    } else {
                        assert.equal(kuma(z, "MeshTrace")[0].spec.default.backends[0].openTelemetry.endpoint, `${host}:${port}`);
                    }
                    // The plan's file and the stack output hold the same documents as the applied resources.
                    const applied = z.resources.filter((r) => r.type.startsWith(KUMA)).map((r) => revealed(r));
                    const key = (d: any) => `${d.kind}/${d.metadata.name}`;
                    const docs = (text: string) => text.split("---\n").map((d) => parse(d));
                    assert.deepEqual(docs(kumaPolicyFile(z.resources)!.content).map(key).sort(), applied.map(key).sort());
                    assert.deepEqual(docs(String(output(z, "meshPoliciesYaml"))).map(key).sort(), applied.map(key).sort());
                }
            });

            it("Grafana queries the global Prometheus as its own read user, whose password the receiver admits", () => {
                const g = globalOf(e());
                const ds = yamlFile(g, "grafana", "datasources.yaml").datasources;
                const prom = ds.find((d: any) => d.uid === "prometheus");
                assert.equal(prom.url, output(g, "prometheusQueryUrl"));
                assert.equal(prom.basicAuthUser, "grafana");
                assert.equal(prom.secureJsonData.basicAuthPassword, "${MESHOBS_PROMETHEUS_PASSWORD}");
                const credentials = one(g, SECRET, "global-grafana-datasource-credentials");
                assert.ok(containsSecret(credentials.inputs.stringData));
                const password = revealed(credentials).stringData.MESHOBS_PROMETHEUS_PASSWORD;
                const hash = yamlFile(g, "prometheus", "web-config.yml").basic_auth_users.grafana;
                assert.ok(compareSync(password, hash), "the grafana user's password matches the receiver's bcrypt hash");
                const lokiDs = ds.find((d: any) => d.uid === "loki");
                assert.equal(lokiDs.secureJsonData.httpHeaderValue1, output(g, "lokiTenant"));
                assert.equal(ds.find((d: any) => d.uid === "jaeger").jsonData.tracesToLogsV2.datasourceUid, "loki");
                assert.ok(lokiDs.jsonData.derivedFields.every((f: any) => f.datasourceUid === "jaeger"));
            });

            it("topology shows the trace and log flows to the central backends", () => {
                const md = renderTopology(e());
                for (const z of zonesOf(e())) {
                    const id = z.stack.replace(/[^A-Za-z0-9]/g, "_");
                    assert.match(md, new RegExp(`${id}_collector -\\. "traces [^"]+" \\.-> ${name}_global_jaeger`));
                    assert.match(md, new RegExp(`${id}_logs -\\. "push [^"]+" \\.-> ${name}_global_loki`));
                }
            });
        });
    }

    it("every policy of every shipped zone validates against the kuma.io CRDs", () => {
        for (const e of evaluated.values()) {
            for (const z of zonesOf(e)) {
                for (const r of z.resources.filter((x) => x.type.startsWith(KUMA))) {
                    const doc = revealed(r);
                    const crd = crds.get(doc.kind)!;
                    assert.ok(crd.validate({ apiVersion: doc.apiVersion, kind: doc.kind, metadata: doc.metadata, spec: doc.spec }), `${z.stack} ${r.name}: ${JSON.stringify(crd.validate.errors)}`);
                }
            }
        }
    });

    it("prod: Jaeger behind the TLS Ingress is reached over OTLP/HTTP; Loki runs 3 replicas on S3", () => {
        const g = globalOf(evaluated.get("prod")!);
        assert.equal(output(g, "otlpTracesProtocol"), "http");
        assert.equal(output(g, "otlpTracesEndpoint"), "https://otlp-global.mesh.example.com");
        const loki = revealed(one(g, CHART, "global-loki-chart")).values;
        assert.equal(loki.singleBinary.replicas, 3);
        assert.equal(loki.loki.commonConfig.replication_factor, 3);
        assert.equal(loki.loki.storage.type, "s3");
        assert.equal(loki.loki.auth_enabled, true);
    });
});

describe("Datadog and mixed backends across stacks", function () {
    this.timeout(120_000);
    const DD_GLOBAL = {
        zones: ["a", "b"],
        traces: { backend: "datadog" },
        logs: { backend: "datadog" },
        datadog: { site: "datadoghq.eu", notify: "@slack-mesh", noDataMinutes: 15 },
    };
    let dd: EnvironmentEvaluation;
    before(async () => {
        dd = await evaluateEnvironment("dd", {
            files: [stack("dd-global", DD_GLOBAL, ["datadogApiKey", "datadogAppKey"]), zoneStack("dd", "a"), zoneStack("dd", "b", { clusterName: "eks-b" })],
        });
    });
    const apiKey = securePlaceholder(`${PROJECT}:datadogApiKey`);

    it("the plan output (without --show-secrets) holds neither Datadog key anywhere", () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "plan-dd-"));
        try {
            const written = dd.stacks.flatMap((s) => renderStack(s, { outDir: out, showSecrets: false }));
            assert.ok(written.some((f) => f.endsWith("otel-collector/relay")));
            for (const f of written) {
                const text = fs.readFileSync(f, "utf8");
                for (const key of ["datadogApiKey", "datadogAppKey"]) assert.ok(!text.includes(securePlaceholder(`${PROJECT}:${key}`)), `${key} in ${f}`);
            }
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
        }
    });

    it("global creates the Datadog dashboard and monitors through a provider whose keys are secrets", () => {
        const g = globalOf(dd);
        const provider = resourcesOf(g, "pulumi:providers:datadog");
        assert.equal(provider.length, 1);
        assert.ok(containsSecret(provider[0].inputs.apiKey) && containsSecret(provider[0].inputs.appKey));
        assert.equal(revealed(provider[0]).apiUrl, "https://api.datadoghq.eu/");
        assert.equal(resourcesOf(g, "datadog:index/dashboardJson:DashboardJson").length, 1);
        const monitors = resourcesOf(g, "datadog:index/monitor:Monitor").map(revealed);
        assert.ok(monitors.length >= 3);
        assert.ok(monitors.every((m) => m.message.includes("@slack-mesh")));
        assert.equal(output(g, "datadogSite"), "datadoghq.eu");
        assert.equal(g.outputs.datadogApiKey.secret, true);
        assert.equal(output(g, "datadogApiKey"), apiKey);
        assert.equal(resourcesOf(g, "meshobs:traces:GlobalJaeger").length + resourcesOf(g, "meshobs:logs:GlobalLoki").length, 0);
    });

    it("the global control plane's spans reach Datadog through a collector in the global cluster", () => {
        const g = globalOf(dd);
        const cfg = yamlFile(g, "otel-collector", "relay");
        assert.deepEqual(cfg.exporters.datadog.api, { key: "${env:DD_API_KEY}", site: "datadoghq.eu" });
        const vars = output(g, "globalControlPlaneOtelEnv") as Record<string, string>;
        assert.equal(vars.OTEL_EXPORTER_OTLP_ENDPOINT, "http://global-collector.mesh-observability.svc.cluster.local:4317");
        assert.equal(vars.OTEL_RESOURCE_ATTRIBUTES, "kuma.zone=global");
    });

    it("each zone runs the Datadog agent tagged with its zone and cluster, the API key from a secret Secret", () => {
        for (const z of zonesOf(dd)) {
            const zone = String(output(z, "zone"));
            const values = revealed(one(z, CHART, "datadog-agent-chart")).values;
            assert.ok(values.datadog.tags.includes(`zone:${zone}`), values.datadog.tags);
            assert.equal(values.datadog.clusterName, zone === "b" ? "eks-b" : "dd-a");
            assert.equal(values.datadog.site, "datadoghq.eu");
            assert.deepEqual(values.datadog.logs, { enabled: true, containerCollectAll: true });
            const secret = one(z, SECRET, "datadog-agent-api-key");
            assert.ok(containsSecret(secret.inputs.stringData));
            assert.equal(revealed(secret).stringData["api-key"], apiKey);
            assert.equal(output(z, "logShipper"), "datadog-agent");
            assert.equal(resourcesOf(z, "meshobs:logs:ZoneLogShipper").length, 0);
            for (const r of resourcesOf(z, "kubernetes:core/v1:ConfigMap")) assert.ok(!JSON.stringify(r.inputs).includes(apiKey), r.name);
        }
    });

    it("MeshTrace goes to the agent's trace-svc, MeshAccessLog to its TCP listener, kuma-cp's spans through the collector", () => {
        for (const z of zonesOf(dd)) {
            const ns = `obs-${output(z, "zone")}`;
            assert.deepEqual(kuma(z, "MeshTrace")[0].spec.default.backends, [{ type: "Datadog", datadog: { url: `http://trace-svc.${ns}.svc.cluster.local:8126` } }]);
            const tcp = kuma(z, "MeshAccessLog")[0].spec.to[0].default.backends[0];
            assert.equal(tcp.type, "Tcp");
            assert.equal(tcp.tcp.address, `datadog-agent-logs.${ns}.svc.cluster.local:10518`);
            assert.equal(output(z, "accessLogsBackend"), "tcp");
            const cfg = yamlFile(z, "otel-collector", "relay");
            assert.deepEqual(Object.keys(cfg.service.pipelines).sort(), ["metrics/datadog-apm-stats", "traces"]);
            assert.equal(env(z).OTEL_EXPORTER_OTLP_ENDPOINT, `http://zone-collector.${ns}.svc.cluster.local:4317`);
            assert.equal(output(z, "tracesExportEndpoint"), "datadog datadoghq.eu");
        }
    });

    it("Datadog traces with Loki logs: Alloy owns logs, the agent collects none, access logs go OTLP to Loki", async () => {
        const mixed = await evaluateEnvironment("mix", {
            files: [stack("mix-global", { ...DD_GLOBAL, zones: ["a"], logs: { backend: "loki" } }, ["datadogApiKey", "datadogAppKey"]), zoneStack("mix", "a")],
        });
        const [z] = zonesOf(mixed);
        const values = revealed(one(z, CHART, "datadog-agent-chart")).values;
        assert.deepEqual(values.datadog.logs, { enabled: false, containerCollectAll: false });
        assert.equal(resourcesOf(z, "kubernetes:core/v1:Service").filter((s) => s.name === "datadog-agent-logs").length, 0);
        assert.equal(output(z, "logShipper"), "alloy");
        assert.equal(output(z, "accessLogsBackend"), "opentelemetry");
        assert.equal(kuma(z, "MeshTrace")[0].spec.default.backends[0].type, "Datadog");
    });

    it("no trace or log backend: only metrics, no collector, no shipper, no MeshTrace/MeshAccessLog, empty control plane env", async () => {
        const none = await evaluateEnvironment("bare", { files: [stack("bare-global", { zones: ["a"], grafana: { enabled: false } }), zoneStack("bare", "a")] });
        const [z] = zonesOf(none);
        assert.equal(resourcesOf(z, "meshobs:telemetry:ZoneCollector").length, 0);
        assert.equal(resourcesOf(z, "meshobs:logs:ZoneLogShipper").length, 0);
        assert.deepEqual(
            z.resources.filter((r) => r.type.startsWith(KUMA)).map((r) => r.type),
            [`${KUMA}MeshMetric`],
        );
        assert.deepEqual(env(z), {});
        assert.equal(output(z, "controlPlaneValuesSnippet"), "");
        assert.equal(output(globalOf(none), "grafanaUrl"), "");
    });

    it("a zone that installs Kong Mesh gets the OTel env, zone, KDS address and licence in the chart values", async () => {
        const install = await evaluateEnvironment("inst", {
            files: [
                stack("inst-global", { zones: ["a"], traces: { backend: "jaeger" } }),
                stack(
                    "inst-zone-a",
                    { mesh: { product: "kong-mesh", version: "2.9.2", install: { enabled: true, kdsGlobalAddress: "grpcs://kds.example.com:5685", licenseSecret: "kong-mesh-license" } } },
                    ["kongMeshLicense"],
                ),
            ],
        });
        const [z] = zonesOf(install);
        const values = revealed(one(z, CHART, "control-plane-chart"));
        assert.equal(values.chart, "kong-mesh");
        assert.equal(values.version, "2.9.2");
        assert.equal(values.namespace, "kong-mesh-system");
        const cp = values.values.kuma.controlPlane;
        assert.deepEqual([cp.mode, cp.zone, cp.kdsGlobalAddress], ["zone", "a", "grpcs://kds.example.com:5685"]);
        assert.deepEqual(cp.envVars, env(z));
        assert.equal(cp.envVars.OTEL_EXPORTER_OTLP_ENDPOINT, "http://zone-collector.mesh-observability.svc.cluster.local:4317");
        assert.deepEqual(cp.secrets, [{ Env: "KMESH_LICENSE_INLINE", Secret: "kong-mesh-license", Key: "license.json" }]);
        // The release's namespace and the licence in it are this stack's, created first (Chart v4 skips the chart's namespace hook).
        assert.deepEqual(one(z, "kubernetes:core/v1:Namespace", "control-plane-namespace").inputs.metadata, { name: "kong-mesh-system", labels: { "kuma.io/sidecar-injection": "false" } });
        const licence = one(z, SECRET, "control-plane-license");
        assert.equal(revealed(licence).metadata.namespace, "kong-mesh-system");
        assert.ok(containsSecret(licence.inputs.stringData));
    });
});
