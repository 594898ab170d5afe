import { strict as assert } from "assert";
import { parseAllDocuments } from "yaml";
import { KUMA_CHART } from "../../components/mesh/control-plane-chart";
import { MESH_POLICIES_FILE, MeshPolicies } from "../../components/mesh/mesh-policies";
import {
    AccessLogSettings,
    buildMeshPolicies,
    KumaResource,
    MeshPolicySettings,
    PrometheusPlacement,
    prometheusPlacementRequirements,
    renderMeshPolicies,
    TraceSettings,
} from "../../components/mesh/policies";
import { usesOpenTelemetryBackendRef } from "../../components/mesh/kuma-facts";
import { underMocks } from "../../infra/plan/mock-runtime";
import { KumaCrd, loadKumaCrds } from "../support/kuma-crds";

const PLACEMENTS: PrometheusPlacement[] = ["inside-mesh", "outside-mesh", "outside-mesh-tls"];
const TRACES: TraceSettings[] = [
    { backend: "opentelemetry", endpoint: "otel-collector.mesh-observability:4317", samplingPercent: 10 },
    { backend: "datadog", url: "http://trace-svc.datadog:8126", samplingPercent: 2.5 },
    { backend: "none" },
];
const ACCESS_LOGS: AccessLogSettings[] = [
    { backend: "opentelemetry", endpoint: "otel-logs.mesh-observability:4317" },
    { backend: "tcp", address: "datadog-agent-logs.datadog.svc.cluster.local:10518" },
    { backend: "none" },
];
/** A release before MeshOpenTelemetryBackend (endpoint form) and one after (backendRef form). */
const VERSIONS = ["2.9.4", "2.14.3"];

const settings = (over: Partial<MeshPolicySettings> = {}): MeshPolicySettings => ({
    meshes: ["default", "payments"],
    namespace: "kuma-system",
    meshVersion: "2.14.3",
    metrics: { placement: "outside-mesh", port: 5670, path: "/metrics", clientId: "prometheus-east" },
    traces: TRACES[0],
    accessLogs: ACCESS_LOGS[0],
    ...over,
});

const ofKind = (rs: KumaResource[], kind: string, mesh: string) => rs.filter((r) => r.kind === kind && r.metadata.labels["kuma.io/mesh"] === mesh);
const only = (rs: KumaResource[], kind: string, mesh: string): any => {
    const found = ofKind(rs, kind, mesh);
    assert.equal(found.length, 1, `${kind} for mesh ${mesh}: ${found.length}`);
    return found[0];
};

/** The MeshOpenTelemetryBackend a backendRef selects: every label of the ref matches, and exactly one does. */
function resolveBackendRef(rs: KumaResource[], ref: any): any {
    assert.equal(ref.kind, "MeshOpenTelemetryBackend");
    const matches = rs.filter((r) => r.kind === "MeshOpenTelemetryBackend" && Object.entries(ref.labels).every(([k, v]) => r.metadata.labels[k] === v));
    assert.equal(matches.length, 1, `backendRef ${JSON.stringify(ref.labels)} selects ${matches.length} backends`);
    return matches[0];
}

