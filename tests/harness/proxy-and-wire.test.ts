import { strict as assert } from "assert";
import * as http from "http";
import { AddressInfo } from "net";
import * as snappy from "snappyjs";
import { DeliveryTracker, LatencyHistogram } from "../bench/delivery-tracker";
import { encodeLabels, encodeWriteRequest, prepareSeries } from "../bench/remote-write-rig";
import { loopbackRequest } from "../support/loopback-http";
import { LoopbackProxy, ProxiedRequest, startLoopbackProxy } from "../support/loopback-proxy";
import { decodeWriteRequest, scanWriteRequest } from "../support/remote-write-wire";

/**
 * The pieces the fault tests and the remote-write bench measure with: the loopback proxy (delay,
 * injected statuses, answered bodies) and the remote-write decoders. The decoders are also checked
 * against real Prometheus bytes in tests/integration/prometheus-modes.test.ts.
 */

describe("test harness: loopback proxy", function () {
    let upstream: http.Server;
    let upstreamUrl: string;
    const received: Array<{ path: string; body: string; at: number }> = [];
    const proxies: LoopbackProxy[] = [];

    before(async () => {
        upstream = http.createServer((req, res) => {
            const chunks: Buffer[] = [];
            req.on("data", (c: Buffer) => chunks.push(c));
            req.on("end", () => {
                received.push({ path: req.url ?? "", body: Buffer.concat(chunks).toString("utf8"), at: Date.now() });
                res.writeHead(204);
                res.end();
            });
        });
        await new Promise<void>((resolve) => upstream.listen({ host: "127.0.0.1", port: 0 }, resolve));
        upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    });

    after(async () => {
        for (const p of proxies) await p.stop();
        await new Promise<void>((resolve) => upstream.close(() => resolve()));
    });

    it("forwards byte for byte after the configured delay, records headers and hands over answered bodies with their status", async () => {
        const answered: Array<{ body: string; status: number }> = [];
        const proxy = await startLoopbackProxy(upstreamUrl, { delayMs: 150, onAnswered: (body, r: ProxiedRequest) => answered.push({ body: body.toString("utf8"), status: r.status }) });
        proxies.push(proxy);
        const sent = Date.now();
        const res = await loopbackRequest({ method: "POST", url: `${proxy.url}/api/v1/write?x=1`, body: "payload-1", headers: { "X-Scope-OrgID": "tenant-a" } });
        assert.equal(res.status, 204);
        const got = received.find((r) => r.body === "payload-1");
        assert.ok(got, "the upstream received the body");
        assert.equal(got.path, "/api/v1/write?x=1");
        assert.ok(got.at - sent >= 140, `forwarded after ${got.at - sent} ms, not held for the 150 ms round trip`);
        assert.equal(proxy.requests[0].headers["x-scope-orgid"], "tenant-a");
        assert.deepEqual(answered, [{ body: "payload-1", status: 204 }]);
    });

    it("upstreamPath maps the received path to the upstream's (AMP's workspace path to a plain receiver); the record keeps the received one", async () => {
        const proxy = await startLoopbackProxy(upstreamUrl, { upstreamPath: (p) => p.replace(/^\/workspaces\/[^/]+\/api\/v1\/remote_write$/, "/api/v1/write") });
        proxies.push(proxy);
        const res = await loopbackRequest({ method: "POST", url: `${proxy.url}/workspaces/ws-1/api/v1/remote_write`, body: "payload-path" });
        assert.equal(res.status, 204);
        assert.equal(received.find((r) => r.body === "payload-path")?.path, "/api/v1/write");
        assert.equal(proxy.requests[0].path, "/workspaces/ws-1/api/v1/remote_write");
    });

    it("failWith answers with the injected status (and Retry-After) without forwarding, until failWith(null)", async () => {
        const answered: number[] = [];
        const proxy = await startLoopbackProxy(upstreamUrl, { onAnswered: (_b, r) => answered.push(r.status) });
        proxies.push(proxy);
        proxy.failWith(429, 3);
        const refused = await loopbackRequest({ method: "POST", url: `${proxy.url}/api/v1/write`, body: "payload-2" });
        assert.equal(refused.status, 429);
        assert.equal(refused.headers["retry-after"], "3");
        assert.equal(received.some((r) => r.body === "payload-2"), false, "not forwarded");
        proxy.failWith(null);
        assert.equal((await loopbackRequest({ method: "POST", url: `${proxy.url}/api/v1/write`, body: "payload-3" })).status, 204);
        assert.deepEqual(answered, [429, 204]);
        assert.equal(proxy.count(429, (r) => r.injected), 1);
        assert.equal(proxy.count(204, (r) => !r.injected), 1);
    });

    it("an upstream that is down shows as a reset connection, reported with status 0", async () => {
        const statuses: number[] = [];
        const dead = http.createServer();
        await new Promise<void>((resolve) => dead.listen({ host: "127.0.0.1", port: 0 }, resolve));
        const deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
        await new Promise<void>((resolve) => dead.close(() => resolve()));
        const proxy = await startLoopbackProxy(deadUrl, { onAnswered: (_b, r) => statuses.push(r.status) });
        proxies.push(proxy);
        await assert.rejects(loopbackRequest({ method: "POST", url: `${proxy.url}/api/v1/write`, body: "x" }));
        assert.deepEqual(statuses, [0]);
    });
});

