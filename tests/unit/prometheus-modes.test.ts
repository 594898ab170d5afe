import { strict as assert } from "assert";
import Ajv from "ajv";
import { parse } from "yaml";
import { awsCredentialChartInputs, IRSA_ROLE_ANNOTATION } from "../../components/prometheus/aws-credentials";
import { PROMETHEUS_CHART, CONFIG_FILE_KEY, CONFIG_MOUNT_DIR, DATA_MOUNT_PATH } from "../../components/prometheus/chart";
import { agentFlags, buildPrometheusChartValues, PrometheusChartSettings } from "../../components/prometheus/chart-values";
import { federationJobs, FederationSettings, validateMatchSelectors } from "../../components/prometheus/federation";
import { buildGlobalPrometheusConfig, renderGlobalPrometheusConfig } from "../../components/prometheus/global-config";
import { AGENT_FORBIDDEN_KEYS, assertAgentCompatible, parsePrometheusVersion, prometheusModeFlags } from "../../components/prometheus/prometheus-mode";
import { remoteReadConfigs } from "../../components/prometheus/remote-read";
import { RESERVED_REMOTE_WRITE_HEADERS, remoteWriteAuthKind } from "../../components/prometheus/remote-write-auth";
import { ZONE_REMOTE_WRITE_QUEUE } from "../../components/prometheus/remote-write-queue";
import { buildZonePrometheusConfig, renderZonePrometheusConfig, ZonePrometheusSettings, ZoneRemoteWrite } from "../../components/prometheus/zone-config";
import { zoneRemoteWriteArgs } from "../../components/prometheus/zone-remote-write-args";
import { zoneSettings } from "../support/fixtures";
import { upstreamJson, upstreamYaml } from "../support/upstream";
import { unknownValuePaths } from "../support/values-keys";

const AMP_URL = "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-0123/api/v1/remote_write";
const ROLE = "arn:aws:iam::123456789012:role/amp-ingest";
const sigv4Zone = (rw: Partial<ZoneRemoteWrite> = {}, over: Partial<ZonePrometheusSettings> = {}): ZonePrometheusSettings =>
    zoneSettings({ remoteWrite: { url: AMP_URL, sigv4: { region: "us-east-1" }, ...rw } as ZoneRemoteWrite, ...over });
const rwOf = (s: ZonePrometheusSettings): any => (buildZonePrometheusConfig(s) as any).remote_write[0];

