import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse, parseAllDocuments, stringify } from "yaml";
import { buildGrafanaDatasources, DATASOURCES, GrafanaDatasourceSettings, renderGrafanaDatasources } from "../../components/grafana/datasources";
import { TENANT_HEADER } from "../../components/kernel/tenant-header";
import { GlobalGrafana, PROMETHEUS_PASSWORD_ENV } from "../../components/grafana/global-grafana";
import {
    buildGrafanaValues,
    DATASOURCES_MOUNT_PATH,
    GRAFANA_CHART,
    grafanaFullname,
    GrafanaChartSettings,
    grafanaUrl,
    KUMA_DASHBOARDS,
    KUMA_DASHBOARDS_REF,
    KUMA_DATASOURCE_PLUGIN,
    kumaDashboardUrl,
} from "../../components/grafana/grafana-chart";
import { buildOverviewDashboard, OVERVIEW_DASHBOARD_FILE, OVERVIEW_DASHBOARD_UID, OVERVIEW_QUERIES, renderOverviewDashboard } from "../../components/grafana/overview-dashboard";
import { GlobalLoki } from "../../components/logs/global-loki";
import { sha256 } from "../../components/kernel/checksum";
import { GlobalJaeger } from "../../components/traces/global-jaeger";
import { WORKLOAD_ANNOTATION } from "../../components/kernel/workload-files";
import { echoWith, mockProviders, RecordedRun, underMocks } from "../../infra/plan/mock-runtime";
import { containsSecret, revealOrMask } from "../../infra/plan/secret-values";
import { PROMTOOL_BIN } from "../support/prometheus-process";
import { registered, registration } from "../support/registrations";
import { upstreamPath, upstreamYaml } from "../support/upstream";
import { unknownValuePaths } from "../support/values-keys";

const GRAFANA_DIR = `grafana-chart-${GRAFANA_CHART.version}`;
const GOLDEN = upstreamPath("kuma-2.14.3", "install-observability", "install-observability.defaults.golden.yaml");

const FULL: GrafanaDatasourceSettings = {
    prometheus: { url: "http://global-prometheus.obs.svc.cluster.local:80", basicAuthUser: "grafana", passwordEnv: "MESHOBS_PROMETHEUS_PASSWORD" },
    jaeger: { url: "http://global-jaeger.obs.svc.cluster.local:16686" },
    loki: { url: "http://global-loki-gateway.obs.svc.cluster.local", tenant: "mesh" },
    kuma: { url: "http://kuma-control-plane.kuma-system:5681" },
};

/** The kumactl reference: ConfigMaps of the golden `install observability` output, by name. */
function goldenConfigMaps(): Map<string, Record<string, string>> {
    const docs = parseAllDocuments(fs.readFileSync(GOLDEN, "utf8")).map((d) => d.toJS());
    return new Map(docs.filter((d: any) => d?.kind === "ConfigMap").map((d: any) => [d.metadata.name, d.data]));
}

/**
 * Grafana's provisioning expansion (pkg/services/provisioning/values): each string value is split on
 * "$$", every part has $VAR / ${VAR} expanded from the environment (unknown: ""), and the parts are
 * joined with a literal "$".
 */
function grafanaExpand(v: unknown, env: Record<string, string>): unknown {
    if (typeof v === "string") {
        return v
            .split("$$")
            .map((part) => part.replace(/\$\{([^}]*)\}|\$([A-Za-z0-9_]+)/g, (_m, a, b) => env[a ?? b] ?? ""))
            .join("$");
    }
    if (Array.isArray(v)) return v.map((x) => grafanaExpand(x, env));
    if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, grafanaExpand(x, env)]));
    return v;
}

const byUid = (doc: any, uid: string) => doc.datasources.find((d: any) => d.uid === uid);

// ---------------------------------------------------------------------------------------------
// Datasources

