import { strict as assert } from "assert";
import { remoteReadConfigs } from "../../components/prometheus/remote-read";
import { upstreamYaml } from "../support/upstream";

describe("global remote read", () => {
    it("reads each zone's …/api/v1/read with read_recent (default false) and without filtering by the global's labels", () => {
        const rr = remoteReadConfigs([
            { zone: "east", url: "http://zone-prometheus.obs-east.svc.cluster.local/api/v1/read" },
            { zone: "west", url: "https://prom-west.example.com/api/v1/read", readRecent: true },
        ]);
        assert.deepEqual(rr, [
            { name: "zone-east", url: "http://zone-prometheus.obs-east.svc.cluster.local/api/v1/read", remote_timeout: "1m", read_recent: false, filter_external_labels: false },
            { name: "zone-west", url: "https://prom-west.example.com/api/v1/read", remote_timeout: "1m", read_recent: true, filter_external_labels: false },
        ]);
    });

    it("upstream's known-good configs spell the remote_read fields they show as we do", () => {
        for (const dir of ["prometheus-2.42.0", "prometheus-3.14.0"]) {
            const fields = new Set((upstreamYaml(dir, "conf.good.yml").remote_read as any[]).flatMap((e) => Object.keys(e)));
            for (const f of ["name", "url", "read_recent"]) assert.ok(fields.has(f), `${dir}: ${f}`);
        }
    });

    it("refuses URLs that are not a read endpoint, duplicate zones, empty lists and non-boolean readRecent", () => {
        assert.throws(() => remoteReadConfigs([{ zone: "east", url: "http://a:9090" }]), /remoteRead\[0\]\.url: "http:\/\/a:9090" is not a remote-read endpoint; allowed: http\(s\):\/\/host\[:port\]\/…\/api\/v1\/read/);
        assert.throws(() => remoteReadConfigs([{ zone: "east", url: "http://a/api/v1/read" }, { zone: "east", url: "http://b/api/v1/read" }]), /remoteRead\[1\]\.zone: duplicate zone "east"/);
        assert.throws(() => remoteReadConfigs([]), /remoteRead: empty; allowed: unset, or at least one \{zone, url, readRecent\?\}$/);
        assert.throws(() => remoteReadConfigs([{ zone: "east", url: "http://a/api/v1/read", readRecent: "yes" as any }]), /remoteRead\[0\]\.readRecent: "yes" is not a boolean/);
        assert.doesNotThrow(() => remoteReadConfigs([{ zone: "east", url: "http://mimir/prometheus/api/v1/read" }]));
    });
});
