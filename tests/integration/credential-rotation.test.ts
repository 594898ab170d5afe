import { strict as assert } from "assert";
import * as fs from "fs";
import { evaluateEnvironment, EnvironmentEvaluation } from "../../infra/plan/evaluate-environment";
import { StackEvaluation } from "../../infra/plan/evaluate-stack";
import { ZoneCredentialSecret } from "../../infra/global-outputs";
import { COUNTER_METRIC, counterAssignment, missingFrom, rawSamples, Samples, startCounterEndpoint, summarize } from "../support/counted-samples";
import { startGeneratedGlobal } from "../support/generated-global";
import { LocalZone, startGeneratedZone } from "../support/generated-zone";
import { BasicAuth, loopbackRequest, waitFor } from "../support/loopback-http";
import { LoopbackProxy, ProxiedRequest, startLoopbackProxy } from "../support/loopback-proxy";
import { MetricsEndpoint, startMetricsEndpoint } from "../support/metrics-endpoint";
import { output, yamlFile } from "../support/plan-access";
import { PrometheusProcess, stopAllPrometheus } from "../support/prometheus-process";
import { selfMetrics, sumOf } from "../support/self-metrics";
import { testStack } from "../support/stack-file";
import { AtomicSecretVolume, atomicSecretVolume } from "../support/atomic-secret-volume";
import { mountedFiles, renderedConfigText, withPrometheusPod } from "../support/rendered-pod";
import { AUTH_SECRET_DIR, SELF_SCRAPE_USER } from "../../components/prometheus/global-prometheus";
import { REMOTE_WRITE_SECRET_DIR } from "../../components/prometheus/zone-prometheus";

/**
 * A zone's credential rotated with real Prometheus (the harness default, 3.5), counted sample by
 * sample, through the documented sequence of `pulumi up`s (docs/operations.md, "Rotate a zone's
 * credential"). Every step runs what the plan of that step generates, applied as Kubernetes
 * applies it to running pods: the global's web config is a mounted Secret that Prometheus re-reads
 * on every request (no restart; its prometheus.yml does not change), and so are the zone's user and
 * password files (username_file, password_file), swapped as the kubelet swaps a Secret volume; the
 * zone's prometheus.yml does not change either, so its remote-write queue is never restarted (a
 * reload with a changed remote_write entry did lose a sample here: the new queue's WAL reader
 * starts at the reload and skips what the old one had not read, tsdb/wlog/watcher.go@v3.5.0).
 *
 *   1. global up with east {active: 1, standby: 2}   the global accepts g2 too; east still writes as g1
 *   2. global up with east {active: 2, standby: 1},  the global accepts both;
 *      then zone east up                             east writes as g2
 *   3. global up with east {active: 2}                g1 is refused from now on
 *
 * east (documented order) must lose nothing and meet no 401. west is rotated in the WRONG order
 * to show why the overlap matters: its step 2 drops g1 at once ({active: 2}, no standby), so
 * until its own `up` every write is answered 401, which Prometheus drops for good
 * (storage/remote/client.go: only 5xx and, when enabled, 429 are retried): samples are lost, and
 * exactly those of that gap. Finally west is revoked (removed from zones): 401 to its writes.
 */

const FAST = { scrapeInterval: "1s", dataplaneScrapeInterval: "1s", discovery: { refreshInterval: "1s" } };
const zoneFile = (zone: string) => testStack(`rot-zone-${zone}`, { mesh: { version: "2.14.3" }, namespace: `obs-${zone}`, zonePrometheus: FAST });
const globalFile = (zones: string[], zoneCredentials: Record<string, unknown>) => testStack("rot-global", { zones, globalPrometheus: { scrapeInterval: "2s", zoneCredentials } });
const plan = (zones: string[], zoneCredentials: Record<string, unknown>) => evaluateEnvironment("rot", { files: [globalFile(zones, zoneCredentials), ...zones.map(zoneFile)] });

const stackOf = (env: EnvironmentEvaluation, name: string): StackEvaluation => env.stacks.find((s) => s.stack === name)!;

interface ZoneRig {
    readonly name: string;
    readonly zone: LocalZone;
    readonly volume: AtomicSecretVolume;
    readonly proxy: LoopbackProxy;
    readonly endpoints: MetricsEndpoint[];
}

/** The basic-auth user a proxied request carried. */
const userOf = (r: ProxiedRequest) => Buffer.from(String(r.headers.authorization ?? "").replace(/^Basic /, ""), "base64").toString().split(":")[0];
const writes = (from: number, status: number, user?: string) => (r: ProxiedRequest) => r.path.startsWith("/api/v1/write") && r.at >= from && r.status === status && (user === undefined || userOf(r) === user);

