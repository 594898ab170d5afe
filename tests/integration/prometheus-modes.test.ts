import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { hashSync } from "bcryptjs";
import { renderGlobalPrometheusConfig } from "../../components/prometheus/global-config";
import { parsePrometheusVersion, prometheusModeFlags } from "../../components/prometheus/prometheus-mode";
import { renderWebConfig } from "../../components/prometheus/web-config";
import { renderZonePrometheusConfig, ZonePrometheusSettings } from "../../components/prometheus/zone-config";
import { LoopbackProxy, ProxiedRequest, startLoopbackProxy } from "../support/loopback-proxy";
import { zoneSettings } from "../support/fixtures";
import { startKumaHttpSdBridge } from "../support/kuma-http-sd-bridge";
import { BasicAuth, loopbackRequest, waitFor } from "../support/loopback-http";
import { startMadsServer } from "../support/mads-server";
import { startMetricsEndpoint } from "../support/metrics-endpoint";
import { freePort } from "../support/ports";
import { PROMETHEUS_BIN, PrometheusProcess, startPrometheus, StartPrometheusOptions, stopAllPrometheus } from "../support/prometheus-process";
import { installedPrometheusVersion } from "../support/prometheus-version";
import { decodeWriteRequest, scanWriteRequest } from "../support/remote-write-wire";
import { findNonLoopbackAddresses, parsePrometheusYaml, renderPrometheusYaml, rewriteAddresses, rewriteFilePaths, swapKumaSdForHttpSd } from "../support/swap-discovery";

/**
 * Real Prometheus processes (Debian's 2.42) on 127.0.0.1 running what the new builders generate:
 * (a) a zone remote-writing with SigV4 (dummy static keys in its environment, as the Secret would
 *     provide them) through a capturing proxy to a plain receiver, which also decodes what is on the wire;
 * (b) a global federating two zone servers (one behind basic auth) and remote-reading them;
 * (c) a zone in agent mode, started with the flags prometheusModeFlags gives for the installed release.
 * Each zone config is the generated one with only the documented loopback changes (kuma_sd → http_sd
 * through the MADS bridge, cluster addresses → ports, mounted files → temp files). Everything starts
 * at once in `before`, so the file costs about one remote-write batch deadline (5s) plus start-up.
 */

const VERSION = installedPrometheusVersion();
const MAJOR = parsePrometheusVersion(VERSION).major;
const FAST = { scrapeInterval: "1s", dataplaneScrapeInterval: "1s" } as const;
const CP_TARGET = "kuma-control-plane.kuma-system:5680";
const MADS_URL = "http://kuma-control-plane.kuma-system:5676";
const AMP_URL = "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-0123/api/v1/remote_write";
const GLOBAL_URL = "https://global.example.com";
const DUMMY_KEY_ID = "AKIDEXAMPLE";
const DUMMY_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const TENANT = "mesh-tenant";
const PASSWORD_PATH = "/etc/prometheus/secrets/remote-write/remote-write-password";
/** Keeps the AWS SDK chain on loopback: only the env keys we pass, no shared files, no instance metadata. */
const AWS_ISOLATION = {
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "",
    AWS_CONTAINER_CREDENTIALS_FULL_URI: "",
    AWS_WEB_IDENTITY_TOKEN_FILE: "",
    AWS_ROLE_ARN: "",
    AWS_PROFILE: "",
    AWS_SESSION_TOKEN: "",
    AWS_CONFIG_FILE: "no-such-aws-config",
    AWS_SHARED_CREDENTIALS_FILE: "no-such-aws-credentials",
};
const FEDERATOR: BasicAuth = { username: "federator", password: "federator-password" };

interface Zone {
    readonly name: string;
    readonly prometheus: PrometheusProcess;
    /** prometheus.yml exactly as generated (before the loopback rewrites). */
    readonly generatedYaml: string;
}

