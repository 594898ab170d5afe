import { strict as assert } from "assert";
import Ajv from "ajv";
import * as fs from "fs";
import { awsCredentialChartInputs, IRSA_ROLE_ANNOTATION } from "../../components/prometheus/aws-credentials";
import { CONFIG_FILE_KEY, CONFIG_MOUNT_DIR, DATA_MOUNT_PATH, PROMETHEUS_CHART } from "../../components/prometheus/chart";
import { agentFlags, buildPrometheusChartValues, PrometheusChartSettings } from "../../components/prometheus/chart-values";
import { AMP_ROLE_ARN } from "../support/fixtures";
import { packagedChartFile, upstreamJson, upstreamPath, upstreamYaml } from "../support/upstream";
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
    ["global on a node port", settings({ exposure: { type: "NodePort", host: "meshobs-east-control-plane", nodePort: 30090, annotations: { x: "y" } } })],
];

/** Keys upstream documents only as commented-out examples in values.yaml (checked below). */
const COMMENTED_UPSTREAM = ["server.persistentVolume.storageClass"];
/** Keys only the chart's templates read (values.yaml lists no such key), with the template that reads each (checked below). */
const TEMPLATE_ONLY: Record<string, string> = { "server.service.nodePort": "prometheus/templates/service.yaml" };

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
            const freeForm = ["server.podAnnotations", "server.ingress.annotations", "server.service.annotations", "server.extraArgs", ...COMMENTED_UPSTREAM, ...Object.keys(TEMPLATE_ONLY)];
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

    it("keys we accept as read by the templates only really are read there", () => {
        for (const [key, template] of Object.entries(TEMPLATE_ONLY)) {
            assert.ok(packagedChartFile(`prometheus-${PROMETHEUS_CHART.version}.tgz`, template).includes(`.Values.${key}`), `${key} in ${template}`);
        }
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

describe(`prometheus chart ${PROMETHEUS_CHART.version} values for agent mode, AWS env and IRSA`, () => {
    const upstreamValues = upstreamYaml(CHART_DIR, "values.yaml");
    const validate = new Ajv({ allErrors: true, strict: false }).compile(upstreamJson(CHART_DIR, "values.schema.json"));
    const FREE_FORM = ["server.podAnnotations", "server.extraArgs", "server.persistentVolume.storageClass"];
    const zone = (over: Partial<PrometheusChartSettings> = {}): PrometheusChartSettings => ({
        fullname: "zone-prometheus",
        configMapOverrideName: "config",
        configChecksum: "0".repeat(64),
        storageSize: "20Gi",
        extraFlags: ["web.enable-lifecycle"],
        extraArgs: {},
        secretMounts: [],
        reloader: true,
        tcpProbes: false,
        exposure: { type: "ClusterIP" },
        ...over,
    });
    const variants: Array<[string, PrometheusChartSettings]> = [
        ["agent", zone({ mode: "agent" })],
        ["agent with AWS keys from a Secret", zone({ mode: "agent", ...awsCredentialChartInputs({ type: "secret", secretName: "zone-prometheus-aws-credentials" }) })],
        ["server with IRSA", zone({ mode: "server", retention: "2d", ...awsCredentialChartInputs({ type: "irsa", roleArn: AMP_ROLE_ARN }) })],
    ];

    for (const [what, s] of variants) {
        it(`${what}: every key path exists upstream (or is a documented open map / list)`, () => {
            assert.deepEqual(unknownValuePaths(buildPrometheusChartValues(s), upstreamValues, FREE_FORM), []);
        });
        it(`${what}: validates against upstream values.schema.json`, () => {
            const values = buildPrometheusChartValues(s);
            assert.ok(validate(values), JSON.stringify(validate.errors));
        });
    }

    it("our config path and data mount are the chart's (the override must repeat them)", () => {
        assert.equal(`${CONFIG_MOUNT_DIR}/${CONFIG_FILE_KEY}`, upstreamValues.server.configPath);
        assert.equal(DATA_MOUNT_PATH, upstreamValues.server.persistentVolume.mountPath);
        assert.deepEqual(upstreamValues.server.defaultFlagsOverride, [], "upstream default: the chart's own flags");
    });

    it("agent: every flag is in defaultFlagsOverride (--agent for the chart's v3 image, WAL on the PVC), none of --storage.tsdb.*", () => {
        const v: any = buildPrometheusChartValues(zone({ mode: "agent" }));
        assert.deepEqual(v.server.defaultFlagsOverride, ["--config.file=/etc/config/prometheus.yml", "--agent", "--storage.agent.path=/data", "--web.enable-lifecycle"]);
        assert.ok(v.server.defaultFlagsOverride.every((f: string) => !f.startsWith("--storage.tsdb")));
        // The chart ignores these under an override; emptied so nobody reads them as applied.
        assert.deepEqual([v.server.extraFlags, v.server.extraArgs, v.server.retention], [[], {}, ""]);
        assert.equal(v.server.statefulSet.enabled, true, "the WAL survives restarts");
    });

    it("agent: extraArgs follow the mode flags as --key=value", () => {
        const v: any = buildPrometheusChartValues(zone({ mode: "agent", extraArgs: { "web.config.file": "/w.yml" } }));
        assert.deepEqual(agentFlags(zone({ mode: "agent", extraArgs: { "web.config.file": "/w.yml" } })), v.server.defaultFlagsOverride);
        assert.deepEqual(v.server.defaultFlagsOverride, ["--config.file=/etc/config/prometheus.yml", "--agent", "--storage.agent.path=/data", "--web.enable-lifecycle", "--web.config.file=/w.yml"]);
    });

    it("agent refuses TSDB retention settings", () => {
        assert.throws(() => buildPrometheusChartValues(zone({ mode: "agent", retention: "2d" })), /retention: agent mode has no TSDB retention/);
        assert.throws(() => buildPrometheusChartValues(zone({ mode: "agent", retentionSize: "1GB" })), /agent mode has no TSDB retention/);
    });

    it("server mode is unchanged: no override, the chart's retention and extra flags", () => {
        const v: any = buildPrometheusChartValues(zone({ retention: "2d" }));
        assert.ok(!("defaultFlagsOverride" in v.server));
        assert.equal(v.server.retention, "2d");
        assert.deepEqual(v.server.extraFlags, ["web.enable-lifecycle"]);
        assert.ok(!("env" in v.server) && !("serviceAccounts" in v));
    });

    it("static AWS keys reach the container as env vars from a Secret (server.env), never as values", () => {
        const v: any = buildPrometheusChartValues(zone(awsCredentialChartInputs({ type: "secret", secretName: "aws" })));
        assert.deepEqual(v.server.env, [
            { name: "AWS_ACCESS_KEY_ID", valueFrom: { secretKeyRef: { name: "aws", key: "AWS_ACCESS_KEY_ID" } } },
            { name: "AWS_SECRET_ACCESS_KEY", valueFrom: { secretKeyRef: { name: "aws", key: "AWS_SECRET_ACCESS_KEY" } } },
        ]);
        assert.ok(v.server.env.every((e: any) => !("value" in e)));
        assert.ok(!("serviceAccounts" in v));
        const custom = awsCredentialChartInputs({ type: "secret", secretName: "aws", accessKeyIdKey: "id", secretAccessKeyKey: "key" });
        assert.deepEqual(custom.env.map((e) => e.valueFrom.secretKeyRef.key), ["id", "key"]);
    });

    it("IRSA annotates the server ServiceAccount (serviceAccounts.server.annotations), named explicitly", () => {
        const v: any = buildPrometheusChartValues(zone(awsCredentialChartInputs({ type: "irsa", roleArn: AMP_ROLE_ARN })));
        assert.deepEqual(v.serviceAccounts, { server: { create: true, name: "zone-prometheus", annotations: { [IRSA_ROLE_ANNOTATION]: AMP_ROLE_ARN } } });
        assert.equal(IRSA_ROLE_ANNOTATION, "eks.amazonaws.com/role-arn");
        assert.ok(!("env" in v.server));
        assert.ok("annotations" in upstreamValues.serviceAccounts.server && "name" in upstreamValues.serviceAccounts.server);
    });

    it("refuses bad credential sources", () => {
        assert.throws(() => awsCredentialChartInputs({ type: "irsa", roleArn: "role" }), /sigv4\.credentials\.roleArn: "role" is not an IAM role ARN/);
        assert.throws(() => awsCredentialChartInputs({ type: "secret", secretName: "Bad_Name" }), /sigv4\.credentials\.secretName: "Bad_Name" is not a Secret name/);
        assert.throws(() => awsCredentialChartInputs({ type: "secret", secretName: "ok", accessKeyIdKey: "a/b" }), /accessKeyIdKey: "a\/b" is not a Secret key/);
        assert.throws(() => awsCredentialChartInputs({ type: "keys" } as any), /sigv4\.credentials\.type: "keys" is unknown; allowed: secret, irsa/);
    });
});
