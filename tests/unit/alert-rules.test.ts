import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { GLOBAL_RULES_FILE, globalAlertRules, renderGlobalAlertRules, renderZoneAlertRules, RULES_MOUNT_DIR, ZONE_RULES_FILE } from "../../components/prometheus/alert-rules";
import { evaluateEnvironment } from "../../infra/plan/evaluate-environment";
import { podPrometheusConfig, withPrometheusPod } from "../support/rendered-pod";
import { file as planFile, one, revealed } from "../support/plan-access";
import { PROMTOOL_BIN, promtoolCheckConfig } from "../support/prometheus-process";
import { renderPrometheusYaml, swapKumaSdForHttpSd } from "../support/swap-discovery";

/**
 * The alert rules, evaluated by the real promtool (`promtool check rules` and `promtool test rules`
 * with input series and expected alerts, firing and not firing), as Prometheus would evaluate them.
 */

function promtool(files: Record<string, string>, args: string[]): { ok: boolean; output: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rules-"));
    try {
        for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
        const r = spawnSync(PROMTOOL_BIN, args, { cwd: dir, encoding: "utf8", timeout: 30_000 });
        return { ok: r.status === 0, output: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? r.error.message : ""}` };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const ZONES = ["east", "west", "north"];
const stopped = (zone: string, window = "5m") => ({
    exp_labels: { severity: "critical", zone, job: "prometheus" },
    exp_annotations: {
        summary: `Zone ${zone} sends no metrics to the global Prometheus`,
        description: `No sample of zone ${zone}'s own Prometheus (up{job="prometheus", zone="${zone}"}) arrived in the last ${window}: the zone Prometheus is down, cannot reach the global, or is rejected. The zone keeps the unsent samples in its WAL for at least ~6h at the default zone size (100k series; less for bigger zones, docs/operations.md, Troubleshooting), then loses the whole backlog.`,
    },
});

