import { strict as assert } from "assert";
import * as fs from "fs";
import { evaluateEnvironment, EnvironmentEvaluation } from "../../infra/plan/evaluate-environment";
import { StackEvaluation } from "../../infra/plan/evaluate-stack";
import { parsePromDuration } from "../../components/kernel/duration";
import { ZONE_REMOTE_WRITE_QUEUE } from "../../components/prometheus/remote-write-queue";
import { LoopbackProxy, startLoopbackProxy } from "../support/loopback-proxy";
import { KumaHttpSdBridge } from "../support/kuma-http-sd-bridge";
import { BasicAuth, sleep, waitFor } from "../support/loopback-http";
import { MadsServer, MonitoringAssignment } from "../support/mads-server";
import { MetricsEndpoint, startMetricsEndpoint } from "../support/metrics-endpoint";
import { assertConsecutive, COUNTER_METRIC, counterAssignment, rawSamples, startCounterEndpoint, summarize } from "../support/counted-samples";
import { file as planFile, output } from "../support/plan-access";
import { RULES_MOUNT_DIR, ZONE_RULES_FILE } from "../../components/prometheus/alert-rules";
import { startGeneratedGlobal } from "../support/generated-global";
import { startGeneratedZone } from "../support/generated-zone";
import { testStack } from "../support/stack-file";
import { PrometheusProcess, stopAllPrometheus } from "../support/prometheus-process";
import { selfMetrics, sumOf } from "../support/self-metrics";
import { listWal } from "../support/wal-dir";

/**
 * Proof under faults: real Prometheus 3.5 processes on 127.0.0.1 running the configuration the
 * program generates for an environment evaluated here (only addresses and mounted paths localised;
 * kuma_sd → http_sd through the MADS bridge). Two zones; each zone remote-writes to the global
 * through its own fault proxy (tests/support/loopback-proxy.ts), which forwards byte for byte unless
 * told to answer 429/503, and resets the connection when the global is down.
 *
 * Loss is decided BY COUNTING: every dataplane endpoint exposes a counter equal to its scrape
 * number (1, 2, 3, ...), so the zone's own TSDB shows whether it scraped every time, and the
 * global's raw samples over a window (timestamps and values) must equal the zone's, sample for
 * sample. The zone's TSDB is the reference.
 */

const file = testStack;
const FAST = { scrapeInterval: "1s", dataplaneScrapeInterval: "1s", discovery: { refreshInterval: "1s" } };
const ENV_FILES = [
    file("ft-global", { zones: ["east", "west"], globalPrometheus: { scrapeInterval: "2s" } }),
    file("ft-zone-east", { mesh: { version: "2.14.3" }, namespace: "obs-east", zonePrometheus: FAST }),
    file("ft-zone-west", { mesh: { version: "2.14.3" }, namespace: "obs-west", zonePrometheus: FAST }),
];
const METRIC = COUNTER_METRIC;
/** Outage of the global: several batch deadlines (5s each). */
const GLOBAL_OUTAGE_MS = 25_000;
const SCRAPE_MS = 1000;

interface ZoneRig {
    name: string;
    mads: MadsServer;
    bridge: KumaHttpSdBridge;
    proxy: LoopbackProxy;
    dataplanes: MetricsEndpoint[];
    assignments: MonitoringAssignment[];
    prometheus: PrometheusProcess;
}