describe("credential rotation with real Prometheus: zone vs global, counted sample by sample", function () {
    this.timeout(300_000);
    const steps: Record<string, EnvironmentEvaluation> = {};
    let global: PrometheusProcess;
    /** The global's auth Secret volume (web config, self-scrape password) in its laid-out pod. */
    let globalAuth: AtomicSecretVolume;
    let reader: BasicAuth;
    const rigs = new Map<string, ZoneRig>();
    const stops: Array<() => Promise<void>> = [];
    const figures: Record<string, unknown> = {};

    before(async () => {
        steps.start = await plan(["east", "west"], {});
        steps.accept = await plan(["east", "west"], { east: { active: 1, standby: 2 } });
        // A (step 2): east with the overlap; west wrongly without it.
        steps.a = await plan(["east", "west"], { east: { active: 2, standby: 1 }, west: { active: 2 } });
        steps.c = await plan(["east", "west"], { east: { active: 2 }, west: { active: 2 } });
        steps.revoked = await plan(["east"], { east: { active: 2 } });

        const started = await startGeneratedGlobal(stackOf(steps.start, "rot-global"), "rot-global");
        global = started.global;
        globalAuth = atomicSecretVolume(started.pod.local(AUTH_SECRET_DIR));
        // The global's self-scrape user reads: it stays valid through every step (zone users come and go).
        const selfScrape = (started.config.scrape_configs as Array<{ basic_auth?: { username?: string; password_file?: string } }>).find((j) => j.basic_auth?.username === SELF_SCRAPE_USER);
        reader = { username: SELF_SCRAPE_USER, password: fs.readFileSync(selfScrape!.basic_auth!.password_file!, "utf8") };
        for (const name of ["east", "west"]) {
            const endpoints = [await startCounterEndpoint(), await startCounterEndpoint()];
            const cp = await startMetricsEndpoint({ path: "/metrics", metrics: (n) => `# TYPE xds_requests_total counter\nxds_requests_total ${n}\n` });
            const proxy = await startLoopbackProxy(global.url);
            const zone = await startGeneratedZone({
                zoneEv: stackOf(steps.start, `rot-zone-${name}`),
                name: `rot-zone-${name}`,
                assignments: [counterAssignment(name, "backend", endpoints[0]), counterAssignment(name, "frontend", endpoints[1])],
                controlPlaneAddress: cp.address,
                receiverBase: started.receiverBase,
                receiverUrl: proxy.url,
            });
            rigs.set(name, { name, zone, proxy, endpoints, volume: atomicSecretVolume(zone.pod.local(REMOTE_WRITE_SECRET_DIR)) });
            stops.push(async () => {
                await zone.stopDiscovery();
                await proxy.stop();
                await Promise.all([...endpoints, cp].map((e) => e.stop()));
            });
        }
        for (const name of rigs.keys()) {
            await waitFor(`${name} on the global`, async () => ((await global.query(`${COUNTER_METRIC}{zone="${name}"}`, reader)).length >= 2 ? true : undefined), { timeoutMs: 60_000, intervalMs: 500 });
        }
    });

    after(async () => {
        await stopAllPrometheus();
        for (const stop of stops) await stop();
        console.log(`      credential rotation figures: ${JSON.stringify(figures)}`);
    });

    /** `pulumi up` of the global at a step: its rendered auth Secret (the web config) reaches the running pod as the kubelet delivers it. */
    const applyGlobal = (step: EnvironmentEvaluation) => globalAuth.update(withPrometheusPod(stackOf(step, "rot-global"), "global-prometheus", (p) => mountedFiles(p, AUTH_SECRET_DIR)));

    /**
     * `pulumi up` of a zone at a step: its prometheus.yml is byte for byte the one it runs, so only the
     * credential Secret changes, and reaches the pod as the kubelet delivers it (one atomic swap). No reload.
     */
    const applyZone = (step: EnvironmentEvaluation, name: string) => {
        const rig = rigs.get(name)!;
        const secret = withPrometheusPod(stackOf(step, `rot-zone-${name}`), "zone-prometheus", (p) => {
            assert.equal(renderedConfigText(p), withPrometheusPod(stackOf(steps.start, `rot-zone-${name}`), "zone-prometheus", renderedConfigText), `${name}: prometheus.yml unchanged`);
            return mountedFiles(p, REMOTE_WRITE_SECRET_DIR);
        });
        rig.volume.update(secret);
        return secret;
    };

    const samplesOf = async (name: string, atMs: number, windowMs: number): Promise<{ zone: Samples; global: Samples }> => ({
        zone: await rawSamples(rigs.get(name)!.zone.prometheus, COUNTER_METRIC, atMs, windowMs),
        global: await rawSamples(global, `${COUNTER_METRIC}{zone="${name}"}`, atMs, windowMs, reader),
    });
    /** An empty remote write with `auth`: 401 when the global refuses the credential, 400 once it gets past auth. */
    const write = (auth: BasicAuth) => loopbackRequest({ method: "POST", url: `${global.url}/api/v1/write`, auth, body: "", headers: { "Content-Type": "application/x-protobuf" } });
    const failedSamples = async (name: string) => sumOf(await selfMetrics(rigs.get(name)!.zone.prometheus), "prometheus_remote_storage_samples_failed_total");
    const accepted = (name: string, from: number, user?: string) => rigs.get(name)!.proxy.count(204, writes(from, 204, user));
    const refused = (name: string, from: number, user?: string) => rigs.get(name)!.proxy.count(401, writes(from, 401, user));

    it("the documented order loses nothing (east); the wrong order loses exactly the samples of its gap (west)", async () => {
        const t0 = Date.now();
        const failedBefore = { east: await failedSamples("east"), west: await failedSamples("west") };
        const startCredential = (name: string) => output(stackOf(steps.start, "rot-global"), `remoteWriteCredential-${name}`) as ZoneCredentialSecret;
        assert.equal(startCredential("east").active.username, "zone-writer-east-g1");

        // The global's prometheus.yml is the same at every step: only the mounted web config changes, so no restart.
        const startText = withPrometheusPod(stackOf(steps.start, "rot-global"), "global-prometheus", renderedConfigText);
        for (const step of [steps.accept, steps.a, steps.c]) assert.equal(withPrometheusPod(stackOf(step, "rot-global"), "global-prometheus", renderedConfigText), startText);

        // 1. global up: east's g2 accepted besides g1, which east keeps writing with.
        const eastNext = (output(stackOf(steps.accept, "rot-global"), "remoteWriteCredential-east") as ZoneCredentialSecret).standby!;
        assert.equal((await write(eastNext)).status, 401, "g2 is not accepted before step 1");
        const at1 = Date.now();
        applyGlobal(steps.accept);
        assert.equal((await write(eastNext)).status, 400, "g2 gets past auth after step 1 (400 for an empty body): what the operator checks before step 2");
        await waitFor("east's g1 accepted after step 1", () => (accepted("east", at1, "zone-writer-east-g1") >= 3 ? true : undefined), { timeoutMs: 30_000, intervalMs: 200 });

        // 2. global up: east's g1 and g2 accepted; west's g1 dropped at once (wrong).
        const atA = Date.now();
        applyGlobal(steps.a);
        await waitFor("west's g1 refused", () => (refused("west", atA, "zone-writer-west-g1") >= 3 ? true : undefined), { timeoutMs: 30_000, intervalMs: 200 });
        await waitFor("east's g1 still accepted after A", () => (accepted("east", atA, "zone-writer-east-g1") >= 3 ? true : undefined), { timeoutMs: 30_000, intervalMs: 200 });

        // 2, continued. zone east up: its Secret now holds g2.
        const atB = Date.now();
        const eastSecret = applyZone(steps.a, "east");
        assert.equal(eastSecret["remote-write-username"], "zone-writer-east-g2");
        await waitFor("east writing as g2", () => (accepted("east", atB, "zone-writer-east-g2") >= 3 ? true : undefined), { timeoutMs: 30_000, intervalMs: 200 });

        // West's own up ends its gap.
        const westFailedInGap = (await failedSamples("west")) - failedBefore.west;
        const atWest = Date.now();
        applyZone(steps.a, "west");
        await waitFor("west writing as g2", () => (accepted("west", atWest, "zone-writer-west-g2") >= 3 ? true : undefined), { timeoutMs: 30_000, intervalMs: 200 });
        const westRecovered = Date.now();

        // 3. global up without east's standby: g1 is gone, east is already on g2.
        const atC = Date.now();
        applyGlobal(steps.c);
        await waitFor("east accepted after C", () => (accepted("east", atC, "zone-writer-east-g2") >= 5 ? true : undefined), { timeoutMs: 30_000, intervalMs: 200 });

        // Everything east scraped from before A to after C is on the global, sample for sample.
        const atMs = Date.now();
        const windowMs = atMs - t0 + 15_000;
        let last = "";
        const east = await waitFor(
            "east: global samples identical to the zone's",
            async () => {
                const s = await samplesOf("east", atMs, windowMs);
                last = `zone ${summarize(s.zone)} global ${summarize(s.global)}; missing (ms after B): ${[...missingFrom(s.zone, s.global).values()].flat().map(([t, v]) => `${t - atB}=${v}`).join(", ")}`;
                return s.zone.size === 2 && missingFrom(s.zone, s.global).size === 0 ? s : undefined;
            },
            { timeoutMs: 60_000, intervalMs: 1000 },
        ).catch((e: Error) => {
            throw new Error(`${e.message}; last: ${last}`);
        });
        const eastScraped = [...east.zone.values()].reduce((n, s) => n + s.length, 0);
        assert.ok(eastScraped >= 2 * ((atMs - t0) / 1000) * 0.6, `east scraped ${eastScraped} samples in ${atMs - t0} ms`);
        assert.equal(refused("east", 0), 0, "east never met a 401");
        assert.equal((await failedSamples("east")) - failedBefore.east, 0, "east dropped no sample (prometheus_remote_storage_samples_failed_total)");

        // West: the samples missing on the global are exactly some of those scraped in its gap, and the zone counted them as failed.
        // West's samples since its recovery, up to atMs, must all arrive before its loss is counted.
        const west = await waitFor(
            "west's samples after its recovery on the global",
            async () => {
                const s = await samplesOf("west", atMs, windowMs);
                const late = [...missingFrom(s.zone, s.global).values()].flat().filter(([t]) => t > westRecovered);
                return s.zone.size === 2 && late.length === 0 ? s : undefined;
            },
            { timeoutMs: 60_000, intervalMs: 1000 },
        );
        const missing = [...missingFrom(west.zone, west.global).values()].flat();
        const westFailed = (await failedSamples("west")) - failedBefore.west;
        assert.ok(westFailedInGap > 0, "the zone counted the refused samples as failed while refused");
        assert.ok(missing.length > 0, `west lost nothing: ${summarize(west.zone)} vs ${summarize(west.global)}`);
        const outside = missing.filter(([t]) => t < atA - 2000 || t > westRecovered);
        assert.deepEqual(outside, [], `every lost sample of west was scraped between A and its own up (ms after A: ${missing.map(([t]) => t - atA).join(", ")}; up at ${atWest - atA}, recovered at ${westRecovered - atA})`);
        assert.ok(westFailed >= missing.length, `zone west counted ${westFailed} failed samples, ${missing.length} counter samples missing`);
        figures.rotation = {
            eastSamplesCompared: eastScraped,
            eastLost: 0,
            eastWrites: { g1: accepted("east", t0, "zone-writer-east-g1"), g2: accepted("east", t0, "zone-writer-east-g2"), refused: refused("east", 0) },
            westGapMs: westRecovered - atA,
            westRefusedWrites: refused("west", atA),
            westCounterSamplesLost: missing.length,
            westSamplesFailed: westFailed,
        };
    });

    it("revoking west (removed from zones): its writes and its credential get 401, east carries on; no rule watches west any more", async () => {
        const west = output(stackOf(steps.c, "rot-global"), "remoteWriteCredential-west") as ZoneCredentialSecret;
        const east = output(stackOf(steps.c, "rot-global"), "remoteWriteCredential-east") as ZoneCredentialSecret;
        assert.equal((await write(west.active)).status, 400, "before: west's credential gets past auth (400 for an empty body)");
        const at = Date.now();
        applyGlobal(steps.revoked);
        assert.equal((await write(west.active)).status, 401, "after: west's credential is refused");
        assert.equal((await write(east.active)).status, 400, "east's is not");
        await waitFor("west's zone refused", () => (refused("west", at, "zone-writer-west-g2") >= 3 ? true : undefined), { timeoutMs: 30_000, intervalMs: 200 });
        await waitFor("east still accepted", () => (accepted("east", at) >= 3 ? true : undefined), { timeoutMs: 30_000, intervalMs: 200 });
        const rules = yamlFile(stackOf(steps.revoked, "rot-global"), "prometheus", "global-alerts.yml").groups[0].rules as Array<{ alert: string; labels: { zone?: string }; expr: string }>;
        assert.deepEqual(rules.filter((r) => r.alert === "ZoneStoppedSending").map((r) => r.labels.zone), ["east"]);
        assert.doesNotMatch(JSON.stringify(rules), /\bwest\b/);
        figures.revocation = { westRefusedWrites: refused("west", at) };
    });
});