describe("zone remote-write auth", () => {
    describe("basic auth (the form existing callers pass)", () => {
        it("keeps the exact entry it always produced: name, url, timeout, basic_auth, pinned queue", () => {
            const rw = rwOf(zoneSettings());
            assert.deepEqual(Object.keys(rw), ["name", "url", "remote_timeout", "basic_auth", "queue_config", "metadata_config"]);
            assert.deepEqual(rw.basic_auth, { username: "zone-writer", password_file: "/etc/prometheus/secrets/remote-write/remote-write-password" });
            assert.deepEqual(rw.queue_config, ZONE_REMOTE_WRITE_QUEUE);
        });

        it("refuses a half-set credential and a mix with sigv4", () => {
            assert.throws(() => buildZonePrometheusConfig(zoneSettings({ remoteWrite: { url: AMP_URL, username: "u" } as any })), /remoteWrite\.passwordFile: missing/);
            assert.throws(() => buildZonePrometheusConfig(zoneSettings({ remoteWrite: { url: AMP_URL, passwordFile: "/p" } as any })), /remoteWrite\.username: missing/);
            assert.throws(
                () => buildZonePrometheusConfig(zoneSettings({ remoteWrite: { url: AMP_URL, username: "u", passwordFile: "/p", sigv4: { region: "us-east-1" } } as any })),
                /remoteWrite: both basic auth \(username\/passwordFile\) and sigv4 are set; allowed: exactly one auth method/,
            );
        });

        it("refuses URLs that are not http(s) or carry credentials", () => {
            assert.throws(() => rwOf(zoneSettings({ remoteWrite: { url: "ftp://x/api/v1/write", username: "u", passwordFile: "/p" } })), /remoteWrite\.url: .* uses ftp; allowed: http or https/);
            assert.throws(() => rwOf(zoneSettings({ remoteWrite: { url: "https://u:pw@x/api/v1/write", username: "u", passwordFile: "/p" } })), /carries credentials in the URL/);
            assert.throws(() => rwOf(zoneSettings({ remoteWrite: { url: "not a url", username: "u", passwordFile: "/p" } })), /remoteWrite\.url: "not a url" is not a URL/);
        });
    });

    describe("sigv4", () => {
        it("writes region (and role_arn when set) and nothing else: no basic_auth, no keys", () => {
            assert.deepEqual(rwOf(sigv4Zone()).sigv4, { region: "us-east-1" });
            const withRole = rwOf(sigv4Zone({ sigv4: { region: "eu-west-1", roleArn: ROLE } }));
            assert.deepEqual(withRole.sigv4, { region: "eu-west-1", role_arn: ROLE });
            assert.ok(!("basic_auth" in withRole));
            assert.deepEqual(Object.keys(withRole), ["name", "url", "remote_timeout", "sigv4", "queue_config", "metadata_config"]);
            assert.equal(remoteWriteAuthKind({ url: AMP_URL, sigv4: { region: "us-east-1" } }), "sigv4");
        });

        it("never puts a secret into the file", () => {
            const text = renderZonePrometheusConfig(sigv4Zone({ sigv4: { region: "us-east-1", roleArn: ROLE } }));
            for (const forbidden of [/access_key/, /secret_key/, /^\s*password:/m, /credentials:/, /profile:/, /AKIA/]) assert.doesNotMatch(text, forbidden);
        });

        it("refuses static keys smuggled into the sigv4 block", () => {
            for (const key of ["access_key", "secret_key", "accessKeyId", "secretAccessKey", "profile"]) {
                assert.throws(
                    () => rwOf(sigv4Zone({ sigv4: { region: "us-east-1", [key]: "AKIDEXAMPLE" } as any })),
                    new RegExp(`remoteWrite\\.sigv4\\.${key}: static AWS credentials never go into prometheus\\.yml; allowed: region and roleArn only`),
                );
            }
        });

        it("refuses a bad region or role ARN", () => {
            assert.throws(() => rwOf(sigv4Zone({ sigv4: { region: "US East" } })), /remoteWrite\.sigv4\.region: "US East" is not an AWS region; allowed: e\.g\. us-east-1/);
            assert.throws(() => rwOf(sigv4Zone({ sigv4: { region: "" } })), /is not an AWS region/);
            assert.throws(() => rwOf(sigv4Zone({ sigv4: { region: "us-east-1", roleArn: "amp-ingest" } })), /remoteWrite\.sigv4\.roleArn: "amp-ingest" is not an IAM role ARN/);
            assert.ok(rwOf(sigv4Zone({ sigv4: { region: "us-gov-west-1", roleArn: "arn:aws-us-gov:iam::123456789012:role/x" } })));
        });
    });

    describe("no auth", () => {
        it("writes neither basic_auth nor sigv4", () => {
            const rw = rwOf(zoneSettings({ remoteWrite: { url: "http://mimir-gateway.mimir/api/v1/push", headers: { "X-Scope-OrgID": "mesh" } } }));
            assert.ok(!("basic_auth" in rw) && !("sigv4" in rw));
            assert.deepEqual(rw.headers, { "X-Scope-OrgID": "mesh" });
        });
    });

    describe("headers", () => {
        it("passes X-Scope-OrgID (Mimir's tenant) through, with any auth method", () => {
            assert.deepEqual(rwOf(sigv4Zone({ headers: { "X-Scope-OrgID": "tenant-a" } })).headers, { "X-Scope-OrgID": "tenant-a" });
            const basic = rwOf(zoneSettings({ remoteWrite: { url: AMP_URL, username: "u", passwordFile: "/p", headers: { "X-Scope-OrgID": "t" } } }));
            assert.deepEqual(Object.keys(basic).slice(0, 5), ["name", "url", "remote_timeout", "headers", "basic_auth"]);
        });

        it("omits an empty headers map", () => {
            assert.ok(!("headers" in rwOf(sigv4Zone({ headers: {} }))));
        });

        it("refuses Authorization in any spelling, naming the auth settings to use instead", () => {
            for (const name of ["Authorization", "authorization", "AUTHORIZATION"]) {
                assert.throws(
                    () => rwOf(sigv4Zone({ headers: { [name]: "Bearer x" } })),
                    new RegExp(`remoteWrite\\.headers\\["${name}"\\]: Authorization cannot be set as a header; allowed: basic auth \\(username/passwordFile\\) or sigv4`),
                );
            }
        });

        it("refuses every header Prometheus 2.42 reserves", () => {
            assert.equal(RESERVED_REMOTE_WRITE_HEADERS.length, 17);
            for (const name of RESERVED_REMOTE_WRITE_HEADERS.filter((h) => h !== "authorization")) {
                const mixed = name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
                assert.throws(() => rwOf(sigv4Zone({ headers: { [mixed]: "v" } })), new RegExp(`\\["${mixed}"\\]: reserved header \\(Prometheus sets it itself\\); allowed: any header but`), mixed);
            }
        });

        it("refuses malformed names, values with line breaks, empty values and case-duplicates", () => {
            assert.throws(() => rwOf(sigv4Zone({ headers: { "X Scope": "v" } })), /\["X Scope"\]: not a valid HTTP header name/);
            assert.throws(() => rwOf(sigv4Zone({ headers: { "X-A": "v\r\nX-B: w" } })), /\["X-A"\]: value .* has a line break/);
            assert.throws(() => rwOf(sigv4Zone({ headers: { "X-A": "" } })), /\["X-A"\]: value "" is empty/);
            assert.throws(() => rwOf(sigv4Zone({ headers: { "X-Scope-OrgID": "a", "x-scope-orgid": "b" } })), /same header as "X-Scope-OrgID" \(header names ignore case\); allowed: each header once/);
        });
    });

    describe("remote write is optional (a federated zone keeps its data)", () => {
        it("writes no remote_write without remoteWrite", () => {
            assert.ok(!("remote_write" in buildZonePrometheusConfig(zoneSettings({ remoteWrite: undefined }))));
        });
    });

    describe("component arguments: remoteWrite or nothing", () => {
        it("passes remoteWrite through, and nothing to no remote write", () => {
            assert.deepEqual(zoneRemoteWriteArgs({ remoteWrite: { auth: "basic", url: "u", username: "n", password: "p" } }, "z"), { auth: "basic", url: "u", username: "n", password: "p" });
            assert.equal(zoneRemoteWriteArgs({}, "z"), undefined);
        });

        it("refuses an unknown auth", () => {
            assert.throws(() => zoneRemoteWriteArgs({ remoteWrite: { auth: "bearer", url: "u" } as any }, "z"), /remoteWrite\.auth "bearer" is unknown; allowed: basic, sigv4, none/);
        });
    });
});

