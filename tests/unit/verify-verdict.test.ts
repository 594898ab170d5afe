import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { KUMA_CONTROL_PLANE_JOB, KUMA_DATAPLANES_JOB } from "../../components/mesh/kuma-facts";
import { runVerify } from "../../infra/verify/cli";
import { accessFromOutputs, awsCredentialsFromEnv, VerifyError } from "../../infra/verify/global-access";
import { VectorSample, zoneMetrics, zoneQueries, ZoneQueryResults } from "../../infra/verify/queries";
import { PROMTOOL_BIN } from "../support/prometheus-process";
import { backendLine, Backends, evaluateZone, exitCode, Thresholds, zoneLine } from "../../infra/verify/verdict";

const NOW = 1_800_000_000;
const T: Thresholds = { maxSampleAgeSeconds: 60, maxLagSeconds: 120 };
const v = (value: number, metric: Record<string, string> = {}): VectorSample => ({ metric, value: [NOW, String(value)] });
const NO_BACKENDS: Backends = { logs: { name: "Loki", answer: { kind: "none" } }, traces: { name: "Jaeger", answer: { kind: "none" } } };

/** Query results of a zone whose newest sample is `age` s old, with the given lag and targets. */
function results(o: { age?: number; lastHour?: number; lag?: number; cp?: [number, number]; dp?: [number, number] }): ZoneQueryResults {
    const byJob = (pick: 0 | 1) => [
        ...(o.cp ? [v(o.cp[pick], { zone: "east", job: KUMA_CONTROL_PLANE_JOB })] : []),
        ...(o.dp ? [v(o.dp[pick], { zone: "east", job: KUMA_DATAPLANES_JOB })] : []),
    ];
    return {
        newest: o.age === undefined ? [] : [v(NOW - o.age)],
        lastHour: o.lastHour === undefined ? (o.age === undefined ? [] : [v(NOW - o.age)]) : [v(NOW - o.lastHour)],
        remoteWriteLag: o.lag === undefined ? [] : [v(o.lag, { zone: "east" })],
        targetsUp: byJob(0),
        targetsTotal: byJob(1),
    };
}
const verdictOf = (o: Parameters<typeof results>[0], b: Backends = NO_BACKENDS) => evaluateZone(zoneMetrics("east", results(o), NOW), b, T);

