import { strict as assert } from "assert";
import * as fs from "fs";
import { BasicAuth, loopbackRequest, waitFor } from "../support/loopback-http";
import { MetricsEndpoint, startMetricsEndpoint } from "../support/metrics-endpoint";
import { LocalGlobal, startGeneratedGlobal, zoneWriters } from "../support/generated-global";
import { LocalZone, startGeneratedZone } from "../support/generated-zone";
import { PROMETHEUS_BIN, stopAllPrometheus } from "../support/prometheus-process";
import { RenderedEnvironment, renderedShippedEnvironments, renderRelease } from "../support/rendered-environments";
import { flagValue, materializeContainer } from "../support/rendered-pod";

/**
 * Pod emulation: `local`'s global and zone-east Prometheus started from their rendered StatefulSets
 * (what Helm made of our values: container args, mounted ConfigMaps and Secrets), on the 3.5 binary
 * (PROMETHEUS_BIN), not from flags a test assembles, through the path every real-Prometheus test
 * takes (generated-global.ts, generated-zone.ts → rendered-pod.ts). The only changes are the
 * harness's loopback ones.
 */
describe(`rendered pods: local's global and zone Prometheus from their StatefulSets (${PROMETHEUS_BIN})`, function () {
    this.timeout(300_000);
    let env: RenderedEnvironment;
    let global: LocalGlobal;
    let zone: LocalZone;
    let writer: BasicAuth;
    const endpoints: MetricsEndpoint[] = [];

    before(async () => {
        env = (await renderedShippedEnvironments()).find((e) => e.env === "local")!;
        const [g, east] = env.stacks;
        // Zone east's own credential (its secret output on the global), which its rendered Secret carries.
        writer = zoneWriters(g.evaluation).east;
        global = await startGeneratedGlobal(g.evaluation, "rendered-global");
        const dp = await startMetricsEndpoint({ path: "/metrics", metrics: (n) => `# TYPE envoy_cluster_upstream_rq_total counter\nenvoy_cluster_upstream_rq_total{envoy_cluster_name="upstream"} ${n}\n` });
        const cp = await startMetricsEndpoint({ path: "/metrics", metrics: () => `# TYPE cp_info gauge\ncp_info{instance_id="cp-east"} 1\n` });
        endpoints.push(dp, cp);
        zone = await startGeneratedZone({
            zoneEv: east.evaluation,
            name: "rendered-zone-east",
            assignments: [{ mesh: "default", service: "web", labels: {}, targets: [{ name: "web-0", scheme: "http", address: dp.address, metrics_path: "/metrics", labels: { "kuma.io/service": "web" } }] }],
            controlPlaneAddress: cp.address,
            receiverBase: global.receiverBase,
            receiverUrl: global.global.url,
        });
    });

    after(async () => {
        await stopAllPrometheus();
        await zone?.stopDiscovery();
        await Promise.all(endpoints.map((e) => e.stop()));
    });

    it("a release rendered alone (renderRelease, what the harness runs) is the release of the whole render, with the stack's own objects", () => {
        for (const [i, release] of [[0, "global-prometheus"], [1, "zone-prometheus"]] as const) {
            const whole = env.stacks[i];
            const alone = renderRelease(whole.evaluation, `${release}-chart`);
            assert.ok(whole.manifests.groups.some((gr) => gr.from !== undefined && gr.name !== release), `${whole.stack} has other releases`);
            for (const gr of whole.manifests.groups) {
                const same = alone.manifests.groups.find((a) => a.name === gr.name);
                if (gr.name === release) assert.deepEqual(same?.objects, gr.objects, `${whole.stack}: ${release}, own objects and rendered, as in the whole render`);
                // Any other group: the stack's own objects (a group holds them before its release's), and no release rendered.
                else assert.deepEqual(same?.objects ?? [], gr.objects.slice(0, same?.objects.length ?? 0), `${whole.stack}: ${gr.name}`);
                if (gr.name !== release && gr.from !== undefined) assert.equal(same?.from, undefined, `${gr.name} is not rendered`);
            }
            assert.equal(alone.manifests.groups.length <= whole.manifests.groups.length, true);
            assert.equal(renderRelease(whole.evaluation, `${release}-chart`), alone, "memoised: the same evaluation renders once");
        }
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
        const anonymous = await loopbackRequest({ url: `${global.global.url}/api/v1/status/buildinfo`, timeoutMs: 5000 });
        assert.equal(anonymous.status, 401);
        const authed = await loopbackRequest({ url: `${global.global.url}/api/v1/status/buildinfo`, auth: writer, timeoutMs: 5000 });
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
                const r = await global.global.query(`envoy_cluster_upstream_rq_total{zone="east"}`, writer);
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
                const r = await global.global.query(`cp_info{zone="east"}`, writer);
                return r.length > 0 ? r : undefined;
            },
            { timeoutMs: 90_000, intervalMs: 500 },
        );
        assert.equal(cp[0].metric.instance_id, "cp-east");
    });
});
