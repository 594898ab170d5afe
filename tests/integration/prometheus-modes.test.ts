import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { parsePrometheusVersion, prometheusModeFlags } from "../../components/prometheus/prometheus-mode";
import { TENANT_HEADER } from "../../components/kernel/tenant-header";
import { DATA_MOUNT_PATH } from "../../components/prometheus/chart";
import { evaluateEnvironment } from "../../infra/plan/evaluate-environment";
import { StackEvaluation } from "../../infra/plan/evaluate-stack";
import { COUNTER_METRIC, counterAssignment, startCounterEndpoint } from "../support/counted-samples";
import { LoopbackProxy, ProxiedRequest, startLoopbackProxy } from "../support/loopback-proxy";
import { FEDERATE_PATH, FEDERATION_JOB_PREFIX } from "../../components/prometheus/federation";
import { REMOTE_READ_PATH_SUFFIX } from "../../components/prometheus/remote-read";
import { LocalGlobal, startGeneratedGlobal } from "../support/generated-global";
import { startGeneratedZone } from "../support/generated-zone";
import { BasicAuth, loopbackRequest, waitFor } from "../support/loopback-http";
import { startMetricsEndpoint } from "../support/metrics-endpoint";
import { renderedConfigText, withPrometheusPod } from "../support/rendered-pod";
import { one, output, revealed, yamlFile } from "../support/plan-access";
import { PROMETHEUS_BIN, PrometheusProcess, prometheusVersionOf, startPrometheus, stopAllPrometheus } from "../support/prometheus-process";
import { decodeWriteRequest, scanWriteRequest } from "../support/remote-write-wire";
import { verifySigV4 } from "../support/sigv4-verify";
import { testStack } from "../support/stack-file";
import { parsePrometheusYaml, PrometheusConfig, renderPrometheusYaml, rewriteAddresses } from "../support/swap-discovery";

/**
 * Real Prometheus processes (3.5, the harness's default binary) on 127.0.0.1 running what the
 * program generates:
 * (a) zones of generated environments remote-writing through capturing loopback proxies to a
 *     plain receiver, which also decodes what is on the wire: an AMP zone off EKS signing with
 *     SigV4 with the static keys of its Secret (each signature recomputed from the keys and
 *     verified), and a Mimir zone sending its tenant's X-Scope-OrgID;
 * (b) a generated environment in federation transport: its global (metrics.federation and
 *     metrics.remoteRead) scraping both zones' /federate and remote-reading them, the zones keeping
 *     their data (no remote write);
 * (c) a generated zone in agent mode, started with the chart's own agent flags (`--agent` on 3.x).
 * Every Prometheus runs from its rendered pod (rendered-pod.ts: the container's args and env, its
 * mounted ConfigMaps and Secrets under a temporary root) with only the documented loopback changes
 * (kuma_sd → http_sd through the MADS bridge, cluster addresses → loopback ports). Everything starts
 * at once in `before`, so the file costs about one remote-write batch deadline plus start-up.
 * The 2.x counterparts (agent flag, promtool) are in prometheus2-compat.test.ts.
 */

