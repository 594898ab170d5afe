import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { ZonePrometheus, ZonePrometheusArgs } from "../../components/prometheus/zone-prometheus";
import { RecordedRun, underMocks } from "../../infra/plan/mock-runtime";
import { containsSecret, revealOrMask, SECRET_MASK } from "../../infra/plan/secret-values";
import { AMP_ROLE_ARN, AMP_URL, zoneSettings } from "../support/fixtures";

/**
 * The components stay thin: these runs under Pulumi's mocks check only their glue (which Secret
 * exists and holds what, what the chart values and prometheus.yml receive), the builders
 * themselves being covered in zone-remote-write-auth, prometheus-agent-mode, prometheus-chart-values,
 * global-federation and global-remote-read.test.ts.
 */

const { remoteWrite: _unused, ...settings } = zoneSettings();
const DUMMY_SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

type Run = RecordedRun;
const ofType = (run: Run, type: string) => run.resources.filter((r) => r.type === type);
const chartValues = (run: Run): any => (revealOrMask(ofType(run, "kubernetes:helm.sh/v4:Chart")[0].inputs, true) as any).values;

function zone(over: Partial<ZonePrometheusArgs>): Promise<Run> {
    return underMocks({ stack: "test-zone-east" }, () => {
        const p = new ZonePrometheus("zone-prometheus", { namespace: "obs-east", settings, retention: "2d", storageSize: "20Gi", ...over });
        return { config: p.configText };
    });
}

describe("ZonePrometheus glue for remote-write auth and mode", function () {
    this.timeout(30_000);

    it("basic auth: password Secret mounted, basic_auth in the file, no env or ServiceAccount values", async () => {
        const run = await zone({ remoteWrite: { auth: "basic", url: pulumi.output("https://global/api/v1/write"), username: "zone-writer", password: pulumi.secret("pw") } });
        const cfg = parse(String(run.outputs.config.value)) as any;
        assert.deepEqual(cfg.remote_write[0].basic_auth, { username: "zone-writer", password_file: "/etc/prometheus/secrets/remote-write/remote-write-password" });
        assert.deepEqual(ofType(run, "kubernetes:core/v1:Secret").map((s) => s.name), ["zone-prometheus-remote-write"]);
        const v = chartValues(run);
        assert.deepEqual(v.server.extraSecretMounts.map((m: any) => m.mountPath), ["/etc/prometheus/secrets/remote-write"]);
        assert.ok(!("env" in v.server) && !("serviceAccounts" in v) && !("defaultFlagsOverride" in v.server));
        assert.equal(v.server.retention, "2d");
    });

    it("sigv4 with static keys: a Secret of secret env values, sigv4 + headers in the file, no key anywhere in it", async () => {
        const run = await zone({
            remoteWrite: {
                auth: "sigv4",
                url: AMP_URL,
                region: pulumi.output("us-east-1"),
                headers: { "X-Scope-OrgID": pulumi.output("mesh") },
                credentials: { type: "static", accessKeyId: pulumi.secret("AKIDEXAMPLE"), secretAccessKey: pulumi.secret(DUMMY_SECRET_KEY) },
            },
        });
        const text = String(run.outputs.config.value);
        const rw = (parse(text) as any).remote_write[0];
        assert.deepEqual(rw.sigv4, { region: "us-east-1" });
        assert.deepEqual(rw.headers, { "X-Scope-OrgID": "mesh" });
        assert.doesNotMatch(text, /AKIDEXAMPLE|wJalr|basic_auth/);
        const [secret] = ofType(run, "kubernetes:core/v1:Secret");
        assert.equal(secret.name, "zone-prometheus-aws-credentials");
        assert.ok(containsSecret(secret.inputs.stringData));
        assert.equal(revealOrMask(secret.inputs.stringData, false), SECRET_MASK, "masked in the plan");
        assert.deepEqual(revealOrMask(secret.inputs.stringData, true), { AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: DUMMY_SECRET_KEY });
        const v = chartValues(run);
        assert.deepEqual(v.server.env.map((e: any) => [e.name, e.valueFrom.secretKeyRef.name]), [
            ["AWS_ACCESS_KEY_ID", "zone-prometheus-aws-credentials"],
            ["AWS_SECRET_ACCESS_KEY", "zone-prometheus-aws-credentials"],
        ]);
        assert.deepEqual(v.server.extraSecretMounts, [], "no password file to mount");
        assert.doesNotMatch(JSON.stringify(v), /AKIDEXAMPLE|wJalr/);
    });

    it("sigv4 through IRSA: the role ARN (an Output) annotates the ServiceAccount, role_arn to assume is optional, no Secret", async () => {
        const run = await zone({
            remoteWrite: { auth: "sigv4", url: AMP_URL, region: "us-east-1", roleArn: AMP_ROLE_ARN, credentials: { type: "irsa", roleArn: pulumi.output(AMP_ROLE_ARN) } },
        });
        assert.equal(ofType(run, "kubernetes:core/v1:Secret").length, 0);
        assert.deepEqual((parse(String(run.outputs.config.value)) as any).remote_write[0].sigv4, { region: "us-east-1", role_arn: AMP_ROLE_ARN });
        const v = chartValues(run);
        assert.deepEqual(v.serviceAccounts.server.annotations, { "eks.amazonaws.com/role-arn": AMP_ROLE_ARN });
        assert.equal(v.serviceAccounts.server.name, "zone-prometheus");
    });

    it("agent mode: the chart runs it with --agent on the PVC and 256 MiB agent WAL segments, the zone's retention is not passed", async () => {
        const run = await zone({ mode: "agent", remoteWrite: { auth: "none", url: "http://mimir/api/v1/push", headers: { "X-Scope-OrgID": "mesh" } } });
        const v = chartValues(run);
        assert.deepEqual(
            v.server.defaultFlagsOverride,
            ["--config.file=/etc/config/prometheus.yml", "--agent", "--storage.agent.path=/data", "--web.enable-lifecycle", "--storage.agent.wal-segment-size=256MB"],
            "no --storage.tsdb.* flag; the agent's own segment size (outage-survival.ts)",
        );
        assert.equal(v.server.retention, "");
        assert.equal(ofType(run, "kubernetes:core/v1:Secret").length, 0);
    });

    it("server mode: 256 MiB WAL segments, so an unsent backlog outlives more truncations (outage-survival.ts)", async () => {
        const v = chartValues(await zone({ remoteWrite: { auth: "none", url: "http://global/api/v1/write" } }));
        assert.deepEqual(v.server.extraArgs, { "storage.tsdb.wal-segment-size": "256MB" });
        assert.deepEqual(v.server.extraFlags, ["web.enable-lifecycle"]);
    });

    it("no remote write at all (a federated zone): no Secret, no remote_write", async () => {
        const run = await zone({});
        assert.equal(ofType(run, "kubernetes:core/v1:Secret").length, 0);
        assert.ok(!("remote_write" in (parse(String(run.outputs.config.value)) as any)));
    });
});
