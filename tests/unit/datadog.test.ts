import { strict as assert } from "assert";
import Ajv from "ajv";
import { parse } from "yaml";
import {
    agentObjectNames,
    APM_PORT,
    buildDatadogAgentValues,
    DATADOG_CHART,
    datadogApiUrl,
    DatadogAgentSettings,
    LOGS_TCP_PORT,
    METRIC_NAMESPACES,
    renderAgentChecks,
} from "../../components/datadog/agent-chart";
import { buildMeshDashboard, renderMeshDashboardJson } from "../../components/datadog/dashboard";
import { DatadogMeshMonitoring } from "../../components/datadog/datadog-mesh-monitoring";
import { buildMeshMonitors, MeshMonitorSettings } from "../../components/datadog/monitors";
import { ZoneDatadogAgent } from "../../components/datadog/zone-datadog-agent";
import { WORKLOAD_ANNOTATION } from "../../components/kernel/workload-files";
import { echoWith, mockProviders, RecordedRun, underMocks } from "../../infra/plan/mock-runtime";
import { containsSecret, revealOrMask } from "../../infra/plan/secret-values";
import { registration } from "../support/registrations";
import { upstreamJson, upstreamYaml } from "../support/upstream";
import { unknownValuePaths } from "../support/values-keys";

const CHART_DIR = `datadog-chart-${DATADOG_CHART.version}`;
const ZONES = ["east", "west"];
const monitorSettings = (over: Partial<MeshMonitorSettings> = {}): MeshMonitorSettings => ({ environment: "prod", zones: ZONES, ...over });
const agentSettings = (over: Partial<DatadogAgentSettings> = {}): DatadogAgentSettings => ({
    zone: "east",
    env: "prod",
    clusterName: "prod-east",
    site: "datadoghq.eu",
    apiKeySecret: { name: "dd-api-key", key: "api-key" },
    dataplaneMetrics: { port: 5670, path: "/metrics" },
    ...over,
});

/** Every metric query string of a dashboard widget tree, with the title of the group it sits in. */
function dashboardQueries(widgets: any[], group = ""): Array<{ group: string; query: string }> {
    return widgets.flatMap((w: any) => {
        const d = w.definition;
        if (d.type === "group") return dashboardQueries(d.widgets, d.title);
        return (d.requests ?? []).flatMap((r: any) => (r.queries ?? []).map((q: any) => ({ group, query: q.query as string })));
    });
}

