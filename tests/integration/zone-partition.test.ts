import { strict as assert } from "assert";
import { evaluateEnvironment } from "../../infra/plan/evaluate-environment";
import { parsePromDuration } from "../../components/kernel/duration";
import { DEFAULT_OUT_OF_ORDER_TIME_WINDOW } from "../../components/prometheus/outage-survival";
import { assertConsecutive, COUNTER_METRIC, counterAssignment, missingFrom, rawSamples, Samples, startCounterEndpoint, summarize } from "../support/counted-samples";
import { startGeneratedGlobal } from "../support/generated-global";
import { startGeneratedZone } from "../support/generated-zone";
import { BasicAuth, sleep, waitFor } from "../support/loopback-http";
import { LoopbackProxy, startLoopbackProxy } from "../support/loopback-proxy";
import { MetricsEndpoint, startMetricsEndpoint } from "../support/metrics-endpoint";
import { file as planFile, output } from "../support/plan-access";
import { PrometheusProcess, stopAllPrometheus } from "../support/prometheus-process";
import { pushOneSample } from "../support/remote-write-push";
import { PrometheusConfig, parsePrometheusYaml } from "../support/swap-discovery";
import { testStack } from "../support/stack-file";

/**
 * One zone cut off from the global for longer than the global's out-of-bounds limit, while the
 * global keeps ingesting (its own self-scrape here; in production also every other zone): the
 * TSDB refuses any sample older than its newest minus half a block (chunk range / 2 = 1h with the
 * 2h blocks), and remote write drops a 400 for good. The generated global sets
 * `storage.tsdb.out_of_order_time_window`, which takes the whole backlog.
 *
 * Real Prometheus 3.5 on 127.0.0.1: the generated global twice, as generated and, as the control
 * that shows the limit is reached, with its `storage` block removed; both with the block duration
 * scaled down to 1m (`--storage.tsdb.min/max-block-duration`, flags Prometheus has for tests), so
 * the out-of-bounds limit is 30 s instead of 1h. The generated window (3h) is not scaled. The zone
 * is the generated one, remote-writing to both (its remote_write entry twice, one per global, each
 * through its own loopback proxy); the partition is both proxies answering 503 for 45 s. Loss is
 * counted sample by sample (tests/support/counted-samples.ts).
 */

const SCALED_BLOCK = "1m";
/** chunk range / 2 with SCALED_BLOCK: samples this far behind the head's newest are out of bounds. */
const SCALED_OUT_OF_BOUNDS_MS = 30_000;
const PARTITION_MS = 45_000;
const ENV_FILES = [
    testStack("pt-global", { zones: ["east"], globalPrometheus: { scrapeInterval: "1s" } }),
    testStack("pt-zone-east", { mesh: { version: "2.14.3" }, namespace: "obs-east", zonePrometheus: { scrapeInterval: "1s", dataplaneScrapeInterval: "1s", discovery: { refreshInterval: "1s" } } }),
];

interface Receiver {
    readonly label: string;
    readonly global: PrometheusProcess;
    readonly proxy: LoopbackProxy;
    readonly remoteName: string;
}