describe("alert rules (promtool)", function () {
    this.timeout(60_000);

    it("renders valid rule files (`promtool check rules`)", () => {
        const r = promtool({ "g.yml": renderGlobalAlertRules({ zones: ZONES }), "z.yml": renderZoneAlertRules({ zone: "east" }) }, ["check", "rules", "g.yml", "z.yml"]);
        assert.ok(r.ok, r.output);
        assert.match(r.output, /SUCCESS: 4 rules found/);
        assert.match(r.output, /SUCCESS: 1 rules found/);
    });

    it("global: a zone that stops sending fires ZoneStoppedSending and ZoneSendingLate; a sending zone never does; a configured zone that never sent fires", () => {
        // Remote-written self-scrape series, one sample per 15s: east keeps sending for 20m, west stops after 5m.
        const tests = {
            rule_files: ["global-alerts.yml"],
            evaluation_interval: "15s",
            tests: [
                {
                    interval: "15s",
                    input_series: [
                        { series: 'up{job="prometheus", zone="east", instance="localhost:9090"}', values: "1x80" },
                        { series: 'up{job="prometheus", zone="west", instance="localhost:9090"}', values: "1x20" },
                    ],
                    alert_rule_test: [
                        // 4m: west's last sample (5m) is in the future; only north, which never sent, fires.
                        { eval_time: "4m", alertname: "ZoneStoppedSending", exp_alerts: [stopped("north")] },
                        { eval_time: "4m", alertname: "ZoneSendingLate", exp_alerts: [] },
                        // 9m: west silent for 4m < 5m window: not yet.
                        { eval_time: "9m", alertname: "ZoneStoppedSending", exp_alerts: [stopped("north")] },
                        // 11m: west silent for 6m (past the 5m lookback, where `up` itself has vanished): fires.
                        { eval_time: "11m", alertname: "ZoneStoppedSending", exp_alerts: [stopped("west"), stopped("north")] },
                        {
                            eval_time: "11m",
                            alertname: "ZoneSendingLate",
                            exp_alerts: [
                                {
                                    exp_labels: { severity: "critical", zone: "west" },
                                    exp_annotations: {
                                        summary: "Zone west has sent nothing for 6m 0s",
                                        description: "The newest sample from zone west is older than 300s (checked over the last hour, so it keeps firing after the series goes out of the 5m lookback).",
                                    },
                                },
                            ],
                        },
                    ],
                },
            ],
        };
        const r = promtool({ "global-alerts.yml": renderGlobalAlertRules({ zones: ZONES }), "test.yml": stringify(tests) }, ["test", "rules", "test.yml"]);
        assert.ok(r.ok, r.output);
    });

    it("global: a zone removed on purpose (no longer in zones) pages for nothing, though its last samples stay; while declared, the same silence pages", () => {
        // south sent for 5m, then was revoked (its writes get 401) and removed from zones; east keeps sending.
        const input_series = [
            { series: 'up{job="prometheus", zone="east", instance="localhost:9090"}', values: "1x80" },
            { series: 'up{job="prometheus", zone="south", instance="localhost:9090"}', values: "1x20" },
        ];
        const late = (zone: string) => ({
            exp_labels: { severity: "critical", zone },
            exp_annotations: {
                summary: `Zone ${zone} has sent nothing for 15m 0s`,
                description: "The newest sample from zone " + zone + " is older than 300s (checked over the last hour, so it keeps firing after the series goes out of the 5m lookback).",
            },
        });
        const run = (zones: string[], expected: { stopped: object[]; late: object[] }) => {
            const tests = {
                rule_files: ["global-alerts.yml"],
                evaluation_interval: "15s",
                tests: [
                    {
                        interval: "15s",
                        input_series,
                        alert_rule_test: [
                            // 20m: south silent for 15m, well inside ZoneSendingLate's 1h look-back.
                            { eval_time: "20m", alertname: "ZoneStoppedSending", exp_alerts: expected.stopped },
                            { eval_time: "20m", alertname: "ZoneSendingLate", exp_alerts: expected.late },
                        ],
                        // Its samples are still there: the silence is not for lack of data.
                        promql_expr_test: [{ expr: 'count_over_time(up{zone="south"}[1h])', eval_time: "20m", exp_samples: [{ labels: '{instance="localhost:9090", job="prometheus", zone="south"}', value: 21 }] }],
                    },
                ],
            };
            return promtool({ "global-alerts.yml": renderGlobalAlertRules({ zones }), "test.yml": stringify(tests) }, ["test", "rules", "test.yml"]);
        };
        const removed = run(["east"], { stopped: [], late: [] });
        assert.ok(removed.ok, removed.output);
        // Control: the same series with south still declared page twice, so the quiet result above is the zone list's doing.
        const declared = run(["east", "south"], { stopped: [stopped("south")], late: [late("south")] });
        assert.ok(declared.ok, declared.output);
        assert.match(renderGlobalAlertRules({ zones: ["east"] }), /zone=~"east"/);
    });

    it("zone: remote write stuck for longer than 120s for 5m fires ZoneRemoteWriteLagging; a healthy queue does not", () => {
        const url = "http://global.example/api/v1/write";
        // highest appended timestamp follows the clock; the sent one follows it, then sticks at 150s (receiver gone at 2.5m).
        const appended = { series: 'prometheus_remote_storage_highest_timestamp_in_seconds{job="prometheus", instance="localhost:9090"}', values: "0+15x60" };
        const tests = {
            rule_files: ["zone-alerts.yml"],
            evaluation_interval: "15s",
            tests: [
                {
                    interval: "15s",
                    input_series: [
                        appended,
                        { series: `prometheus_remote_storage_queue_highest_sent_timestamp_seconds{job="prometheus", instance="localhost:9090", remote_name="global", url="${url}"}`, values: "0+15x10 150x50" },
                    ],
                    alert_rule_test: [
                        // lag passes 120s at 4.5m; pending until 9.5m.
                        { eval_time: "8m", alertname: "ZoneRemoteWriteLagging", exp_alerts: [] },
                        {
                            eval_time: "11m",
                            alertname: "ZoneRemoteWriteLagging",
                            exp_alerts: [
                                {
                                    exp_labels: { severity: "warning", zone: "east", job: "prometheus", instance: "localhost:9090", remote_name: "global", url },
                                    exp_annotations: {
                                        summary: "Zone east remote write to global is 8m 30s behind",
                                        description: `The newest sample sent to ${url} is more than 120s older than the newest sample appended, for 5m. Samples are kept in the WAL and sent once the receiver accepts them; an outage longer than the WAL keeps them (at least ~6h at the default zone size, less for bigger zones) loses the whole backlog.`,
                                    },
                                },
                            ],
                        },
                    ],
                },
                {
                    interval: "15s",
                    input_series: [
                        appended,
                        // Healthy: at most one batch deadline (5s) behind.
                        { series: `prometheus_remote_storage_queue_highest_sent_timestamp_seconds{job="prometheus", instance="localhost:9090", remote_name="global", url="${url}"}`, values: "0+15x60" },
                    ],
                    alert_rule_test: [{ eval_time: "14m", alertname: "ZoneRemoteWriteLagging", exp_alerts: [] }],
                },
            ],
        };
        const r = promtool({ "zone-alerts.yml": renderZoneAlertRules({ zone: "east" }), "test.yml": stringify(tests) }, ["test", "rules", "test.yml"]);
        assert.ok(r.ok, r.output);
    });

    it("refuses bad settings, naming them", () => {
        assert.throws(() => globalAlertRules({ zones: ["east", "east"] }), /zones: "east" is listed twice/);
        assert.throws(() => globalAlertRules({ zones: ["East"] }), /not a DNS label/);
    });

    it("with no zone list, the global still gets the zone-agnostic ZoneSendingLate", () => {
        assert.deepEqual(globalAlertRules({ zones: [] }).map((r) => r.alert), ["ZoneSendingLate"]);
    });

    describe("wired into the shipped environments", () => {
        const rulesMounted = (ev: Awaited<ReturnType<typeof evaluateEnvironment>>["stacks"][number], component: string, fileName: string) => {
            const values = revealed(one(ev, "kubernetes:helm.sh/v4:Chart", `${component}-chart`)).values;
            assert.deepEqual(values.server.extraConfigmapMounts, [{ name: "rules", mountPath: RULES_MOUNT_DIR, subPath: "", configMap: `${component}-rules`, readOnly: true }], ev.stack);
            assert.match(values.server.podAnnotations["meshobs.io/rules-sha256"], /^[0-9a-f]{64}$/, "a rules change rolls the pod");
            // The rendered pod laid out (rendered-pod.ts): the rules ConfigMap where the glob finds it, so promtool loads and checks the rules too.
            withPrometheusPod(ev, component, (pod) => {
                const cfg = podPrometheusConfig(pod);
                assert.deepEqual(cfg.rule_files, [`${pod.local(RULES_MOUNT_DIR)}/*.yml`], ev.stack);
                assert.equal(pod.files.get(`${RULES_MOUNT_DIR}/${fileName}`), planFile(ev, "prometheus", fileName));
                const r = promtoolCheckConfig(renderPrometheusYaml(swapKumaSdForHttpSd(cfg, () => "http://127.0.0.1:9/targets")));
                assert.ok(r.ok, `${ev.stack}: ${r.output}`);
                assert.match(r.output, /SUCCESS: \d+ rules found/, r.output);
            });
        };

        it("local: the global and every zone (servers) mount and load their rule file", async () => {
            const env = await evaluateEnvironment("local");
            rulesMounted(env.stacks[0], "global-prometheus", GLOBAL_RULES_FILE);
            for (const zone of env.stacks.slice(1)) {
                rulesMounted(zone, "zone-prometheus", ZONE_RULES_FILE);
                assert.match(planFile(zone, "prometheus", ZONE_RULES_FILE), /alert: ZoneRemoteWriteLagging/);
            }
        });

        it("cloud: a zone in agent mode gets no rule file and no rule_files (agents refuse them)", async () => {
            const env = await evaluateEnvironment("cloud");
            const agent = env.stacks.find((s) => s.stack === "cloud-zone-us-east-1")!;
            assert.equal(agent.resources.filter((r) => r.type === "kubernetes:core/v1:ConfigMap" && r.name === "zone-prometheus-rules").length, 0);
            assert.equal(withPrometheusPod(agent, "zone-prometheus", podPrometheusConfig).rule_files, undefined);
        });
    });
});
