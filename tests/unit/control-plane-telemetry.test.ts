import { strict as assert } from "assert";
import * as fs from "fs";
import { envDetector } from "@opentelemetry/resources";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import {
    buildControlPlaneValues,
    CHART_DERIVED_ENV,
    CONTROL_PLANE_CHARTS,
    ControlPlaneValuesSettings,
    controlPlaneValuesSnippet,
    KONG_MESH_CHART,
    KUMA_CHART,
} from "../../components/mesh/control-plane-chart";
import { ControlPlaneInstall } from "../../components/mesh/control-plane-install";
import { controlPlaneOtelEnv, ControlPlaneTelemetrySettings, encodeResourceAttributes } from "../../components/mesh/control-plane-telemetry";
import { underMocks } from "../../infra/plan/mock-runtime";
import { upstreamPath, upstreamYaml } from "../support/upstream";
import { unknownValuePaths } from "../support/values-keys";

const telemetry = (over: Partial<ControlPlaneTelemetrySettings> = {}): ControlPlaneTelemetrySettings => ({
    zone: "us-east-1",
    otlpEndpoint: "http://otel-collector.obs.svc.cluster.local:4317",
    insecure: true,
    ...over,
});

/** Reads OTEL_RESOURCE_ATTRIBUTES / OTEL_SERVICE_NAME back with the OpenTelemetry JS SDK's own env detector. */
function sdkReadsBack(env: Record<string, string>): Record<string, unknown> {
    const saved = { a: process.env.OTEL_RESOURCE_ATTRIBUTES, s: process.env.OTEL_SERVICE_NAME };
    try {
        process.env.OTEL_RESOURCE_ATTRIBUTES = env.OTEL_RESOURCE_ATTRIBUTES;
        process.env.OTEL_SERVICE_NAME = env.OTEL_SERVICE_NAME;
        return { ...envDetector.detect().attributes };
    } finally {
        for (const [k, v] of [["OTEL_RESOURCE_ATTRIBUTES", saved.a], ["OTEL_SERVICE_NAME", saved.s]] as const) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
        }
    }
}

describe("control plane OpenTelemetry environment", () => {
    it("is exactly the variables kuma-cp reads, for a zone", () => {
        assert.deepEqual(controlPlaneOtelEnv(telemetry()), {
            KUMA_TRACING_OPENTELEMETRY_ENABLED: "true",
            KUMA_METRICS_OPENTELEMETRY_ENABLED: "false",
            OTEL_EXPORTER_OTLP_ENDPOINT: "http://otel-collector.obs.svc.cluster.local:4317",
            OTEL_EXPORTER_OTLP_INSECURE: "true",
            OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
            OTEL_SERVICE_NAME: "kuma-cp",
            OTEL_RESOURCE_ATTRIBUTES: "kuma.zone=us-east-1",
        });
    });

    it("for the global control plane over TLS", () => {
        assert.deepEqual(controlPlaneOtelEnv(telemetry({ zone: "global", otlpEndpoint: "https://otlp.mesh.example.com:4317", insecure: false })), {
            KUMA_TRACING_OPENTELEMETRY_ENABLED: "true",
            KUMA_METRICS_OPENTELEMETRY_ENABLED: "false",
            OTEL_EXPORTER_OTLP_ENDPOINT: "https://otlp.mesh.example.com:4317",
            OTEL_EXPORTER_OTLP_INSECURE: "false",
            OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
            OTEL_SERVICE_NAME: "kuma-cp",
            OTEL_RESOURCE_ATTRIBUTES: "kuma.zone=global",
        });
    });

    it("percent-encodes attribute values per the OTel spec (',' '=' '%' space and non-ASCII)", () => {
        assert.equal(encodeResourceAttributes({ "team.name": "a,b=c 50% é;\"\\" }), "team.name=a%2Cb%3Dc%2050%25%20%C3%A9%3B%22%5C");
        assert.equal(encodeResourceAttributes({ "k8s.cluster.name": "zone-a_1/x:y" }), "k8s.cluster.name=zone-a_1/x:y", "baggage octets stay as they are");
    });

    it("the OpenTelemetry SDK reads zone and service name back exactly, and awkward encoded values too", () => {
        assert.deepEqual(sdkReadsBack(controlPlaneOtelEnv(telemetry())), { "kuma.zone": "us-east-1", "service.name": "kuma-cp" });
        const attrs = { "kuma.zone": "us-east-1", "deployment.environment": "prod, eu=1 50% ünï" };
        const env = { OTEL_RESOURCE_ATTRIBUTES: encodeResourceAttributes(attrs), OTEL_SERVICE_NAME: "kuma-cp" };
        assert.deepEqual(sdkReadsBack(env), { ...attrs, "service.name": "kuma-cp" });
        // ... and the same values joined naively are lost entirely (the SDK discards a malformed list).
        const naive = { ...env, OTEL_RESOURCE_ATTRIBUTES: `kuma.zone=us-east-1,deployment.environment=${attrs["deployment.environment"]}` };
        assert.equal(sdkReadsBack(naive)["kuma.zone"], undefined);
    });

    const bad: Array<[string, Partial<ControlPlaneTelemetrySettings>, RegExp]> = [
        ["http with insecure false", { insecure: false }, /an http:\/\/ endpoint is plain text \(insecure true\)/],
        ["https with insecure true", { otlpEndpoint: "https://otlp:4317", insecure: true }, /https:\/\/ is TLS \(insecure false\)/],
        ["an endpoint without scheme", { otlpEndpoint: "otel-collector:4317" }, /is not scheme:\/\/host:port|is not a URL/],
        ["an endpoint with a path", { otlpEndpoint: "http://otel:4318/v1/traces" }, /is not scheme:\/\/host:port/],
        ["an endpoint without port", { otlpEndpoint: "http://otel" }, /is not scheme:\/\/host:port/],
        ["a zone that is not a zone name", { zone: "Zone_1" }, /zone "Zone_1" is not a zone name/],
    ];
    for (const [what, over, expected] of bad) {
        it(`refuses ${what}`, () => assert.throws(() => controlPlaneOtelEnv(telemetry(over)), expected));
    }
    it("refuses an attribute key that would need encoding", () => {
        assert.throws(() => encodeResourceAttributes({ "team name": "x" }), /resource attribute key "team name" is not allowed/);
    });
});