const VERSION = prometheusVersionOf();
const MAJOR = parsePrometheusVersion(VERSION).major;
const FAST = { scrapeInterval: "1s", dataplaneScrapeInterval: "1s" } as const;
/** The AWS SigV4 test suite's example key pair (docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html). */
const DUMMY_KEY_ID = "AKIDEXAMPLE";
const DUMMY_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
/** Not the SDK's default region, so the credential scope can only have come from the workspace. */
const AMP_REGION = "eu-west-2";
const MIMIR_TENANT = "mesh-wire";
const GENERATED_ZONE = { mesh: { version: "2.14.3" }, zonePrometheus: { ...FAST, discovery: { refreshInterval: "1s" } } } as const;
/** An AMP global and a zone off EKS with static keys (secret config, as `pulumi config set --secret` gives them). */
const AMP_ENV = [
    testStack("wire-global", { zones: ["aws-east"], metrics: { backend: "amp", amp: { region: AMP_REGION } } }),
    testStack("wire-zone-aws-east", { ...GENERATED_ZONE, namespace: "obs-aws-east" }, { awsAccessKeyId: DUMMY_KEY_ID, awsSecretAccessKey: DUMMY_SECRET }),
];
/** A plain Prometheus global and a zone the chart runs as an agent (server.defaultFlagsOverride). */
const AGENT_ENV = [
    testStack("awire-global", { zones: ["north"] }),
    testStack("awire-zone-north", { ...GENERATED_ZONE, namespace: "obs-north", zonePrometheus: { ...GENERATED_ZONE.zonePrometheus, mode: "agent" } }),
];
const MIMIR_ENV = [
    testStack("mwire-global", { zones: ["mim-east"], metrics: { backend: "mimir", mimir: { tenant: MIMIR_TENANT, storage: { type: "s3", bucket: "b-mimir", region: "eu-west-1" } } } }, ["s3AccessKeyId", "s3SecretAccessKey"]),
    testStack("mwire-zone-mim-east", { ...GENERATED_ZONE, namespace: "obs-mim-east" }),
];
/** Keeps the AWS SDK chain on loopback: only the env keys the chart gives, no shared files, no instance metadata. */
const AWS_ISOLATION = {
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "",
    AWS_CONTAINER_CREDENTIALS_FULL_URI: "",
    AWS_WEB_IDENTITY_TOKEN_FILE: "",
    AWS_ROLE_ARN: "",
    AWS_PROFILE: "",
    AWS_SESSION_TOKEN: "",
    AWS_REGION: "",
    AWS_DEFAULT_REGION: "",
    AWS_CONFIG_FILE: "no-such-aws-config",
    AWS_SHARED_CREDENTIALS_FILE: "no-such-aws-credentials",
};
/** What the federating global pulls: the dataplane counter and the control plane's info series (xds_requests_total stays in the zones: remote read). */
const FED_MATCH = [`{__name__="${COUNTER_METRIC}"}`, "cp_info"];
const FED_ZONES = ["east", "west"];
/** host:port of a zone's Prometheus Service: what its zone stack exports as prometheusAddress, copied into the global's stack file (the global deploys first). */
const fedZoneHost = (zone: string) => `zone-prometheus.obs-${zone}.svc.cluster.local:80`;
/** A global Prometheus federating both zones every second and remote-reading them (recent ranges too), and the zones in federation transport. */
const FED_ENV = [
    testStack("fwire-global", {
        zones: FED_ZONES,
        metrics: {
            federation: { match: FED_MATCH, scrapeInterval: "1s", zones: Object.fromEntries(FED_ZONES.map((z) => [z, { url: `http://${fedZoneHost(z)}` }])) },
            remoteRead: { zones: Object.fromEntries(FED_ZONES.map((z) => [z, { url: `http://${fedZoneHost(z)}`, readRecent: true }])) },
        },
    }),
    ...FED_ZONES.map((z) => testStack(`fwire-zone-${z}`, { ...GENERATED_ZONE, namespace: `obs-${z}` })),
];

interface Zone {
    readonly name: string;
    readonly prometheus: PrometheusProcess;
    /** prometheus.yml exactly as generated (before the loopback rewrites). */
    readonly generatedYaml: string;
}

/** A remote-write request as the proxy saw it, with its body. */
interface Captured {
    readonly request: ProxiedRequest;
    readonly body: Buffer;
}

