import { strict as assert } from "assert";
import { ZONE_REMOTE_WRITE_METADATA } from "../../components/prometheus/remote-write-queue";
import { backendRemoteWriteProtocol, DEFAULT_REMOTE_WRITE_PROTOCOL, receiverProtocolFlags, remoteWriteProtocolFields } from "../../components/prometheus/remote-write-protocol";
import { buildZonePrometheusConfig, renderZonePrometheusConfig } from "../../components/prometheus/zone-config";
import { evaluateEnvironment, EnvironmentEvaluation } from "../../infra/plan/evaluate-environment";
import { one, output, revealed, yamlFile } from "../support/plan-access";
import { testStack } from "../support/stack-file";
import { zoneSettings } from "../support/fixtures";

const V1 = "prometheus.WriteRequest";
const V2 = "io.prometheus.write.v2.Request";
const FLAG = "web.remote-write-receiver.accepted-protobuf-messages";
const CHART = "kubernetes:helm.sh/v4:Chart";

const remoteWriteOf = (protocol?: "1.0" | "2.0") => (buildZonePrometheusConfig(zoneSettings({ remoteWrite: { ...zoneSettings().remoteWrite!, ...(protocol ? { protocol } : {}) } as any })) as any).remote_write[0];

describe("remote-write protocol (1.0 / 2.0) builders", () => {
    it("2.0: the zone sends io.prometheus.write.v2.Request and turns metadata_config.send off (2.0 carries metadata per series)", () => {
        const rw = remoteWriteOf("2.0");
        assert.equal(rw.protobuf_message, V2);
        assert.deepEqual(rw.metadata_config, { ...ZONE_REMOTE_WRITE_METADATA, send: false });
        assert.deepEqual(rw.basic_auth, { username: "zone-writer", password_file: "/etc/prometheus/secrets/remote-write/remote-write-password" });
    });

    it("1.0 (and unset): no protobuf_message key at all, which Prometheus 2.42 would refuse; metadata sent as before", () => {
        for (const rw of [remoteWriteOf("1.0"), remoteWriteOf()]) {
            assert.ok(!("protobuf_message" in rw));
            assert.deepEqual(rw.metadata_config, { ...ZONE_REMOTE_WRITE_METADATA });
            assert.equal(rw.metadata_config.send, true);
        }
        assert.ok(!/protobuf_message/.test(renderZonePrometheusConfig(zoneSettings())));
    });

    it("refuses an unknown protocol, naming the setting and the allowed values", () => {
        assert.throws(() => remoteWriteOf("3.0" as any), /remoteWrite\.protocol: "3\.0" is not a remote-write protocol; allowed: 2\.0, 1\.0/);
        assert.throws(() => receiverProtocolFlags("v2" as any, "globalPrometheus.remoteWriteProtocol"), /globalPrometheus\.remoteWriteProtocol: "v2" is not a remote-write protocol; allowed: 2\.0, 1\.0/);
        assert.throws(() => remoteWriteProtocolFields("2" as any, {}), /remoteWrite\.protocol: "2"/);
    });

    it("the receiver accepts both messages under 2.0 (zones still on 1.0 keep landing), only 1.0 under 1.0; one flag per message", () => {
        assert.deepEqual(receiverProtocolFlags("2.0"), [`${FLAG}=${V1}`, `${FLAG}=${V2}`]);
        assert.deepEqual(receiverProtocolFlags("1.0"), [`${FLAG}=${V1}`]);
    });

    it("AMP and Mimir get 1.0 whatever the global Prometheus setting says; the global Prometheus gets its setting", () => {
        assert.equal(DEFAULT_REMOTE_WRITE_PROTOCOL, "2.0");
        for (const configured of ["1.0", "2.0"] as const) {
            assert.equal(backendRemoteWriteProtocol("amp", configured), "1.0");
            assert.equal(backendRemoteWriteProtocol("mimir", configured), "1.0");
            assert.equal(backendRemoteWriteProtocol("prometheus", configured), configured);
        }
    });
});

describe("remote-write protocol across stacks (offline plan)", function () {
    this.timeout(120_000);
    const zone = (env: string) => testStack(`${env}-zone-a`, { mesh: { version: "2.14.3" } });
    const plan = (env: string, global: Record<string, unknown>, secure: string[] = []) => evaluateEnvironment(env, { files: [testStack(`${env}-global`, { zones: ["a"], ...global }, secure), zone(env)] });
    const stackOf = (e: EnvironmentEvaluation, suffix: string) => e.stacks.find((s) => s.stack.endsWith(suffix))!;
    const flagsOf = (e: EnvironmentEvaluation) => revealed(one(stackOf(e, "-global"), CHART, "global-prometheus-chart")).values.server.extraFlags as string[];
    const zoneRw = (e: EnvironmentEvaluation) => yamlFile(stackOf(e, "-zone-a"), "prometheus", "prometheus.yml").remote_write[0];

    let byDefault: EnvironmentEvaluation;
    let pinned: EnvironmentEvaluation;
    let mimir: EnvironmentEvaluation;
    before(async () => {
        byDefault = await plan("rwpd", {});
        // An unquoted 1.0 in a stack file arrives as the number 1.
        pinned = await plan("rwpo", { globalPrometheus: { remoteWriteProtocol: 1 } });
        mimir = await plan("rwpm", { metrics: { backend: "mimir", mimir: { storage: { type: "s3", bucket: "b-mimir", region: "eu-west-1" } } }, globalPrometheus: { remoteWriteProtocol: "2.0" } }, ["s3AccessKeyId", "s3SecretAccessKey"]);
    });

    it("default: the global accepts both messages and exports 2.0; its zones send 2.0", () => {
        assert.equal(output(stackOf(byDefault, "-global"), "remoteWriteProtocol"), "2.0");
        const flags = flagsOf(byDefault);
        assert.ok(flags.includes("web.enable-remote-write-receiver"));
        assert.deepEqual(flags.filter((f) => f.startsWith(FLAG)), [`${FLAG}=${V1}`, `${FLAG}=${V2}`]);
        assert.equal(zoneRw(byDefault).protobuf_message, V2);
        assert.equal(zoneRw(byDefault).metadata_config.send, false);
    });

    it("globalPrometheus.remoteWriteProtocol 1.0: the global accepts 1.0 only and its zones send 1.0", () => {
        assert.equal(output(stackOf(pinned, "-global"), "remoteWriteProtocol"), "1.0");
        assert.deepEqual(flagsOf(pinned).filter((f) => f.startsWith(FLAG)), [`${FLAG}=${V1}`]);
        assert.ok(!("protobuf_message" in zoneRw(pinned)));
    });

    it("Mimir (2.16, no 2.0): zones send 1.0 even with remoteWriteProtocol 2.0 set", () => {
        assert.equal(output(stackOf(mimir, "-global"), "remoteWriteProtocol"), "1.0");
        assert.ok(!("protobuf_message" in zoneRw(mimir)));
        assert.equal(zoneRw(mimir).metadata_config.send, true);
    });

    it("refuses an unknown protocol in the stack file, naming file, key and the allowed values", async () => {
        await assert.rejects(
            plan("rwpx", { globalPrometheus: { remoteWriteProtocol: "v2" } }),
            (e: Error) =>
                /stacks\/Pulumi\.rwpx-global\.yaml/.test(e.message) &&
                /mesh-observability:globalPrometheus\.remoteWriteProtocol: "v2" is not allowed; allowed: "2\.0", "1\.0"/.test(e.message),
        );
    });
});