describe(`control plane chart values against kuma ${KUMA_CHART.version} values.yaml`, () => {
    const upstreamValues = upstreamYaml(`kuma-${KUMA_CHART.version}`, "values.yaml");
    const upstreamText = fs.readFileSync(upstreamPath(`kuma-${KUMA_CHART.version}`, "values.yaml"), "utf8");
    /** envVars is `{}` upstream (an open map); secrets is documented only in a comment (checked below). */
    const FREE_FORM = ["controlPlane.envVars", "controlPlane.secrets"];
    const env = controlPlaneOtelEnv(telemetry());
    const zone: ControlPlaneValuesSettings = { product: "kuma", zone: "us-east-1", kdsGlobalAddress: "grpcs://kds.mesh.example.com:5685", env };

    const variants: Array<[string, ControlPlaneValuesSettings]> = [
        ["kuma zone", zone],
        ["kuma standalone zone", { product: "kuma", zone: "us-east-1", env }],
        ["kong-mesh zone with licence", { ...zone, product: "kong-mesh", licenseSecret: "kong-mesh-license" }],
        ["kong-mesh standalone zone", { product: "kong-mesh", zone: "us-east-1", env }],
    ];
    for (const [what, s] of variants) {
        it(`${what}: every key path exists upstream (kong-mesh: under kuma:)`, () => {
            const values: any = buildControlPlaneValues(s);
            const kumaValues = s.product === "kong-mesh" ? values.kuma : values;
            if (s.product === "kong-mesh") assert.deepEqual(Object.keys(values), ["kuma"]);
            assert.deepEqual(unknownValuePaths(kumaValues, upstreamValues, FREE_FORM), []);
            assert.equal(kumaValues.controlPlane.mode, "zone");
            assert.equal(kumaValues.controlPlane.zone, s.zone);
            assert.deepEqual(kumaValues.controlPlane.envVars, env);
            assert.ok(Object.values(kumaValues.controlPlane.envVars).every((v) => typeof v === "string"));
        });
    }

    it("the free-form keys are documented so upstream: envVars as {} and secrets as {Env, Secret, Key} entries", () => {
        assert.deepEqual(upstreamValues.controlPlane.envVars, {});
        assert.ok("secrets" in upstreamValues.controlPlane);
        assert.match(upstreamText, /object with \{ Env: string, Secret: string, Key: string \}\) Secrets to add as environment variables/);
    });

    it("the key check catches a misspelt key (so it can fail)", () => {
        const values: any = buildControlPlaneValues(zone);
        values.controlPlane.kdsGlobalAdress = "x";
        assert.deepEqual(unknownValuePaths(values, upstreamValues, FREE_FORM), ["controlPlane.kdsGlobalAdress"]);
    });

    it("sets mode, zone and KDS address where the chart reads them", () => {
        assert.deepEqual(buildControlPlaneValues(zone), {
            controlPlane: { mode: "zone", zone: "us-east-1", kdsGlobalAddress: "grpcs://kds.mesh.example.com:5685", envVars: env },
        });
        assert.deepEqual(buildControlPlaneValues({ product: "kuma", zone: "east", env: {} }), { controlPlane: { mode: "zone", zone: "east", envVars: {} } });
    });

    it("nests everything under kuma: for kong-mesh and passes the licence as KMESH_LICENSE_INLINE from the Secret", () => {
        const v: any = buildControlPlaneValues({ ...zone, product: "kong-mesh", licenseSecret: "kong-mesh-license" });
        assert.deepEqual(v, {
            kuma: {
                controlPlane: {
                    mode: "zone",
                    zone: "us-east-1",
                    kdsGlobalAddress: "grpcs://kds.mesh.example.com:5685",
                    envVars: env,
                    secrets: [{ Env: "KMESH_LICENSE_INLINE", Secret: "kong-mesh-license", Key: "license.json" }],
                },
            },
        });
    });

    const bad: Array<[string, ControlPlaneValuesSettings, RegExp]> = [
        ["a KDS address with another scheme", { ...zone, kdsGlobalAddress: "https://kds:5685" }, /is not grpcs:\/\/host:port/],
        ["a zone name the chart refuses", { ...zone, zone: "East" }, /zone "East" is not a zone name/],
        ["a licence for kuma", { ...zone, licenseSecret: "x" }, /licenseSecret is for kong-mesh only/],
        ["an env name that is not one", { ...zone, env: { "OTEL-X": "1" } }, /env "OTEL-X" is not an environment variable name/],
    ];
    for (const [what, s, expected] of bad) {
        it(`refuses ${what}`, () => assert.throws(() => buildControlPlaneValues(s), expected));
    }

    for (const name of CHART_DERIVED_ENV) {
        it(`refuses ${name} in env (envVars win over the chart's own value, so it would silently override it)`, () => {
            assert.throws(() => buildControlPlaneValues({ ...zone, env: { ...env, [name]: "x" } }), new RegExp(`env ${name} would override`));
        });
    }

    it("the values snippet for a control plane managed elsewhere carries only the environment, as strings, nested per product", () => {
        const kuma = controlPlaneValuesSnippet({ product: "kuma", env });
        assert.match(kuma, /^# Generated by mesh-observability; add to the kuma chart release with -f/);
        assert.deepEqual(parse(kuma), { controlPlane: { envVars: env } });
        const kong = controlPlaneValuesSnippet({ product: "kong-mesh", env });
        assert.deepEqual(parse(kong), { kuma: { controlPlane: { envVars: env } } });
        // YAML would read an unquoted true as a boolean; the chart quotes values, but the file must hold strings.
        assert.match(kong, /KUMA_TRACING_OPENTELEMETRY_ENABLED: "true"/);
        assert.deepEqual(unknownValuePaths(parse(kong).kuma, upstreamValues, FREE_FORM), []);
    });
});

