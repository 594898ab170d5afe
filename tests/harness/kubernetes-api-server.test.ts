import { strict as assert } from "assert";
import { INITIAL_EVENTS_END_ANNOTATION, KubernetesApiServer, startKubernetesApiServer } from "../support/kubernetes-api-server";
import { assertPodShape, podObject, TestPod } from "../support/kubernetes-pods";
import { loopbackRequest } from "../support/loopback-http";

/**
 * The loopback Kubernetes API fixture's own semantics, over plain HTTP, for what the real
 * Prometheus run (tests/integration/kubernetes-discovery.test.ts) cannot force on its own:
 * consistent list pages, expiry after compaction, watch resumption, the watch-list handshake,
 * and refusing what it does not implement. Semantics: kubernetes.io/docs/reference/using-api/api-concepts/.
 */

const pod = (namespace: string, name: string, extra: Partial<TestPod> = {}) => podObject({ namespace, name, ip: "127.0.0.1", containers: [{ name: "app" }], ...extra });

describe("loopback Kubernetes API server (fixture)", function () {
    this.timeout(20_000);
    let api: KubernetesApiServer;
    beforeEach(async () => {
        api = await startKubernetesApiServer({ pods: [pod("a", "p1"), pod("a", "p2"), pod("b", "p3"), pod("a", "p0")], maxPageSize: 2 });
    });
    afterEach(async () => api.stop());

    const get = async (pathAndQuery: string) => {
        const res = await loopbackRequest({ url: `${api.url}${pathAndQuery}` });
        return { status: res.status, type: res.headers["content-type"], body: JSON.parse(res.body) };
    };
    /** A watch bounded by timeoutSeconds; returns the events written before the server ended it. */
    const watchEvents = async (pathAndQuery: string) => {
        const res = await loopbackRequest({ url: `${api.url}${pathAndQuery}&watch=true&timeoutSeconds=1`, timeoutMs: 5_000 });
        assert.equal(res.status, 200, res.body);
        return res.body.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as { type: string; object: any });
    };
    const names = (items: any[]) => items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);

    it("lists a namespace or the cluster, sorted, with the list's resourceVersion and no kind on items", async () => {
        const all = await get("/api/v1/pods");
        assert.equal(all.status, 200);
        assert.match(String(all.type), /^application\/json/);
        assert.deepEqual({ kind: all.body.kind, apiVersion: all.body.apiVersion, rv: all.body.metadata.resourceVersion }, { kind: "PodList", apiVersion: "v1", rv: "4" });
        assert.deepEqual(names(all.body.items), ["a/p0", "a/p1", "a/p2", "b/p3"]);
        assert.equal(all.body.items[0].kind, undefined);
        assert.equal(all.body.items[0].status.podIP, "127.0.0.1");
        assert.deepEqual(names((await get("/api/v1/namespaces/b/pods")).body.items), ["b/p3"]);
    });

    it("pages by limit (capped by maxPageSize) as one consistent snapshot, and expires a continue token after compaction", async () => {
        const first = await get("/api/v1/pods?limit=3&resourceVersion=0");
        assert.deepEqual(names(first.body.items), ["a/p0", "a/p1"], "the server may return fewer than limit");
        assert.equal(first.body.metadata.remainingItemCount, 2);
        api.create(pod("a", "p1b"));
        api.delete("b", "p3");
        const second = await get(`/api/v1/pods?limit=3&continue=${encodeURIComponent(first.body.metadata.continue)}`);
        assert.deepEqual(names(second.body.items), ["a/p2", "b/p3"], "pages come from the first page's snapshot");
        assert.equal(second.body.metadata.resourceVersion, "4");
        assert.equal(second.body.metadata.continue, undefined);
        api.compact();
        const expired = await get(`/api/v1/pods?limit=3&continue=${encodeURIComponent(first.body.metadata.continue)}`);
        assert.deepEqual({ status: expired.status, kind: expired.body.kind, reason: expired.body.reason, code: expired.body.code }, { status: 410, kind: "Status", reason: "Expired", code: 410 });
    });

    it("watches from a resourceVersion (history, then live events), with bookmarks only when allowed", async () => {
        api.update(pod("a", "p1", { labels: { v: "2" } }));
        setTimeout(() => api.delete("a", "p2"), 200);
        const events = await watchEvents("/api/v1/namespaces/a/pods?resourceVersion=4");
        assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.name} ${e.object.metadata.resourceVersion}`), ["MODIFIED p1 5", "DELETED p2 6"]);
        assert.deepEqual({ kind: events[0].object.kind, apiVersion: events[0].object.apiVersion }, { kind: "Pod", apiVersion: "v1" }, "watch objects carry their kind");
        assert.equal(api.deliveredEvents().filter((e) => e.type === "BOOKMARK").length, 0);
    });

    it("a watch from a compacted resourceVersion gets an ERROR event with a 410 Status", async () => {
        api.create(pod("a", "p4"));
        api.compact();
        const events = await watchEvents("/api/v1/pods?resourceVersion=3&allowWatchBookmarks=true");
        assert.deepEqual(events.map((e) => [e.type, e.object.kind, e.object.code, e.object.reason]), [["ERROR", "Status", 410, "Expired"]]);
        assert.deepEqual((await watchEvents("/api/v1/pods?resourceVersion=5")).length, 0, "from the compaction point on, nothing is lost");
    });

    it("watch-list: the current state as ADDED, then a bookmark marking the end of the initial events", async () => {
        const events = await watchEvents("/api/v1/namespaces/a/pods?sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true");
        assert.deepEqual(events.slice(0, 4).map((e) => `${e.type} ${e.object.metadata.name ?? ""}`), ["ADDED p0", "ADDED p1", "ADDED p2", "BOOKMARK "]);
        assert.deepEqual(events[3].object.metadata, { resourceVersion: "4", annotations: { [INITIAL_EVENTS_END_ANNOTATION]: "true" } });
        const refused = await get("/api/v1/pods?watch=true&sendInitialEvents=true");
        assert.equal(refused.status, 422, "sendInitialEvents needs resourceVersionMatch=NotOlderThan and bookmarks");
    });

    it("refuses, and records, what it does not implement: selectors, other resources, writes", async () => {
        assert.equal((await get("/api/v1/pods?labelSelector=app%3Dx")).status, 400);
        assert.equal((await get("/api/v1/namespaces/a/services")).status, 404);
        assert.equal((await get("/version")).status, 404);
        const post = await loopbackRequest({ method: "POST", url: `${api.url}/api/v1/namespaces/a/pods`, body: "{}" });
        assert.equal(post.status, 405);
        assert.deepEqual(api.requests().map((r) => `${r.kind} ${r.status}`), ["unserved 400", "unserved 404", "unserved 404", "unserved 405"]);
    });

    it("stores only pods of a valid shape (podObject builds them; assertPodShape checks every write)", () => {
        const good = pod("a", "ok", { containers: [{ name: "app", ports: [{ name: "http", containerPort: 80 }] }, { name: "kuma-sidecar", init: true, sidecar: true }] });
        assert.equal(good.spec.initContainers?.[0].restartPolicy, "Always");
        assert.deepEqual(good.status.podIPs, [{ ip: "127.0.0.1" }]);
        const broken = (edit: (p: any) => void, message: RegExp) => {
            const p: any = structuredClone(good);
            edit(p);
            assert.throws(() => assertPodShape(p), message);
            assert.throws(() => api.create(p), message);
        };
        broken((p) => (p.metadata.name = "Not_A_Name"), /metadata.name/);
        broken((p) => p.spec.containers.push({ name: "kuma-sidecar", image: "x" }), /used twice/);
        broken((p) => (p.spec.containers[0].ports[0].containerPort = 70000), /not 1-65535/);
        broken((p) => (p.spec.containers[0].ports[0].name = "http_port"), /IANA_SVC_NAME/);
        broken((p) => (p.status.podIPs = [{ ip: "127.0.0.2" }]), /podIPs\[0\]/);
        broken((p) => (p.status.phase = "Started"), /status.phase/);
        broken((p) => (p.metadata.labels = { "kuma.io/mesh": "has space" }), /label value/);
        assert.throws(() => api.create(pod("a", "p1")), /already exists/);
        assert.throws(() => api.update(pod("a", "nope")), /not found/);
    });
});