describe("grafana datasources", () => {
    const doc: any = buildGrafanaDatasources(FULL);

    it("provisions apiVersion 1 with the fixed uids, names and types of the kumactl reference", () => {
        assert.equal(doc.apiVersion, 1);
        assert.equal(doc.prune, true);
        const golden = parse(goldenConfigMaps().get("provisioning-datasource")!["datasource.yaml"]);
        for (const key of ["prometheus", "jaeger", "loki", "kuma"] as const) {
            const ours = byUid(doc, DATASOURCES[key].uid);
            const ref = golden.datasources.find((d: any) => d.uid === DATASOURCES[key].uid);
            assert.ok(ours && ref, key);
            assert.equal(ours.name, ref.name, `${key} name (the Kuma dashboards refer to datasources by name)`);
            assert.equal(ours.type, ref.type, `${key} type`);
        }
        assert.equal(doc.datasources.filter((d: any) => d.isDefault).map((d: any) => d.uid).join(), "prometheus");
    });

    it("queries Amazon Managed Prometheus with SigV4 from the pod's credentials, and Mimir with its tenant header", () => {
        const amp = byUid(buildGrafanaDatasources({ prometheus: { url: "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1", sigv4Region: "us-east-1" } }), "prometheus");
        assert.equal(amp.type, "grafana-amazonprometheus-datasource");
        assert.deepEqual(amp.jsonData, { httpMethod: "POST", sigV4Auth: true, sigV4AuthType: "default", sigV4Region: "us-east-1" });
        assert.equal(amp.basicAuth, false);
        assert.equal(amp.secureJsonData, undefined, "no credential in the file");
        const mimir = byUid(buildGrafanaDatasources({ prometheus: { url: "http://mimir-nginx.obs/prometheus", tenant: "mesh-prod" } }), "prometheus");
        assert.equal(mimir.jsonData.httpHeaderName1, "X-Scope-OrgID");
        assert.deepEqual(mimir.secureJsonData, { httpHeaderValue1: "mesh-prod" });
        assert.equal(mimir.jsonData.prometheusType, "Mimir");
        assert.throws(
            () => buildGrafanaDatasources({ prometheus: { url: "http://p", basicAuthUser: "g", passwordEnv: "P", sigv4Region: "us-east-1" } }),
            /one auth method; allowed: basicAuthUser or sigv4Region/,
        );
    });

    it("links Loki to Jaeger and Jaeger to Loki by uid, as the reference does", () => {
        const golden = parse(goldenConfigMaps().get("provisioning-datasource")!["datasource.yaml"]);
        const refLoki = golden.datasources.find((d: any) => d.uid === "loki");
        const refJaeger = golden.datasources.find((d: any) => d.uid === "jaeger");
        assert.equal(refLoki.jsonData.derivedFields[0].datasourceUid, refJaeger.uid);
        assert.equal(refJaeger.jsonData.tracesToLogs.datasourceUid, refLoki.uid);

        const loki = byUid(doc, "loki");
        const jaeger = byUid(doc, "jaeger");
        assert.ok(loki.jsonData.derivedFields.length >= 1);
        for (const f of loki.jsonData.derivedFields) {
            assert.equal(f.datasourceUid, jaeger.uid, f.name);
            assert.equal(f.url, refLoki.jsonData.derivedFields[0].url, "the same escaped ${__value.raw} as the reference");
        }
        assert.equal(loki.jsonData.derivedFields[0].name, refLoki.jsonData.derivedFields[0].name);
        assert.ok(new RegExp(loki.jsonData.derivedFields[0].matcherRegex).test('trace "4bf92f3577b34da6a3ce929d0e0e4736" id'), "32-hex W3C ids");
        assert.ok(new RegExp(loki.jsonData.derivedFields[0].matcherRegex).test('"a3ce929d0e0e4736"'), "16-hex ids, as the reference");
        assert.equal(jaeger.jsonData.tracesToLogsV2.datasourceUid, loki.uid);
        assert.equal(jaeger.jsonData.tracesToLogsV2.filterByTraceID, true);
    });

    it("links only what exists: no derived field without Jaeger, no traces-to-logs without Loki", () => {
        const noJaeger: any = buildGrafanaDatasources({ ...FULL, jaeger: undefined });
        assert.equal(byUid(noJaeger, "loki").jsonData.derivedFields, undefined);
        const noLoki: any = buildGrafanaDatasources({ ...FULL, loki: undefined });
        assert.equal(byUid(noLoki, "jaeger").jsonData.tracesToLogsV2, undefined);
        const minimal: any = buildGrafanaDatasources({ prometheus: { url: "http://p:9090" } });
        assert.deepEqual(minimal.datasources.map((d: any) => d.uid), ["prometheus"]);
        assert.equal(minimal.datasources[0].basicAuth, false);
    });

    it("sends the Loki tenant as X-Scope-OrgID (header name in jsonData, value in secureJsonData)", () => {
        const loki = byUid(doc, "loki");
        assert.equal(TENANT_HEADER, "X-Scope-OrgID");
        assert.equal(loki.jsonData.httpHeaderName1, "X-Scope-OrgID");
        assert.deepEqual(loki.secureJsonData, { httpHeaderValue1: "mesh" });
        assert.throws(() => buildGrafanaDatasources({ ...FULL, loki: { url: "http://l", tenant: "a|b" } }), /not a tenant ID/);
    });

    it("reads the Prometheus password from the environment: the file holds a reference, never the password", () => {
        const prom = byUid(doc, "prometheus");
        assert.equal(prom.basicAuth, true);
        assert.equal(prom.basicAuthUser, "grafana");
        assert.deepEqual(prom.secureJsonData, { basicAuthPassword: "${MESHOBS_PROMETHEUS_PASSWORD}" });
        const expanded: any = grafanaExpand(parse(renderGrafanaDatasources(FULL)), { MESHOBS_PROMETHEUS_PASSWORD: "s3cret" });
        assert.equal(byUid(expanded, "prometheus").secureJsonData.basicAuthPassword, "s3cret");
        assert.throws(() => buildGrafanaDatasources({ prometheus: { url: "http://p", basicAuthUser: "u" } }), /go together/);
        assert.throws(() => buildGrafanaDatasources({ prometheus: { url: "http://p", basicAuthUser: "u", passwordEnv: "lower-case" } }), /not an environment variable name/);
    });

    it("survives Grafana's $ expansion: literals stay literal, only the password reference expands", () => {
        const s: GrafanaDatasourceSettings = { ...FULL, prometheus: { ...FULL.prometheus, url: "http://p:9090/?q=$HOME" } };
        const expanded: any = grafanaExpand(parse(renderGrafanaDatasources(s)), { HOME: "/root", MESHOBS_PROMETHEUS_PASSWORD: "pw" });
        assert.equal(byUid(expanded, "prometheus").url, "http://p:9090/?q=$HOME");
        assert.equal(byUid(expanded, "loki").jsonData.derivedFields[0].url, "${__value.raw}", "what Grafana's link template needs after expansion");
        assert.equal(byUid(expanded, "loki").secureJsonData.httpHeaderValue1, "mesh");
    });

    it("points the Kuma plugin at Prometheus by uid and at the control plane API", () => {
        const kuma = byUid(doc, "kuma");
        assert.equal(kuma.type, KUMA_DATASOURCE_PLUGIN.id);
        assert.equal(kuma.url, "http://kuma-control-plane.kuma-system:5681");
        assert.equal(kuma.jsonData.prometheusDataSourceId, "uid/prometheus");
    });

    it("renders YAML that parses back to the document and rejects URLs without scheme", () => {
        assert.deepEqual(parse(renderGrafanaDatasources(FULL)), doc);
        assert.throws(() => buildGrafanaDatasources({ prometheus: { url: "prometheus:9090" } }), /not an http\(s\) URL/);
    });
});