describe("control plane chart pins against the Kong Mesh chart index", () => {
    const index = upstreamYaml("kong-mesh-charts-index-2.9.2", "index.yaml");
    const entries: any[] = index.entries["kong-mesh"];

    it("the pinned kong-mesh release exists and wraps the kuma chart of the version we declare, from the kuma repo", () => {
        const pinned = entries.find((e) => e.version === KONG_MESH_CHART.version);
        assert.ok(pinned, `kong-mesh ${KONG_MESH_CHART.version} is not in the index`);
        assert.equal(pinned.appVersion, KONG_MESH_CHART.version);
        assert.deepEqual(pinned.dependencies, [{ name: "kuma", repository: KUMA_CHART.repo, version: KONG_MESH_CHART.kumaVersion }]);
        assert.ok(pinned.urls.every((u: string) => u.startsWith("https://github.com/Kong/kong-mesh-charts/releases/download/")));
    });

    it("every released kong-mesh X from 2.0.0 on depends on kuma X (why kuma's keys apply under kuma:); 1.x did not", () => {
        const released = entries.filter((e) => /^\d+\.\d+\.\d+$/.test(e.version));
        const kumaOf = (e: any): string | undefined => (e.dependencies ?? []).find((d: any) => d.name === "kuma")?.version;
        const v2 = released.filter((e) => Number(e.version.split(".")[0]) >= 2);
        assert.ok(v2.length > 50, `${v2.length} entries`);
        assert.deepEqual(v2.filter((e) => kumaOf(e) !== e.version).map((e) => e.version), []);
        // The rule is not older than 2.0 (e.g. kong-mesh 1.9.8 wraps kuma 1.8.0): ControlPlaneInstall refuses 1.x.
        assert.equal(kumaOf(released.find((e) => e.version === "1.9.8")), "1.8.0");
    });

    it("maps each product to its chart", () => {
        assert.equal(CONTROL_PLANE_CHARTS.kuma, KUMA_CHART);
        assert.equal(CONTROL_PLANE_CHARTS["kong-mesh"], KONG_MESH_CHART);
        assert.equal(KONG_MESH_CHART.kumaValuesKey, "kuma");
    });
});