describe("agent mode", () => {
    const agent = (over: Partial<ZonePrometheusSettings> = {}) => buildZonePrometheusConfig(zoneSettings({ mode: "agent", ...over }));

    it("builds the same scrape jobs and remote write as a server, without server-only blocks", () => {
        const a: any = agent();
        const s: any = buildZonePrometheusConfig(zoneSettings());
        assert.deepEqual(a, s);
        for (const key of AGENT_FORBIDDEN_KEYS) assert.ok(!(key in a), key);
    });

    it("refuses rule_files and alerting, naming the setting and what is allowed", () => {
        assert.throws(() => agent({ ruleFiles: ["/etc/rules/job.rules"] }), /zone east prometheus\.yml: rule_files is set but mode is agent; allowed in agent mode: none of rule_files, alerting, remote_read/);
        assert.throws(() => agent({ alertmanagers: ["alertmanager:9093"] }), /alerting is set but mode is agent/);
    });

    it("refuses remote_read in any config checked for agent mode", () => {
        assert.throws(() => assertAgentCompatible({ remote_read: [{ url: "http://x/api/v1/read" }] }, "zone east prometheus.yml"), /remote_read is set but mode is agent/);
        assert.doesNotThrow(() => assertAgentCompatible({ scrape_configs: [], remote_write: [] }, "x"));
    });

    it("refuses an agent with nowhere to write", () => {
        assert.throws(() => agent({ remoteWrite: undefined }), /remoteWrite: missing but mode is agent; allowed: a remote-write target/);
    });

    it("allows rule_files and alerting in server mode", () => {
        const s: any = buildZonePrometheusConfig(zoneSettings({ ruleFiles: ["/etc/rules/*.rules"], alertmanagers: ["am:9093"] }));
        assert.deepEqual(s.rule_files, ["/etc/rules/*.rules"]);
        assert.deepEqual(s.alerting, { alertmanagers: [{ static_configs: [{ targets: ["am:9093"] }] }] });
    });

    it("refuses an unknown mode", () => {
        assert.throws(() => buildZonePrometheusConfig(zoneSettings({ mode: "sidecar" as any })), /mode: "sidecar" is not a Prometheus mode; allowed: server, agent/);
    });
});

