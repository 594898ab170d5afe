import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import { globalConfigSchema } from "../../infra/config/global-schema";
import { zoneConfigSchema } from "../../infra/config/zone-schema";
import { evaluateEnvironment, PROJECT_ROOT } from "../../infra/plan/evaluate-environment";

// docs/configuration.md documents every config key of both stack roles and every stack output exactly
// once, as table rows whose first cell is the key in backticks; `<zone>`, `<name>` stand for map keys.
const DOC_FILE = path.join(PROJECT_ROOT, "docs", "configuration.md");

/** Map keys the user chooses (records) are written `<…>` in the doc; both sides compare as `<>`. */
const PLACEHOLDER = "<>";
const normalize = (key: string): string => key.replace(/<[^>]*>/g, PLACEHOLDER);

/** The schema under default/optional/pipe wrappers (as infra/config/load.ts reads it for its errors). */
function unwrap(schema: z.ZodType): z.ZodType {
    let s: any = schema;
    for (let i = 0; i < 20; i++) {
        const def = s?._zod?.def;
        if (!def) break;
        if (["default", "optional", "nullable", "prefault", "readonly", "catch"].includes(def.type)) s = def.innerType;
        else if (def.type === "pipe") s = def.in;
        else if (def.type === "lazy") s = def.getter();
        else break;
    }
    return s;
}

/**
 * Every key a stack file can set, as a dotted path to a leaf: objects are walked into, the variants
 * of a union add up, a record of objects adds a `<>` segment; anything else (strings, lists, maps of
 * strings) is a leaf.
 */
function configKeys(schema: z.ZodType, prefix = ""): string[] {
    const def = (unwrap(schema) as any)?._zod?.def;
    if (def?.type === "object") return Object.entries(def.shape as Record<string, z.ZodType>).flatMap(([k, v]) => configKeys(v, prefix ? `${prefix}.${k}` : k));
    if (def?.type === "union") return [...new Set((def.options as z.ZodType[]).flatMap((o) => configKeys(o, prefix)))];
    if (def?.type === "record") {
        const value = (unwrap(def.valueType) as any)?._zod?.def?.type;
        if (value === "object" || value === "union") return configKeys(def.valueType, `${prefix}.${PLACEHOLDER}`);
    }
    return [prefix];
}

