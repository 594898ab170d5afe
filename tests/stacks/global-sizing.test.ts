import { strict as assert } from "assert";
import { evaluateStack, StackEvaluation } from "../../infra/plan/evaluate-stack";
import { one, revealed, yamlFile } from "../support/plan-access";
import { testStack } from "../support/stack-file";
import { CHART_TYPE } from "../../infra/plan/mock-runtime";

/**
 * The global Prometheus's requests and limits through the program: sized from
 * metrics.expectedActiveSeries, with out-of-order headroom on the limit for the window zones'
 * backlogs arrive into (components/prometheus/sizing.ts; measured in docs/benchmarks.md).
 */

async function global(name: string, config: Record<string, unknown>): Promise<StackEvaluation> {
    return evaluateStack(testStack(`${name}-global`, { zones: ["a"], ...config }), new Map());
}

const server = (ev: StackEvaluation) => revealed(one(ev, CHART_TYPE, "global-prometheus-chart")).values.server;

describe("the global Prometheus's memory: out-of-order headroom for the zones' backlogs (offline plan)", function () {
    this.timeout(60_000);

    it("default: 1M series, 6h window: request 3 KiB per series, limit 6 KiB + 6 × 1 KiB per series; the window it is sized for is the one in prometheus.yml", async () => {
        const ev = await global("gsz", {});
        // 1M × 3 KiB = 2929.7 MiB; 1M × 12 KiB = 11718.75 MiB (CPU: 1M series every 30s, the global's default interval).
        assert.deepEqual(server(ev).resources, { requests: { cpu: "340m", memory: "2930Mi" }, limits: { cpu: "680m", memory: "11719Mi" } });
        assert.deepEqual(yamlFile(ev, "prometheus", "prometheus.yml").storage, { tsdb: { out_of_order_time_window: "6h" } });
    });

    it("follows globalPrometheus.outOfOrderTimeWindow: 2h adds 2 KiB per series, 0s none", async () => {
        const two = await global("gsz2", { metrics: { expectedActiveSeries: 250_000 }, globalPrometheus: { outOfOrderTimeWindow: "2h" } });
        // 250k × 3 KiB = 732.4 MiB; 250k × (6 + 2) KiB = 1953.1 MiB.
        assert.deepEqual(server(two).resources.requests.memory, "733Mi");
        assert.deepEqual(server(two).resources.limits.memory, "1954Mi");
        const off = await global("gsz0", { metrics: { expectedActiveSeries: 250_000 }, globalPrometheus: { outOfOrderTimeWindow: "0s" } });
        // 250k × 6 KiB = 1464.8 MiB.
        assert.deepEqual(server(off).resources.limits.memory, "1465Mi");
        assert.equal(yamlFile(off, "prometheus", "prometheus.yml").storage, undefined);
    });

    it("a federating global receives no backlog: no headroom", async () => {
        const ev = await global("gszfed", { metrics: { federation: { match: ["up"], zones: { a: { url: "https://prom-a.example.com" } } } } });
        assert.deepEqual(server(ev).resources.limits.memory, "5860Mi");
    });

    it("warns above 64 GiB / 12 KiB = 5,592,405 series at the 6h window; not with the window off", async () => {
        const big = await global("gszbig", { metrics: { expectedActiveSeries: 6_000_000 } });
        const w = big.warnings.find((x) => x.includes("active series in one Prometheus"));
        assert.ok(w, JSON.stringify(big.warnings));
        assert.match(w, /^gszbig-global: 6,000,000 active series in one Prometheus would need a 69 GiB memory limit \(3 KiB per series × 2 query headroom \+ 1 KiB per series per hour of the 6h out-of-order window\)/);
        assert.match(w, /\(threshold 5,592,405 series\)/);
        const off = await global("gszbig0", { metrics: { expectedActiveSeries: 6_000_000 }, globalPrometheus: { outOfOrderTimeWindow: "0s" } });
        assert.ok(!off.warnings.some((x) => x.includes("active series in one Prometheus")), JSON.stringify(off.warnings));
    });
});
