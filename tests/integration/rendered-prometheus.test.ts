import { strict as assert } from "assert";
import * as fs from "fs";
import { BasicAuth, loopbackRequest, waitFor } from "../support/loopback-http";
import { MetricsEndpoint, startMetricsEndpoint } from "../support/metrics-endpoint";
import { zoneWriters } from "../support/generated-global";
import { freePort } from "../support/ports";
import { PROMETHEUS_BIN, stopAllPrometheus } from "../support/prometheus-process";
import { RenderedEnvironment, renderedShippedEnvironments } from "../support/rendered-environments";
import { flagValue, materializeContainer, RenderedPrometheus, startRenderedPrometheus, startRenderedZonePrometheus } from "../support/rendered-pod";
import { rewriteAddresses } from "../support/swap-discovery";

/**
 * Pod emulation: `local`'s global and zone-east Prometheus started from their rendered StatefulSets
 * (what Helm made of our values: container args, mounted ConfigMaps and Secrets), on the 3.5 binary
 * (PROMETHEUS_BIN), not from flags a test assembles. The only changes are the harness's loopback ones.
 */
describe(`rendered pods: local's global and zone Prometheus from their StatefulSets (${PROMETHEUS_BIN})`, function () {
    this.timeout(300_000);
    let env: RenderedEnvironment;
    let global: RenderedPrometheus;
    let zone: RenderedPrometheus;
    let writer: BasicAuth;
    const endpoints: MetricsEndpoint[] = [];

    before(async () => {
        env = (await renderedShippedEnvironments()).find((e) => e.env === "local")!;
        const [g, east] = env.stacks;
        // Zone east's own credential (its secret output on the global), which its rendered Secret carries.
        writer = zoneWriters(g.evaluation).east;
        const globalPort = await freePort();
        global = await startRenderedPrometheus(g, "global-prometheus", {
            name: "rendered-global",
            port: globalPort,
            localise: (cfg) => rewriteAddresses(cfg, { "localhost:9090": `127.0.0.1:${globalPort}` }),
            readyAuth: writer,
        });
        const dp = await startMetricsEndpoint({ path: "/metrics", metrics: (n) => `# TYPE envoy_cluster_upstream_rq_total counter\nenvoy_cluster_upstream_rq_total{envoy_cluster_name="upstream"} ${n}\n` });
        const cp = await startMetricsEndpoint({ path: "/metrics", metrics: () => `# TYPE cp_info gauge\ncp_info{instance_id="cp-east"} 1\n` });
        endpoints.push(dp, cp);
        zone = await startRenderedZonePrometheus(east, {
            name: "rendered-zone-east",
            assignments: [{ mesh: "default", service: "web", labels: {}, targets: [{ name: "web-0", scheme: "http", address: dp.address, metrics_path: "/metrics", labels: { "kuma.io/service": "web" } }] }],
            controlPlaneAddress: cp.address,
            receiverUrl: global.prometheus.url,
        });
    });

    after(async () => {
        await stopAllPrometheus();
        await zone?.dispose();
        await global?.dispose();
        await Promise.all(endpoints.map((e) => e.stop()));
    });

    it("materialises a container's mounts from the rendered ConfigMaps and Secrets, and remaps mount paths in args and files", () => {
        const pod = materializeContainer(env.stacks[1], "StatefulSet", "zone-prometheus", "prometheus-server");
        const root = pod.root;
        try {
            const config = flagValue(pod.args, "config.file")!;
            assert.equal(config, `${pod.root}/etc/config/prometheus.yml`);
            const text = fs.readFileSync(config, "utf8");
            assert.ok(text.includes(`password_file: ${pod.root}/etc/prometheus/secrets/remote-write/remote-write-password`), text);
            assert.ok(text.includes(`${pod.root}/etc/prometheus/rules/*.yml`), text);
            const cm = env.stacks[1].objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "zone-prometheus-config") as any;
            assert.equal(text, String(cm.data["prometheus.yml"]).split("/etc/prometheus/").join(`${pod.root}/etc/prometheus/`));
            const secret = env.stacks[1].objects.find((o) => o.kind === "Secret" && o.metadata.name === "zone-prometheus-remote-write") as any;
            assert.equal(fs.readFileSync(pod.local("/etc/prometheus/secrets/remote-write/remote-write-password"), "utf8"), secret.stringData["remote-write-password"]);
            assert.equal(fs.statSync(pod.local("/etc/prometheus/secrets/remote-write/remote-write-password")).mode & 0o777, 0o600);
        } finally {
            pod.dispose();
        }
        assert.ok(!fs.existsSync(root), "dispose removes the pod root");
    });

    it("the zone runs with the rendered container's own flags (retention, lifecycle, WAL segment size)", () => {
        const stsArgs = (env.stacks[1].objects.find((o) => o.kind === "StatefulSet" && o.metadata.name === "zone-prometheus") as any).spec.template.spec.containers.find((c: any) => c.name === "prometheus-server").args as string[];
        for (const flag of ["--storage.tsdb.retention.time=1d", "--web.enable-lifecycle", "--storage.tsdb.wal-segment-size=256MB"]) {
            assert.ok(stsArgs.includes(flag), `${flag} in the rendered StatefulSet: ${stsArgs.join(" ")}`);
            assert.ok(zone.args.includes(flag), `${flag} passed to the process: ${zone.args.join(" ")}`);
        }
        assert.ok(zone.prometheus.logs().includes("--storage.tsdb.wal-segment-size=256MB"), "the process command line");
    });

    it("the global enforces the rendered web config: no credential, 401; the zones' credential from the rendered Secret, 200", async () => {
        assert.ok(global.args.some((a) => a.startsWith("--web.config.file=") && a.includes(global.pod.root)), global.args.join(" "));
        const anonymous = await loopbackRequest({ url: `${global.prometheus.url}/api/v1/status/buildinfo`, timeoutMs: 5000 });
        assert.equal(anonymous.status, 401);
        const authed = await loopbackRequest({ url: `${global.prometheus.url}/api/v1/status/buildinfo`, auth: writer, timeoutMs: 5000 });
        assert.equal(authed.status, 200);
    });

    it("the zone loads the rule files of its rendered rules ConfigMap", async () => {
        const rules = await zone.prometheus.apiGet<{ groups: Array<{ name: string; rules: unknown[] }> }>("/api/v1/rules");
        const cm = env.stacks[1].objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "zone-prometheus-rules") as any;
        assert.ok(Object.keys(cm.data).length > 0);
        assert.ok(rules.groups.length > 0 && rules.groups.every((g) => g.rules.length > 0), JSON.stringify(rules.groups.map((g) => g.name)));
    });

    it("dataplane and control plane series from the zone arrive on the global, authenticated with the rendered password file, labelled zone=east", async () => {
        const series = await waitFor(
            "envoy series from east on the global",
            async () => {
                const r = await global.prometheus.query(`envoy_cluster_upstream_rq_total{zone="east"}`, writer);
                return r.length > 0 ? r : undefined;
            },
            { timeoutMs: 90_000, intervalMs: 500 },
        );
        assert.equal(series[0].metric.dataplane, "web-0");
        assert.equal(series[0].metric.mesh, "default");
        assert.equal(series[0].metric.environment, "local");
        const cp = await waitFor(
            "control plane series from east on the global",
            async () => {
                const r = await global.prometheus.query(`cp_info{zone="east"}`, writer);
                return r.length > 0 ? r : undefined;
            },
            { timeoutMs: 90_000, intervalMs: 500 },
        );
        assert.equal(cp[0].metric.instance_id, "cp-east");
    });
});
