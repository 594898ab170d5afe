import { strict as assert } from "assert";
import { parse } from "yaml";
import { federationJobs, FederationSettings, validateMatchSelectors } from "../../components/prometheus/federation";
import { buildGlobalPrometheusConfig, renderGlobalPrometheusConfig } from "../../components/prometheus/global-config";

describe("global federation", () => {
    const fed = (over: Partial<FederationSettings> = {}): FederationSettings => ({
        zones: [
            { zone: "east", url: "http://zone-prometheus.obs-east.svc.cluster.local" },
            { zone: "west", url: "https://prom-west.example.com:8443" },
        ],
        match: ['{__name__=~"job:.*"}', 'up{job="kuma-control-plane"}'],
        scrapeInterval: "1m",
        ...over,
    });
    const global = (federation?: FederationSettings, remoteRead?: any) =>
        buildGlobalPrometheusConfig({ scrapeInterval: "30s", selfScrape: { username: "self", passwordFile: "/p" }, federation, remoteRead }) as any;

    it("adds one /federate job per zone with honor_labels, match[], explicit port and a zone target label", () => {
        const jobs = global(fed()).scrape_configs;
        assert.deepEqual(jobs.map((j: any) => j.job_name), ["prometheus", "federate-east", "federate-west"]);
        assert.deepEqual(jobs[1], {
            job_name: "federate-east",
            honor_labels: true,
            metrics_path: "/federate",
            params: { "match[]": ['{__name__=~"job:.*"}', 'up{job="kuma-control-plane"}'] },
            scrape_interval: "1m",
            scrape_timeout: "10s",
            scheme: "http",
            static_configs: [{ targets: ["zone-prometheus.obs-east.svc.cluster.local:80"], labels: { zone: "east" } }],
        });
        assert.equal(jobs[2].scheme, "https");
        assert.deepEqual(jobs[2].static_configs[0].targets, ["prom-west.example.com:8443"]);
    });

    it("keeps scrape_timeout within a short interval, and the global config unchanged without federation", () => {
        assert.equal(federationJobs(fed({ scrapeInterval: "5s" }))[0].scrape_timeout, "5s");
        const plain = global();
        assert.deepEqual(plain.scrape_configs.map((j: any) => j.job_name), ["prometheus"]);
        assert.ok(!("remote_read" in plain));
    });

    it("stores a zone's backlog within the out-of-order window; 0s or unset: no storage block; a bad window names the setting", () => {
        const base = { scrapeInterval: "30s", selfScrape: { username: "s", passwordFile: "/p" } };
        assert.deepEqual((buildGlobalPrometheusConfig({ ...base, outOfOrderTimeWindow: "3h" }) as any).storage, { tsdb: { out_of_order_time_window: "3h" } });
        assert.ok(!("storage" in buildGlobalPrometheusConfig({ ...base, outOfOrderTimeWindow: "0s" })));
        assert.ok(!("storage" in buildGlobalPrometheusConfig(base)));
        assert.throws(() => buildGlobalPrometheusConfig({ ...base, outOfOrderTimeWindow: "3 hours" }), /outOfOrderTimeWindow: "3 hours" is not a Prometheus duration; allowed: e\.g\. 6h, 90m, 0s \(off\)/);
    });

    it("renders match[] as YAML the way the federation doc writes it", () => {
        const text = renderGlobalPrometheusConfig({ scrapeInterval: "30s", selfScrape: { username: "s", passwordFile: "/p" }, federation: fed() });
        assert.deepEqual(parse(text).scrape_configs[1].params, { "match[]": ['{__name__=~"job:.*"}', 'up{job="kuma-control-plane"}'] });
        assert.doesNotMatch(text, /^\s*password:/m);
    });

    it("refuses empty or malformed selectors", () => {
        assert.throws(() => federationJobs(fed({ match: [] })), /federation\.match: empty; allowed: at least one instant-vector selector/);
        assert.throws(() => federationJobs(fed({ match: ["rate(x[5m])"] })), /federation\.match\[0\]: "rate\(x\[5m\]\)" is not an instant-vector selector/);
        assert.throws(() => federationJobs(fed({ match: ["up", "x[5m]"] })), /federation\.match\[1\]: "x\[5m\]" is not an instant-vector selector/);
        assert.throws(() => federationJobs(fed({ match: ["{}"] })), /federation\.match\[0\]: "\{\}" matches every series; allowed: at least one non-empty matcher/);
        assert.throws(() => federationJobs(fed({ match: ["up", " up "] })), /federation\.match\[1\]: " up " is listed twice/);
        assert.throws(() => federationJobs(fed({ match: [""] })), /federation\.match\[0\]: "" is not an instant-vector selector/);
        assert.doesNotThrow(() => validateMatchSelectors(["up", 'up{job="x"}', '{__name__=~"job:.*"}', "job:requests:rate5m"]));
    });

    it("refuses duplicate or invalid zones, no zones, and URLs that are not a bare http(s) origin", () => {
        const east = { zone: "east", url: "http://a:9090" };
        assert.throws(() => federationJobs(fed({ zones: [east, { ...east, url: "http://b:9090" }] })), /federation\.zones\[1\]\.zone: duplicate zone "east"; allowed: each zone once/);
        assert.throws(() => federationJobs(fed({ zones: [{ zone: "East_1", url: "http://a:9090" }] })), /federation\.zones\[0\]\.zone: "East_1" is not a DNS label/);
        assert.throws(() => federationJobs(fed({ zones: [] })), /federation\.zones: empty; allowed: at least one \{zone, url\}$/);
        assert.throws(() => federationJobs(fed({ zones: [{ zone: "east", url: "http://a:9090/federate" }] })), /federation\.zones\[0\]\.url: .* has a path, query or fragment; allowed: http\(s\):\/\/host\[:port\]/);
        assert.throws(() => federationJobs(fed({ zones: [{ zone: "east", url: "a:9090" }] })), /federation\.zones\[0\]\.url: "a:9090" uses a; allowed: http or https/);
        assert.throws(() => federationJobs(fed({ zones: [{ zone: "east", url: "http://u:p@a:9090" }] })), /carries credentials in the URL/);
        assert.throws(() => federationJobs(fed({ scrapeInterval: "1 minute" })), /federation\.scrapeInterval: "1 minute" is not a positive Prometheus duration/);
    });
});