describe("test harness: remote-write wire format", function () {
    const series = (n: number, zone: string) =>
        Array.from({ length: n }, (_, i) =>
            prepareSeries(encodeLabels([["__name__", "envoy_cluster_upstream_rq_total"], ["envoy_cluster_name", `cluster-${i}`], ["zone", zone]])),
        );

    it("decodes labels, values and millisecond timestamps of a snappy-compressed WriteRequest; the fast scan agrees", () => {
        const ts = Date.UTC(2026, 10, 25, 12, 0, 0, 123);
        const body = Buffer.from(snappy.compress(encodeWriteRequest(series(3, "east"), (i) => i + 0.5, ts)));
        const decoded = decodeWriteRequest(body);
        assert.deepEqual(decoded, [0, 1, 2].map((i) => ({ labels: { __name__: "envoy_cluster_upstream_rq_total", envoy_cluster_name: `cluster-${i}`, zone: "east" }, samples: [{ value: i + 0.5, timestampMs: ts }] })));
        const seen: Array<[string, number]> = [];
        assert.equal(scanWriteRequest(body, (key, t) => seen.push([key, t])), 3);
        assert.deepEqual(seen.map(([, t]) => t), [ts, ts, ts]);
        assert.equal(new Set(seen.map(([k]) => k)).size, 3, "one key per series");
        assert.ok(seen[1][0].includes("cluster-1"), "the key is the series' label bytes");
    });

    it("refuses a truncated body instead of reading garbage", () => {
        const raw = encodeWriteRequest(series(2, "west"), () => 1, Date.now());
        const truncated = Buffer.from(snappy.compress(raw.subarray(0, raw.length - 5)));
        assert.throws(() => decodeWriteRequest(truncated), /truncated/);
        assert.throws(() => scanWriteRequest(truncated, () => undefined), /truncated/);
    });
});

describe("bench: latency histogram", function () {
    it("quantiles are bucket upper edges (5 ms), mean and max are exact", () => {
        const h = new LatencyHistogram();
        for (let i = 1; i <= 100; i++) h.add(i * 10);
        assert.equal(h.count, 100);
        assert.equal(h.quantile(0.5), 505);
        assert.equal(h.quantile(0.99), 995);
        assert.equal(h.max, 1000);
        assert.equal(h.mean(), 505);
        assert.ok(Number.isNaN(new LatencyHistogram().quantile(0.5)));
    });
});

describe("bench: delivery tracker", function () {
    const write = (timestamps: number[]) =>
        Buffer.from(snappy.compress(Buffer.concat(timestamps.map((ts, i) => encodeWriteRequest([prepareSeries(encodeLabels([["__name__", `s${i}`]]))], () => 1, ts)))));
    const request = (status: number): ProxiedRequest => ({ at: Date.now(), method: "POST", path: "/api/v1/write", headers: {}, bodyBytes: 0, status, injected: false });

    it("counts accepted samples per window and per bucket by their timestamps; refused writes count only as answers", () => {
        const t0 = Date.UTC(2026, 11, 4, 12, 0, 0);
        const tracker = new DeliveryTracker();
        const window = tracker.watch(t0, t0 + 10_000);
        const buckets = tracker.watchBuckets(t0, 5_000, 3);
        tracker.onAnswered(write([t0 - 1, t0, t0 + 4_999, t0 + 5_000, t0 + 14_999, t0 + 15_000]), request(204));
        tracker.onAnswered(write([t0 + 1]), request(503));
        assert.equal(tracker.delivered, 6);
        assert.equal(window.samples, 3, "[t0, t0+10s) holds t0, t0+4999, t0+5000");
        assert.deepEqual([...buckets.samples], [2, 1, 1], "bucket edges are half-open");
        assert.ok(buckets.lastDeliveredAt.every((t) => t > 0));
        assert.deepEqual([...tracker.answered], [[204, 1], [503, 1]]);
    });
});
