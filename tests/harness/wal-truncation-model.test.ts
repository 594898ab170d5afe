import { strict as assert } from "assert";
import { simulateWal, survivalSpread } from "../bench/wal-truncation-model";

/**
 * The WAL truncation model docs/benchmarks.md quotes for survivable outages (tests/bench/wal-truncation-model.ts):
 * Prometheus' rules on small cases, and the one run measured with real Prometheus reproduced.
 */

const MiB = 2 ** 20;

describe("bench: WAL truncation model", function () {
    // 0.75 MiB/s into 10 MiB segments: a segment every 14 s; 60 s blocks: head compaction once the head spans more than 90 s.
    const small = () => simulateWal({ blockMs: 60_000, segmentBytes: 10 * MiB, bytesPerSecond: 0.75 * MiB, startMs: 0, durationMs: 240_000, checkEveryMs: 30_000 });

    it("spares the newest segment and deletes the lower two thirds of the rest; cuts a segment at every truncation", () => {
        const m = small();
        // At 120 s segments 0..8 exist (8 since 112 s); 8 is spared, 0 + (7 - 0) * 2/3 = 4: 0..4 go.
        assert.deepEqual(m.truncations.map((t) => [t.atMs, t.deleted]), [
            [120_000, [0, 1, 2, 3, 4]],
            [180_000, [5, 6, 7, 8, 9]],
            [240_000, [10, 11, 12, 13, 14]],
        ]);
        assert.deepEqual(m.segments.filter((s) => s.startMs % 60_000 === 0 && s.startMs > 0).map((s) => [s.index, s.startMs]), [[9, 120_000], [14, 180_000], [19, 240_000]]);
        // Too few segments: 100 MiB segments never fill, so at 120 s only segment 0 exists besides the new one.
        const few = simulateWal({ blockMs: 60_000, segmentBytes: 100 * MiB, bytesPerSecond: 0.75 * MiB, startMs: 0, durationMs: 120_000, checkEveryMs: 30_000 });
        assert.deepEqual(few.truncations, [{ atMs: 120_000, deleted: [] }]);
    });

    it("an outage survives until the segment after the one it began in is deleted", () => {
        const m = small();
        // Began at 50 s, in segment 3 (42-56 s): segment 4 goes at 120 s.
        assert.equal(m.survivalOf(50_000), 70_000);
        // Began at 65 s, in segment 4 (56-70 s), deleted at 120 s while the watcher holds it: segment 5 lasts until 180 s.
        assert.equal(m.survivalOf(65_000), 115_000);
        assert.throws(() => survivalSpread(m, 0, 240_000, 1000), /never lose within the simulated time; simulate longer/);
        // The shortest: begun at 55 s, the last second of segment 3, whose successor goes at 120 s.
        assert.equal(survivalSpread(m, 0, 100_000, 1000).min, 65_000);
    });

    it("reproduces the run measured with real Prometheus 2.42 (docs/benchmarks.md: outage survival, 128 MiB segments at k = 12.8)", () => {
        // Measured: blocks of 562.5 s aligned 91.5 s before the first sample, 10 MiB segments at ~33.8 KB/s;
        // the second head compaction, at 1318 s, deleted segments 0, 1, 2, and the outage begun at 32 s lost its
        // backlog then (1286 s later). The model checks once a minute from the first sample, so it may be late by up to 60 s.
        const block = 562_500;
        const start = 1_000_000 * block + 91_500;
        const m = simulateWal({ blockMs: block, segmentBytes: 10 * MiB, bytesPerSecond: 33_800, startMs: start, durationMs: 3_000_000 });
        const deleting = m.truncations.filter((t) => t.deleted.length > 0);
        assert.equal(m.truncations[0].deleted.length, 0, "the first compaction deletes nothing (too few segments)");
        assert.deepEqual(deleting[0].deleted, [0, 1, 2]);
        assert.ok(Math.abs(deleting[0].atMs - start - 1_318_000) <= 60_000, `second truncation at ${(deleting[0].atMs - start) / 1000} s`);
        assert.ok(Math.abs(m.survivalOf(start + 32_000) - 1_286_000) <= 60_000, `survival ${m.survivalOf(start + 32_000) / 1000} s`);
    });

    it("reproduces the run measured with real Prometheus 3.5.3 (the same loss; docs/benchmarks.md)", () => {
        // Measured: blocks aligned 411 s before the first sample (head min time 151 → 714 s at the first deleting
        // compaction), 10 MiB segments at 32.8 KiB/s; truncations at 1005 s (segments 0, 1) and 1564 s (2, 3), and the
        // outage begun at 33 s lost its backlog at the first (972 s later).
        const block = 562_500;
        const start = 1_000_000 * block + 411_000;
        const m = simulateWal({ blockMs: block, segmentBytes: 10 * MiB, bytesPerSecond: 32.8 * 1024, startMs: start, durationMs: 3_000_000 });
        const deleting = m.truncations.filter((t) => t.deleted.length > 0);
        assert.deepEqual(deleting.slice(0, 2).map((t) => t.deleted), [[0, 1], [2, 3]]);
        assert.ok(Math.abs(deleting[0].atMs - start - 1_005_000) <= 60_000, `first deleting truncation at ${(deleting[0].atMs - start) / 1000} s`);
        assert.ok(Math.abs(deleting[1].atMs - start - 1_564_000) <= 60_000, `second at ${(deleting[1].atMs - start) / 1000} s`);
        assert.ok(Math.abs(m.survivalOf(start + 33_000) - 972_000) <= 60_000, `survival ${m.survivalOf(start + 33_000) / 1000} s`);
    });

    it("reproduces the 256 MiB run measured with real Prometheus 3.5.3 (20 MiB segments at k = 12.8; docs/benchmarks.md)", () => {
        // Measured: head min time 978 → 1541 s at the deleting compaction, so blocks aligned 146.5 s before the first
        // sample; 20 MiB segments at 32.9 KiB/s; the truncation at 1825 s deleted segments 0, 1, and the outage begun at
        // 32 s lost its backlog then (1793 s later).
        const block = 562_500;
        const start = 1_000_000 * block + 146_500;
        const m = simulateWal({ blockMs: block, segmentBytes: 20 * MiB, bytesPerSecond: 32.9 * 1024, startMs: start, durationMs: 3_000_000 });
        const deleting = m.truncations.filter((t) => t.deleted.length > 0);
        assert.deepEqual(deleting[0].deleted, [0, 1]);
        assert.ok(Math.abs(deleting[0].atMs - start - 1_825_000) <= 60_000, `first deleting truncation at ${(deleting[0].atMs - start) / 1000} s`);
        assert.ok(Math.abs(m.survivalOf(start + 32_000) - 1_793_000) <= 60_000, `survival ${m.survivalOf(start + 32_000) / 1000} s`);
    });

    it("agent cadence: truncations every truncateEveryMs since start, by the same segment rule", () => {
        // 0.75 MiB/s into 10 MiB segments (one every ~14 s), an agent truncating every 60 s.
        const m = simulateWal({ blockMs: 60_000, segmentBytes: 10 * MiB, bytesPerSecond: 0.75 * MiB, startMs: 0, durationMs: 180_000, truncateEveryMs: 60_000 });
        assert.deepEqual(m.truncations.map((t) => t.atMs), [60_000, 120_000, 180_000]);
        // At 60 s segments 0..4 exist (4 since 56 s); 4 is spared, 0 + (3 - 0) * 2/3 = 2: 0..2 go.
        assert.deepEqual(m.truncations[0].deleted, [0, 1, 2]);
        // An outage begun at 20 s (segment 1) loses its backlog when segment 2 goes, at 60 s.
        assert.equal(m.survivalOf(20_000), 40_000);
    });

    it("agent cadence that is not a whole number of model steps (the bench's 2h / 12.8 = 562.5 s) still truncates every period", () => {
        const m = simulateWal({ blockMs: 562_500, segmentBytes: 20 * MiB, bytesPerSecond: 32.8 * 1024, startMs: 0, durationMs: 1_800_000, truncateEveryMs: 562_500 });
        // The first step on or after each multiple of 562.5 s (the model steps whole seconds).
        assert.deepEqual(m.truncations.map((t) => t.atMs), [563_000, 1_125_000, 1_688_000]);
    });

    it("reproduces the agent run measured with real Prometheus 3.5.3 (256 MiB / k = 20 MiB segments, truncation every 2h / k; docs/benchmarks.md)", () => {
        // Measured, two runs (times after the agent's start): 32.8-32.9 KiB/s; segments 0: 38-563 s, 1: 565-1126,
        // 2: 1127-1688, 3: 1689-2251, each cut by a truncation before it filled. Run 1's outage (38-2068 s) arrived
        // whole; in run 2 (38-2518 s) the truncation at 2255 s deleted 0 and 1 and the backlog was lost (after 2217 s).
        const m = simulateWal({ blockMs: 562_500, segmentBytes: 20 * MiB, bytesPerSecond: 32.9 * 1024, startMs: 0, durationMs: 3_000_000, truncateEveryMs: 562_500 });
        assert.deepEqual(m.truncations.slice(0, 4).map((t) => [t.atMs, t.deleted]), [
            [563_000, []],
            [1_125_000, []],
            [1_688_000, []],
            [2_250_000, [0, 1]],
        ]);
        assert.deepEqual(m.segments.slice(1, 4).map((s) => s.startMs), [563_000, 1_125_000, 1_688_000]);
        assert.equal(m.survivalOf(38_000), 2_212_000);
        assert.ok(m.survivalOf(38_000) > 2_030_000, "run 1's outage (2030 s) is survived");
        assert.ok(Math.abs(m.survivalOf(38_000) - 2_217_000) <= 60_000, "run 2's loss after 2217 s");
    });
});