describe("ControlPlaneInstall under Pulumi mocks", () => {
    it("installs the pinned kuma chart into kuma-system with the OTel environment in controlPlane.envVars", async () => {
        const env = controlPlaneOtelEnv(telemetry());
        const run = await underMocks({ stack: "test-zone-east" }, () => {
            const cp = new ControlPlaneInstall("zone-cp", { product: "kuma", zone: "us-east-1", kdsGlobalAddress: "grpcs://kds:5685", env });
            return { values: cp.values };
        });
        assert.deepEqual(run.resources.filter((r) => r.type === "meshobs:mesh:ControlPlaneInstall").map((r) => r.name), ["zone-cp"]);
        const charts = run.resources.filter((r) => r.type === "kubernetes:helm.sh/v4:Chart");
        assert.equal(charts.length, 1);
        const [chart] = charts;
        assert.equal(chart.name, "zone-cp-chart");
        assert.ok(chart.parent.endsWith("meshobs:mesh:ControlPlaneInstall::zone-cp"));
        assert.equal(chart.inputs.chart, "kuma");
        assert.equal(chart.inputs.version, KUMA_CHART.version);
        assert.equal(chart.inputs.repositoryOpts.repo, "https://kumahq.github.io/charts");
        assert.equal(chart.inputs.name, "kuma");
        assert.equal(chart.inputs.namespace, "kuma-system");
        assert.deepEqual(chart.inputs.values, { controlPlane: { mode: "zone", zone: "us-east-1", kdsGlobalAddress: "grpcs://kds:5685", envVars: env } });
        assert.deepEqual(run.outputs.values.value, chart.inputs.values);
    });

    it("installs kong-mesh into kong-mesh-system with values under kuma:, env from an output", async () => {
        const env = controlPlaneOtelEnv(telemetry({ zone: "eu-west-1" }));
        const run = await underMocks({ stack: "test-zone-eu" }, () => {
            const cp = new ControlPlaneInstall("zone-cp", { product: "kong-mesh", zone: "eu-west-1", env: pulumi.output(env), licenseSecret: "kong-mesh-license", license: pulumi.secret("{}") });
            return { values: cp.values };
        });
        const [chart] = run.resources.filter((r) => r.type === "kubernetes:helm.sh/v4:Chart");
        assert.equal(chart.inputs.chart, "kong-mesh");
        assert.equal(chart.inputs.version, KONG_MESH_CHART.version);
        assert.equal(chart.inputs.repositoryOpts.repo, "https://kong.github.io/kong-mesh-charts");
        assert.equal(chart.inputs.namespace, "kong-mesh-system");
        assert.deepEqual(chart.inputs.values.kuma.controlPlane.envVars, env);
        assert.equal(chart.inputs.values.kuma.controlPlane.secrets[0].Secret, "kong-mesh-license");
    });

    it("refuses a kong-mesh chart older than 2.0.0 (its kuma dependency is not the same version)", async () => {
        let caught: Error | undefined;
        await underMocks({ stack: "test-zone-east" }, () => {
            try {
                new ControlPlaneInstall("old", { product: "kong-mesh", zone: "eu", env: {}, version: "1.9.8" });
            } catch (e) {
                caught = e as Error;
            }
            return {};
        });
        assert.match(caught?.message ?? "", /chart version 1\.9\.8 is older than 2\.0\.0/);
    });

    it("fails before registering anything on an invalid combination", async () => {
        let caught: Error | undefined;
        const run = await underMocks({ stack: "test-zone-east" }, () => {
            try {
                new ControlPlaneInstall("bad", { product: "kuma", zone: "East", env: {} });
            } catch (e) {
                caught = e as Error;
            }
            return {};
        });
        assert.match(caught?.message ?? "", /zone "East" is not a zone name/);
        assert.equal(run.resources.length, 0);
    });
});