/** The first-column keys of the tables under each `## ` heading of the doc, normalized. */
function documentedKeys(markdown: string): Map<string, string[]> {
    const sections = new Map<string, string[]>();
    let heading = "";
    for (const line of markdown.split("\n")) {
        const h = /^## (.+)$/.exec(line);
        if (h) {
            heading = h[1].trim();
            continue;
        }
        const row = /^\| `([^`]+)` \|/.exec(line);
        if (row) sections.set(heading, [...(sections.get(heading) ?? []), normalize(row[1])]);
    }
    return sections;
}

function duplicates(keys: string[]): string[] {
    return keys.filter((k, i) => keys.indexOf(k) !== i);
}

/** Symmetric check with messages that say which side is missing what. */
function assertSameKeys(actual: string[], documented: string[], what: string): void {
    const missing = actual.filter((k) => !documented.includes(k));
    const stale = documented.filter((k) => !actual.includes(k));
    assert.deepEqual(missing, [], `${what} not documented in docs/configuration.md: ${missing.join(", ")}`);
    assert.deepEqual(stale, [], `docs/configuration.md documents ${what} that no longer exist: ${stale.join(", ")}`);
}

const SECTIONS = {
    both: "Keys of both roles",
    global: "Global stack keys",
    zone: "Zone stack keys",
    globalOutputs: "Outputs of the global stack",
    zoneOutputs: "Outputs of a zone stack",
} as const;

describe("docs/configuration.md: every config key and stack output, exactly once", function () {
    this.timeout(300_000);
    const doc = documentedKeys(fs.readFileSync(DOC_FILE, "utf8"));
    const section = (name: string): string[] => {
        const keys = doc.get(name);
        assert.ok(keys !== undefined && keys.length > 0, `docs/configuration.md has no table under "## ${name}"`);
        return keys;
    };

    it("the schema walk finds the keys the stack files use (so it cannot pass empty)", () => {
        const global = configKeys(globalConfigSchema);
        const zone = configKeys(zoneConfigSchema);
        for (const key of ["zones", "globalPrometheus.exposure.host", "metrics.federation.zones.<>.url", "globalPrometheus.zoneCredentials.<>.standby", "logs.loki.storage.manage", "kubernetes.eks.region"]) assert.ok(global.includes(key), key);
        for (const key of ["mesh.version", "zonePrometheus.discovery.fetchTimeout", "networkPolicies.apiServerCidrs", "kongMeshLicense"]) assert.ok(zone.includes(key), key);
    });

    it("the doc table reader reads backticked first cells per section, placeholders normalized", () => {
        const parsed = documentedKeys("## A\n\n| key | x |\n|---|---|\n| `a.b` | 1 |\n| `m.<zone>.url` | 2 |\nprose `c` |\n## B\n| `d` | 3 |\n");
        assert.deepEqual(parsed.get("A"), ["a.b", "m.<>.url"]);
        assert.deepEqual(parsed.get("B"), ["d"]);
    });

    for (const [role, schema] of [
        ["global", globalConfigSchema],
        ["zone", zoneConfigSchema],
    ] as const) {
        it(`every ${role} stack key is documented once, and every documented ${role} key exists`, () => {
            const documented = [...section(SECTIONS.both), ...section(SECTIONS[role])];
            assert.deepEqual(duplicates(documented), [], `documented more than once for the ${role} role`);
            assertSameKeys(configKeys(schema), documented, `${role} stack keys`);
        });
    }

    it("keys of both roles are keys of both schemas", () => {
        const global = configKeys(globalConfigSchema);
        const zone = configKeys(zoneConfigSchema);
        const onlyOne = section(SECTIONS.both).filter((k) => !(global.includes(k) && zone.includes(k)));
        assert.deepEqual(onlyOne, [], "listed under both roles but a key of only one");
    });

    it("every output of the global and zone stacks of every shipped environment is documented once, and every documented output exists", async () => {
        const envs = [...new Set(fs.readdirSync(path.join(PROJECT_ROOT, "stacks")).flatMap((f) => /^Pulumi\.(.+?)-(global|zone-.+)\.yaml$/.exec(f)?.[1] ?? []))];
        assert.ok(envs.length >= 3, `shipped environments: ${envs.join(", ")}`);
        const outputs = { global: new Set<string>(), zone: new Set<string>() };
        for (const env of envs) {
            const evaluation = await evaluateEnvironment(env);
            const zones = evaluation.stacks.flatMap((s) => /-zone-(.+)$/.exec(s.stack)?.[1] ?? []);
            assert.ok(zones.length > 0, `${env} has zone stacks`);
            for (const stack of evaluation.stacks) {
                const role = stack.stack.includes("-zone-") ? "zone" : "global";
                for (const name of Object.keys(stack.outputs)) {
                    // Per-zone outputs (remoteWriteCredential-<zone>) are documented as a pattern.
                    const zone = zones.find((z) => name.endsWith(`-${z}`));
                    outputs[role].add(zone === undefined ? name : `${name.slice(0, -zone.length - 1)}-${PLACEHOLDER}`);
                }
            }
        }
        assert.ok(outputs.global.has(`remoteWriteCredential-${PLACEHOLDER}`), "a per-zone credential output was seen");
        for (const role of ["global", "zone"] as const) {
            const documented = section(role === "global" ? SECTIONS.globalOutputs : SECTIONS.zoneOutputs);
            assert.deepEqual(duplicates(documented), [], `${role} outputs documented more than once`);
            assertSameKeys([...outputs[role]], documented, `${role} stack outputs`);
        }
    });
});