describe(`mesh policies against the kuma ${KUMA_CHART.version} CRDs`, () => {
    const crds = loadKumaCrds(KUMA_CHART.version);
    const crd = (kind: string): KumaCrd => {
        const c = crds.get(kind);
        assert.ok(c, `no CRD for ${kind}`);
        return c;
    };
    /** A plain boolean (ajv's validate is a type guard, which would narrow the document in tests). */
    const valid = (kind: string, doc: unknown): boolean => crd(kind).validate(doc) === true;

    for (const version of VERSIONS) {
        for (const placement of PLACEMENTS) {
            it(`${version}, Prometheus ${placement}: every resource of every trace × access-log backend validates and carries what matters`, () => {
                const failures: string[] = [];
                for (const traces of TRACES) {
                    for (const accessLogs of ACCESS_LOGS) {
                        const s = settings({ meshVersion: version, metrics: { ...settings().metrics, placement }, traces, accessLogs });
                        const rs = buildMeshPolicies(s);
                        for (const r of rs) {
                            const c = crd(r.kind);
                            assert.equal(r.apiVersion, `${c.group}/${c.versions[0]}`);
                            assert.equal(c.scope, "Namespaced");
                            if (!valid(r.kind, r)) failures.push(`${traces.backend}/${accessLogs.backend} ${r.kind} ${r.metadata.name}: ${JSON.stringify(c.validate.errors)}`);
                            assert.equal(r.metadata.namespace, "kuma-system");
                        }
                        assertContent(rs, s);
                    }
                }
                assert.deepEqual(failures, []);
            });
        }
    }

    /** The values that matter, per mesh, for one combination. */
    function assertContent(rs: KumaResource[], s: MeshPolicySettings): void {
        const names = rs.map((r) => r.metadata.name);
        assert.equal(new Set(names).size, names.length, `names collide in the namespace: ${names}`);
        const backendRef = usesOpenTelemetryBackendRef(s.meshVersion);
        for (const mesh of s.meshes) {
            for (const r of rs.filter((x) => x.metadata.labels["kuma.io/mesh"] === mesh)) assert.match(r.metadata.name, new RegExp(`-${mesh}$`));

            const mm = only(rs, "MeshMetric", mesh);
            assert.deepEqual(mm.spec.targetRef, { kind: "Mesh" });
            assert.deepEqual(mm.spec.default.backends, [
                {
                    type: "Prometheus",
                    prometheus: {
                        clientId: "prometheus-east",
                        port: 5670,
                        path: "/metrics",
                        tls: { mode: s.metrics.placement === "outside-mesh-tls" ? "ProvidedTLS" : "Disabled" },
                    },
                },
            ]);

            const traces = ofKind(rs, "MeshTrace", mesh) as any[];
            if (s.traces.backend === "none") assert.equal(traces.length, 0);
            else {
                const [mt] = traces;
                assert.equal(traces.length, 1);
                assert.deepEqual(mt.spec.targetRef, { kind: "Mesh" });
                assert.deepEqual(mt.spec.default.tags, [{ name: "mesh", literal: mesh }]);
                const [backend] = mt.spec.default.backends;
                if (s.traces.backend === "datadog") {
                    assert.deepEqual(backend, { type: "Datadog", datadog: { url: "http://trace-svc.datadog:8126" } });
                    assert.deepEqual(mt.spec.default.sampling, { overall: "2.5" }); // a decimal travels as a string
                } else {
                    assert.equal(backend.type, "OpenTelemetry");
                    assert.deepEqual(mt.spec.default.sampling, { overall: 10 });
                    assertOtelTarget(rs, backend.openTelemetry, backendRef, mesh, s.traces.endpoint);
                }
            }

            const logs = ofKind(rs, "MeshAccessLog", mesh) as any[];
            if (s.accessLogs.backend === "none") assert.equal(logs.length, 0);
            else {
                const [mal] = logs;
                assert.equal(logs.length, 1);
                assert.deepEqual(mal.spec.targetRef, { kind: "Mesh" });
                // Both directions, the same backend.
                assert.deepEqual(mal.spec.from.map((e: any) => e.targetRef), [{ kind: "Mesh" }]);
                assert.deepEqual(mal.spec.to.map((e: any) => e.targetRef), [{ kind: "Mesh" }]);
                assert.deepEqual(mal.spec.from[0].default, mal.spec.to[0].default);
                const [backend] = mal.spec.to[0].default.backends;
                if (s.accessLogs.backend === "tcp") {
                    assert.equal(backend.type, "Tcp");
                    assert.equal(backend.tcp.address, "datadog-agent-logs.datadog.svc.cluster.local:10518");
                    assert.equal(backend.tcp.format.type, "Json");
                    const fields = Object.fromEntries(backend.tcp.format.json.map((f: any) => [f.key, f.value]));
                    assert.equal(fields.mesh, "%KUMA_MESH%");
                    assert.equal(fields.traffic_direction, "%KUMA_TRAFFIC_DIRECTION%");
                    assert.equal(fields.source_service, "%KUMA_SOURCE_SERVICE%");
                    assert.equal(fields.destination_service, "%KUMA_DESTINATION_SERVICE%");
                } else {
                    assert.equal(backend.type, "OpenTelemetry");
                    const attrs = Object.fromEntries(backend.openTelemetry.attributes.map((a: any) => [a.key, a.value]));
                    assert.equal(attrs.mesh, "%KUMA_MESH%");
                    assertOtelTarget(rs, backend.openTelemetry, backendRef, mesh, s.accessLogs.endpoint);
                }
            }

            const backends = ofKind(rs, "MeshOpenTelemetryBackend", mesh);
            const otelSignals = [s.traces.backend, s.accessLogs.backend].filter((b) => b === "opentelemetry").length;
            assert.equal(backends.length, backendRef ? otelSignals : 0, "MeshOpenTelemetryBackend only from 2.14, one per OpenTelemetry signal");
        }
    }

    function assertOtelTarget(rs: KumaResource[], otel: any, backendRef: boolean, mesh: string, endpoint: string): void {
        if (!backendRef) {
            assert.equal(otel.endpoint, endpoint);
            assert.equal(otel.backendRef, undefined);
            return;
        }
        assert.equal(otel.endpoint, undefined, "2.14+: the deprecated endpoint is not set beside backendRef (mutually exclusive)");
        const target = resolveBackendRef(rs, otel.backendRef);
        assert.equal(target.metadata.labels["kuma.io/mesh"], mesh);
        const [host, port] = endpoint.split(":");
        assert.deepEqual(target.spec.endpoint, { address: host, port: Number(port) });
        assert.equal(target.spec.protocol, "grpc");
        assert.equal(target.spec.env.precedence, "ExplicitFirst");
    }

    it("the validator catches a wrong enum (tls.mode in the legacy lower case of Kong's page)", () => {
        const mm: any = structuredClone(buildMeshPolicies(settings()).find((r) => r.kind === "MeshMetric"));
        assert.ok(valid("MeshMetric", mm));
        mm.spec.default.backends[0].prometheus.tls.mode = "disabled";
        assert.equal(valid("MeshMetric", mm), false);
        assert.ok(crd("MeshMetric").validate.errors?.some((e) => e.keyword === "enum" && e.instancePath.endsWith("/tls/mode")), JSON.stringify(crd("MeshMetric").validate.errors));
    });

    it("the validator catches a misspelt field (Kubernetes would prune it silently)", () => {
        const mt: any = structuredClone(buildMeshPolicies(settings()).find((r) => r.kind === "MeshTrace"));
        mt.spec.default.sampling = { overal: 10 };
        assert.equal(valid("MeshTrace", mt), false);
        assert.ok(crd("MeshTrace").validate.errors?.some((e) => e.keyword === "additionalProperties" && e.params.additionalProperty === "overal"));
    });

    it("the validator catches a second trace backend (CRD maxItems 1)", () => {
        const mt: any = structuredClone(buildMeshPolicies(settings()).find((r) => r.kind === "MeshTrace"));
        mt.spec.default.backends.push(mt.spec.default.backends[0]);
        assert.equal(valid("MeshTrace", mt), false);
    });
});

