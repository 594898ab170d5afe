import { strict as assert } from "assert";
import Ajv from "ajv";
import { buildPrometheusChartValues, PrometheusChartSettings } from "../../components/prometheus/chart-values";
import { PROMETHEUS_CHART } from "../../components/prometheus/chart";
import * as fs from "fs";
import { upstreamJson, upstreamPath, upstreamYaml } from "../support/upstream";
import { unknownValuePaths } from "../support/values-keys";

const CHART_DIR = `prometheus-chart-${PROMETHEUS_CHART.version}`;

const settings = (over: Partial<PrometheusChartSettings> = {}): PrometheusChartSettings => ({
    fullname: "global-prometheus",
    configMapOverrideName: "config",
    configChecksum: "0".repeat(64),
    retention: "15d",
    retentionSize: "40GB",
    storageSize: "50Gi",
    storageClassName: "gp3",
    extraFlags: ["web.enable-remote-write-receiver"],
    extraArgs: { "web.config.file": "/etc/prometheus/secrets/auth/web-config.yml" },
    secretMounts: [{ name: "auth", mountPath: "/etc/prometheus/secrets/auth", secretName: "global-prometheus-auth" }],
    reloader: false,
    tcpProbes: true,
    exposure: { type: "Ingress", host: "prom.example.com", ingressClassName: "nginx", tlsSecretName: "tls", annotations: { a: "b" } },
    ...over,
});

const variants: Array<[string, PrometheusChartSettings]> = [
    ["global behind a TLS ingress", settings()],
    ["zone, cluster-internal", settings({ fullname: "zone-prometheus", reloader: true, tcpProbes: false, retentionSize: undefined, storageClassName: undefined, exposure: { type: "ClusterIP" } })],
    ["global behind a load balancer", settings({ exposure: { type: "LoadBalancer", host: "lb.example.com", sourceRanges: ["10.0.0.0/8"], annotations: { x: "y" } } })],
];

/** Keys upstream documents only as commented-out examples in values.yaml (checked below). */
const COMMENTED_UPSTREAM = ["server.persistentVolume.storageClass"];

describe(`prometheus chart ${PROMETHEUS_CHART.version} values against upstream`, () => {
    const upstreamValues = upstreamYaml(CHART_DIR, "values.yaml");
    const chartYaml = upstreamYaml(CHART_DIR, "Chart.yaml");
    const validate = new Ajv({ allErrors: true, strict: false }).compile(upstreamJson(CHART_DIR, "values.schema.json"));

    it("pins the chart version whose appVersion the code states", () => {
        assert.equal(chartYaml.version, PROMETHEUS_CHART.version);
        assert.equal(chartYaml.appVersion, PROMETHEUS_CHART.appVersion);
    });

    for (const [what, s] of variants) {
        it(`${what}: every key path exists in upstream values.yaml (or is a documented open map)`, () => {
            const values = buildPrometheusChartValues(s);
            // Annotations are free-form Kubernetes maps; upstream declares them as {} or leaves them commented.
            const freeForm = ["server.podAnnotations", "server.ingress.annotations", "server.service.annotations", "server.extraArgs", ...COMMENTED_UPSTREAM];
            assert.deepEqual(unknownValuePaths(values, upstreamValues, freeForm), []);
        });

        it(`${what}: validates against upstream values.schema.json`, () => {
            const values = buildPrometheusChartValues(s);
            assert.ok(validate(values), JSON.stringify(validate.errors));
        });
    }

    it("keys we accept as commented-out upstream really are documented that way", () => {
        const text = fs.readFileSync(upstreamPath(CHART_DIR, "values.yaml"), "utf8");
        for (const key of COMMENTED_UPSTREAM) assert.match(text, new RegExp(`^\\s*#\\s*${key.split(".").pop()}:`, "m"), key);
    });

    it("the key check catches a misspelt key (so it can fail)", () => {
        const values: any = buildPrometheusChartValues(settings());
        values.server.retension = "1d";
        assert.deepEqual(unknownValuePaths(values, upstreamValues, COMMENTED_UPSTREAM), ["server.retension"]);
    });

    it("turns off every subchart and cluster-wide RBAC", () => {
        const v: any = buildPrometheusChartValues(settings());
        for (const sub of ["alertmanager", "kube-state-metrics", "prometheus-node-exporter", "prometheus-pushgateway"]) {
            assert.equal(v[sub].enabled, false, sub);
            assert.ok(sub in upstreamValues, `${sub} is an upstream subchart key`);
        }
        assert.equal(v.rbac.create, false);
    });

    it("runs the server as a StatefulSet with a PVC, so the WAL survives restarts", () => {
        const v: any = buildPrometheusChartValues(settings());
        assert.equal(v.server.statefulSet.enabled, true);
        assert.deepEqual(v.server.persistentVolume, { enabled: true, size: "50Gi", storageClass: "gp3" });
        assert.deepEqual(v.server.extraSecretMounts, [{ name: "auth", mountPath: "/etc/prometheus/secrets/auth", secretName: "global-prometheus-auth", subPath: "", readOnly: true }]);
    });
});