describe("faults with real Prometheus: zone vs global, counted sample by sample", function () {
    this.timeout(240_000);
    let env: EnvironmentEvaluation;
    let globalEv: StackEvaluation;
    let global: PrometheusProcess;
    let writer: BasicAuth;
    const zones = new Map<string, ZoneRig>();
    const stops: Array<() => Promise<void>> = [];
    const figures: Record<string, unknown> = {};
    let walStart: { at: number; bytes: number; appended: number; series: number } | undefined;


    before(async () => {
        env = await evaluateEnvironment("ft", { files: ENV_FILES });
        globalEv = env.stacks[0];
        const started = await startGeneratedGlobal(globalEv, "ft-global");
        ({ global, writer } = started);
        const receiverBase = started.receiverBase;

        for (const zoneEv of env.stacks.slice(1)) {
            const zone = String(output(zoneEv, "zone"));
            const dataplanes = [await startCounterEndpoint(), await startCounterEndpoint()];
            const assignments = [counterAssignment(zone, "backend", dataplanes[0]), counterAssignment(zone, "frontend", dataplanes[1])];
            const cp = await startMetricsEndpoint({ path: "/metrics", metrics: (n) => `# TYPE xds_requests_total counter\nxds_requests_total ${n}\n` });
            const proxy = await startLoopbackProxy(global.url);
            const { prometheus, pod, mads, bridge, config, stopDiscovery } = await startGeneratedZone({
                zoneEv,
                name: `ft-zone-${zone}`,
                assignments,
                controlPlaneAddress: cp.address,
                receiverBase,
                receiverUrl: proxy.url,
            });
            // The generated alert rules, from the rules ConfigMap the rendered pod mounts.
            assert.deepEqual(config.rule_files, [`${pod.local(RULES_MOUNT_DIR)}/*.yml`]);
            assert.equal(fs.readFileSync(pod.local(`${RULES_MOUNT_DIR}/${ZONE_RULES_FILE}`), "utf8"), planFile(zoneEv, "prometheus", ZONE_RULES_FILE));
            const rw = (config.remote_write as Array<Record<string, unknown>>)[0];
            assert.deepEqual(rw.queue_config, { ...ZONE_REMOTE_WRITE_QUEUE }, "the generated queue is what runs");
            zones.set(zone, { name: zone, mads, bridge, proxy, dataplanes, assignments, prometheus });
            stops.push(async () => {
                await stopDiscovery();
                await proxy.stop();
                await Promise.all([...dataplanes, cp].map((e) => e.stop()));
            });
        }
        // Everything flows before any fault: both dataplanes of both zones on the global.
        for (const zone of zones.keys()) {
            await waitFor(`${zone} on the global`, async () => ((await global.query(`${METRIC}{zone="${zone}"}`, writer)).length >= 2 ? true : undefined), {
                timeoutMs: 60_000,
                intervalMs: 500,
            });
        }
        walStart = await walSnapshot(zones.get("east")!.prometheus);
    });

    after(async () => {
        await stopAllPrometheus();
        for (const stop of stops) await stop();
        // The figures the report quotes; printed so every CI run re-measures them.
        console.log(`      faults figures: ${JSON.stringify(figures)}`);
    });

    const zoneSamples = (rig: ZoneRig, atMs: number, windowMs: number) => rawSamples(rig.prometheus, METRIC, atMs, windowMs);
    const globalSamples = (rig: ZoneRig, atMs: number, windowMs: number) => rawSamples(global, `${METRIC}{zone="${rig.name}"}`, atMs, windowMs, writer);

    /** Waits until the global holds exactly the zone's samples over the window; returns both and how long it took. */
    async function waitForIdentical(rig: ZoneRig, atMs: number, windowMs: number, timeoutMs = 60_000) {
        const t0 = Date.now();
        let last = "";
        try {
            return await waitFor(
                `${rig.name}: global samples identical to the zone's`,
                async () => {
                    const [z, g] = [await zoneSamples(rig, atMs, windowMs), await globalSamples(rig, atMs, windowMs)];
                    last = `zone ${summarize(z)} global ${summarize(g)}`;
                    return JSON.stringify([...z.entries()].sort()) === JSON.stringify([...g.entries()].sort()) && z.size > 0 ? { zone: z, global: g, waitedMs: Date.now() - t0 } : undefined;
                },
                { timeoutMs, intervalMs: 1000 },
            );
        } catch (err) {
            throw new Error(`${(err as Error).message}; last: ${last}`);
        }
    }

    it("1. global down for 25s (5 batch deadlines), then back: every sample the zones scraped meanwhile arrives", async () => {
        const downAt = Date.now();
        await global.stop();
        await sleep(GLOBAL_OUTAGE_MS - 2000);
        // The zone alert's expression (alert-rules.ts ZoneRemoteWriteLagging, loaded from the generated rule file)
        // measures the outage: the newest appended sample minus the newest sent one, per remote.
        const lagExpr = "prometheus_remote_storage_highest_timestamp_in_seconds - ignoring(remote_name, url) group_right prometheus_remote_storage_queue_highest_sent_timestamp_seconds";
        for (const rig of zones.values()) {
            const [lag] = await rig.prometheus.query(lagExpr);
            assert.ok(lag && Number(lag.value[1]) >= 15, `${rig.name}: remote-write lag ${JSON.stringify(lag)} during a ${GLOBAL_OUTAGE_MS} ms outage`);
            assert.equal(lag.metric.remote_name, "global");
            figures[`s1.${rig.name}.lagSecondsNearOutageEnd`] = Number(lag.value[1]);
            const rules = await rig.prometheus.apiGet<{ groups: Array<{ rules: Array<{ name: string; health: string }> }> }>("/api/v1/rules");
            const loaded = rules.groups.flatMap((g) => g.rules);
            assert.deepEqual(loaded.map((r) => [r.name, r.health]), [["ZoneRemoteWriteLagging", "ok"]], "the generated zone rule is loaded and evaluates");
        }
        await sleep(2000);
        const upAt = Date.now();
        await global.restart();
        const atMs = Date.now() + 2000;
        await sleep(2000);
        const windowMs = atMs - downAt + 10_000;
        for (const rig of zones.values()) {
            const { zone, waitedMs } = await waitForIdentical(rig, atMs, windowMs);
            let duringOutage = 0;
            for (const [key, samples] of zone) {
                assertConsecutive(key, samples);
                duringOutage += samples.filter(([t]) => t >= downAt && t < upAt).length;
            }
            // ~1 sample/s per series for the whole outage, all delivered.
            assert.ok(duringOutage >= zone.size * (GLOBAL_OUTAGE_MS / SCRAPE_MS) * 0.8, `${rig.name}: ${duringOutage} samples scraped during the outage`);
            figures[`s1.${rig.name}`] = { outageMs: upAt - downAt, samplesScrapedDuringOutage: duringOutage, caughtUpAfterGlobalReadyMs: waitedMs, connectionResets: rig.proxy.count(0) };
        }
    });

    it("4. global answering 429 for 8s, then 503 for 12s: the zone retries and nothing is dropped", async () => {
        const rig = zones.get("east")!;
        const retried = async () => Number((await rig.prometheus.query("sum(prometheus_remote_storage_samples_retried_total)"))[0]?.value[1] ?? 0);
        const retriedBefore = await retried();
        const faultAt = Date.now();
        rig.proxy.failWith(429);
        await sleep(8000);
        rig.proxy.failWith(503);
        // Longer than two max_backoff (5s) periods: the backoff reached during the 429s carries over, so 8s may hold a single attempt.
        await sleep(12_000);
        rig.proxy.failWith(null);
        const atMs = Date.now() + 2000;
        await sleep(2000);
        const { zone, waitedMs } = await waitForIdentical(rig, atMs, atMs - faultAt + 10_000);
        for (const [key, samples] of zone) assertConsecutive(key, samples);
        const writes = (r: { path: string; at: number }) => r.path.startsWith("/api/v1/write") && r.at >= faultAt;
        const r429 = rig.proxy.count(429, writes);
        const r503 = rig.proxy.count(503, writes);
        // Each batch answered 429/503 was sent again (backoff 30ms doubling to max_backoff 5s: several attempts in 8s, at least two in 12s).
        assert.ok(r429 >= 2, `429 answers seen: ${r429}`);
        assert.ok(r503 >= 2, `503 answers seen: ${r503}`);
        // The zone counted them as retried samples (a dropped batch would show in ..._samples_failed_total instead).
        const samplesRetried = (await retried()) - retriedBefore;
        assert.ok(samplesRetried > 0, `prometheus_remote_storage_samples_retried_total grew by ${samplesRetried}`);
        assert.ok(rig.proxy.count(204, writes) + rig.proxy.count(200, writes) > 0, "then accepted");
        figures.s4 = { retriesAnswered429: r429, retriesAnswered503: r503, samplesRetried, samplesInWindow: [...zone.values()].reduce((n, s) => n + s.length, 0), caughtUpMs: waitedMs };
    });

    it("2. zone SIGKILLed and restarted on its data dir: the WAL replays, remote write resumes; only what was unsent at the kill is lost (as on 2.x; measured on 3.5)", async () => {
        const rig = zones.get("west")!;
        const startedAt = Date.now() - 120_000;
        // What the global has just before the kill, per series (the newest timestamp it received).
        const before = await globalSamples(rig, Date.now(), 120_000);
        const killAt = Date.now();
        const scrapesAtKill = rig.dataplanes.map((d) => d.scrapes);
        await rig.prometheus.kill();
        const sentBeforeKill = new Map([...before].map(([k, s]) => [k, s.length > 0 ? s[s.length - 1][0] : 0]));
        await sleep(3000);
        const restartAt = Date.now();
        await rig.prometheus.restart();
        const readyAfterMs = Date.now() - restartAt;
        // Scraping restarts only after the discovery manager's first update (it batches every 5s).
        const atMs = Date.now() + 12_000;
        await sleep(12_000);
        const windowMs = atMs - startedAt;
        // The zone's own TSDB after WAL replay: every committed pre-kill sample is still there.
        const zone = await zoneSamples(rig, atMs, windowMs);
        let lostAtKill = 0;
        let missing: string[] = [];
        await waitFor(
            "post-restart samples on the global",
            async () => {
                const g = await globalSamples(rig, atMs, windowMs);
                missing = [];
                lostAtKill = 0;
                for (const [key, samples] of zone) {
                    const got = new Set((g.get(key) ?? []).map(([t, v]) => `${t}:${v}`));
                    const sent = sentBeforeKill.get(key) ?? 0;
                    for (const [t, v] of samples) {
                        if (got.has(`${t}:${v}`)) continue;
                        // Unsent at the kill: scraped after the last sample the global had, before the kill.
                        if (t > sent && t <= killAt) lostAtKill++;
                        else missing.push(`${key}@${t}=${v}`);
                    }
                }
                return missing.length === 0 ? g : undefined;
            },
            { timeoutMs: 60_000, intervalMs: 1000 },
        ).catch((err: Error) => assert.fail(`${err.message}; missing outside the kill window: ${missing.slice(0, 10).join(", ")}`));
        const firstScrapeAfterReady: number[] = [];
        for (const [key, samples] of zone) {
            const pre = samples.filter(([t]) => t <= killAt);
            const post = samples.filter(([t]) => t >= restartAt);
            assert.ok(pre.length >= 5 && post.length >= 4, `${key}: ${pre.length} samples before the kill, ${post.length} after the restart (WAL replayed, scraping resumed)`);
            assertConsecutive(`${key} before the kill`, pre);
            assertConsecutive(`${key} after the restart`, post);
            // The counter only moves when scraped, so a jump is a scrape answered but never committed (in flight at the kill).
            firstScrapeAfterReady.push(post[0][0] - restartAt - readyAfterMs);
            assert.ok(post[0][1] - pre[pre.length - 1][1] <= 2, `${key}: counter jumps ${pre[pre.length - 1][1]} → ${post[0][1]} across the kill`);
        }
        // Prometheus 2.x (and 3.x) start the WAL watcher at process start and skip older samples
        // (storage/remote watcher.go: `if s.T > w.startTimestamp`): samples committed but not sent
        // when the process died are not re-sent. Bounded by one batch deadline of samples per series (plus scrapes in flight).
        const bound = zone.size * (parsePromDuration(ZONE_REMOTE_WRITE_QUEUE.batch_send_deadline)! / SCRAPE_MS + 3);
        assert.ok(lostAtKill <= bound, `lost at the kill ${lostAtKill} > ${bound}`);
        figures.s2 = { downtimeMs: restartAt - killAt, readyAfterRestartMs: readyAfterMs, firstScrapeAfterReadyMs: firstScrapeAfterReady, unsentAtKillLost: lostAtKill, series: zone.size, scrapesAtKill, lastSentAgeAtKillMs: [...sentBeforeKill.values()].map((t) => killAt - t) };
    });

    it("3. MADS unreachable, then 500, then back: last known targets keep being scraped, a new dataplane is picked up", async () => {
        const rig = zones.get("east")!;
        const faultAt = Date.now();
        const failuresBefore = rig.bridge.failures;
        // The bridge emulates kuma_sd on errors: Prometheus' discovery/xds/xds.go fetchDiscovery.poll
        // increments prometheus_sd_kuma_fetch_failures_total and returns WITHOUT sending target groups,
        // so the discovery manager keeps the last ones; the bridge likewise keeps serving its last groups
        // (kuma-http-sd-bridge.ts: a failed fetch never touches state.groups).
        await rig.mads.stopListening();
        await sleep(6000);
        const unreachableFailures = rig.bridge.failures - failuresBefore;
        await rig.mads.resumeListening();
        rig.mads.failWith(500);
        await sleep(6000);
        const failures500 = rig.bridge.failures - failuresBefore - unreachableFailures;
        assert.ok(unreachableFailures >= 2 && failures500 >= 2, `bridge failures: unreachable ${unreachableFailures}, 500 ${failures500} (${rig.bridge.lastError})`);
        assert.equal(rig.bridge.targetGroups().length, 2, "last known targets still served");
        const recoverAt = Date.now();
        rig.mads.failWith(null);
        const added = await startCounterEndpoint();
        stops.push(() => added.stop());
        rig.dataplanes.push(added);
        rig.mads.setAssignments([...rig.assignments, counterAssignment("east", "newcomer", added)]);
        const newSeries = await waitFor(
            "the new dataplane on the global",
            async () => {
                const r = await global.query(`${METRIC}{zone="east", dataplane="newcomer.east"}`, writer);
                return r.length === 1 ? r : undefined;
            },
            { timeoutMs: 30_000, intervalMs: 500 },
        );
        assert.equal(newSeries[0].metric.kuma_io_service, "newcomer");
        const pickedUpMs = Date.now() - recoverAt;
        // During the fault (12s) the old dataplanes were scraped every second, and the global has it all.
        const faultEnd = recoverAt;
        const { zone } = await waitForIdentical(rig, faultEnd, faultEnd - faultAt);
        for (const key of ["backend.east", "frontend.east"]) {
            const samples = zone.get(`${METRIC}/${key}`) ?? [];
            assertConsecutive(key, samples);
            assert.ok(samples.length >= ((faultEnd - faultAt) / SCRAPE_MS) * 0.8, `${key}: ${samples.length} samples during ${faultEnd - faultAt} ms of MADS fault`);
        }
        figures.s3 = { faultMs: faultEnd - faultAt, bridgeFailuresUnreachable: unreachableFailures, bridgeFailures500: failures500, newDataplaneOnGlobalAfterMs: pickedUpMs };
    });

    it("5. WAL growth per minute for a known series count (the survivable outage is measured by the WAL bench)", async () => {
        const rig = zones.get("east")!;
        const end = await walSnapshot(rig.prometheus);
        const start = walStart!;
        const minutes = (end.at - start.at) / 60_000;
        const bytesPerMinute = (end.bytes - start.bytes) / minutes;
        const samplesPerMinute = (end.appended - start.appended) / minutes;
        const bytesPerSample = (end.bytes - start.bytes) / (end.appended - start.appended);
        assert.ok(minutes > 1 && bytesPerMinute > 0 && samplesPerMinute > 0, JSON.stringify({ start, end }));
        /*
         * No timed assertion; figures printed at the end of the file. The WAL grows by the same bytes
         * per sample whether or not the global is reachable (~6 B/sample here), so disk does not limit
         * an outage: at the defaults (100k series, 15s) that is ~2.3 MB/min, ~400 MiB for 3h of WAL,
         * far inside the 20Gi PVC. What limits it is WAL truncation after each head compaction, which
         * loses the whole unsent backlog once it deletes the segment after the one the blocked
         * remote-write watcher holds: measured on a time-scaled zone by tests/bench/wal-retention.ts
         * and carried to every phase by tests/bench/wal-truncation-model.ts (docs/benchmarks.md).
         */
        const prodSeries = 100_000; // zonePrometheus.expectedActiveSeries default
        const prodSamplesPerMinute = prodSeries * (60 / 15); // 15s scrape interval default
        const threeHourBytes = bytesPerSample * prodSamplesPerMinute * 180;
        figures.s5 = {
            measuredMinutes: Number(minutes.toFixed(2)),
            headSeries: end.series,
            samplesPerMinute: Math.round(samplesPerMinute),
            walBytesPerMinute: Math.round(bytesPerMinute),
            walBytesPerSample: Number(bytesPerSample.toFixed(2)),
            derivedWalFor3hAt100kSeries15sMiB: Math.round(threeHourBytes / 2 ** 20),
        };
    });
});

/** Size of the WAL (segments and checkpoints) plus the head's counters, for growth per minute. */
async function walSnapshot(p: PrometheusProcess): Promise<{ at: number; bytes: number; appended: number; series: number }> {
    const m = await selfMetrics(p);
    return { at: Date.now(), bytes: listWal(p.dataDir).bytes, appended: sumOf(m, "prometheus_tsdb_head_samples_appended_total"), series: sumOf(m, "prometheus_tsdb_head_series") };
}
