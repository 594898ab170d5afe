import { strict as assert } from "assert";
import {
    OUT_OF_ORDER_BYTES_PER_SERIES_HOUR,
    prometheusResources,
    singlePrometheusMaxSeries,
    singlePrometheusWarning,
    TYPICAL_NODE_MEMORY_BYTES,
} from "../../components/prometheus/sizing";

describe("Prometheus sizing", () => {
    it("zone server, 250k series every 15s, 2d retention, remote-writing", () => {
        const r = prometheusResources({ expectedActiveSeries: 250_000, retention: "2d", scrapeInterval: "15s", mode: "server" });
        // 250k × 3 KiB × 1.25 = 9.6e8 B = 915.5 MiB; limit × 2 = 1.92e9 B = 1831.1 MiB.
        assert.deepEqual(r.requests, { cpu: "170m", memory: "916Mi" });
        assert.deepEqual(r.limits, { cpu: "340m", memory: "1832Mi" });
        // 16,667 samples/s: blocks 2d × 2 B = 5.76e9 B, WAL 3h × 16 B = 2.88e9 B, × 1.5 = 12.96e9 B = 12.07 GiB.
        assert.equal(r.storageSize, "13Gi");
        assert.equal(Math.round(r.figures.samplesPerSecond), 16_667);
        assert.equal(r.figures.diskBytes, 12.96e9);
    });

    it("global server, 1M series every 15s, 15d retention, receiving only", () => {
        const r = prometheusResources({ expectedActiveSeries: 1_000_000, retention: "15d", scrapeInterval: "15s", mode: "server", remoteWrite: false });
        // 1M × 3 KiB = 3.072e9 B = 2929.7 MiB; limit × 2 = 6.144e9 B = 5859.4 MiB (measured steady heads: 2.6-3.1 KiB per series).
        assert.deepEqual(r.requests, { cpu: "670m", memory: "2930Mi" });
        assert.deepEqual(r.limits, { cpu: "1340m", memory: "5860Mi" });
        // 66,667 samples/s: blocks 15d × 2 B = 172.8e9 B, WAL 11.52e9 B, × 1.5 = 276.48e9 B = 257.5 GiB.
        assert.equal(r.storageSize, "258Gi");
        assert.equal(r.figures.memoryRequestBytes, 3.072e9);
    });

    it("global server, 1M series, 6h out-of-order window: + 1 KiB per series per window hour on the limit, request unchanged", () => {
        const base = { expectedActiveSeries: 1_000_000, retention: "15d", scrapeInterval: "15s", mode: "server", remoteWrite: false } as const;
        const r = prometheusResources({ ...base, outOfOrderTimeWindow: "6h" });
        assert.equal(OUT_OF_ORDER_BYTES_PER_SERIES_HOUR, 1024);
        // 1M × (3 KiB × 2 + 1 KiB × 6) = 1.2288e10 B = 11718.75 MiB; the request stays 1M × 3 KiB = 2930Mi.
        assert.deepEqual(r.requests, { cpu: "670m", memory: "2930Mi" });
        assert.deepEqual(r.limits, { cpu: "1340m", memory: "11719Mi" });
        assert.equal(r.figures.memoryLimitBytes, 1.2288e10);
        assert.equal(r.storageSize, "258Gi", "disk does not depend on the window");
        // Linear in the window: 2h adds 2 KiB per series, 90m 1.5 KiB; unset and 0s add nothing.
        const limit = (w?: string) => prometheusResources({ ...base, outOfOrderTimeWindow: w }).figures.memoryLimitBytes;
        assert.equal(limit("2h") - limit(undefined), 2 * 1024 * 1_000_000);
        assert.equal(limit("90m") - limit(undefined), 1.5 * 1024 * 1_000_000);
        assert.equal(limit("0s"), limit(undefined));
        assert.equal(limit("0s"), 6.144e9);
    });

    it("the out-of-order headroom comes on top of the 256 MiB floor (a small global still gets it)", () => {
        const r = prometheusResources({ expectedActiveSeries: 20_000, retention: "15d", scrapeInterval: "15s", mode: "server", remoteWrite: false, outOfOrderTimeWindow: "6h" });
        // 512 MiB + 20k × 6 KiB = 512 + 117.2 MiB.
        assert.deepEqual(r.requests.memory, "256Mi");
        assert.deepEqual(r.limits.memory, "630Mi");
    });

    it("remote write adds 25% memory", () => {
        const base = { expectedActiveSeries: 400_000, retention: "1d", scrapeInterval: "30s", mode: "server" } as const;
        const without = prometheusResources({ ...base, remoteWrite: false }).figures.memoryRequestBytes;
        const withRw = prometheusResources(base).figures.memoryRequestBytes;
        assert.equal(withRw / without, 1.25);
    });

    it("agent, 250k series every 30s: labels only in memory, a 3h WAL on disk, retention unused", () => {
        const r = prometheusResources({ expectedActiveSeries: 250_000, scrapeInterval: "30s", mode: "agent" });
        // 250k × 2 KiB × 1.25 = 6.4e8 B = 610.4 MiB; limit × 1.25 = 8e8 B = 762.9 MiB.
        assert.deepEqual(r.requests, { cpu: "100m", memory: "611Mi" }, "8,333 samples/s is under the 100m floor");
        assert.deepEqual(r.limits, { cpu: "200m", memory: "763Mi" });
        // WAL only: 3h × 8,333/s × 16 B × 1.5 = 2.16e9 B = 2.01 GiB.
        assert.equal(r.storageSize, "3Gi");
        assert.deepEqual(prometheusResources({ expectedActiveSeries: 250_000, scrapeInterval: "30s", mode: "agent", retention: "30d" }), r);
        const server = prometheusResources({ expectedActiveSeries: 250_000, scrapeInterval: "30s", mode: "server", retention: "2h" });
        assert.ok(r.figures.memoryRequestBytes * 3 === server.figures.memoryRequestBytes * 2, "an agent: two thirds of a server's memory (2 vs 3 KiB per series)");
    });

    it("tiny Prometheus: floors of 256Mi, 100m and 1Gi", () => {
        const r = prometheusResources({ expectedActiveSeries: 1_000, retention: "2d", scrapeInterval: "15s", mode: "server" });
        assert.deepEqual(r.requests, { cpu: "100m", memory: "256Mi" });
        assert.deepEqual(r.limits, { cpu: "200m", memory: "512Mi" });
        assert.equal(r.storageSize, "1Gi");
    });

    it("a shorter scrape interval means more samples: more CPU and disk, same memory", () => {
        const slow = prometheusResources({ expectedActiveSeries: 500_000, retention: "7d", scrapeInterval: "30s", mode: "server" });
        const fast = prometheusResources({ expectedActiveSeries: 500_000, retention: "7d", scrapeInterval: "15s", mode: "server" });
        assert.equal(fast.figures.samplesPerSecond, 2 * slow.figures.samplesPerSecond);
        assert.equal(fast.figures.diskBytes, 2 * slow.figures.diskBytes);
        assert.equal(fast.figures.memoryRequestBytes, slow.figures.memoryRequestBytes);
        assert.deepEqual([slow.requests.cpu, fast.requests.cpu], ["170m", "340m"]);
    });

    describe("errors name the setting, the problem and what is allowed", () => {
        const ok = { expectedActiveSeries: 1000, retention: "2d", scrapeInterval: "15s", mode: "server" } as const;
        const cases: Array<[string, any, RegExp]> = [
            ["zero series", { ...ok, expectedActiveSeries: 0 }, /expectedActiveSeries 0 is not a positive integer; allowed: the expected prometheus_tsdb_head_series/],
            ["fractional series", { ...ok, expectedActiveSeries: 1.5 }, /expectedActiveSeries 1.5/],
            ["server without retention", { ...ok, retention: undefined }, /retention undefined is not a positive Prometheus duration/],
            ["bad retention", { ...ok, retention: "2 weeks" }, /retention "2 weeks"/],
            ["bad interval", { ...ok, scrapeInterval: "0s" }, /scrapeInterval "0s"/],
            ["bad mode", { ...ok, mode: "sidecar" }, /mode "sidecar" is not a Prometheus mode; allowed: server, agent/],
            ["agent not writing", { ...ok, mode: "agent", remoteWrite: false }, /remoteWrite false with mode agent/],
            ["agent with an out-of-order window", { ...ok, mode: "agent", outOfOrderTimeWindow: "6h" }, /outOfOrderTimeWindow 6h with mode agent; allowed: 0s or unset/],
            ["bad out-of-order window", { ...ok, outOfOrderTimeWindow: "6 hours" }, /prometheusResources: outOfOrderTimeWindow: "6 hours" is not a Prometheus duration; allowed: e\.g\. 6h, 90m, 0s \(off\)/],
        ];
        for (const [what, input, message] of cases) it(what, () => assert.throws(() => prometheusResources(input), message));
    });
});