describe("mode flags per Prometheus release", () => {
    const flags = (mode: "server" | "agent", version: string, extra: object = {}) => prometheusModeFlags({ mode, version, storagePath: "/data", ...extra });

    it("2.x agents use the feature flag (2.32 introduced it), 3.x the stable --agent", () => {
        assert.deepEqual(flags("agent", "2.42.0+ds"), ["--enable-feature=agent", "--storage.agent.path=/data"]);
        assert.deepEqual(flags("agent", "2.32.0"), ["--enable-feature=agent", "--storage.agent.path=/data"]);
        assert.deepEqual(flags("agent", "v2.55.1"), ["--enable-feature=agent", "--storage.agent.path=/data"]);
        assert.deepEqual(flags("agent", "3.0.0"), ["--agent", "--storage.agent.path=/data"]);
        assert.deepEqual(flags("agent", PROMETHEUS_CHART.appVersion), ["--agent", "--storage.agent.path=/data"]);
    });

    it("refuses agent mode before 2.32", () => {
        assert.throws(() => flags("agent", "2.31.1"), /mode: agent needs Prometheus 2\.32 or later, got 2\.31\.1; allowed: server on this release, or a newer release/);
    });

    it("servers get the TSDB path and retention; agents never any --storage.tsdb flag", () => {
        assert.deepEqual(flags("server", "2.42.0", { retention: "2d", retentionSize: "10GB" }), ["--storage.tsdb.path=/data", "--storage.tsdb.retention.time=2d", "--storage.tsdb.retention.size=10GB"]);
        assert.deepEqual(flags("server", "3.14.0"), ["--storage.tsdb.path=/data"]);
        for (const v of ["2.42.0", "3.14.0"]) assert.ok(flags("agent", v).every((f) => !f.startsWith("--storage.tsdb")), v);
        assert.throws(() => flags("agent", "3.14.0", { retention: "2d" }), /retention: agent mode has no TSDB retention .*; allowed: unset in agent mode/);
    });

    it("parses release strings and refuses others", () => {
        assert.deepEqual(parsePrometheusVersion("v3.14.0"), { major: 3, minor: 14, patch: 0 });
        assert.deepEqual(parsePrometheusVersion("2.42.0+ds"), { major: 2, minor: 42, patch: 0 });
        assert.throws(() => parsePrometheusVersion("latest"), /prometheus version: "latest" is not a Prometheus release; allowed: MAJOR\.MINOR\.PATCH/);
        assert.throws(() => flags("agent", "1.8.2"), /1\.8\.2 is not supported; allowed: 2\.x or later/);
    });
});

const CHART_DIR = `prometheus-chart-${PROMETHEUS_CHART.version}`;