describe("datadog: monitors", () => {
    it("builds one control plane monitor per zone and one stopped-reporting monitor", () => {
        const monitors = buildMeshMonitors(monitorSettings());
        assert.deepEqual(
            monitors.map((m) => m.key),
            ["control-plane-east", "control-plane-west", "zone-stopped-reporting"],
        );
    });

    it("scopes each control plane monitor to its zone and env, with notify_no_data", () => {
        for (const zone of ZONES) {
            const m = buildMeshMonitors(monitorSettings()).find((x) => x.key === `control-plane-${zone}`)!;
            assert.equal(m.type, "service check");
            assert.equal(m.query, `"kuma_cp.openmetrics.health".over("env:prod","zone:${zone}").by("zone").last(3).count_by_status()`);
            assert.equal(m.monitorThresholds.critical, "2");
            assert.equal(m.notifyNoData, true);
            assert.match(m.message, new RegExp(`zone ${zone}\\b`));
            assert.ok(!m.query.includes(`zone:${ZONES.find((z) => z !== zone)}`), "no other zone in the scope");
        }
    });

    it("counts as many service check runs as the failure threshold needs (last = critical + 1)", () => {
        const m = buildMeshMonitors(monitorSettings())[0];
        assert.equal(Number(m.monitorThresholds.critical) + 1, Number(/\.last\((\d+)\)\.count_by_status\(\)$/.exec(m.query)![1]));
    });

    it("zone stopped reporting: a multi-alert by zone with notify_no_data and the configured timeframe", () => {
        const byDefault = buildMeshMonitors(monitorSettings()).find((m) => m.key === "zone-stopped-reporting")!;
        assert.equal(byDefault.type, "metric alert");
        assert.equal(byDefault.query, "max(last_5m):sum:kuma_dp.envoy_server_live{env:prod} by {zone} < 1");
        assert.equal(byDefault.monitorThresholds.critical, "1", "the threshold in the query and in monitorThresholds must agree");
        assert.equal(byDefault.notifyNoData, true);
        assert.equal(byDefault.noDataTimeframe, 10);
        assert.equal(byDefault.requireFullWindow, false);
        assert.match(byDefault.name, /\{\{zone\.name\}\}/);
        assert.match(byDefault.message, /\{\{#is_no_data\}\}No dataplane metrics from zone \{\{zone\.name\}\} \(env prod\) for 10 minutes/);

        const longer = buildMeshMonitors(monitorSettings({ stoppedReportingMinutes: 30 })).find((m) => m.key === "zone-stopped-reporting")!;
        assert.equal(longer.noDataTimeframe, 30);
        assert.match(longer.message, /for 30 minutes/);
        // Datadog's advice: no-data timeframe at least twice the query window.
        const window = Number(/last_(\d+)m/.exec(longer.query)![1]);
        assert.ok(longer.noDataTimeframe >= 2 * window);
    });

    it("tags every monitor with env, the zones it covers and the shared tags; appends the notify handle", () => {
        const monitors = buildMeshMonitors(monitorSettings({ notify: "@slack-mesh" }));
        for (const m of monitors) {
            assert.ok(m.tags.includes("env:prod"), m.key);
            assert.ok(m.tags.includes("managed-by:pulumi"), m.key);
            assert.ok(m.message.endsWith("\n\n@slack-mesh"), m.key);
        }
        assert.ok(monitors[0].tags.includes("zone:east") && !monitors[0].tags.includes("zone:west"));
        assert.ok(monitors[2].tags.includes("zone:east") && monitors[2].tags.includes("zone:west"));
        assert.ok(!buildMeshMonitors(monitorSettings())[0].message.includes("@"), "no handle unless asked");
    });

    it("rejects no zones, a zone listed twice, and a no-data timeframe under twice the window", () => {
        assert.throws(() => buildMeshMonitors(monitorSettings({ zones: [] })), /zones is empty/);
        assert.throws(() => buildMeshMonitors(monitorSettings({ zones: ["east", "east"] })), /zone "east" is listed twice/);
        assert.throws(() => buildMeshMonitors(monitorSettings({ stoppedReportingMinutes: 5 })), /stoppedReportingMinutes 5 must be a whole number ≥ 10/);
    });

    it("derives the API URL from the site and refuses unknown sites", () => {
        assert.equal(datadogApiUrl("datadoghq.com"), "https://api.datadoghq.com/");
        assert.equal(datadogApiUrl("datadoghq.eu"), "https://api.datadoghq.eu/");
        assert.equal(datadogApiUrl("us5.datadoghq.com"), "https://api.us5.datadoghq.com/");
        assert.equal(datadogApiUrl("ddog-gov.com"), "https://api.ddog-gov.com/");
        assert.throws(() => datadogApiUrl("datadoghq.co"), /"datadoghq.co" is not a Datadog site; allowed: datadoghq.com, datadoghq.eu/);
    });
});

describe("datadog: dashboard", () => {
    const dashboard: any = buildMeshDashboard({ environment: "prod", zones: ZONES });

    it("has an all-zones overview, then one group per zone in order", () => {
        assert.equal(dashboard.layout_type, "ordered");
        assert.deepEqual(
            dashboard.widgets.map((w: any) => w.definition.title),
            ["All zones of prod", "Zone east", "Zone west"],
        );
    });

    it("scopes every zone group's metric queries to env and that zone only", () => {
        const queries = dashboardQueries(dashboard.widgets).filter((q) => q.group.startsWith("Zone "));
        assert.ok(queries.length >= 6 * ZONES.length, String(queries.length));
        for (const { group, query } of queries) {
            const zone = group.slice("Zone ".length);
            assert.match(query, new RegExp(`\\{env:prod,zone:${zone}[,}]`), query);
            for (const other of ZONES.filter((z) => z !== zone)) assert.ok(!query.includes(`zone:${other}`), query);
        }
    });

    it("splits the overview by zone, scoped to env", () => {
        const queries = dashboardQueries(dashboard.widgets).filter((q) => q.group === "All zones of prod");
        assert.ok(queries.length >= 3);
        for (const { query } of queries) {
            assert.match(query, /\{env:prod[,}]/, query);
            assert.match(query, / by \{zone(,mesh)?\}/, query);
        }
    });

    it("shows dataplanes reporting, request and 5xx rates by mesh, and control plane health per zone", () => {
        const east = dashboard.widgets.find((w: any) => w.definition.title === "Zone east").definition.widgets.map((w: any) => w.definition);
        const byTitle = (t: string) => east.find((d: any) => d.title === t);
        assert.equal(byTitle("Live dataplanes").requests[0].queries[0].query, "sum:kuma_dp.envoy_server_live{env:prod,zone:east,$mesh}");
        assert.equal(
            byTitle("Incoming requests/s by mesh").requests[0].queries[0].query,
            "sum:kuma_dp.envoy_cluster_upstream_rq.count{env:prod,zone:east,$mesh,envoy_cluster_name:localhost_*} by {mesh}.as_rate()",
        );
        const errors = byTitle("5xx responses (% of incoming requests) by mesh").requests[0];
        assert.equal(errors.formulas[0].formula, "100 * errors / requests");
        assert.match(errors.queries.find((q: any) => q.name === "errors").query, /envoy_cluster_upstream_rq_xx\.count\{.*envoy_response_code_class:5\} by \{mesh\}\.as_rate\(\)$/);
        assert.deepEqual(byTitle("Control plane health"), {
            type: "check_status",
            title: "Control plane health",
            check: "kuma_cp.openmetrics.health",
            grouping: "cluster",
            group_by: [],
            tags: ["env:prod", "zone:east"],
        });
        assert.deepEqual(dashboard.template_variables, [{ name: "mesh", prefix: "mesh", available_values: [], default: "*" }]);
    });

    it("renders as the JSON DashboardJson takes, and refuses an empty zone list", () => {
        assert.deepEqual(JSON.parse(renderMeshDashboardJson({ environment: "prod", zones: ZONES })), dashboard);
        assert.throws(() => buildMeshDashboard({ environment: "prod", zones: [] }), /zones is empty/);
    });
});

describe("datadog: what the global reads is what the zone agents send", () => {
    const checks = renderAgentChecks(agentSettings());
    const dp: any = parse(checks.files["kuma-dataplanes.yaml"]).instances[0];
    const cp: any = parse(checks.files["kuma-control-plane.yaml"]).instances[0];
    const dashboard: any = buildMeshDashboard({ environment: "prod", zones: ZONES });
    const referenced = [...dashboardQueries(dashboard.widgets).map((q) => q.query), ...buildMeshMonitors(monitorSettings()).map((m) => m.query)].join("\n");

    it("uses the check namespaces the agents configure", () => {
        assert.equal(dp.namespace, METRIC_NAMESPACES.dataplane);
        assert.equal(cp.namespace, METRIC_NAMESPACES.controlPlane);
        assert.ok(referenced.includes(`"${cp.namespace}.openmetrics.health"`));
    });

    it("every metric on the dashboard and in the monitors passes the agents' metric filter", () => {
        const names = [...referenced.matchAll(/\b(kuma_dp|kuma_cp)\.([a-z0-9_]+)(\.count)?\b/g)].filter((m) => m[2] !== "openmetrics");
        assert.ok(names.length >= 5);
        for (const [, ns, family] of names) {
            const filter: string[] = (ns === dp.namespace ? dp : cp).metrics;
            assert.ok(
                filter.some((p) => new RegExp(p).test(family)),
                `${ns}.${family} is dropped by the agent's metrics filter ${JSON.stringify(filter)}`,
            );
        }
    });
});

describe("datadog: zone agent chart values", () => {
    const v: any = buildDatadogAgentValues(agentSettings());
    const checks = renderAgentChecks(agentSettings());

    it("tags everything with zone and env, names the cluster and the site, reads the key from our Secret", () => {
        assert.deepEqual(v.datadog.tags, ["zone:east", "env:prod"]);
        assert.equal(v.datadog.clusterName, "prod-east");
        assert.equal(v.datadog.site, "datadoghq.eu");
        assert.equal(v.datadog.apiKeyExistingSecret, "dd-api-key");
        assert.equal(v.datadog.apiKey, undefined, "no inline key");
        assert.equal(v.fullnameOverride, "datadog-agent");
    });

    it("refuses a Secret key other than api-key (the chart reads no other)", () => {
        assert.throws(() => buildDatadogAgentValues(agentSettings({ apiKeySecret: { name: "dd", key: "apikey" } })), /apiKeySecret.key "apikey".*only from key "api-key"/);
    });

    it("runs APM on 8126 without a hostPort, for the trace-svc Service", () => {
        assert.deepEqual(v.datadog.apm, { portEnabled: false, useLocalService: true, port: 8126 });
        assert.equal(APM_PORT, 8126);
        assert.deepEqual(agentObjectNames("datadog-agent").agentPodSelector, { app: "datadog-agent" });
        assert.equal(agentObjectNames("x").traceService, "trace-svc");
    });

    it("collects all container logs and listens for MeshAccessLog's TCP stream", () => {
        assert.deepEqual(v.datadog.logs, { enabled: true, containerCollectAll: true });
        assert.deepEqual(v.agents.containers.agent.ports, [{ name: "logs-tcp", containerPort: LOGS_TCP_PORT, protocol: "TCP" }]);
        const logs = parse(checks.files["kuma-access-logs.yaml"]);
        assert.deepEqual(logs, { logs: [{ type: "tcp", port: 10518, source: "kuma", service: "kuma-access-log", tags: ["zone:east", "env:prod"] }] });
    });

    it("collects no logs and opens no TCP listener where Alloy owns logs (collectLogs false)", () => {
        const noLogs: any = buildDatadogAgentValues(agentSettings({ collectLogs: false }));
        assert.deepEqual(noLogs.datadog.logs, { enabled: false, containerCollectAll: false });
        assert.deepEqual(noLogs.agents.containers.agent.ports, []);
        const files = renderAgentChecks(agentSettings({ collectLogs: false }));
        assert.deepEqual(Object.keys(files.files).sort(), ["kuma-control-plane.yaml", "kuma-dataplanes.yaml"]);
        assert.ok(files.items.every((i) => !i.path.startsWith("kuma_access_logs.d/")));
        assert.deepEqual(noLogs.datadog.apm, v.datadog.apm, "APM unchanged");
    });

    it("autodiscovers the dataplanes' Prometheus endpoint and the control plane's, tagged with zone and env", () => {
        const dp: any = parse(checks.files["kuma-dataplanes.yaml"]);
        assert.deepEqual(dp.ad_identifiers, ["kuma-dp"]);
        assert.equal(dp.instances[0].openmetrics_endpoint, "http://%%host%%:5670/metrics");
        assert.deepEqual(dp.instances[0].tags, ["zone:east", "env:prod"]);
        assert.deepEqual(dp.instances[0].rename_labels, { zone: "kuma_zone" });
        const cp: any = parse(checks.files["kuma-control-plane.yaml"]);
        assert.deepEqual(cp.ad_identifiers, ["kuma-cp"]);
        assert.equal(cp.instances[0].openmetrics_endpoint, "http://%%host%%:5680/metrics");

        const custom: any = parse(
            renderAgentChecks(agentSettings({ dataplaneMetrics: { port: 9901, path: "/stats/prometheus" } })).files["kuma-dataplanes.yaml"],
        );
        assert.equal(custom.instances[0].openmetrics_endpoint, "http://%%host%%:9901/stats/prometheus");
    });

    it("mounts our ConfigMap at /conf.d of the init containers, each file into its <check>.d directory", () => {
        const [volume] = v.agents.volumes;
        assert.equal(volume.configMap.name, agentObjectNames("datadog-agent").checksConfigMap);
        assert.deepEqual(
            volume.configMap.items.map((i: any) => i.key).sort(),
            Object.keys(checks.files).sort(),
        );
        assert.deepEqual(
            volume.configMap.items.map((i: any) => i.path),
            ["openmetrics.d/kuma-dataplanes.yaml", "openmetrics.d/kuma-control-plane.yaml", "kuma_access_logs.d/conf.yaml"],
        );
        assert.deepEqual(v.agents.containers.initContainers.volumeMounts, [{ name: volume.name, mountPath: "/conf.d", readOnly: true }]);
        // The chart mounts its own confd volume at /conf.d when datadog.confd is set: the two would clash.
        assert.equal(v.datadog.confd, undefined);
    });

    it("rolls the agents when a check file changes", () => {
        const other: any = buildDatadogAgentValues(agentSettings({ dataplaneMetrics: { port: 5671, path: "/metrics" } }));
        assert.match(v.agents.podAnnotations["meshobs.io/checks-sha256"], /^[0-9a-f]{64}$/);
        assert.notEqual(other.agents.podAnnotations["meshobs.io/checks-sha256"], v.agents.podAnnotations["meshobs.io/checks-sha256"]);
    });

    it("runs an HA Cluster Agent with our token Secret, and no operator", () => {
        assert.deepEqual(v.clusterAgent, { enabled: true, replicas: 2, tokenExistingSecret: "datadog-agent-cluster-agent-token", pdb: { create: true } });
        assert.equal(v.datadog.operator.enabled, false);
    });

    it("validates cluster name, site and endpoints", () => {
        assert.doesNotThrow(() => buildDatadogAgentValues(agentSettings({ clusterName: "prod.east-1" })));
        assert.throws(() => buildDatadogAgentValues(agentSettings({ clusterName: "Prod_East" })), /clusterName "Prod_East" is not a valid Datadog cluster name/);
        assert.throws(() => buildDatadogAgentValues(agentSettings({ clusterName: `a${"b".repeat(80)}` })), /at most 80 characters/);
        assert.throws(() => buildDatadogAgentValues(agentSettings({ site: "datadog.com" })), /not a Datadog site/);
        assert.throws(() => buildDatadogAgentValues(agentSettings({ dataplaneMetrics: { port: 70000, path: "/metrics" } })), /dataplaneMetrics.port 70000/);
        assert.throws(() => buildDatadogAgentValues(agentSettings({ dataplaneMetrics: { port: 5670, path: "metrics" } })), /must start with "\/"/);
    });
});

describe(`datadog chart ${DATADOG_CHART.version} values against upstream`, () => {
    const upstreamValues = upstreamYaml(CHART_DIR, "values.yaml");
    // The upstream schema names its meta-schema by the https URL, which Ajv does not register; the
    // values are still validated against it (see the rejection test below).
    const validate = new Ajv({ allErrors: true, strict: false, validateSchema: false }).compile(upstreamJson(CHART_DIR, "values.schema.json"));
    const variants: Array<[string, DatadogAgentSettings]> = [
        ["defaults", agentSettings()],
        ["custom name, US site", agentSettings({ site: "datadoghq.com", fullname: "dd" })],
        ["no logs (Alloy ships them)", agentSettings({ collectLogs: false })],
    ];

    it("pins the chart version whose appVersion the code states", () => {
        const chartYaml = upstreamYaml(CHART_DIR, "Chart.yaml");
        assert.equal(chartYaml.name, DATADOG_CHART.chart);
        assert.equal(chartYaml.version, DATADOG_CHART.version);
        assert.equal(String(chartYaml.appVersion), DATADOG_CHART.appVersion);
    });

    for (const [what, s] of variants) {
        it(`${what}: every key path exists in upstream values.yaml`, () => {
            assert.deepEqual(unknownValuePaths(buildDatadogAgentValues(s), upstreamValues, []), []);
        });
        it(`${what}: validates against upstream values.schema.json`, () => {
            const values = buildDatadogAgentValues(s);
            assert.ok(validate(values), JSON.stringify(validate.errors));
        });
    }

    it("the checks can fail: a misspelt key and a value outside the schema are caught", () => {
        const values: any = buildDatadogAgentValues(agentSettings());
        values.datadog.apm.portEnabeld = true;
        assert.deepEqual(unknownValuePaths(values, upstreamValues, []), ["datadog.apm.portEnabeld"]);
        assert.ok(!validate({ ...buildDatadogAgentValues(agentSettings()), registryMigrationMode: "sometimes" }));
    });

    it("the defaults we override are what upstream ships (APM port, operator subchart, confd empty)", () => {
        assert.equal(upstreamValues.datadog.apm.port, APM_PORT);
        assert.equal(upstreamValues.datadog.apm.portEnabled, false);
        assert.equal(upstreamValues.datadog.operator.enabled, true);
        assert.deepEqual(upstreamValues.datadog.confd, {});
        const deps = upstreamYaml(CHART_DIR, "requirements.yaml").dependencies;
        assert.ok(deps.some((d: any) => d.alias === "operator" && d.condition === "datadog.operator.enabled"));
    });
});

// ---------------------------------------------------------------------------------------------
// Components under Pulumi's mock runtime.

/** Datadog's provider answers a dashboard's URL; a RandomPassword gets a result of its length. */
const DATADOG_MOCKS = mockProviders({
    resources: {
        "random:index/randomPassword:RandomPassword": echoWith((a) => ({ result: "T".repeat(Number(a.inputs.length)) })),
        "datadog:index/dashboardJson:DashboardJson": echoWith(() => ({ url: "/dashboard/abc-def-ghi/kuma-mesh-prod" })),
    },
});

const API_KEY = "0123456789abcdef0123456789abcdef";
const APP_KEY = "fedcba9876543210fedcba9876543210fedcba98";

describe("DatadogMeshMonitoring under Pulumi mocks", () => {
    let run: RecordedRun;
    before(async () => {
        run = await underMocks({ stack: "prod-global", mocks: DATADOG_MOCKS }, () => {
            const m = new DatadogMeshMonitoring("mesh-datadog", {
                environment: "prod",
                zones: ZONES,
                site: "datadoghq.eu",
                apiKey: API_KEY, // deliberately plain: the component must make it secret
                appKey: APP_KEY,
                notify: "@slack-mesh",
            });
            return { dashboardUrl: m.dashboardUrl, monitorIds: m.monitorIds };
        });
    });
    const ofType = (t: string) => run.resources.filter((r) => r.type === t);

    it("creates its provider, a DashboardJson and the monitors, under the component", () => {
        assert.deepEqual(ofType("meshobs:datadog:DatadogMeshMonitoring").map((r) => r.name), ["mesh-datadog"]);
        assert.deepEqual(ofType("pulumi:providers:datadog").map((r) => r.name), ["mesh-datadog-provider"]);
        assert.deepEqual(ofType("datadog:index/dashboardJson:DashboardJson").map((r) => r.name), ["mesh-datadog-dashboard"]);
        assert.deepEqual(
            ofType("datadog:index/monitor:Monitor").map((r) => r.name),
            ["mesh-datadog-control-plane-east", "mesh-datadog-control-plane-west", "mesh-datadog-zone-stopped-reporting"],
        );
    });

    it("passes API and application keys to the provider only as secrets, with the site's API URL", () => {
        const [p] = ofType("pulumi:providers:datadog");
        assert.ok(containsSecret(p.inputs.apiKey), `apiKey not secret: ${JSON.stringify(p.inputs.apiKey)}`);
        assert.ok(containsSecret(p.inputs.appKey), `appKey not secret: ${JSON.stringify(p.inputs.appKey)}`);
        const revealed: any = revealOrMask(p.inputs, true);
        assert.equal(revealed.apiKey, API_KEY);
        assert.equal(revealed.appKey, APP_KEY);
        assert.equal(revealed.apiUrl, "https://api.datadoghq.eu/");
    });

    it("the keys appear in no input outside a secret", () => {
        for (const r of run.resources) {
            const visible = JSON.stringify(revealOrMask(r.inputs, false));
            assert.ok(!visible.includes(API_KEY) && !visible.includes(APP_KEY), `${r.type} ${r.name}`);
        }
    });

    it("creates dashboard and monitors through its own provider, never the default one", () => {
        for (const r of [...ofType("datadog:index/dashboardJson:DashboardJson"), ...ofType("datadog:index/monitor:Monitor")]) {
            assert.match(r.provider, /[:$]pulumi:providers:datadog::mesh-datadog-provider::/, `${r.name}: ${r.provider}`);
        }
    });

    it("sends the built dashboard and monitor definitions", () => {
        const [d] = ofType("datadog:index/dashboardJson:DashboardJson");
        assert.deepEqual(JSON.parse(d.inputs.dashboard), buildMeshDashboard({ environment: "prod", zones: ZONES }));
        const stopped = ofType("datadog:index/monitor:Monitor").find((r) => r.name.endsWith("zone-stopped-reporting"))!.inputs;
        assert.equal(stopped.type, "metric alert");
        assert.equal(stopped.notifyNoData, true);
        assert.equal(stopped.noDataTimeframe, 10);
        assert.deepEqual(stopped.monitorThresholds, { critical: "1" });
        for (const r of ofType("datadog:index/monitor:Monitor")) {
            assert.ok(r.inputs.tags.includes("env:prod") && r.inputs.tags.some((t: string) => t.startsWith("zone:")), r.name);
            assert.ok(r.inputs.message.endsWith("@slack-mesh"), r.name);
        }
    });

    it("exports the dashboard URL and one monitor ID per monitor", () => {
        assert.equal(run.outputs.dashboardUrl.value, "/dashboard/abc-def-ghi/kuma-mesh-prod");
        assert.deepEqual(run.outputs.monitorIds.value, ["mesh-datadog-control-plane-east-id", "mesh-datadog-control-plane-west-id", "mesh-datadog-zone-stopped-reporting-id"]);
    });
});

describe("ZoneDatadogAgent under Pulumi mocks", () => {
    let run: RecordedRun;
    before(async () => {
        run = await underMocks({ stack: "prod-zone-east", mocks: DATADOG_MOCKS }, () => {
            const a = new ZoneDatadogAgent("datadog-agent", {
                namespace: "mesh-observability",
                zone: "east",
                environment: "prod",
                clusterName: "prod-east",
                site: "datadoghq.eu",
                apiKey: API_KEY,
            });
            return { apmUrl: a.apmUrl, logsTcpAddress: a.logsTcpAddress };
        });
    });
    const one = (type: string, name: string) => registration(run, type, name);

    it("stores the API key in a Secret, as a secret, under the key the chart reads", () => {
        const s = one("kubernetes:core/v1:Secret", "datadog-agent-api-key");
        assert.ok(containsSecret(s.inputs.stringData), "stringData must be secret");
        assert.deepEqual((revealOrMask(s.inputs, true) as any).stringData, { "api-key": API_KEY });
        assert.equal(s.inputs.metadata.annotations, undefined, "an env-var Secret is not a mounted workload file");
        for (const r of run.resources) assert.ok(!JSON.stringify(revealOrMask(r.inputs, false)).includes(API_KEY), `${r.type} ${r.name}`);
    });

    it("keeps the Cluster Agent token in our own Secret, as a secret", () => {
        const s = one("kubernetes:core/v1:Secret", "datadog-agent-cluster-agent-token");
        assert.ok(containsSecret(s.inputs.stringData));
        assert.equal((revealOrMask(s.inputs, true) as any).stringData.token, "T".repeat(32));
    });

    it("mounts our check and log configs from a ConfigMap the plan can find", () => {
        const cm = one("kubernetes:core/v1:ConfigMap", "datadog-agent-checks");
        assert.equal(cm.inputs.metadata.annotations[WORKLOAD_ANNOTATION], "datadog-agent");
        const settings = agentSettings({ clusterName: "prod-east", apiKeySecret: { name: "datadog-agent-api-key", key: "api-key" }, fullname: "datadog-agent" });
        assert.deepEqual(cm.inputs.data, renderAgentChecks(settings).files);
    });

    it("installs the pinned datadog chart with the built values", () => {
        const chart = one("kubernetes:helm.sh/v4:Chart", "datadog-agent-chart");
        assert.equal(chart.inputs.chart, "datadog");
        assert.equal(chart.inputs.version, "3.240.0");
        assert.equal(chart.inputs.repositoryOpts.repo, "https://helm.datadoghq.com");
        assert.equal(chart.inputs.namespace, "mesh-observability");
        const values = revealOrMask(chart.inputs.values, true) as any;
        assert.equal(values.datadog.apiKeyExistingSecret, "datadog-agent-api-key");
        assert.equal(values.clusterAgent.tokenExistingSecret, "datadog-agent-cluster-agent-token");
        // (deepEqual last: as an assertion function it narrows `values`.)
        assert.deepEqual(
            values,
            buildDatadogAgentValues(agentSettings({ apiKeySecret: { name: "datadog-agent-api-key", key: "api-key" }, fullname: "datadog-agent" })),
        );
    });

    it("exposes the node agents' trace port as trace-svc (8126 → 8126) and the log listener, selecting node agent pods", () => {
        const trace = one("kubernetes:core/v1:Service", "datadog-agent-trace-svc");
        assert.equal(trace.inputs.metadata.name, "trace-svc");
        assert.deepEqual(trace.inputs.spec.selector, { app: "datadog-agent" });
        assert.deepEqual(trace.inputs.spec.ports, [{ name: "traceport", protocol: "TCP", port: 8126, targetPort: 8126 }]);
        const logs = one("kubernetes:core/v1:Service", "datadog-agent-logs");
        assert.deepEqual(logs.inputs.spec.selector, { app: "datadog-agent" });
        assert.deepEqual(logs.inputs.spec.ports, [{ name: "logs-tcp", protocol: "TCP", port: 10518, targetPort: 10518 }]);
    });

    it("exports the APM URL and the TCP log address", () => {
        assert.deepEqual(run.outputs.apmUrl, { value: "http://trace-svc.mesh-observability.svc.cluster.local:8126", secret: false });
        assert.deepEqual(run.outputs.logsTcpAddress, { value: "datadog-agent-logs.mesh-observability.svc.cluster.local:10518", secret: false });
    });
});
