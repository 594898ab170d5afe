import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { GLOBAL_RULES_FILE } from "../../components/prometheus/alert-rules";
import { evaluateStack, PlannedOutput, PlannedResource, StackEvaluation } from "../../infra/plan/evaluate-stack";
import { environmentStacks, StackFile } from "../../infra/plan/stack-files";
import { file as planFile } from "../support/plan-access";
import { PROMTOOL_BIN } from "../support/prometheus-process";

/**
 * Adding a zone in one pull request: the global's `zones` and the new zone's stack file change
 * together, but the zone's preview reads the global's outputs as deployed (the old list).
 */
const GLOBAL = "organization/mesh-observability/local-global";
const files = (): StackFile[] => environmentStacks(path.join(__dirname, "..", "..", "stacks"), "local");
const refs = (outputs: Record<string, PlannedOutput>) => new Map([[GLOBAL, outputs]]);
const ours = (rs: readonly PlannedResource[]) => rs.filter((r) => r.type !== "pulumi:pulumi:StackReference").map((r) => `${r.type}::${r.name}`);

describe("a zone the global does not list yet (pull request adding a zone)", () => {
    let global: StackEvaluation;
    let east: StackFile;
    /** The global as deployed before the pull request: only west. */
    let oldOutputs: Record<string, PlannedOutput>;
    let declared: StackEvaluation;

    before(async () => {
        const [g, e] = files();
        east = e;
        global = await evaluateStack(g, new Map());
        oldOutputs = { ...global.outputs, zones: { value: ["west"], secret: false } };
        declared = await evaluateStack(east, refs(global.outputs), { preview: true });
    });

    it("preview warns, naming the global stack to `up` first, and shows everything the zone will create", async () => {
        const ev = await evaluateStack(east, refs(oldOutputs), { preview: true });
        const warning = ev.warnings.find((w) => w.includes("is not declared"));
        assert.ok(warning, JSON.stringify(ev.warnings));
        assert.match(warning, /^local-zone-east: zone "east" is not declared by organization\/mesh-observability\/local-global \(zones: west\) yet; /);
        assert.match(warning, /add it to mesh-observability:zones in stacks\/Pulumi\.local-global\.yaml and `pulumi up` organization\/mesh-observability\/local-global first/);
        // The rest of the preview: the same resources as once the global lists the zone.
        assert.ok(ours(ev.resources).length > 10);
        assert.deepEqual(ours(ev.resources), ours(declared.resources));
        assert.ok(ours(ev.resources).includes("meshobs:prometheus:ZonePrometheus::zone-prometheus"), ours(ev.resources).join("\n"));
        assert.deepEqual(ev.outputs.remoteWriteUrl, declared.outputs.remoteWriteUrl);
        // No such warning once the global lists it.
        assert.ok(!declared.warnings.some((w) => w.includes("is not declared")), JSON.stringify(declared.warnings));
    });

    it("up fails before any resource, with the same instruction", async () => {
        const seen: PlannedResource[] = [];
        await assert.rejects(
            evaluateStack(east, refs(oldOutputs), { onResource: (r) => seen.push(r) }),
            /zone "east" is not declared by organization\/mesh-observability\/local-global \(zones: west\); add it to mesh-observability:zones in stacks\/Pulumi\.local-global\.yaml and `pulumi up` organization\/mesh-observability\/local-global first/,
        );
        // Only the stack and its StackReference (reading the global) were registered; nothing of the zone's.
        assert.ok(seen.some((r) => r.type === "pulumi:pulumi:StackReference"), "the run got as far as reading the global");
        assert.deepEqual(seen.filter((r) => r.type !== "pulumi:pulumi:Stack" && r.type !== "pulumi:pulumi:StackReference"), []);
    });
});

/**
 * Removing a zone: its stack is destroyed first (`pulumi destroy` does not run the program, so the
 * global's list does not matter to it), then the global's `zones` drops it. What each step does to
 * the zone's alerts is evaluated by the real promtool on the rule files the global mounts.
 */