describe("Prometheus modes with real processes: SigV4 remote write, federation and remote read, agent", function () {
    this.timeout(90_000);
    const stops: Array<() => Promise<void>> = [];
    let receiver: PrometheusProcess;
    let proxy: LoopbackProxy;
    /** Bodies of the first accepted remote-write requests, as Prometheus put them on the wire. */
    const acceptedBodies: Buffer[] = [];
    let global: PrometheusProcess;
    const zones = new Map<string, Zone>();
    const startedAt = new Date();

    /**
     * A zone Prometheus on loopback: one dataplane and a control plane endpoint behind a fake MADS,
     * the generated config localised, then started with `extra` (env, flags, files).
     */
    async function startZone(name: string, over: Partial<ZonePrometheusSettings>, urls: Record<string, string>, extra: Partial<StartPrometheusOptions> = {}): Promise<Zone> {
        const dp = await startMetricsEndpoint({
            path: "/metrics",
            metrics: (n) => `# TYPE envoy_cluster_upstream_rq_total counter\nenvoy_cluster_upstream_rq_total{envoy_cluster_name="upstream"} ${n * 10}\n`,
        });
        const cp = await startMetricsEndpoint({
            path: "/metrics",
            metrics: (n) => `# TYPE cp_info gauge\ncp_info{instance_id="cp-${name}"} 1\n# TYPE xds_requests_total counter\nxds_requests_total ${n}\n`,
        });
        const mads = await startMadsServer([
            { mesh: "default", service: "backend", labels: {}, targets: [{ name: `backend-${name}`, scheme: "http", address: dp.address, metrics_path: "/metrics", labels: { "kuma.io/service": "backend" } }] },
        ]);
        const bridge = await startKumaHttpSdBridge({ server: mads.url, fetchTimeout: "0s", refreshInterval: "1s" });
        stops.push(async () => {
            await bridge.stop();
            await mads.stop();
            await Promise.all([dp.stop(), cp.stop()]);
        });
        const generatedYaml = renderZonePrometheusConfig(zoneSettings({ zone: name, ...FAST, discovery: { madsUrl: MADS_URL, refreshInterval: "1s", fetchTimeout: "0s" }, ...over }));
        const port = await freePort();
        let cfg = swapKumaSdForHttpSd(parsePrometheusYaml(generatedYaml), () => bridge.url);
        cfg = rewriteAddresses(cfg, { [CP_TARGET]: cp.address, "localhost:9090": `127.0.0.1:${port}`, ...urls });
        cfg = rewriteFilePaths(cfg, { [PASSWORD_PATH]: "remote-write-password" });
        assert.deepEqual(findNonLoopbackAddresses(cfg), [], name);
        const prometheus = await startPrometheus({
            ...extra,
            name: `zone-${name}`,
            port,
            configYaml: renderPrometheusYaml(cfg),
            files: { "remote-write-password": "zone-writer-password", ...(extra.files ?? {}) },
            storageFlags: extra.storageFlags ?? ((dir) => prometheusModeFlags({ mode: over.mode ?? "server", version: VERSION, storagePath: dir })),
        });
        const zone = { name, prometheus, generatedYaml };
        zones.set(name, zone);
        return zone;
    }

    before(async () => {
        receiver = await startPrometheus({ name: "receiver", configYaml: "global:\n  scrape_interval: 15s\n", extraArgs: ["--web.enable-remote-write-receiver"] });
        proxy = await startLoopbackProxy(receiver.url, {
            onAnswered: (body, request) => {
                if (request.path === "/api/v1/write" && request.status >= 200 && request.status < 300 && acceptedBodies.length < 50) acceptedBodies.push(body);
            },
        });
        stops.push(() => proxy.stop());
        const webConfig = renderWebConfig({ [FEDERATOR.username]: hashSync(FEDERATOR.password, 4) });
        const [, , east, west] = await Promise.all([
            // (a) SigV4 to "AMP": the proxy stands in for the workspace, the plain receiver stores what it forwards.
            startZone(
                "aws-east",
                { remoteWrite: { url: AMP_URL, sigv4: { region: "us-east-1" }, headers: { "X-Scope-OrgID": TENANT } } },
                { [AMP_URL]: `${proxy.url}/api/v1/write` },
                { env: { ...AWS_ISOLATION, AWS_ACCESS_KEY_ID: DUMMY_KEY_ID, AWS_SECRET_ACCESS_KEY: DUMMY_SECRET } },
            ),
            // (c) an agent with the fixture's basic-auth remote write (the receiver ignores the credential).
            startZone("north", { mode: "agent" }, { [GLOBAL_URL]: receiver.url }),
            // (b) zone servers that keep their data for the global to federate; west requires basic auth.
            startZone("east", { remoteWrite: undefined }, {}),
            startZone("west", { remoteWrite: undefined }, {}, { files: { "web.yml": webConfig }, extraArgs: ["--web.config.file=web.yml"], readyAuth: FEDERATOR }),
        ]);
        const globalPort = await freePort();
        const zoneHost = (z: string) => `zone-prometheus.obs-${z}.svc.cluster.local`;
        const generated = renderGlobalPrometheusConfig({
            scrapeInterval: "1s",
            selfScrape: { username: "prometheus-self", passwordFile: "/etc/prometheus/secrets/auth/self-scrape-password" },
            federation: {
                match: ['{__name__="envoy_cluster_upstream_rq_total"}', "cp_info"],
                scrapeInterval: "1s",
                zones: [
                    { zone: "east", url: `http://${zoneHost("east")}` },
                    { zone: "west", url: `http://${zoneHost("west")}`, basicAuth: { username: FEDERATOR.username, passwordFile: "/etc/prometheus/secrets/zones/federate-west-password" } },
                ],
            },
            remoteRead: [
                { zone: "east", url: `http://${zoneHost("east")}/api/v1/read`, readRecent: true },
                { zone: "west", url: `http://${zoneHost("west")}/api/v1/read`, readRecent: true, basicAuth: { username: FEDERATOR.username, passwordFile: "/etc/prometheus/secrets/zones/remote-read-west-password" } },
            ],
        });
        let cfg = rewriteAddresses(parsePrometheusYaml(generated), {
            [`${zoneHost("east")}:80`]: `127.0.0.1:${east.prometheus.port}`,
            [`${zoneHost("west")}:80`]: `127.0.0.1:${west.prometheus.port}`,
            [`http://${zoneHost("east")}`]: east.prometheus.url,
            [`http://${zoneHost("west")}`]: west.prometheus.url,
            "localhost:9090": `127.0.0.1:${globalPort}`,
        });
        cfg = rewriteFilePaths(cfg, {
            "/etc/prometheus/secrets/zones/federate-west-password": "zones/federate-west-password",
            "/etc/prometheus/secrets/zones/remote-read-west-password": "zones/remote-read-west-password",
            "/etc/prometheus/secrets/auth/self-scrape-password": "auth/self-scrape-password",
        });
        assert.deepEqual(findNonLoopbackAddresses(cfg), []);
        global = await startPrometheus({
            name: "global",
            port: globalPort,
            configYaml: renderPrometheusYaml(cfg),
            files: { "zones/federate-west-password": FEDERATOR.password, "zones/remote-read-west-password": FEDERATOR.password, "auth/self-scrape-password": "unused" },
        });
    });

    after(async () => {
        // Writers first, while the receiver (and the proxy) still answer: a zone whose receiver is gone
        // keeps retrying its last batch on shutdown until the harness's 15s grace runs out.
        await Promise.all([...zones.values()].map((z) => z.prometheus.stop()));
        await stopAllPrometheus();
        for (const stop of stops) await stop();
    });

    const seriesWhere = (p: PrometheusProcess, q: string, ok: (r: Awaited<ReturnType<PrometheusProcess["query"]>>) => boolean, timeoutMs = 30_000) =>
        waitFor(`${q} on ${p.name}`, async () => {
            const r = await p.query(q);
            return ok(r) ? r : undefined;
        }, { timeoutMs, intervalMs: 250 });

    describe("(a) SigV4 remote write with static keys from the environment", () => {
        it("samples arrive at the receiver with the zone label, through the capturing proxy", async () => {
            const cp = await seriesWhere(receiver, 'cp_info{zone="aws-east"}', (r) => r.length === 1);
            assert.equal(cp[0].metric.environment, "test", "external labels travel with the zone");
            const dp = await seriesWhere(receiver, 'envoy_cluster_upstream_rq_total{zone="aws-east"}', (r) => r.length === 1);
            assert.equal(dp[0].metric.mesh, "default");
            assert.equal(dp[0].metric.dataplane, "backend-aws-east");
        });

        const forwardedWrites = () =>
            waitFor("a forwarded write", () => {
                const w = proxy.requests.filter((r) => r.method === "POST" && r.path === "/api/v1/write" && r.status > 0);
                return w.length > 0 ? w : undefined;
            }, { timeoutMs: 30_000 });
        /** Debian's build (…+ds) leaves OpenTelemetry out, and with it the remote-write round trippers that sign and add headers. */
        const debianDropsRoundTrippers = (writes: ProxiedRequest[]) =>
            /\+ds/.test(VERSION) && writes.every((w) => w.headers.authorization === undefined && w.headers["x-scope-orgid"] === undefined);

        it("on the wire: every series carries zone and environment, every sample a timestamp of this run (both decoders agree)", async () => {
            await forwardedWrites();
            assert.ok(acceptedBodies.length > 0);
            const now = Date.now();
            let samples = 0;
            const names = new Set<string>();
            for (const body of acceptedBodies) {
                const series = decodeWriteRequest(body);
                for (const s of series) {
                    assert.equal(s.labels.zone, "aws-east", JSON.stringify(s.labels));
                    assert.equal(s.labels.environment, "test", JSON.stringify(s.labels));
                    names.add(s.labels.__name__);
                    for (const x of s.samples) assert.ok(x.timestampMs >= startedAt.getTime() - 1000 && x.timestampMs <= now, `sample at ${x.timestampMs}`);
                    samples += s.samples.length;
                }
                const seen: number[] = [];
                assert.equal(scanWriteRequest(body, (_key, ts) => seen.push(ts)), series.reduce((n, s) => n + s.samples.length, 0));
                assert.deepEqual(seen, series.flatMap((s) => s.samples.map((x) => x.timestampMs)));
            }
            assert.ok(samples > 0);
            assert.ok(names.has("envoy_cluster_upstream_rq_total") && names.has("cp_info"), [...names].join(", "));
        });

        it("every write was signed AWS4-HMAC-SHA256 with the dummy key, today's date, the region and service aps, and carried the tenant header", async function () {
            const writes = await forwardedWrites();
            // Runs with a binary that applies remote_write sigv4/headers (PROMETHEUS_BIN=<upstream build>); see the canary below.
            if (debianDropsRoundTrippers(writes)) this.skip();
            const days = new Set([startedAt, new Date()].map((d) => d.toISOString().slice(0, 10).replace(/-/g, "")));
            for (const w of writes) {
                const auth = String(w.headers.authorization);
                const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/([0-9]{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=[0-9a-f]{64}$/.exec(auth);
                assert.ok(m, `not a SigV4 header: ${auth}`);
                assert.deepEqual([m[1], m[3], m[4]], [DUMMY_KEY_ID, "us-east-1", "aps"]);
                assert.ok(days.has(m[2]), `credential date ${m[2]} is not today (UTC): ${[...days].join(", ")}`);
                assert.ok(m[5].split(";").includes("host") && m[5].split(";").includes("x-amz-date"), m[5]);
                assert.equal(String(w.headers["x-amz-date"]).slice(0, 8), m[2]);
                assert.equal(w.headers["x-scope-orgid"], TENANT);
                assert.ok(!("x-amz-security-token" in w.headers), "static keys, no session token");
            }
        });

        it("canary: Debian's 2.42.0+ds sends neither the signature nor the configured headers (why the test above skips there)", async function () {
            if (!/\+ds/.test(VERSION)) this.skip();
            const writes = await forwardedWrites();
            // Basic auth (applied inside the HTTP client config) still arrives with this build (checked by hand); sigv4 and
            // headers are wrapped around it in storage/remote and are lost. When this fails, Debian fixed
            // it: delete this canary and the strict test above runs.
            assert.ok(debianDropsRoundTrippers(writes), JSON.stringify(writes.map((w) => w.headers)));
            assert.ok(writes.every((w) => w.headers["content-encoding"] === "snappy" && w.status >= 200 && w.status < 300), "plain writes still go through");
        });

        it("the generated prometheus.yml holds region and tenant but no key", () => {
            const text = zones.get("aws-east")!.generatedYaml;
            assert.match(text, /sigv4:\n\s+region: us-east-1/);
            assert.doesNotMatch(text, new RegExp(`${DUMMY_KEY_ID}|access_key|secret_key|${DUMMY_SECRET.slice(0, 8)}`));
        });

        it("without the environment's keys the same config does not run (the keys came from the environment)", async () => {
            const generated = parsePrometheusYaml(renderZonePrometheusConfig(zoneSettings({ zone: "aws-east", remoteWrite: { url: AMP_URL, sigv4: { region: "us-east-1" } } })));
            const cfg = rewriteAddresses(generated, { [AMP_URL]: `${proxy.url}/api/v1/write` });
            const bare = { global: cfg.global, remote_write: cfg.remote_write };
            await assert.rejects(
                startPrometheus({ name: "sigv4-no-keys", configYaml: renderPrometheusYaml(bare), env: { ...AWS_ISOLATION, AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "" }, readyTimeoutMs: 15_000 }),
                /could not get SigV4 credentials/,
            );
        });
    });

    describe("(b) federation and remote read on the global", () => {
        it("federates both zones: zone-labelled series keeping their own job (honor_labels)", async () => {
            const s = await seriesWhere(global, "envoy_cluster_upstream_rq_total", (r) => new Set(r.map((x) => x.metric.zone)).size === 2);
            assert.deepEqual(s.map((x) => x.metric.zone).sort(), ["east", "west"]);
            for (const x of s) {
                assert.equal(x.metric.job, "kuma-dataplanes", "the zone's job, not the federation job");
                assert.equal(x.metric.dataplane, `backend-${x.metric.zone}`);
                assert.ok(!Object.keys(x.metric).some((k) => k.startsWith("exported_")), JSON.stringify(x.metric));
            }
            const cp = await seriesWhere(global, "cp_info", (r) => r.length === 2);
            assert.deepEqual(cp.map((x) => `${x.metric.zone}/${x.metric.instance_id}`).sort(), ["east/cp-east", "west/cp-west"]);
        });

        it("each zone is its own federation job and is up; west's through basic auth (it refuses anonymous /federate)", async () => {
            const up = await seriesWhere(global, 'up{job=~"federate-.*"} == 1', (r) => r.length === 2);
            assert.deepEqual(up.map((x) => `${x.metric.job}/${x.metric.zone}`).sort(), ["federate-east/east", "federate-west/west"]);
            const west = zones.get("west")!.prometheus;
            assert.equal((await loopbackRequest({ url: `${west.url}/federate?match[]=cp_info` })).status, 401);
            assert.equal((await loopbackRequest({ url: `${west.url}/federate?match[]=cp_info`, auth: FEDERATOR })).status, 200);
        });

        it("remote read answers what federation does not carry, per zone, west through basic auth", async () => {
            const all = await seriesWhere(global, "xds_requests_total", (r) => r.length === 2);
            assert.deepEqual(all.map((x) => x.metric.zone).sort(), ["east", "west"]);
            const westOnly = await global.query('xds_requests_total{zone="west"}');
            assert.deepEqual(westOnly.map((x) => x.metric.zone), ["west"]);
            assert.ok(all.every((x) => x.metric.job === "kuma-control-plane"), "the zone's own job label");
            // Federation carried only the two matched series per zone, so xds_requests_total came through remote read.
            // Waits for a federation scrape of each zone after its own first scrapes (under load a zone can still be empty at first).
            const scraped = await seriesWhere(global, 'scrape_samples_scraped{job=~"federate-.*"}', (r) => r.length === 2 && r.every((x) => Number(x.value[1]) >= 2));
            assert.deepEqual(scraped.map((x) => Number(x.value[1])), [2, 2]);
        });
    });

    describe(`(c) agent mode on the installed Prometheus ${VERSION}`, () => {
        it("runs with the flags prometheusModeFlags gives for this release, and no TSDB flag", () => {
            const north = zones.get("north")!.prometheus;
            const cmd = north.logs().split("\n").find((l) => l.startsWith("=== harness: "))!;
            assert.ok(cmd.includes(MAJOR === 2 ? " --enable-feature=agent " : " --agent "), cmd);
            assert.match(cmd, / --storage\.agent\.path=/);
            assert.doesNotMatch(cmd, /--storage\.tsdb\./);
            assert.match(north.logs(), /agent mode/i);
        });

        it("its samples reach the receiver with the zone label", async () => {
            const s = await seriesWhere(receiver, 'cp_info{zone="north"}', (r) => r.length === 1);
            assert.equal(s[0].metric.instance_id, "cp-north");
            await seriesWhere(receiver, 'envoy_cluster_upstream_rq_total{zone="north", mesh="default"}', (r) => r.length === 1);
        });

        it("its query API answers 422 (an agent keeps nothing queryable)", async () => {
            const res = await loopbackRequest({ url: `${zones.get("north")!.prometheus.url}/api/v1/query?query=up` });
            assert.equal(res.status, 422, res.body);
        });

        it("the release refuses the other major's agent flag and any TSDB flag in agent mode", function () {
            if (MAJOR !== 2) this.skip();
            const run = (args: string[]) => spawnSync(PROMETHEUS_BIN, ["--config.file=/dev/null", "--web.listen-address=127.0.0.1:0", ...args], { encoding: "utf8", timeout: 10_000 });
            const v3 = run(["--agent"]);
            assert.notEqual(v3.status, 0);
            assert.match(v3.stderr, /unknown long flag '--agent'/);
            const tsdb = run([...prometheusModeFlags({ mode: "agent", version: VERSION, storagePath: "/nonexistent" }), "--storage.tsdb.retention.time=2d"]);
            assert.equal(tsdb.status, 3, tsdb.stderr);
            assert.match(tsdb.stderr, /can not be used in agent mode: \["--storage\.tsdb\.retention\.time"\]/);
        });
    });
});