// ---------------------------------------------------------------------------------------------
// Overview dashboard

describe("grafana multi-zone overview dashboard", () => {
    const d: any = buildOverviewDashboard();
    const panels = d.panels.filter((p: any) => p.type !== "row");
    const exprs: string[] = panels.flatMap((p: any) => p.targets.map((t: any) => t.expr));

    it("has a stable uid and renders as JSON that parses back", () => {
        assert.equal(d.uid, OVERVIEW_DASHBOARD_UID);
        assert.equal(OVERVIEW_DASHBOARD_FILE, `${OVERVIEW_DASHBOARD_UID}.json`);
        assert.deepEqual(JSON.parse(renderOverviewDashboard()), d);
        assert.equal(renderOverviewDashboard(), renderOverviewDashboard());
    });

    it("repeats a row per zone over a multi-value zone variable whose All excludes series without zone", () => {
        const v = d.templating.list.find((x: any) => x.name === "zone");
        assert.ok(v);
        assert.equal(v.multi, true);
        assert.equal(v.includeAll, true);
        assert.equal(v.allValue, ".+");
        assert.deepEqual(v.datasource, { type: "prometheus", uid: DATASOURCES.prometheus.uid });
        const row = d.panels.find((p: any) => p.type === "row");
        assert.equal(row.repeat, "zone");
    });

    it("queries only the provisioned Prometheus, every query filtered by zone", () => {
        for (const p of panels) {
            assert.equal(p.datasource.uid, DATASOURCES.prometheus.uid, p.title);
            for (const t of p.targets) assert.equal(t.datasource.uid, DATASOURCES.prometheus.uid, p.title);
        }
        assert.equal(exprs.length, 4);
        for (const e of exprs) assert.match(e, /zone=~"\$zone"/);
        assert.deepEqual(new Set(exprs), new Set(Object.values(OVERVIEW_QUERIES)));
    });

    it("has the three panels: ingest rate, remote-write lag, targets up by job", () => {
        assert.deepEqual(panels.map((p: any) => p.title), ["Ingest rate at the global", "Remote-write lag", "Mesh targets up"]);
        assert.equal(panels[1].fieldConfig.defaults.unit, "s");
    });

    it("the queries compute per-zone values on synthetic zone series (promtool test rules)", function () {
        if (!fs.existsSync(PROMTOOL_BIN)) this.skip();
        const all = (e: string) => e.replace(/\$zone/g, ".+");
        const ctx = 'job="prometheus",instance="localhost:9090"';
        const queue = 'remote_name="global",url="https://global.example.com/api/v1/write"';
        const test = {
            evaluation_interval: "1m",
            tests: [
                {
                    interval: "1m",
                    input_series: [
                        { series: `prometheus_remote_storage_samples_total{${ctx},zone="east",${queue}}`, values: "0+600x10" },
                        { series: `prometheus_remote_storage_samples_total{${ctx},zone="west",${queue}}`, values: "0+1200x10" },
                        // The global's own series carry no zone: the zone filter must drop them.
                        { series: `prometheus_remote_storage_samples_total{${ctx},${queue}}`, values: "0+60x10" },
                        { series: `prometheus_remote_storage_highest_timestamp_in_seconds{${ctx},zone="east"}`, values: "1000x10" },
                        { series: `prometheus_remote_storage_queue_highest_sent_timestamp_seconds{${ctx},zone="east",${queue}}`, values: "990x10" },
                        { series: `prometheus_remote_storage_highest_timestamp_in_seconds{${ctx},zone="west"}`, values: "1000x10" },
                        { series: `prometheus_remote_storage_queue_highest_sent_timestamp_seconds{${ctx},zone="west",${queue}}`, values: "700x10" },
                        { series: 'up{job="kuma-dataplanes",instance="10.0.0.1:5670",zone="east"}', values: "1x10" },
                        { series: 'up{job="kuma-dataplanes",instance="10.0.0.2:5670",zone="east"}', values: "0x10" },
                        { series: 'up{job="kuma-control-plane",instance="kuma-control-plane.kuma-system:5680",zone="east"}', values: "1x10" },
                        { series: 'up{job="prometheus",instance="localhost:9090",zone="east"}', values: "1x10" },
                    ],
                    promql_expr_test: [
                        { expr: all(OVERVIEW_QUERIES.ingestRate), eval_time: "10m", exp_samples: [{ labels: '{zone="east"}', value: 10 }, { labels: '{zone="west"}', value: 20 }] },
                        { expr: all(OVERVIEW_QUERIES.remoteWriteLag), eval_time: "10m", exp_samples: [{ labels: '{zone="east"}', value: 10 }, { labels: '{zone="west"}', value: 300 }] },
                        {
                            expr: all(OVERVIEW_QUERIES.targetsUp),
                            eval_time: "10m",
                            exp_samples: [{ labels: '{job="kuma-dataplanes",zone="east"}', value: 1 }, { labels: '{job="kuma-control-plane",zone="east"}', value: 1 }],
                        },
                        {
                            expr: all(OVERVIEW_QUERIES.targetsTotal),
                            eval_time: "10m",
                            exp_samples: [{ labels: '{job="kuma-dataplanes",zone="east"}', value: 2 }, { labels: '{job="kuma-control-plane",zone="east"}', value: 1 }],
                        },
                        // Inside a repeated row $zone is one zone.
                        { expr: OVERVIEW_QUERIES.remoteWriteLag.replace(/\$zone/g, "west"), eval_time: "10m", exp_samples: [{ labels: '{zone="west"}', value: 300 }] },
                    ],
                },
            ],
        };
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dash-promql-"));
        try {
            fs.writeFileSync(path.join(dir, "test.yml"), stringify(test));
            const r = spawnSync(PROMTOOL_BIN, ["test", "rules", "test.yml"], { cwd: dir, encoding: "utf8", timeout: 30_000 });
            assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

// ---------------------------------------------------------------------------------------------
// Chart values

const chartSettings = (over: Partial<GrafanaChartSettings> = {}): GrafanaChartSettings => ({
    adminSecretName: "global-grafana-admin",
    datasourcesConfigMap: "global-grafana-datasources",
    dashboardsConfigMap: "global-grafana-dashboards",
    kumaPlugin: true,
    envFromSecret: "global-grafana-datasource-credentials",
    configChecksum: "0".repeat(64),
    ...over,
});

describe(`grafana chart ${GRAFANA_CHART.version} values`, () => {
    const upstream = upstreamYaml(GRAFANA_DIR, "values.yaml");
    /**
     * grafana.ini is converted to ini as given (_config.tpl); securityContext and containerSecurityContext
     * are Kubernetes (Pod)SecurityContexts the pod template passes through toYaml.
     */
    const FREE_FORM = ["grafana.ini", "securityContext", "containerSecurityContext"];
    /** Keys upstream documents only as commented-out examples in values.yaml. */
    const COMMENTED = ["podAnnotations", "serviceAccount.annotations"];
    const variants: Array<[string, GrafanaChartSettings]> = [
        ["everything", chartSettings()],
        ["no Kuma", chartSettings({ kumaPlugin: false, envFromSecret: undefined })],
        ["IRSA role for AMP queries", chartSettings({ serviceAccountAnnotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/grafana" }, amazonPrometheus: true })],
    ];

    it("pins the chart whose appVersion the code states", () => {
        const chart = upstreamYaml(GRAFANA_DIR, "Chart.yaml");
        assert.equal(chart.version, GRAFANA_CHART.version);
        assert.equal(chart.appVersion, GRAFANA_CHART.appVersion);
        assert.ok(chart.sources.includes("https://github.com/grafana-community/helm-charts"));
    });

    for (const [what, s] of variants) {
        it(`${what}: every key path exists in upstream values.yaml (or is documented free-form / commented)`, () => {
            assert.deepEqual(unknownValuePaths(buildGrafanaValues(s), upstream, [...FREE_FORM, ...COMMENTED]), []);
        });
    }

    it("the key check catches a misspelt key, and commented keys really are documented", () => {
        const v: any = buildGrafanaValues(chartSettings());
        v.admin.existingSecrets = "x";
        assert.deepEqual(unknownValuePaths(v, upstream, [...FREE_FORM, ...COMMENTED]), ["admin.existingSecrets"]);
        const text = fs.readFileSync(upstreamPath(GRAFANA_DIR, "values.yaml"), "utf8");
        for (const key of COMMENTED) assert.match(text, new RegExp(`^\\s*#\\s*${key.split(".").pop()}:`, "m"), key);
        assert.equal(typeof upstream["grafana.ini"], "object");
    });

    it("takes the admin from our Secret", () => {
        const v: any = buildGrafanaValues(chartSettings());
        assert.deepEqual(v.admin, { existingSecret: "global-grafana-admin", userKey: upstream.admin.userKey, passwordKey: upstream.admin.passwordKey });
        assert.ok(!("adminPassword" in v));
        assert.equal(v.envFromSecret, "global-grafana-datasource-credentials");
    });

    it("mounts our datasource file into the provisioning directory, with a checksum annotation that rolls the pod", () => {
        const v: any = buildGrafanaValues(chartSettings({ configChecksum: "a".repeat(64) }));
        assert.deepEqual(v.extraConfigmapMounts, [
            { name: "meshobs-datasources", mountPath: DATASOURCES_MOUNT_PATH, subPath: "datasources.yaml", configMap: "global-grafana-datasources", readOnly: true },
        ]);
        assert.equal(path.dirname(DATASOURCES_MOUNT_PATH), `${upstream["grafana.ini"].paths.provisioning}/datasources`);
        assert.deepEqual(v.podAnnotations, { "meshobs.io/config-sha256": "a".repeat(64) });
        assert.equal(v.datasources, undefined, "the chart renders no datasource file of its own");
    });

    it("dashboards: one provider per source, each at /var/lib/grafana/dashboards/<provider>, ConfigMap and downloads never share one", () => {
        const v: any = buildGrafanaValues(chartSettings());
        const providers = v.dashboardProviders["dashboardproviders.yaml"].providers;
        for (const p of providers) assert.equal(p.options.path, `/var/lib/grafana/dashboards/${p.name}`);
        const names = providers.map((p: any) => p.name).sort();
        assert.deepEqual(names, [...Object.keys(v.dashboardsConfigMaps), ...Object.keys(v.dashboards)].sort());
        assert.deepEqual(names, ["kuma", "meshobs"]);
        assert.deepEqual(v.dashboardsConfigMaps, { meshobs: "global-grafana-dashboards" });
    });

    it("downloads the Kuma dashboards kumactl ships, pinned to a Kuma release, with the reference's gnetIds", () => {
        const v: any = buildGrafanaValues(chartSettings());
        const golden = goldenConfigMaps();
        const goldenFiles = new Map<string, any>();
        for (const [name, data] of golden) if (name.startsWith("provisioning-dashboards-")) for (const [k, j] of Object.entries(data)) goldenFiles.set(k, JSON.parse(j));
        for (const d of KUMA_DASHBOARDS) {
            const ref = goldenFiles.get(d.file);
            assert.ok(ref, `${d.file} is one of the reference's dashboards`);
            if (d.gnetId !== undefined) assert.equal(ref.gnetId, d.gnetId, d.file);
            assert.deepEqual(v.dashboards.kuma[d.key], { url: kumaDashboardUrl(d.file), datasource: [{ name: "DS_PROMETHEUS", value: "Prometheus" }] });
            assert.ok(kumaDashboardUrl(d.file).includes(`/kumahq/kuma/${KUMA_DASHBOARDS_REF}/`), "pinned to the release tag");
        }
        assert.deepEqual(KUMA_DASHBOARDS.filter((d) => d.gnetId !== undefined).map((d) => d.gnetId), [11774, 11775, 11776]);
        assert.equal(goldenFiles.get("kuma-cp.json").title, "Kuma CP");
        assert.ok(!v.defaultCurlOptions.includes("k"), "TLS verification stays on");
    });

    it("installs the Kuma datasource plugin from its release and allows it unsigned, as the reference does", () => {
        const v: any = buildGrafanaValues(chartSettings());
        assert.deepEqual(v.plugins, [
            "kumahq-kuma-datasource@0.1.1@https://github.com/kumahq/kuma-grafana-datasource/releases/download/v0.1.1/kumahq-kuma-datasource-0.1.1.zip",
        ]);
        assert.equal(v["grafana.ini"].plugins.allow_loading_unsigned_plugins, KUMA_DATASOURCE_PLUGIN.id);
        const goldenIni = goldenConfigMaps().get("grafana")!["grafana.ini"];
        assert.match(goldenIni, new RegExp(`allow_loading_unsigned_plugins = "${KUMA_DATASOURCE_PLUGIN.id}"`));
        const off: any = buildGrafanaValues(chartSettings({ kumaPlugin: false }));
        assert.equal(off.plugins, undefined);
        assert.equal(off["grafana.ini"].plugins, undefined);
    });

    it("runs restricted with a read-only root filesystem, no sidecars, RBAC or API token", () => {
        const v: any = buildGrafanaValues(chartSettings());
        assert.equal(v.securityContext.runAsNonRoot, true);
        assert.equal(v.securityContext.runAsUser, upstream.securityContext.runAsUser);
        assert.equal(v.containerSecurityContext.readOnlyRootFilesystem, true);
        assert.equal(v.containerSecurityContext.allowPrivilegeEscalation, false);
        assert.deepEqual(v.extraEmptyDirMounts, [{ name: "tmp", mountPath: "/tmp" }]);
        assert.equal(v.rbac.create, false);
        assert.equal(v.automountServiceAccountToken, false);
        assert.equal(v.testFramework.enabled, false);
        for (const sc of ["dashboards", "datasources"]) assert.equal(upstream.sidecar[sc].enabled, false, `upstream ${sc} sidecar stays off`);
    });

    it("the UI is a ClusterIP Service at its in-cluster DNS name, with no ingress and no root_url", () => {
        const v: any = buildGrafanaValues(chartSettings());
        assert.deepEqual(v.service, { type: "ClusterIP" });
        assert.equal(v.ingress, undefined);
        assert.equal(v["grafana.ini"].server, undefined);
        assert.equal(grafanaUrl("global-grafana", "obs"), "http://global-grafana.obs.svc.cluster.local");
        assert.equal(grafanaFullname("global-grafana"), "global-grafana");
        assert.equal(grafanaFullname("dashboards"), "dashboards-grafana");
    });
});

// ---------------------------------------------------------------------------------------------
// Components under Pulumi's mock runtime.

const ADMIN_PASSWORD = "adminPW0123456789abcdefghijklmno";
const PROM_PASSWORD = "promReaderPW-9f8e7d6c5b4a";

/** A RandomPassword's result is the admin password above, so the tests can look for it. */
const underGrafanaMocks = (program: () => Record<string, pulumi.Output<unknown>>) =>
    underMocks({ stack: "test-global", mocks: mockProviders({ resources: { "random:index/randomPassword:RandomPassword": echoWith(() => ({ result: ADMIN_PASSWORD })) } }) }, program);

describe("GlobalGrafana under Pulumi mocks", () => {
    let run: RecordedRun;
    let dashboardText = "";
    before(async () => {
        run = await underGrafanaMocks(() => {
            const g = new GlobalGrafana("global-grafana", {
                namespace: "obs",
                prometheus: { url: "http://global-prometheus.obs.svc.cluster.local:80", basicAuthUser: "grafana", password: PROM_PASSWORD },
                jaeger: { url: pulumi.output("http://global-jaeger.obs.svc.cluster.local:16686") },
                loki: { url: "http://global-loki-gateway.obs.svc.cluster.local", tenant: "mesh" },
                kuma: { url: "http://kuma-control-plane.kuma-system:5681" },
            });
            dashboardText = g.dashboardText;
            return { url: g.url, adminUser: g.adminUser, adminPassword: g.adminPassword, datasources: g.datasourcesText };
        });
    });

    it("registers the component and its children under `${name}-<role>`", () => {
        assert.deepEqual(registered(run, "meshobs:grafana:GlobalGrafana").map((r) => r.name), ["global-grafana"]);
        assert.deepEqual(registered(run, "random:index/randomPassword:RandomPassword").map((r) => r.name), ["global-grafana-admin-password"]);
        assert.deepEqual(registered(run, "kubernetes:core/v1:Secret").map((r) => r.name), ["global-grafana-admin", "global-grafana-datasource-credentials"]);
        assert.deepEqual(registered(run, "kubernetes:core/v1:ConfigMap").map((r) => r.name), ["global-grafana-dashboards", "global-grafana-datasources"]);
        assert.deepEqual(registered(run, "kubernetes:helm.sh/v4:Chart").map((r) => r.name), ["global-grafana-chart"]);
    });

    it("keeps the admin password and the Prometheus password in Secrets, as secrets", () => {
        const admin = registration(run, "kubernetes:core/v1:Secret", "global-grafana-admin");
        const creds = registration(run, "kubernetes:core/v1:Secret", "global-grafana-datasource-credentials");
        // The wire format marks the whole stringData secret once any value in it is.
        assert.ok(containsSecret(admin.inputs.stringData));
        assert.ok(containsSecret(creds.inputs.stringData));
        const revealedAdmin: any = revealOrMask(admin.inputs, true);
        assert.deepEqual(revealedAdmin.stringData, { "admin-user": "admin", "admin-password": ADMIN_PASSWORD });
        assert.equal((revealOrMask(creds.inputs, true) as any).stringData[PROMETHEUS_PASSWORD_ENV], PROM_PASSWORD);
    });

    it("no password appears in any ConfigMap or in the chart values", () => {
        for (const r of run.resources.filter((x) => x.type !== "kubernetes:core/v1:Secret" && x.type !== "random:index/randomPassword:RandomPassword")) {
            const text = JSON.stringify(revealOrMask(r.inputs, true));
            assert.ok(!text.includes(ADMIN_PASSWORD) && !text.includes(PROM_PASSWORD), `${r.type} ${r.name}`);
        }
    });

    it("the datasource ConfigMap holds the file byte for byte, for the grafana workload, with the env reference", () => {
        const ds = registration(run, "kubernetes:core/v1:ConfigMap", "global-grafana-datasources");
        const dash = registration(run, "kubernetes:core/v1:ConfigMap", "global-grafana-dashboards");
        assert.equal(ds.inputs.metadata.annotations[WORKLOAD_ANNOTATION], "grafana");
        assert.equal(dash.inputs.metadata.annotations[WORKLOAD_ANNOTATION], "grafana");
        assert.equal(ds.inputs.data["datasources.yaml"], run.outputs.datasources.value);
        assert.equal(dash.inputs.data[OVERVIEW_DASHBOARD_FILE], dashboardText);
        const doc = parse(ds.inputs.data["datasources.yaml"]);
        assert.equal(byUid(doc, "prometheus").secureJsonData.basicAuthPassword, `\${${PROMETHEUS_PASSWORD_ENV}}`);
        assert.equal(byUid(doc, "jaeger").url, "http://global-jaeger.obs.svc.cluster.local:16686");
        assert.equal(byUid(doc, "loki").secureJsonData.httpHeaderValue1, "mesh");
    });

    it("wires the chart to its Secrets and ConfigMaps, with the checksum of what it mounts", () => {
        const [chart] = registered(run, "kubernetes:helm.sh/v4:Chart");
        const v = (revealOrMask(chart.inputs, true) as any).values;
        assert.equal(chart.inputs.chart, "grafana");
        assert.equal(chart.inputs.version, GRAFANA_CHART.version);
        assert.equal(chart.inputs.repositoryOpts.repo, "https://grafana-community.github.io/helm-charts");
        assert.equal(v.admin.existingSecret, "global-grafana-admin");
        assert.equal(v.envFromSecret, "global-grafana-datasource-credentials");
        assert.equal(v.extraConfigmapMounts[0].configMap, "global-grafana-datasources");
        assert.deepEqual(v.dashboardsConfigMaps, { meshobs: "global-grafana-dashboards" });
        assert.equal(v.podAnnotations["meshobs.io/config-sha256"], sha256(run.outputs.datasources.value + dashboardText));
        assert.ok(v.plugins[0].startsWith("kumahq-kuma-datasource@"), "a Kuma datasource brings its plugin");
    });

    it("exports the URL, the admin user and the admin password as a secret", () => {
        assert.equal(run.outputs.url.value, "http://global-grafana.obs.svc.cluster.local");
        assert.equal(run.outputs.adminUser.value, "admin");
        assert.equal(run.outputs.adminPassword.value, ADMIN_PASSWORD);
        assert.equal(run.outputs.adminPassword.secret, true);
        assert.equal(run.outputs.url.secret, false);
    });

    it("refuses half a basic-auth credential", async () => {
        await underGrafanaMocks(() => ({}));
        assert.throws(() => new GlobalGrafana("g1", { namespace: "obs", prometheus: { url: "http://p", basicAuthUser: "grafana" } }), /go together/);
    });
});

describe("global Jaeger, Loki and Grafana wired together under Pulumi mocks", () => {
    it("Grafana's datasources point at the Jaeger and Loki the components export, with Loki's tenant", async () => {
        const run = await underGrafanaMocks(() => {
            const jaeger = new GlobalJaeger("global-jaeger", { namespace: "obs", storage: { type: "memory", maxTraces: 10000 }, exposure: { type: "ClusterIP" } });
            const loki = new GlobalLoki("global-loki", {
                namespace: "obs",
                replicas: 1,
                tenant: "mesh-prod",
                retention: "30d",
                storage: { type: "filesystem", size: "10Gi" },
                exposure: { type: "ClusterIP" },
            });
            const grafana = new GlobalGrafana("global-grafana", {
                namespace: "obs",
                prometheus: { url: "http://global-prometheus.obs.svc.cluster.local:80" },
                jaeger: { url: jaeger.queryUrl },
                loki: { url: loki.queryUrl, tenant: loki.tenant },
            });
            return { datasources: grafana.datasourcesText, jaegerQuery: jaeger.queryUrl, lokiQuery: loki.queryUrl };
        });
        const doc = parse(run.outputs.datasources.value);
        assert.equal(byUid(doc, "jaeger").url, run.outputs.jaegerQuery.value);
        assert.equal(byUid(doc, "loki").url, run.outputs.lokiQuery.value);
        assert.equal(byUid(doc, "loki").secureJsonData.httpHeaderValue1, "mesh-prod");
        assert.equal(byUid(doc, "kuma"), undefined);
        assert.equal(registered(run, "kubernetes:core/v1:Secret").length, 1, "no credentials Secret without a Prometheus password");
        const [chart] = registered(run, "kubernetes:helm.sh/v4:Chart").filter((c) => c.name === "global-grafana-chart");
        const v = (revealOrMask(chart.inputs, true) as any).values;
        assert.equal(v.envFromSecret, undefined);
        assert.equal(v.plugins, undefined, "no Kuma datasource, no plugin by default");
    });
});