describe(`chart ${PROMETHEUS_CHART.version} values for agent mode, AWS env and IRSA`, () => {
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
        ["server with IRSA", zone({ mode: "server", retention: "2d", ...awsCredentialChartInputs({ type: "irsa", roleArn: ROLE }) })],
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

    it("agent on a 2.x image gets the feature flag; extraArgs follow as --key=value", () => {
        const v: any = buildPrometheusChartValues(zone({ mode: "agent", prometheusVersion: "v2.53.0", extraArgs: { "web.config.file": "/w.yml" } }));
        assert.deepEqual(agentFlags(zone({ mode: "agent", prometheusVersion: "v2.53.0", extraArgs: { "web.config.file": "/w.yml" } })), v.server.defaultFlagsOverride);
        assert.deepEqual(v.server.defaultFlagsOverride, ["--config.file=/etc/config/prometheus.yml", "--enable-feature=agent", "--storage.agent.path=/data", "--web.enable-lifecycle", "--web.config.file=/w.yml"]);
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
        const v: any = buildPrometheusChartValues(zone(awsCredentialChartInputs({ type: "irsa", roleArn: ROLE })));
        assert.deepEqual(v.serviceAccounts, { server: { create: true, name: "zone-prometheus", annotations: { [IRSA_ROLE_ANNOTATION]: ROLE } } });
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

describe("global federation", () => {
    const fed = (over: Partial<FederationSettings> = {}): FederationSettings => ({
        zones: [
            { zone: "east", url: "http://zone-prometheus.obs-east.svc.cluster.local" },
            { zone: "west", url: "https://prom-west.example.com:8443", basicAuth: { username: "federator", passwordFile: "/etc/prometheus/secrets/zones/federate-west-password" } },
        ],
        match: ['{__name__=~"job:.*"}', 'up{job="kuma-control-plane"}'],
        scrapeInterval: "1m",
        ...over,
    });
    const global = (federation?: FederationSettings, remoteRead?: any) =>
        buildGlobalPrometheusConfig({ scrapeInterval: "30s", selfScrape: { username: "self", passwordFile: "/p" }, federation, remoteRead }) as any;

    it("adds one /federate job per zone with honor_labels, match[], explicit port and a zone target label", () => {
        const jobs = global(fed()).scrape_configs;
        assert.deepEqual(jobs.map((j: any) => j.job_name), ["prometheus", "federate-east", "federate-west"]);
        assert.deepEqual(jobs[1], {
            job_name: "federate-east",
            honor_labels: true,
            metrics_path: "/federate",
            params: { "match[]": ['{__name__=~"job:.*"}', 'up{job="kuma-control-plane"}'] },
            scrape_interval: "1m",
            scrape_timeout: "10s",
            scheme: "http",
            static_configs: [{ targets: ["zone-prometheus.obs-east.svc.cluster.local:80"], labels: { zone: "east" } }],
        });
        assert.equal(jobs[2].scheme, "https");
        assert.deepEqual(jobs[2].static_configs[0].targets, ["prom-west.example.com:8443"]);
        assert.deepEqual(jobs[2].basic_auth, { username: "federator", password_file: "/etc/prometheus/secrets/zones/federate-west-password" });
    });

    it("keeps scrape_timeout within a short interval, and the global config unchanged without federation", () => {
        assert.equal(federationJobs(fed({ scrapeInterval: "5s" }))[0].scrape_timeout, "5s");
        const plain = global();
        assert.deepEqual(plain.scrape_configs.map((j: any) => j.job_name), ["prometheus"]);
        assert.ok(!("remote_read" in plain));
    });

    it("stores a zone's backlog within the out-of-order window; 0s or unset: no storage block; a bad window names the setting", () => {
        const base = { scrapeInterval: "30s", selfScrape: { username: "s", passwordFile: "/p" } };
        assert.deepEqual((buildGlobalPrometheusConfig({ ...base, outOfOrderTimeWindow: "3h" }) as any).storage, { tsdb: { out_of_order_time_window: "3h" } });
        assert.ok(!("storage" in buildGlobalPrometheusConfig({ ...base, outOfOrderTimeWindow: "0s" })));
        assert.ok(!("storage" in buildGlobalPrometheusConfig(base)));
        assert.throws(() => buildGlobalPrometheusConfig({ ...base, outOfOrderTimeWindow: "3 hours" }), /outOfOrderTimeWindow: "3 hours" is not a Prometheus duration; allowed: e\.g\. 6h, 90m, 0s \(off\)/);
    });

    it("renders match[] as YAML the way the federation doc writes it", () => {
        const text = renderGlobalPrometheusConfig({ scrapeInterval: "30s", selfScrape: { username: "s", passwordFile: "/p" }, federation: fed() });
        assert.deepEqual(parse(text).scrape_configs[1].params, { "match[]": ['{__name__=~"job:.*"}', 'up{job="kuma-control-plane"}'] });
        assert.doesNotMatch(text, /^\s*password:/m);
    });

    it("refuses empty or malformed selectors", () => {
        assert.throws(() => federationJobs(fed({ match: [] })), /federation\.match: empty; allowed: at least one instant-vector selector/);
        assert.throws(() => federationJobs(fed({ match: ["rate(x[5m])"] })), /federation\.match\[0\]: "rate\(x\[5m\]\)" is not an instant-vector selector/);
        assert.throws(() => federationJobs(fed({ match: ["up", "x[5m]"] })), /federation\.match\[1\]: "x\[5m\]" is not an instant-vector selector/);
        assert.throws(() => federationJobs(fed({ match: ["{}"] })), /federation\.match\[0\]: "\{\}" matches every series; allowed: at least one non-empty matcher/);
        assert.throws(() => federationJobs(fed({ match: ["up", " up "] })), /federation\.match\[1\]: " up " is listed twice/);
        assert.throws(() => federationJobs(fed({ match: [""] })), /federation\.match\[0\]: "" is not an instant-vector selector/);
        assert.doesNotThrow(() => validateMatchSelectors(["up", 'up{job="x"}', '{__name__=~"job:.*"}', "job:requests:rate5m"]));
    });

    it("refuses duplicate or invalid zones, no zones, and URLs that are not a bare http(s) origin", () => {
        const east = { zone: "east", url: "http://a:9090" };
        assert.throws(() => federationJobs(fed({ zones: [east, { ...east, url: "http://b:9090" }] })), /federation\.zones\[1\]\.zone: duplicate zone "east"; allowed: each zone once/);
        assert.throws(() => federationJobs(fed({ zones: [{ zone: "East_1", url: "http://a:9090" }] })), /federation\.zones\[0\]\.zone: "East_1" is not a DNS label/);
        assert.throws(() => federationJobs(fed({ zones: [] })), /federation\.zones: empty; allowed: at least one \{zone, url, basicAuth\?\}/);
        assert.throws(() => federationJobs(fed({ zones: [{ zone: "east", url: "http://a:9090/federate" }] })), /federation\.zones\[0\]\.url: .* has a path, query or fragment; allowed: http\(s\):\/\/host\[:port\]/);
        assert.throws(() => federationJobs(fed({ zones: [{ zone: "east", url: "a:9090" }] })), /federation\.zones\[0\]\.url: "a:9090" uses a; allowed: http or https/);
        assert.throws(() => federationJobs(fed({ zones: [{ zone: "east", url: "http://u:p@a:9090" }] })), /carries credentials in the URL/);
        assert.throws(() => federationJobs(fed({ zones: [{ zone: "east", url: "http://a:9090", basicAuth: { username: "u", passwordFile: "" } }] })), /federation\.zones\[0\]\.basicAuth\.passwordFile: missing or empty/);
        assert.throws(() => federationJobs(fed({ scrapeInterval: "1 minute" })), /federation\.scrapeInterval: "1 minute" is not a positive Prometheus duration/);
    });
});

describe("global remote read", () => {
    it("reads each zone's …/api/v1/read with read_recent (default false) and without filtering by the global's labels", () => {
        const rr = remoteReadConfigs([
            { zone: "east", url: "http://zone-prometheus.obs-east.svc.cluster.local/api/v1/read" },
            { zone: "west", url: "https://prom-west.example.com/api/v1/read", readRecent: true, basicAuth: { username: "reader", passwordFile: "/etc/z/remote-read-west-password" } },
        ]);
        assert.deepEqual(rr, [
            { name: "zone-east", url: "http://zone-prometheus.obs-east.svc.cluster.local/api/v1/read", remote_timeout: "1m", read_recent: false, filter_external_labels: false },
            {
                name: "zone-west",
                url: "https://prom-west.example.com/api/v1/read",
                remote_timeout: "1m",
                read_recent: true,
                filter_external_labels: false,
                basic_auth: { username: "reader", password_file: "/etc/z/remote-read-west-password" },
            },
        ]);
    });

    it("upstream's known-good configs spell the remote_read fields they show as we do", () => {
        for (const dir of ["prometheus-2.42.0", "prometheus-3.14.0"]) {
            const fields = new Set((upstreamYaml(dir, "conf.good.yml").remote_read as any[]).flatMap((e) => Object.keys(e)));
            for (const f of ["name", "url", "read_recent"]) assert.ok(fields.has(f), `${dir}: ${f}`);
        }
    });

    it("refuses URLs that are not a read endpoint, duplicate zones, empty lists and non-boolean readRecent", () => {
        assert.throws(() => remoteReadConfigs([{ zone: "east", url: "http://a:9090" }]), /remoteRead\[0\]\.url: "http:\/\/a:9090" is not a remote-read endpoint; allowed: http\(s\):\/\/host\[:port\]\/…\/api\/v1\/read/);
        assert.throws(() => remoteReadConfigs([{ zone: "east", url: "http://a/api/v1/read" }, { zone: "east", url: "http://b/api/v1/read" }]), /remoteRead\[1\]\.zone: duplicate zone "east"/);
        assert.throws(() => remoteReadConfigs([]), /remoteRead: empty; allowed: unset, or at least one/);
        assert.throws(() => remoteReadConfigs([{ zone: "east", url: "http://a/api/v1/read", readRecent: "yes" as any }]), /remoteRead\[0\]\.readRecent: "yes" is not a boolean/);
        assert.doesNotThrow(() => remoteReadConfigs([{ zone: "east", url: "http://mimir/prometheus/api/v1/read" }]));
    });
});