describe("removing a zone: zone stack destroyed, then the global's list", function () {
    this.timeout(60_000);
    let listed: StackEvaluation;
    let dropped: StackEvaluation;
    let west: StackFile;

    before(async () => {
        const [g, , w] = files();
        west = w;
        listed = await evaluateStack(g, new Map());
        dropped = await evaluateStack({ ...g, config: { ...g.config, "mesh-observability:zones": JSON.stringify(["east"]) } }, new Map());
    });

    it("the zone stack left behind cannot be updated once the global dropped it: `up` fails before any resource and says to destroy it first", async () => {
        assert.deepEqual(dropped.outputs.zones.value, ["east"]);
        const seen: PlannedResource[] = [];
        await assert.rejects(
            evaluateStack(west, refs(dropped.outputs), { onResource: (r) => seen.push(r) }),
            /zone "west" is not declared by organization\/mesh-observability\/local-global \(zones: east\); .*\(removing the zone instead\? `pulumi destroy` this stack before the global drops it\)/,
        );
        assert.deepEqual(seen.filter((r) => r.type !== "pulumi:pulumi:Stack" && r.type !== "pulumi:pulumi:StackReference"), []);
    });

    it("alerts: ZoneStoppedSending pages for the destroyed zone until the global drops it, then never; so does ZoneSendingLate (declared zones only)", () => {
        const rules = (ev: StackEvaluation) => planFile(ev, "prometheus", GLOBAL_RULES_FILE);
        assert.match(rules(listed), /ZoneStoppedSending[\s\S]*zone="west"/);
        assert.doesNotMatch(rules(dropped), /ZoneStoppedSending[\s\S]*zone="west"/);
        // Self-scrape series as the zones remote-write them (15 s apart): west's stack is destroyed at 10m, east keeps sending.
        const input_series = [
            { series: 'up{job="prometheus", zone="east", instance="localhost:9090"}', values: "1x400" },
            { series: 'up{job="prometheus", zone="west", instance="localhost:9090"}', values: "1x40" },
        ];
        const stoppedWest = [{ exp_labels: { severity: "critical", zone: "west", job: "prometheus" }, exp_annotations: stoppedAnnotations("west") }];
        const late = (after: string) => [{ exp_labels: { severity: "critical", zone: "west" }, exp_annotations: { summary: `Zone west has sent nothing for ${after}`, description: "The newest sample from zone west is older than 300s (checked over the last hour, so it keeps firing after the series goes out of the 5m lookback)." } }];
        const run = (ruleText: string, tests: unknown[]) => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zone-removal-"));
            try {
                fs.writeFileSync(path.join(dir, GLOBAL_RULES_FILE), ruleText);
                fs.writeFileSync(path.join(dir, "test.yml"), stringify({ rule_files: [GLOBAL_RULES_FILE], evaluation_interval: "15s", tests: [{ interval: "15s", input_series, alert_rule_test: tests }] }));
                const r = spawnSync(PROMTOOL_BIN, ["test", "rules", "test.yml"], { cwd: dir, encoding: "utf8", timeout: 30_000 });
                return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        };
        // Between the destroy and the global's `up`: the global still lists west, so it pages after 5m of silence.
        const between = run(rules(listed), [
            { eval_time: "14m", alertname: "ZoneStoppedSending", exp_alerts: [] },
            { eval_time: "16m", alertname: "ZoneStoppedSending", exp_alerts: stoppedWest },
            { eval_time: "16m", alertname: "ZoneSendingLate", exp_alerts: late("6m 0s") },
        ]);
        assert.ok(between.ok, between.output);
        // After the global's `up`: no rule names west any more, and ZoneSendingLate looks only at declared zones (zone=~"<zones>"),
        // although its 1h subquery still holds steps whose 5m lookback reaches west's last sample.
        const afterwards = run(rules(dropped), [
            { eval_time: "16m", alertname: "ZoneStoppedSending", exp_alerts: [] },
            { eval_time: "16m", alertname: "ZoneSendingLate", exp_alerts: [] },
            { eval_time: "74m", alertname: "ZoneSendingLate", exp_alerts: [] },
            { eval_time: "76m", alertname: "ZoneSendingLate", exp_alerts: [] },
            { eval_time: "76m", alertname: "ZoneStoppedSending", exp_alerts: [] },
        ]);
        assert.ok(afterwards.ok, afterwards.output);
    });
});

/** ZoneStoppedSending's annotations, as the global renders them. */
function stoppedAnnotations(zone: string): Record<string, string> {
    return {
        summary: `Zone ${zone} sends no metrics to the global Prometheus`,
        description: `No sample of zone ${zone}'s own Prometheus (up{job="prometheus", zone="${zone}"}) arrived in the last 5m: the zone Prometheus is down, cannot reach the global, or is rejected. The zone keeps the unsent samples in its WAL for at least ~6h at the default zone size (100k series; less for bigger zones, docs/operations.md, Troubleshooting), then loses the whole backlog.`,
    };
}