describe("Prometheus modes with real processes: SigV4 and tenant header on the wire, federation and remote read, agent", function () {
    this.timeout(120_000);
    const stops: Array<() => Promise<void>> = [];
    let receiver: PrometheusProcess;
    let ampProxy: LoopbackProxy;
    let mimirProxy: LoopbackProxy;
    /** The first remote-write requests each proxy answered, with their bodies. */
    const ampWrites: Captured[] = [];
    const mimirWrites: Captured[] = [];
    let ampGlobal: StackEvaluation;
    let ampZoneEv: StackEvaluation;
    let mimirGlobal: StackEvaluation;
    let mimirZoneEv: StackEvaluation;
    let agentGlobal: StackEvaluation;
    let agentZoneEv: StackEvaluation;
    let fedGlobalEv: StackEvaluation;
    let fedZoneEvs: StackEvaluation[];
    let fed: LocalGlobal;
    /** The federating global's process and the credential it is queried with (the reader its stack exports). */
    let global: PrometheusProcess;
    let reader: BasicAuth;
    const zones = new Map<string, Zone>();
    const startedAt = new Date();

    /**
     * The zone stack of a generated environment, run as generated (chart env and flags included): remote-writing
     * to `writeTo.url` in place of its global's receiver, or without `writeTo` (federation transport) keeping its data.
     */
    async function startZoneStack(zoneEv: StackEvaluation, writeTo?: { globalEv: StackEvaluation; url: string }, env?: Record<string, string>): Promise<Zone> {
        const name = String(output(zoneEv, "zone"));
        const dataplane = await startCounterEndpoint();
        const cp = await startMetricsEndpoint({ path: "/metrics", metrics: (n) => `# TYPE cp_info gauge\ncp_info{instance_id="cp-${name}"} 1\n# TYPE xds_requests_total counter\nxds_requests_total ${n}\n` });
        stops.push(() => Promise.all([dataplane.stop(), cp.stop()]).then(() => undefined));
        const local = await startGeneratedZone({
            zoneEv,
            name: `zone-${name}`,
            assignments: [counterAssignment(name, "backend", dataplane)],
            controlPlaneAddress: cp.address,
            ...(writeTo !== undefined ? { receiverBase: new URL(String(output(writeTo.globalEv, "remoteWriteUrl"))).origin, receiverUrl: writeTo.url } : {}),
            env,
        });
        stops.push(() => local.stopDiscovery());
        const zone = { name, prometheus: local.prometheus, generatedYaml: renderedConfigText(local.pod) };
        zones.set(name, zone);
        return zone;
    }

    /** A proxy that hands the receiver every write at its own path and keeps the first 50 answered ones with their bodies. */
    const capturingProxy = (into: Captured[]) =>
        startLoopbackProxy(receiver.url, {
            upstreamPath: () => "/api/v1/write",
            onAnswered: (body, request) => {
                if (request.method === "POST" && into.length < 50) into.push({ request, body });
            },
        });

    before(async () => {
        receiver = await startPrometheus({ name: "receiver", configYaml: "global:\n  scrape_interval: 15s\n", extraArgs: ["--web.enable-remote-write-receiver"] });
        ampProxy = await capturingProxy(ampWrites);
        mimirProxy = await capturingProxy(mimirWrites);
        stops.push(() => ampProxy.stop(), () => mimirProxy.stop());
        [ampGlobal, ampZoneEv] = (await evaluateEnvironment("wire", { files: AMP_ENV })).stacks;
        [mimirGlobal, mimirZoneEv] = (await evaluateEnvironment("mwire", { files: MIMIR_ENV })).stacks;
        [agentGlobal, agentZoneEv] = (await evaluateEnvironment("awire", { files: AGENT_ENV })).stacks;
        [fedGlobalEv, ...fedZoneEvs] = (await evaluateEnvironment("fwire", { files: FED_ENV })).stacks;
        const [, , , ...fedZones] = await Promise.all([
            // (a) the proxies stand in for the AMP workspace and Mimir's gateway; the plain receiver stores what they forward.
            startZoneStack(ampZoneEv, { globalEv: ampGlobal, url: ampProxy.url }, AWS_ISOLATION),
            startZoneStack(mimirZoneEv, { globalEv: mimirGlobal, url: mimirProxy.url }),
            // (c) a generated agent zone with its basic-auth remote write (the receiver ignores the credential).
            startZoneStack(agentZoneEv, { globalEv: agentGlobal, url: receiver.url }),
            // (b) zones in federation transport: they keep their data for the global to federate and remote-read.
            ...fedZoneEvs.map((ev) => startZoneStack(ev)),
        ]);
        // The global scrapes and remote-reads each zone at the address its stack file names (the zone's Service): here, that zone's
        // process. One host:port key moves both the /federate target and the remote-read URL (rewriteAddresses).
        const local = Object.fromEntries(fedZones.map((z) => [fedZoneHost(z.name), `127.0.0.1:${z.prometheus.port}`]));
        fed = await startGeneratedGlobal(fedGlobalEv, "fwire-global", { transform: (cfg) => rewriteAddresses(cfg, local) });
        global = fed.global;
        assert.ok(fed.reader !== undefined, "the federating global exports a reader");
        reader = fed.reader;
    });

    after(async () => {
        // Writers first, while the receiver (and the proxy) still answer: a zone whose receiver is gone
        // keeps retrying its last batch on shutdown until the harness's 15s grace runs out.
        await Promise.all([...zones.values()].map((z) => z.prometheus.stop()));
        await stopAllPrometheus();
        for (const stop of stops) await stop();
    });

    const seriesWhere = (p: PrometheusProcess, q: string, ok: (r: Awaited<ReturnType<PrometheusProcess["query"]>>) => boolean, auth?: BasicAuth) =>
        waitFor(`${q} on ${p.name}`, async () => {
            const r = await p.query(q, auth);
            return ok(r) ? r : undefined;
        }, { timeoutMs: 30_000, intervalMs: 250 });

    /** The captured writes once at least one was accepted (2xx). */
    /**
     * Waits until the accepted writes carry a dataplane series and the control plane's: the first
     * writes can precede the first dataplane scrape (discovery through the bridge takes a refresh).
     */
    const acceptedWrites = (captured: Captured[], what: string) =>
        waitFor(
            `accepted writes ${what} carrying envoy_cluster_upstream_rq_total and cp_info`,
            () => {
                const names = new Set(captured.filter((c) => c.request.status >= 200 && c.request.status < 300).flatMap((c) => decodeWriteRequest(c.body).map((x) => x.labels.__name__)));
                return names.has("envoy_cluster_upstream_rq_total") && names.has("cp_info") ? [...captured] : undefined;
            },
            { timeoutMs: 30_000 },
        );

    /** Every series of every accepted body carries the zone's generated external labels, every sample a timestamp of this run; both decoders agree. */
    function assertWireSeries(captured: Captured[], zoneEv: StackEvaluation): Set<string> {
        const external = yamlFile(zoneEv, "prometheus", "prometheus.yml").global.external_labels as Record<string, string>;
        assert.equal(external.zone, String(output(zoneEv, "zone")));
        const now = Date.now();
        const names = new Set<string>();
        let samples = 0;
        for (const { body } of captured.filter((c) => c.request.status >= 200 && c.request.status < 300)) {
            const series = decodeWriteRequest(body);
            for (const s of series) {
                for (const [k, v] of Object.entries(external)) assert.equal(s.labels[k], v, JSON.stringify(s.labels));
                names.add(s.labels.__name__);
                for (const x of s.samples) assert.ok(x.timestampMs >= startedAt.getTime() - 1000 && x.timestampMs <= now, `sample at ${x.timestampMs}`);
                samples += s.samples.length;
            }
            const seen: number[] = [];
            assert.equal(scanWriteRequest(body, (_key, ts) => seen.push(ts)), series.reduce((n, s) => n + s.samples.length, 0));
            assert.deepEqual(seen, series.flatMap((s) => s.samples.map((x) => x.timestampMs)));
        }
        assert.ok(samples > 0);
        return names;
    }

    describe("(a) on the wire: AMP's SigV4 with the zone Secret's static keys, Mimir's tenant header", () => {
        it("AMP zone: samples arrive at the receiver with the zone label, through the capturing proxy", async () => {
            const cp = await seriesWhere(receiver, 'cp_info{zone="aws-east"}', (r) => r.length === 1);
            assert.equal(cp[0].metric.instance_id, "cp-aws-east");
            const dp = await seriesWhere(receiver, 'envoy_cluster_upstream_rq_total{zone="aws-east"}', (r) => r.length === 1);
            assert.equal(dp[0].metric.mesh, "default");
            assert.equal(dp[0].metric.dataplane, "backend.aws-east");
        });

        it("AMP zone on the wire: every series carries the zone's external labels, every sample a timestamp of this run (both decoders agree)", async () => {
            const names = assertWireSeries(await acceptedWrites(ampWrites, "from the AMP zone"), ampZoneEv);
            assert.ok(names.has("envoy_cluster_upstream_rq_total") && names.has("cp_info"), [...names].join(", "));
        });

        it("every AMP write is signed with the Secret's key for today, the workspace's region and service aps, on the workspace's path, and the signature verifies against the secret key", async () => {
            const writes = await acceptedWrites(ampWrites, "from the AMP zone");
            const workspace = new URL(String(output(ampGlobal, "remoteWriteUrl")));
            assert.match(workspace.pathname, /^\/workspaces\/ws-[a-z0-9]+\/api\/v1\/remote_write$/);
            assert.equal(output(ampGlobal, "ampRegion"), AMP_REGION);
            const days = new Set([startedAt, new Date()].map((d) => d.toISOString().slice(0, 10).replace(/-/g, "")));
            for (const { request, body } of writes) {
                const verdict = verifySigV4({ method: request.method, path: request.path, headers: request.headers, body }, DUMMY_SECRET);
                assert.equal(verdict.signature, verdict.expectedSignature, `signature does not verify; canonical request:\n${verdict.canonicalRequest}`);
                assert.equal(verdict.valid, true);
                assert.deepEqual([verdict.accessKeyId, verdict.region, verdict.service], [DUMMY_KEY_ID, AMP_REGION, "aps"]);
                assert.ok(days.has(verdict.date), `credential date ${verdict.date} is not today (UTC): ${[...days].join(", ")}`);
                assert.equal(request.path, workspace.pathname, "the workspace's remote-write path");
                // The payload hash in the canonical request is the body's: the samples themselves are signed.
                for (const h of ["host", "x-amz-date", "content-encoding", "content-type"]) assert.ok(verdict.signedHeaders.includes(h), `${h} not signed: ${verdict.signedHeaders.join(";")}`);
                assert.ok(!("x-amz-security-token" in request.headers), "static keys, no session token");
                assert.equal(request.headers["x-scope-orgid"], undefined, "AMP takes no tenant header");
            }
            // The keys came from the zone's Secret (through the rendered container's env), not from the test.
            assert.deepEqual(withPrometheusPod(ampZoneEv, "zone-prometheus", (pod) => pod.env), { AWS_ACCESS_KEY_ID: DUMMY_KEY_ID, AWS_SECRET_ACCESS_KEY: DUMMY_SECRET });
        });

        it("the generated AMP prometheus.yml holds the workspace's region but no key", () => {
            const text = zones.get("aws-east")!.generatedYaml;
            assert.deepEqual(parsePrometheusYaml(text).remote_write, yamlFile(ampZoneEv, "prometheus", "prometheus.yml").remote_write);
            assert.match(text, new RegExp(`sigv4:\n\\s+region: ${AMP_REGION}`));
            assert.doesNotMatch(text, new RegExp(`${DUMMY_KEY_ID}|access_key|secret_key|${DUMMY_SECRET.slice(0, 8)}`));
        });

        it("without the Secret's keys the same config does not run (the keys came from the environment)", async () => {
            const cfg: PrometheusConfig = rewriteAddresses(parsePrometheusYaml(zones.get("aws-east")!.generatedYaml), {
                [new URL(String(output(ampGlobal, "remoteWriteUrl"))).origin]: ampProxy.url,
            });
            const bare = { global: cfg.global, remote_write: cfg.remote_write };
            await assert.rejects(
                startPrometheus({ name: "sigv4-no-keys", configYaml: renderPrometheusYaml(bare), env: { ...AWS_ISOLATION, AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "" }, readyTimeoutMs: 15_000 }),
                /could not get SigV4 credentials/,
            );
        });

        it(`Mimir zone on the wire: every write carries ${TENANT_HEADER}: <the global's tenant> to Mimir's push path, and no Authorization`, async () => {
            const writes = await acceptedWrites(mimirWrites, "from the Mimir zone");
            assert.equal(output(mimirGlobal, "remoteWriteTenant"), MIMIR_TENANT);
            const push = new URL(String(output(mimirGlobal, "remoteWriteUrl")));
            assert.equal(push.pathname, "/api/v1/push");
            for (const { request } of writes) {
                assert.equal(request.headers[TENANT_HEADER.toLowerCase()], MIMIR_TENANT);
                assert.equal(request.path, push.pathname);
                assert.equal(request.headers.authorization, undefined);
                assert.equal(request.headers["content-encoding"], "snappy");
            }
            const names = assertWireSeries(writes, mimirZoneEv);
            assert.ok(names.has("envoy_cluster_upstream_rq_total") && names.has("cp_info"), [...names].join(", "));
            await seriesWhere(receiver, 'envoy_cluster_upstream_rq_total{zone="mim-east", dataplane="backend.mim-east"}', (r) => r.length === 1);
        });
    });

    describe("(b) a generated global federating and remote-reading generated zones (federation transport)", () => {
        const fedZoneEv = (zone: string) => fedZoneEvs.find((ev) => output(ev, "zone") === zone)!;

        it("the global's mounted config reaches each zone at the address its zone stack exports: a /federate job (match[] and 1s from the stack file) and a read_recent remote read, no credential; the zones do not remote-write", () => {
            assert.equal(output(fedGlobalEv, "metricsTransport"), "federation");
            assert.equal(output(fedGlobalEv, "remoteWriteUrl"), "");
            assert.deepEqual(output(fedGlobalEv, "remoteReadZones"), FED_ZONES);
            for (const zone of FED_ZONES) {
                assert.equal(output(fedZoneEv(zone), "prometheusAddress"), `http://${fedZoneHost(zone)}`, zone);
                assert.equal(output(fedZoneEv(zone), "remoteWriteUrl"), "", zone);
                assert.equal(parsePrometheusYaml(zones.get(zone)!.generatedYaml).remote_write, undefined, zone);
            }
            const mounted = parsePrometheusYaml(renderedConfigText(fed.pod)) as any;
            assert.deepEqual(
                mounted.scrape_configs.filter((j: any) => j.metrics_path === FEDERATE_PATH),
                FED_ZONES.map((zone) => ({
                    job_name: `${FEDERATION_JOB_PREFIX}${zone}`,
                    honor_labels: true,
                    metrics_path: FEDERATE_PATH,
                    params: { "match[]": FED_MATCH },
                    scrape_interval: "1s",
                    scrape_timeout: "1s",
                    scheme: "http",
                    static_configs: [{ targets: [fedZoneHost(zone)], labels: { zone } }],
                })),
            );
            assert.deepEqual(
                mounted.remote_read,
                FED_ZONES.map((zone) => ({ name: `zone-${zone}`, url: `http://${fedZoneHost(zone)}${REMOTE_READ_PATH_SUFFIX}`, remote_timeout: "1m", read_recent: true, filter_external_labels: false })),
            );
        });

        it("federates both zones: zone-labelled series keeping their own job, mesh and dataplane (honor_labels)", async () => {
            const s = await seriesWhere(global, COUNTER_METRIC, (r) => new Set(r.map((x) => x.metric.zone)).size === 2, reader);
            assert.deepEqual(s.map((x) => x.metric.zone).sort(), FED_ZONES);
            for (const x of s) {
                assert.equal(x.metric.job, "kuma-dataplanes", "the zone's job, not the federation job");
                assert.equal(x.metric.dataplane, `backend.${x.metric.zone}`);
                assert.equal(x.metric.mesh, "default");
                assert.ok(!Object.keys(x.metric).some((k) => k.startsWith("exported_")), JSON.stringify(x.metric));
            }
            const cp = await seriesWhere(global, "cp_info", (r) => r.length === 2, reader);
            assert.deepEqual(cp.map((x) => `${x.metric.zone}/${x.metric.job}/${x.metric.instance_id}`).sort(), ["east/kuma-control-plane/cp-east", "west/kuma-control-plane/cp-west"]);
        });

        it("each zone is its own federation job and is up; the global answers only its exported reader, a zone's /federate needs no credential", async () => {
            const up = await seriesWhere(global, 'up{job=~"federate-.*"} == 1', (r) => r.length === 2, reader);
            assert.deepEqual(up.map((x) => `${x.metric.job}/${x.metric.zone}`).sort(), ["federate-east/east", "federate-west/west"]);
            const query = `${global.url}/api/v1/query?query=up`;
            assert.equal((await loopbackRequest({ url: query })).status, 401);
            assert.equal((await loopbackRequest({ url: query, auth: reader })).status, 200);
            const west = await loopbackRequest({ url: `${zones.get("west")!.prometheus.url}/federate?match[]=cp_info` });
            assert.equal(west.status, 200);
            // /federate attaches the zone's external labels (its `zone`).
            assert.match(west.body, /^cp_info\{[^}]*instance_id="cp-west"[^}]*zone="west"[^}]*\} 1/m);
        });

        it("remote read answers what federation does not carry, per zone, with each zone's labels", async () => {
            const all = await seriesWhere(global, "xds_requests_total", (r) => r.length === 2, reader);
            assert.deepEqual(all.map((x) => x.metric.zone).sort(), FED_ZONES);
            assert.ok(all.every((x) => x.metric.job === "kuma-control-plane"), "the zone's own job label");
            const westOnly = await global.query('xds_requests_total{zone="west"}', reader);
            assert.deepEqual(westOnly.map((x) => x.metric.zone), ["west"]);
            // Federation carried only the two matched series per zone, so xds_requests_total came through remote read.
            // Waits for a federation scrape of each zone after its own first scrapes (under load a zone can still be empty at first).
            const scraped = await seriesWhere(global, 'scrape_samples_scraped{job=~"federate-.*"}', (r) => r.length === 2 && r.every((x) => Number(x.value[1]) >= 2), reader);
            assert.deepEqual(scraped.map((x) => Number(x.value[1])), [2, 2]);
        });
    });

    describe(`(c) agent mode on the installed Prometheus ${VERSION}`, () => {
        it("runs with the chart's agent flags (server.defaultFlagsOverride: --agent on 3.x, as prometheusModeFlags gives for this release), and no TSDB flag", () => {
            assert.equal(MAJOR, 3, `the primary target is Prometheus 3.x; this run has ${VERSION} (2.x: prometheus2-compat.test.ts)`);
            const chartFlags = revealed(one(agentZoneEv, "kubernetes:helm.sh/v4:Chart", "zone-prometheus-chart")).values.server.defaultFlagsOverride as string[];
            assert.deepEqual(chartFlags.slice(1, 3), prometheusModeFlags({ mode: "agent", version: VERSION, storagePath: DATA_MOUNT_PATH }));
            const north = zones.get("north")!.prometheus;
            const cmd = north.logs().split("\n").find((l) => l.startsWith("=== harness: "))!;
            assert.ok(cmd.includes(` --agent --storage.agent.path=${north.dataDir}`), cmd);
            assert.doesNotMatch(cmd, /--storage\.tsdb\.|--enable-feature=agent/);
            assert.match(north.logs(), /msg="Starting Prometheus Agent" mode=agent/);
        });

        it("its samples reach the receiver with the zone label", async () => {
            const s = await seriesWhere(receiver, 'cp_info{zone="north"}', (r) => r.length === 1);
            assert.equal(s[0].metric.instance_id, "cp-north");
            await seriesWhere(receiver, 'envoy_cluster_upstream_rq_total{zone="north", mesh="default", dataplane="backend.north"}', (r) => r.length === 1);
        });

        it("its query API answers 422 (an agent keeps nothing queryable)", async () => {
            const res = await loopbackRequest({ url: `${zones.get("north")!.prometheus.url}/api/v1/query?query=up` });
            assert.equal(res.status, 422, res.body);
        });

        it("3.x does not know 2.x's agent flag (the agent path then refuses to start) and refuses any TSDB flag in agent mode", () => {
            const run = (args: string[]) => spawnSync(PROMETHEUS_BIN, ["--config.file=/dev/null", "--web.listen-address=127.0.0.1:0", ...args], { encoding: "utf8", timeout: 10_000 });
            const v2 = run(prometheusModeFlags({ mode: "agent", version: "2.42.0", storagePath: "/nonexistent" }));
            assert.equal(v2.status, 3, v2.stderr);
            assert.match(v2.stderr, /msg="Unknown option for --enable-feature" option=agent/);
            assert.match(v2.stderr, /can only be used in agent mode: \["--storage\.agent\.path"\]/);
            const tsdb = run([...prometheusModeFlags({ mode: "agent", version: VERSION, storagePath: "/nonexistent" }), "--storage.tsdb.retention.time=2d"]);
            assert.equal(tsdb.status, 3, tsdb.stderr);
            assert.match(tsdb.stderr, /can not be used in agent mode: \["--storage\.tsdb\.retention\.time"\]/);
        });
    });
});