describe("mesh policy builder", () => {
    it("uses MeshOpenTelemetryBackend from 2.14.0 on, the endpoint form before", () => {
        for (const v of ["2.6.4", "2.9.2", "2.13.9"]) assert.equal(usesOpenTelemetryBackendRef(v), false, v);
        for (const v of ["2.14.0", "2.14.3", "2.15.0", "3.0.0"]) assert.equal(usesOpenTelemetryBackendRef(v), true, v);
    });

    it("names the resources per mesh with a prefix of ours, and labels them with their mesh", () => {
        const rs = buildMeshPolicies(settings({ meshes: ["default"] }));
        assert.deepEqual(
            rs.map((r) => [r.kind, r.metadata.name, r.metadata.labels]),
            [
                ["MeshMetric", "meshobs-metrics-default", { "kuma.io/mesh": "default", "kuma.io/origin": "zone" }],
                ["MeshOpenTelemetryBackend", "meshobs-otel-traces-default", { "kuma.io/mesh": "default", "kuma.io/origin": "zone", "meshobs.io/signal": "traces" }],
                ["MeshTrace", "meshobs-traces-default", { "kuma.io/mesh": "default", "kuma.io/origin": "zone" }],
                ["MeshOpenTelemetryBackend", "meshobs-otel-access-logs-default", { "kuma.io/mesh": "default", "kuma.io/origin": "zone", "meshobs.io/signal": "access-logs" }],
                ["MeshAccessLog", "meshobs-access-logs-default", { "kuma.io/mesh": "default", "kuma.io/origin": "zone" }],
            ],
        );
    });

    it("puts policies in the given system namespace (Kong Mesh) and marks them kuma.io/origin: zone (applied on the zone control plane)", () => {
        const rs = buildMeshPolicies(settings({ namespace: "kong-mesh-system" }));
        assert.ok(rs.every((r) => r.metadata.namespace === "kong-mesh-system"));
        assert.ok(rs.every((r) => r.metadata.labels["kuma.io/origin"] === "zone"));
    });

    it("omits clientId when unset (Kuma's default client)", () => {
        const mm: any = buildMeshPolicies(settings({ metrics: { placement: "outside-mesh", port: 5670, path: "/metrics" } })).find((r) => r.kind === "MeshMetric");
        assert.equal("clientId" in mm.spec.default.backends[0].prometheus, false);
    });

    it("states what each Prometheus placement needs beyond the policy", () => {
        assert.ok(prometheusPlacementRequirements("inside-mesh").some((r) => r.includes('kuma.io/direct-access-services: "*"')));
        assert.ok(prometheusPlacementRequirements("outside-mesh-tls").some((r) => r.includes("KUMA_DATAPLANE_RUNTIME_METRICS_CERT_PATH")));
        assert.ok(prometheusPlacementRequirements("outside-mesh").some((r) => r.includes("sidecar-injection: disabled")));
    });

    const bad: Array<[string, Partial<MeshPolicySettings>, RegExp]> = [
        ["no mesh", { meshes: [] }, /meshes is empty/],
        ["a duplicate mesh", { meshes: ["a", "a"] }, /meshes\[1\]: duplicate mesh "a"/],
        ["a mesh name that is not a DNS label", { meshes: ["Default"] }, /meshes\[0\] "Default" is not a DNS label/],
        ["a version that is not MAJOR.MINOR.PATCH", { meshVersion: "2.14" }, /meshVersion "2\.14" is not MAJOR\.MINOR\.PATCH/],
        ["an OTLP endpoint with a scheme", { traces: { backend: "opentelemetry", endpoint: "http://otel:4317", samplingPercent: 1 } }, /traces\.endpoint "http:\/\/otel:4317" is not host:port/],
        ["a Datadog URL with a path", { traces: { backend: "datadog", url: "http://trace-svc:8126/v0.4/traces", samplingPercent: 1 } }, /traces\.url .* is not http:\/\/host:port/],
        ["sampling above 100", { traces: { backend: "datadog", url: "http://trace-svc:8126", samplingPercent: 150 } }, /samplingPercent 150 is not a percentage/],
        ["a TCP address without port", { accessLogs: { backend: "tcp", address: "logs.datadog" } }, /accessLogs\.address "logs\.datadog" is not host:port/],
        ["a metrics path without /", { metrics: { placement: "outside-mesh", port: 5670, path: "metrics" } }, /metrics\.path "metrics" must start with "\/"/],
        ["a metrics port out of range", { metrics: { placement: "outside-mesh", port: 70000, path: "/metrics" } }, /metrics\.port 70000 is not a TCP port/],
    ];
    for (const [what, over, expected] of bad) {
        it(`refuses ${what}`, () => assert.throws(() => buildMeshPolicies(settings(over)), expected));
    }

    it("renders every resource as one multi-document YAML with a single generated header", () => {
        const s = settings();
        const text = renderMeshPolicies(s);
        assert.match(text, /^# Generated by mesh-observability; do not edit\.\n/);
        assert.equal(text.match(/^# /gm)?.length, 1);
        const docs = parseAllDocuments(text).map((d) => d.toJS());
        assert.deepEqual(docs, JSON.parse(JSON.stringify(buildMeshPolicies(s))));
    });
});

describe("MeshPolicies under Pulumi mocks", () => {
    it("creates each policy as a kuma.io custom resource under the component and exposes the YAML", async () => {
        const s = settings({ meshes: ["default"], traces: TRACES[1], accessLogs: ACCESS_LOGS[0] });
        let component: MeshPolicies | undefined;
        const run = await underMocks({ stack: "test-zone-east" }, () => {
            component = new MeshPolicies("mesh-policies", { settings: s });
            return { policyYaml: component.policyYaml };
        });
        const [parent] = run.resources.filter((r) => r.type === "meshobs:mesh:MeshPolicies");
        assert.equal(parent.name, "mesh-policies");
        // Registration order is the engine's; compare by name.
        const children = run.resources.filter((r) => r.type.startsWith("kubernetes:kuma.io/v1alpha1:")).sort((a, b) => a.name.localeCompare(b.name));
        assert.deepEqual(
            children.map((c) => [c.type, c.name]),
            [
                ["kubernetes:kuma.io/v1alpha1:MeshAccessLog", "mesh-policies-meshaccesslog-default"],
                ["kubernetes:kuma.io/v1alpha1:MeshMetric", "mesh-policies-meshmetric-default"],
                ["kubernetes:kuma.io/v1alpha1:MeshOpenTelemetryBackend", "mesh-policies-meshopentelemetrybackend-access-logs-default"],
                ["kubernetes:kuma.io/v1alpha1:MeshTrace", "mesh-policies-meshtrace-default"],
            ],
        );
        assert.ok(children.every((c) => c.parent.endsWith("meshobs:mesh:MeshPolicies::mesh-policies")));
        const built = new Map(buildMeshPolicies(s).map((r) => [r.metadata.name, JSON.parse(JSON.stringify(r))]));
        assert.equal(built.size, children.length);
        for (const c of children) {
            assert.deepEqual({ apiVersion: c.inputs.apiVersion, kind: c.inputs.kind, metadata: c.inputs.metadata, spec: c.inputs.spec }, built.get(c.inputs.metadata.name));
        }
        assert.equal(run.outputs.policyYaml.value, renderMeshPolicies(s));
        assert.deepEqual(component?.files, { [MESH_POLICIES_FILE]: renderMeshPolicies(s) });
    });

    it("fails before registering anything on invalid settings", async () => {
        let caught: Error | undefined;
        const run = await underMocks({ stack: "test-zone-east" }, () => {
            try {
                new MeshPolicies("bad", { settings: settings({ meshes: [] }) });
            } catch (e) {
                caught = e as Error;
            }
            return {};
        });
        assert.match(caught?.message ?? "", /meshes is empty/);
        assert.equal(run.resources.filter((r) => r.type.startsWith("kubernetes:")).length, 0);
    });
});