describe("zone partitioned from the global past the out-of-bounds limit (real Prometheus, counted)", function () {
    this.timeout(180_000);
    const receivers: Receiver[] = [];
    const stops: Array<() => Promise<void>> = [];
    let zone: PrometheusProcess;
    let writer: BasicAuth;
    let generatedGlobalConfig: PrometheusConfig;
    let remoteWritePath: string;

    before(async () => {
        const env = await evaluateEnvironment("pt", { files: ENV_FILES });
        const [globalEv, zoneEv] = env.stacks;
        generatedGlobalConfig = parsePrometheusYaml(planFile(globalEv, "prometheus", "prometheus.yml"));
        remoteWritePath = new URL(String(output(globalEv, "remoteWriteUrl"))).pathname;
        // Test override of the rendered flags: blocks scaled to SCALED_BLOCK, so the out-of-bounds limit is reached within the test.
        const scaledBlockOverrides = [`--storage.tsdb.min-block-duration=${SCALED_BLOCK}`, `--storage.tsdb.max-block-duration=${SCALED_BLOCK}`];
        let receiverBase = "";
        for (const [label, transform] of [
            ["generated", undefined],
            [
                "without the window",
                (cfg: PrometheusConfig) => {
                    const { storage, ...rest } = cfg;
                    assert.ok(storage, "the generated config has a storage block to remove");
                    return rest;
                },
            ],
        ] as const) {
            const started = await startGeneratedGlobal(globalEv, `pt-global-${receivers.length}`, { flagOverrides: scaledBlockOverrides, transform });
            writer = started.writer;
            receiverBase = started.receiverBase;
            const proxy = await startLoopbackProxy(started.global.url);
            stops.push(() => proxy.stop());
            receivers.push({ label, global: started.global, proxy, remoteName: receivers.length === 0 ? "global" : "global-control" });
        }
        const dataplanes: MetricsEndpoint[] = [await startCounterEndpoint(), await startCounterEndpoint()];
        const cp = await startMetricsEndpoint({ path: "/metrics", metrics: (n) => `# TYPE xds_requests_total counter\nxds_requests_total ${n}\n` });
        stops.push(async () => {
            for (const e of [...dataplanes, cp]) await e.stop();
        });
        const local = await startGeneratedZone({
            zoneEv,
            name: "pt-zone-east",
            assignments: [counterAssignment("east", "backend", dataplanes[0]), counterAssignment("east", "frontend", dataplanes[1])],
            controlPlaneAddress: cp.address,
            receiverBase,
            receiverUrl: receivers[0].proxy.url,
            // The generated remote_write entry, once more for the control global (same queue, auth and relabeling).
            transform: (cfg) => {
                const [rw] = cfg.remote_write as Array<Record<string, unknown>>;
                assert.equal(rw.name, "global");
                const control = { ...structuredClone(rw), name: "global-control", url: String(rw.url).replace(receivers[0].proxy.url, receivers[1].proxy.url) };
                return { ...cfg, remote_write: [rw, control] };
            },
        });
        zone = local.prometheus;
        stops.push(() => local.stopDiscovery());
        assert.equal(String(output(zoneEv, "zone")), "east");
        for (const r of receivers) {
            await waitFor(`east on the ${r.label} global`, async () => ((await r.global.query(`${COUNTER_METRIC}{zone="east"}`, writer)).length === 2 ? true : undefined), {
                timeoutMs: 60_000,
                intervalMs: 500,
            });
        }
    });

    after(async () => {
        await stopAllPrometheus();
        for (const stop of stops) await stop();
    });

    it("the generated global config carries the out-of-order window (and the control does not)", () => {
        assert.deepEqual(generatedGlobalConfig.storage, { tsdb: { out_of_order_time_window: DEFAULT_OUT_OF_ORDER_TIME_WINDOW } });
    });

    it(`after a ${PARTITION_MS / 1000} s partition (limit ${SCALED_OUT_OF_BOUNDS_MS / 1000} s): the generated global has every sample; without the window the old ones are refused`, async () => {
        const failedBefore = await failedByRemote();
        const cutAt = Date.now();
        for (const r of receivers) r.proxy.failWith(503);
        await sleep(PARTITION_MS);
        const healedAt = Date.now();
        for (const r of receivers) r.proxy.failWith(null);
        const atMs = healedAt + 3000;
        const windowMs = atMs - cutAt + 10_000;
        await sleep(3000);

        const zoneSamples = await rawSamples(zone, COUNTER_METRIC, atMs, windowMs);
        for (const [key, samples] of zoneSamples) assertConsecutive(key, samples);
        const inPartition = [...zoneSamples.values()].reduce((n, s) => n + s.filter(([t]) => t >= cutAt && t < healedAt).length, 0);
        assert.ok(inPartition >= 2 * (PARTITION_MS / 1000) * 0.8, `${inPartition} samples scraped during the partition`);

        // The generated global: sample for sample what the zone has.
        let last: Samples = new Map();
        await waitFor(
            "the generated global holding every sample of the partition",
            async () => {
                last = await rawSamples(receivers[0].global, `${COUNTER_METRIC}{zone="east"}`, atMs, windowMs, writer);
                return missingFrom(zoneSamples, last).size === 0 ? true : undefined;
            },
            { timeoutMs: 60_000, intervalMs: 1000 },
        ).catch((err: Error) => assert.fail(`${err.message}: zone ${summarize(zoneSamples)}, global ${summarize(last)}`));

        // The control: the queue has moved past the partition (it drops what is refused) ...
        await waitFor(
            "the control's queue caught up",
            async () => {
                const [lag] = await zone.query(`prometheus_remote_storage_highest_timestamp_in_seconds - ignoring(remote_name, url) group_right prometheus_remote_storage_queue_highest_sent_timestamp_seconds{remote_name="global-control"}`);
                return lag !== undefined && Number(lag.value[1]) <= 2 ? true : undefined;
            },
            { timeoutMs: 60_000, intervalMs: 1000 },
        );
        await sleep(2000);
        const control = await rawSamples(receivers[1].global, `${COUNTER_METRIC}{zone="east"}`, atMs, windowMs, writer);
        const missing = [...missingFrom(zoneSamples, control).values()].flat();
        // ... and lacks the samples that were older than the limit when they arrived, which the zone counts as failed (HTTP 400).
        const oldest = Math.min(...missing.map(([t]) => t));
        const newest = Math.max(...missing.map(([t]) => t));
        assert.ok(missing.length >= 2 * ((PARTITION_MS - SCALED_OUT_OF_BOUNDS_MS) / 1000) * 0.5, `control global lacks ${missing.length} samples (${summarize(control)})`);
        assert.ok(oldest >= cutAt - 2000 && newest < healedAt, `lost samples ${oldest}..${newest} lie in the partition ${cutAt}..${healedAt}`);
        const failed = (await failedByRemote()).map((n, i) => n - failedBefore[i]);
        assert.equal(failed[0], 0, "nothing refused by the generated global");
        // On the wire: the control refused them with 400 (out of bounds), which remote write drops for good; the generated global never did.
        const writesSince = (r: { path: string; at: number }) => r.path === remoteWritePath && r.at >= cutAt;
        assert.ok(receivers[1].proxy.count(400, writesSince) > 0, "the control answered 400");
        assert.equal(receivers[0].proxy.count(400, writesSince), 0, "the generated global answered no 400");
        assert.ok(failed[1] >= missing.length, `the zone counted ${failed[1]} failed samples for the control`);
        // Printed so every CI run re-measures them.
        console.log(
            `      partition figures: ${JSON.stringify({ partitionMs: healedAt - cutAt, counterSamplesInPartition: inPartition, controlLacks: missing.length, lostSpanMs: newest - oldest, failedByRemote: { generated: failed[0], control: failed[1] } })}`,
        );
    });

    it("older than the window: the generated global answers 400 \"too old sample\" (the zone drops it; 2.42 answered 500 and the zone retried it forever, prometheus2-compat.test.ts); inside it: 204", async () => {
        const windowMs = parsePromDuration(DEFAULT_OUT_OF_ORDER_TIME_WINDOW)!;
        const url = receivers[0].global.url + remoteWritePath;
        const labels: Array<[string, string]> = [["__name__", "partition_probe"], ["zone", "probe"]];
        const tooOld = await pushOneSample(url, labels, Date.now() - windowMs - 10 * 60_000, writer);
        assert.deepEqual([tooOld.status, tooOld.body.trim()], [400, "too old sample"]);
        const inside = await pushOneSample(url, labels, Date.now() - windowMs + 10 * 60_000, writer);
        assert.equal(inside.status, 204, inside.body);
    });

    /** prometheus_remote_storage_samples_failed_total per remote: [generated, control]. */
    async function failedByRemote(): Promise<number[]> {
        const rows = await zone.query("sum by (remote_name) (prometheus_remote_storage_samples_failed_total)");
        return receivers.map((r) => Number(rows.find((x) => x.metric.remote_name === r.remoteName)?.value[1] ?? 0));
    }
});
