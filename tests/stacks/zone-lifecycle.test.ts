import { strict as assert } from "assert";
import * as path from "path";
import { evaluateStack, PlannedOutput, PlannedResource, StackEvaluation } from "../../infra/plan/evaluate-stack";
import { environmentStacks, StackFile } from "../../infra/plan/stack-files";

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
