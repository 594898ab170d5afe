import { strict as assert } from "assert";
import { renderGlobalPrometheusConfig } from "../../components/prometheus/global-config";
import { AGENT_FORBIDDEN_KEYS } from "../../components/prometheus/prometheus-mode";
import { RESERVED_REMOTE_WRITE_HEADERS } from "../../components/prometheus/remote-write-auth";
import { renderZonePrometheusConfig, ZonePrometheusSettings } from "../../components/prometheus/zone-config";
import { zoneSettings } from "../support/fixtures";
import { promtoolCheckConfig } from "../support/prometheus-process";
import { parsePrometheusYaml, PrometheusConfig, renderPrometheusYaml, rewriteFilePaths, swapKumaSdForHttpSd } from "../support/swap-discovery";

/**
 * promtool 3.5 (the harness's default) on builder variations no shipped environment renders (those
 * promtool.test.ts checks from their pods): SigV4 with a role and a tenant header, header-only and no
 * remote write, a basic-auth agent (`check config --agent`), and a global federating and remote-reading
 * an https zone. kuma_sd is swapped for http_sd as in promtool.test.ts (Debian's builds lack it);
 * password files are written next to the config. The negative checks show our refusals mirror
 * Prometheus's own.
 */

const PASSWORD_FILES: Record<string, string> = {
    "/etc/prometheus/secrets/remote-write/remote-write-password": "rw-password",
    "/etc/prometheus/secrets/auth/self-scrape-password": "self-password",
};
const LOCAL_FILES = Object.fromEntries(Object.keys(PASSWORD_FILES).map((p, i) => [p, `secrets/${i}`]));
const FILES = Object.fromEntries(Object.entries(PASSWORD_FILES).map(([p, content]) => [LOCAL_FILES[p], content]));

/** The generated file as promtool can read it: http_sd in place of kuma_sd, password files local. */
function localised(yaml: string): PrometheusConfig {
    return rewriteFilePaths(swapKumaSdForHttpSd(parsePrometheusYaml(yaml), () => "http://127.0.0.1:9/targets"), LOCAL_FILES);
}

function check(config: PrometheusConfig, agent = false) {
    return promtoolCheckConfig(renderPrometheusYaml(config), FILES, { agent });
}

const AMP = "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-0123/api/v1/remote_write";
const zone = (over: Partial<ZonePrometheusSettings>) => localised(renderZonePrometheusConfig(zoneSettings(over)));

describe("promtool on the SigV4, header, agent, federation and remote-read configs", function () {
    this.timeout(60_000);

    it("accepts a SigV4 remote write (region, role_arn) with an X-Scope-OrgID header", () => {
        const r = check(zone({ remoteWrite: { url: AMP, sigv4: { region: "us-east-1", roleArn: "arn:aws:iam::123456789012:role/amp-ingest" }, headers: { "X-Scope-OrgID": "mesh" } } }));
        assert.ok(r.ok, r.output);
    });

    it("accepts an unauthenticated remote write with a tenant header, and a zone with no remote write", () => {
        assert.ok(check(zone({ remoteWrite: { url: "http://mimir-gateway.mimir/api/v1/push", headers: { "X-Scope-OrgID": "mesh" } } })).ok);
        assert.ok(check(zone({ remoteWrite: undefined })).ok);
    });

    it("accepts a basic-auth agent config with `check config --agent` (a SigV4 agent is shipped: promtool.test.ts)", () => {
        const r = check(zone({ mode: "agent" }), true);
        assert.ok(r.ok, r.output);
    });

    it("promtool --agent refuses exactly the blocks our builder refuses for agents", () => {
        // Our builder writes no alerting block; one is added by hand to show promtool refuses it for agents too.
        const server: PrometheusConfig = { ...zone({ ruleFiles: ["rules/*.rules"] }), alerting: { alertmanagers: [{ static_configs: [{ targets: ["127.0.0.1:9093"] }] }] } };
        assert.ok(check(server).ok, "fine for a server");
        const blocks: Record<string, unknown> = {
            rule_files: server.rule_files,
            alerting: server.alerting,
            remote_read: [{ url: "http://127.0.0.1:9/api/v1/read" }],
        };
        assert.deepEqual(Object.keys(blocks).sort(), [...AGENT_FORBIDDEN_KEYS].sort());
        for (const [key, block] of Object.entries(blocks)) {
            const r = check({ ...zone({ mode: "agent" }), [key]: block }, true);
            assert.equal(r.ok, false, key);
            assert.match(r.output, new RegExp(`field ${key} is not allowed in agent mode`));
        }
    });

    it("promtool refuses every header we refuse as reserved, and Authorization; it accepts X-Scope-OrgID", () => {
        const base = zone({ remoteWrite: { url: AMP, sigv4: { region: "us-east-1" } } });
        const withHeader = (name: string) => {
            const cfg = structuredClone(base) as any;
            cfg.remote_write[0].headers = { [name]: "x" };
            return cfg;
        };
        assert.ok(check(withHeader("X-Scope-OrgID")).ok);
        for (const header of RESERVED_REMOTE_WRITE_HEADERS) {
            const r = check(withHeader(header));
            assert.equal(r.ok, false, header);
            assert.match(r.output, header === "authorization" ? /authorization header must be changed via the basic_auth, authorization, oauth2, or sigv4 parameter/ : /is a reserved header/, header);
        }
    });

    it("promtool refuses two auth methods in one remote write, which our builder cannot produce", () => {
        const cfg = structuredClone(zone({ remoteWrite: { url: AMP, sigv4: { region: "us-east-1" } } })) as any;
        cfg.remote_write[0].basic_auth = { username: "u", password_file: "secrets/0" };
        const r = check(cfg);
        assert.equal(r.ok, false);
        // 3.5's wording (2.42 said "oauth2, & sigv4" and did not list what was configured).
        assert.match(r.output, /at most one of basic_auth, authorization, oauth2, or sigv4 must be configured\. Currently configured: \[basic_auth sigv4\]/);
    });

    it("accepts a global with a federation job per zone (http and https with a port) and remote read", () => {
        const yaml = renderGlobalPrometheusConfig({
            scrapeInterval: "30s",
            selfScrape: { username: "prometheus-self", passwordFile: "/etc/prometheus/secrets/auth/self-scrape-password" },
            federation: {
                match: ['{__name__=~"job:.*"}', 'up{job="kuma-control-plane"}'],
                scrapeInterval: "1m",
                zones: [
                    { zone: "east", url: "http://zone-prometheus.obs-east.svc.cluster.local" },
                    { zone: "west", url: "https://prom-west.example.com:8443" },
                ],
            },
            remoteRead: [
                { zone: "east", url: "http://zone-prometheus.obs-east.svc.cluster.local/api/v1/read" },
                { zone: "west", url: "https://prom-west.example.com:8443/api/v1/read", readRecent: true },
            ],
        });
        const r = check(localised(yaml));
        assert.ok(r.ok, r.output);
    });
});