describe("singlePrometheusWarning", () => {
    const global = (series: number, outOfOrderTimeWindow?: string) =>
        prometheusResources({ expectedActiveSeries: series, retention: "15d", scrapeInterval: "15s", mode: "server", remoteWrite: false, outOfOrderTimeWindow });

    it("threshold: the series whose 3 KiB × 2 (+ 1 KiB per window hour) memory limit exceeds a 64 GiB node", () => {
        assert.equal(TYPICAL_NODE_MEMORY_BYTES, 64 * 1024 ** 3);
        assert.equal(singlePrometheusMaxSeries(), 11_184_810);
        assert.equal(singlePrometheusMaxSeries("0s"), 11_184_810);
        // 64 GiB / 12 KiB at the default 6h window.
        assert.equal(singlePrometheusMaxSeries("6h"), 5_592_405);
        for (const w of [undefined, "6h", "2h"]) {
            const max = singlePrometheusMaxSeries(w);
            assert.ok(global(max, w).figures.memoryLimitBytes <= TYPICAL_NODE_MEMORY_BYTES, `${w}: at the threshold`);
            assert.ok(global(max + 1, w).figures.memoryLimitBytes > TYPICAL_NODE_MEMORY_BYTES, `${w}: above it`);
        }
    });

    it("is silent at and below the threshold", () => {
        assert.equal(singlePrometheusWarning(0), undefined);
        assert.equal(singlePrometheusWarning(1_500_000), undefined);
        assert.equal(singlePrometheusWarning(10_000_000), undefined);
        assert.equal(singlePrometheusWarning(11_184_810), undefined);
        assert.equal(singlePrometheusWarning(5_592_405, "6h"), undefined);
    });

    it("above it, names the memory needed and the scale-out backends amp and mimir", () => {
        const w = singlePrometheusWarning(12_000_000)!;
        // 12M × 3 KiB × 2 = 7.3728e10 B = 68.7 GiB.
        assert.match(w, /^12,000,000 active series in one Prometheus would need a 69 GiB memory limit \(3 KiB per series × 2 query headroom\)/);
        assert.match(w, /more than a typical 64 GiB node \(threshold 11,184,810 series\)/);
        assert.match(w, /\bamp\b/);
        assert.match(w, /\bmimir\b/);
        assert.ok(singlePrometheusWarning(11_184_811));
    });

    it("with the out-of-order window: names the headroom and the lower threshold", () => {
        const w = singlePrometheusWarning(6_000_000, "6h")!;
        // 6M × (3 KiB × 2 + 1 KiB × 6) = 7.3728e10 B = 68.7 GiB.
        assert.match(w, /^6,000,000 active series in one Prometheus would need a 69 GiB memory limit \(3 KiB per series × 2 query headroom \+ 1 KiB per series per hour of the 6h out-of-order window\)/);
        assert.match(w, /\(threshold 5,592,405 series\)/);
        assert.equal(singlePrometheusWarning(6_000_000), undefined, "without the window 6M series fit");
    });

    it("refuses a negative or fractional total, or a window that is no duration", () => {
        assert.throws(() => singlePrometheusWarning(-1), /totalSeries -1 is not a non-negative integer/);
        assert.throws(() => singlePrometheusWarning(2.5), /totalSeries 2.5/);
        assert.throws(() => singlePrometheusWarning(1, "six hours"), /outOfOrderTimeWindow: "six hours" is not a Prometheus duration/);
    });
});
