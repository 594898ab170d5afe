import { strict as assert } from "assert";
import { PROMETHEUS_CHART } from "../../components/prometheus/chart";
import { AGENT_FORBIDDEN_KEYS, assertAgentCompatible, parsePrometheusVersion, prometheusModeFlags } from "../../components/prometheus/prometheus-mode";
import { buildZonePrometheusConfig, ZonePrometheusSettings } from "../../components/prometheus/zone-config";
import { zoneSettings } from "../support/fixtures";

describe("agent mode", () => {
    const agent = (over: Partial<ZonePrometheusSettings> = {}) => buildZonePrometheusConfig(zoneSettings({ mode: "agent", ...over }));

    it("builds the same scrape jobs and remote write as a server, without server-only blocks", () => {
        const a: any = agent();
        const s: any = buildZonePrometheusConfig(zoneSettings());
        assert.deepEqual(a, s);
        for (const key of AGENT_FORBIDDEN_KEYS) assert.ok(!(key in a), key);
    });

    it("refuses rule_files, naming the setting and what is allowed", () => {
        assert.throws(() => agent({ ruleFiles: ["/etc/rules/job.rules"] }), /zone east prometheus\.yml: rule_files is set but mode is agent; allowed in agent mode: none of rule_files, alerting, remote_read/);
        assert.throws(() => assertAgentCompatible({ alerting: { alertmanagers: [] } }, "x"), /alerting is set but mode is agent/);
    });

    it("refuses remote_read in any config checked for agent mode", () => {
        assert.throws(() => assertAgentCompatible({ remote_read: [{ url: "http://x/api/v1/read" }] }, "zone east prometheus.yml"), /remote_read is set but mode is agent/);
        assert.doesNotThrow(() => assertAgentCompatible({ scrape_configs: [], remote_write: [] }, "x"));
    });

    it("refuses an agent with nowhere to write", () => {
        assert.throws(() => agent({ remoteWrite: undefined }), /remoteWrite: missing but mode is agent; allowed: a remote-write target/);
    });

    it("allows rule_files in server mode", () => {
        const s: any = buildZonePrometheusConfig(zoneSettings({ ruleFiles: ["/etc/rules/*.rules"] }));
        assert.deepEqual(s.rule_files, ["/etc/rules/*.rules"]);
        assert.equal(s.alerting, undefined, "no Alertmanager: the alerts are for whoever queries the rules");
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