describe("verify: queries", () => {
    it("ask for the zone's own self-scrape and the overview's lag and target queries, with the zone filled in", () => {
        const q = zoneQueries("eu-west-1");
        assert.equal(q.newest, 'max(timestamp(up{job="prometheus", zone="eu-west-1"}))');
        assert.equal(q.lastHour, 'max(max_over_time(timestamp(up{job="prometheus", zone="eu-west-1"})[1h:30s]))');
        assert.match(q.remoteWriteLag, /prometheus_remote_storage_highest_timestamp_in_seconds\{zone=~"eu-west-1"\}/);
        assert.equal(q.targetsUp, 'sum by (zone, job) (up{zone=~"eu-west-1", job=~"kuma-dataplanes|kuma-control-plane"})');
        assert.equal(q.targetsTotal, 'count by (zone, job) (up{zone=~"eu-west-1", job=~"kuma-dataplanes|kuma-control-plane"})');
        for (const text of Object.values(q)) assert.ok(!text.includes("$zone"), text);
    });

    it("under federation, samples arrive when the global's scrape of the zone's /federate succeeds", () => {
        const q = zoneQueries("east", "federation");
        assert.equal(q.newest, 'max(timestamp((up{job="federate-east", zone="east"} == 1)))');
        assert.equal(q.lastHour, 'max(max_over_time(timestamp((up{job="federate-east", zone="east"} == 1))[1h:30s]))');
        assert.equal(q.targetsUp, zoneQueries("east").targetsUp);
    });

    it("every query parses as PromQL (promtool check rules on them as recording rules)", () => {
        const rules = (["remote-write", "federation"] as const).flatMap((t) => Object.entries(zoneQueries("eu-west-1", t)).map(([k, expr]) => ({ record: `verify:${k}:${t.replace("-", "_")}`, expr })));
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-queries-"));
        try {
            fs.writeFileSync(path.join(dir, "q.yml"), stringify({ groups: [{ name: "verify", rules }] }));
            const r = spawnSync(PROMTOOL_BIN, ["check", "rules", "q.yml"], { cwd: dir, encoding: "utf8", timeout: 30_000 });
            assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
            assert.match(r.stdout, /SUCCESS: 10 rules found/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("turn results into the zone's figures", () => {
        const m = zoneMetrics("east", results({ age: 4, lag: 1.5, cp: [1, 1], dp: [2, 3] }), NOW);
        assert.deepEqual(m, { zone: "east", newestSampleAgeSeconds: 4, lastSeenSecondsAgo: 4, remoteWriteLagSeconds: 1.5, controlPlane: { up: 1, total: 1 }, dataplanes: { up: 2, total: 3 } });
        assert.deepEqual(zoneMetrics("east", results({}), NOW), { zone: "east", controlPlane: { up: 0, total: 0 }, dataplanes: { up: 0, total: 0 } });
    });
});

describe("verify: verdicts", () => {
    it("healthy: fresh samples, small lag, every target up", () => {
        const r = verdictOf({ age: 3, lag: 0, cp: [1, 1], dp: [2, 2] });
        assert.equal(r.verdict, "healthy");
        assert.ok(r.healthy);
        assert.deepEqual(r.details, ["newest sample 3s old", "remote-write lag 0s", "control plane 1/1 up", "dataplanes 2/2 up"]);
        assert.equal(zoneLine(r, 6), "east    healthy           newest sample 3s old, remote-write lag 0s, control plane 1/1 up, dataplanes 2/2 up");
    });

    it("silent: nothing in the lookback, or the newest sample too old; stale targets are not judged", () => {
        const never = verdictOf({ cp: [1, 1], dp: [0, 2] });
        assert.equal(never.verdict, "silent");
        assert.match(never.details[0], /no sample in the last hour .*401 means a wrong credential/);
        assert.equal(never.details.length, 1, "a silent zone's targets are stale: not reported");
        const stopped = verdictOf({ age: 200, lag: 0, cp: [1, 1], dp: [2, 2] });
        assert.equal(stopped.verdict, "silent");
        assert.match(stopped.details[0], /^newest sample 200s old \(limit 60s\): the zone stopped sending/);
        const gone = verdictOf({ lastHour: 1500 });
        assert.match(gone.details[0], /^newest sample 25m old/);
        assert.equal(verdictOf({ age: 60, lag: 0, cp: [1, 1], dp: [1, 1] }).verdict, "healthy", "the limit itself is still fresh");
    });

    it("lagging: the worst queue further behind than the limit", () => {
        const r = verdictOf({ age: 2, lag: 121, cp: [1, 1], dp: [1, 1] });
        assert.equal(r.verdict, "lagging");
        assert.ok(r.details.includes("remote-write lag 121s (limit 120s)"));
    });

    it("targets down: a dataplane or the control plane down; dataplanes down outrank lag", () => {
        const dp = verdictOf({ age: 2, lag: 500, cp: [1, 1], dp: [0, 2] });
        assert.equal(dp.verdict, "targets down");
        assert.ok(dp.details.includes("dataplanes 0/2 up"));
        assert.equal(verdictOf({ age: 2, lag: 0, cp: [0, 1], dp: [2, 2] }).verdict, "targets down");
    });

    it("no control plane: no control plane series carries the zone; no dataplanes is reported, not failed", () => {
        const r = verdictOf({ age: 2, lag: 0, dp: [1, 1] });
        assert.equal(r.verdict, "no control plane");
        assert.ok(r.details.includes("no control plane series carry this zone"));
        const empty = verdictOf({ age: 2, lag: 0, cp: [1, 1], dp: [0, 0] });
        assert.equal(empty.verdict, "healthy");
        assert.ok(empty.details.includes("no dataplane targets discovered"));
    });

    it("logs: a Loki that answered without the zone makes it unhealthy; traces only inform", () => {
        const answered = (zones: string[]) => ({ kind: "answered" as const, zonesSeen: new Set(zones), window: "15m" });
        const b = (logs: string[], traces: string[]): Backends => ({ logs: { name: "Loki", answer: answered(logs) }, traces: { name: "Jaeger", answer: answered(traces) } });
        const ok = { age: 2, lag: 0, cp: [1, 1] as [number, number], dp: [1, 1] as [number, number] };
        const seen = verdictOf(ok, b(["east", "west"], ["east"]));
        assert.equal(seen.verdict, "healthy");
        assert.deepEqual(seen.details.slice(-2), ["Loki has logs of it in the last 15m", "Jaeger has control plane traces of it in the last 15m"]);
        const noLogs = verdictOf(ok, b(["west"], []));
        assert.equal(noLogs.verdict, "no logs");
        assert.ok(noLogs.details.includes("Jaeger has no control plane traces of it in the last 15m"));
        assert.equal(verdictOf(ok, b(["west"], [])).healthy, false);
        assert.equal(verdictOf(ok, b([], ["east"])).verdict, "no logs");
    });

    it("backend lines: unreachable fails the run, not asked says why", () => {
        assert.deepEqual(backendLine("logs", { name: "Loki", answer: { kind: "unreachable", error: "ECONNREFUSED" } }), { line: "logs: Loki UNREACHABLE: ECONNREFUSED", ok: false });
        assert.deepEqual(backendLine("traces", { name: "Jaeger", answer: { kind: "not-asked", reason: "in-cluster only" } }), { line: "traces: Jaeger not asked: in-cluster only", ok: true });
        assert.deepEqual(backendLine("logs", { name: "Loki", answer: { kind: "answered", zonesSeen: new Set(["west", "east"]), window: "15m" } }), { line: "logs: Loki reachable; zones seen in the last 15m: east, west", ok: true });
        const healthy = verdictOf({ age: 2, lag: 0, cp: [1, 1], dp: [1, 1] });
        assert.equal(exitCode([healthy], true), 0);
        assert.equal(exitCode([healthy], false), 1);
        assert.equal(exitCode([healthy, verdictOf({})], true), 1);
        assert.equal(exitCode([], true), 0);
    });
});

describe("verify: where the global is and who asks", () => {
    const outputs = {
        zones: ["east", "west"],
        metricsBackend: "prometheus",
        metricsTransport: "remote-write",
        remoteWriteUrl: "https://prometheus-global.mesh.example.com/api/v1/write",
        remoteWriteTenant: "",
        ampRegion: "",
        prometheusQueryUrl: "http://global-prometheus.mesh-observability.svc.cluster.local:80",
        prometheusReadUsername: "grafana",
        prometheusReadPassword: "s3cret",
        logsBackend: "loki",
        lokiQueryUrl: "http://global-loki-gateway.mesh-observability.svc.cluster.local",
        lokiTenant: "mesh",
        tracesBackend: "jaeger",
        jaegerQueryUrl: "http://global-jaeger.mesh-observability.svc.cluster.local:16686",
    };

    it("asks the exposed receiver's host as the read-only user; flags override", () => {
        const a = accessFromOutputs(outputs, "prod-global");
        assert.equal(a.prometheusUrl, "https://prometheus-global.mesh.example.com");
        assert.deepEqual(a.auth, { username: "grafana", password: "s3cret" });
        assert.deepEqual(a.logs, { backend: "loki", url: "http://global-loki-gateway.mesh-observability.svc.cluster.local", tenant: "mesh" });
        assert.equal(a.tenant, undefined);
        const o = accessFromOutputs(outputs, "prod-global", { globalUrl: "http://127.0.0.1:9090/", user: "ops", password: "pw", lokiUrl: "http://127.0.0.1:3100" });
        assert.equal(o.prometheusUrl, "http://127.0.0.1:9090");
        assert.deepEqual(o.auth, { username: "ops", password: "pw" });
        assert.equal(o.logs.url, "http://127.0.0.1:3100");
    });

    it("federation and Mimir ask the query URL (Mimir with its tenant, no basic auth)", () => {
        assert.equal(accessFromOutputs({ ...outputs, metricsTransport: "federation", remoteWriteUrl: "" }, "g").prometheusUrl, outputs.prometheusQueryUrl);
        const m = accessFromOutputs({ ...outputs, metricsBackend: "mimir", remoteWriteTenant: "mesh", prometheusQueryUrl: "http://mimir/prometheus", prometheusReadUsername: "", prometheusReadPassword: "" }, "g");
        assert.equal(m.prometheusUrl, "http://mimir/prometheus");
        assert.equal(m.tenant, "mesh");
        assert.equal(m.auth, undefined);
    });

    it("refuses what it cannot use, saying what to do", () => {
        assert.throws(() => accessFromOutputs({ ...outputs, prometheusReadPassword: "[secret]" }, "p/outputs.json"), (e: Error) => e instanceof VerifyError && /masked .*--show-secrets/.test(e.message));
        assert.throws(() => accessFromOutputs({ ...outputs, prometheusReadUsername: "" }, "g"), /no read-only user \(grafana.enabled is false\); pass --user and --password-file/);
        const { prometheusReadUsername, jaegerQueryUrl, ...old } = outputs;
        assert.ok(prometheusReadUsername && jaegerQueryUrl);
        assert.throws(() => accessFromOutputs(old, "prod-global"), /prod-global: missing output\(s\) prometheusReadUsername, jaegerQueryUrl: `pulumi up` the global stack/);
        assert.throws(() => accessFromOutputs({ ...outputs, metricsBackend: "amp" }, "g"), /signed with SigV4: set AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY \(and AWS_SESSION_TOKEN\)/);
    });

    it("AMP: asks the workspace's query URL, signing with the environment's AWS credentials in the workspace's region", () => {
        const amp = { ...outputs, metricsBackend: "amp", metricsTransport: "remote-write", remoteWriteUrl: "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write", prometheusQueryUrl: "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1", ampRegion: "eu-west-1", prometheusReadUsername: "", prometheusReadPassword: "" };
        const credentials = awsCredentialsFromEnv({ AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret", AWS_SESSION_TOKEN: "tok" })!;
        assert.deepEqual(credentials, { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "tok" });
        assert.equal(awsCredentialsFromEnv({ AWS_ACCESS_KEY_ID: "AKIDEXAMPLE" }), undefined);
        const a = accessFromOutputs(amp, "cloud-global", { awsCredentials: credentials });
        assert.equal(a.prometheusUrl, "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1");
        assert.deepEqual(a.sigv4, { region: "eu-west-1", credentials });
        assert.equal(a.auth, undefined);
    });
});

describe("verify: the command line", () => {
    const run = async (argv: string[], pulumiBin?: string) => {
        const lines: string[] = [];
        const code = await runVerify(argv, { out: (l) => lines.push(l), err: (l) => lines.push(l), ...(pulumiBin ? { pulumiBin } : {}) });
        return { code, text: lines.join("\n") };
    };

    it("without --plan or flags it reads the stack outputs through the Pulumi CLI; without one, exit 2 saying what else works", async () => {
        const r = await run(["--env", "prod"], "/nonexistent/pulumi");
        assert.equal(r.code, 2);
        assert.match(r.text, /cannot run `\/nonexistent\/pulumi stack output` \(spawnSync \/nonexistent\/pulumi ENOENT\): install the Pulumi CLI, or pass --plan <dir> or --global-url\/--user\/--password-file/);
    });

    it("usage errors exit 2: no --env, an unknown flag, a bad duration, a plan that does not exist", async () => {
        assert.match((await run([])).text, /--env is required\nusage: npm run verify -- --env <env>/);
        assert.equal((await run(["--env", "local", "--bogus"])).code, 2);
        assert.match((await run(["--env", "local", "--max-age", "soon", "--plan", "/x"])).text, /--max-age "soon" is not a positive duration/);
        assert.match((await run(["--env", "local", "--plan", "/nonexistent"])).text, /\/nonexistent\/local-global\/outputs.json does not exist: run `npm run plan -- --env local --show-secrets` first/);
    });
});
