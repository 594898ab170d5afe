import { strict as assert } from "assert";
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { parse, parseAllDocuments } from "yaml";
import { ALLOY_CHART, ALLOY_CONFIG_KEY, ALLOY_STORAGE_PATH, buildAlloyChartValues } from "../../components/logs/alloy-chart";
import {
    KUMA_ACCESS_LOG_REGEX,
    KUMA_SIDECAR_CONTAINER,
    POD_RELABEL_RULES,
    renderAlloyConfig,
    ZoneLogShipperSettings,
} from "../../components/logs/alloy-config";
import { ZoneLogShipper } from "../../components/logs/zone-log-shipper";
import { mountedSecret } from "../../components/kernel/mounted-secret";
import { WORKLOAD_ANNOTATION } from "../../components/kernel/workload-files";
import { RecordedRun, underMocks } from "../../infra/plan/mock-runtime";
import { containsSecret } from "../../infra/plan/secret-values";
import { registeredRevealed } from "../support/registrations";
import { upstreamPath, upstreamYaml } from "../support/upstream";
import { unknownValuePaths } from "../support/values-keys";

const CHART_DIR = `alloy-chart-${ALLOY_CHART.version}`;

const SETTINGS: ZoneLogShipperSettings = {
    zone: "east",
    lokiPushUrl: "https://logs.mesh.example.com/loki/api/v1/push",
    tenant: "mesh-prod",
};

// ---------------------------------------------------------------------------------------------
// The reference: `kumactl install observability`'s promtail config (kuma v2.14.3 golden file).

interface PromtailConfig {
    scrape_configs: Array<{ pipeline_stages: any[]; relabel_configs: any[] }>;
}

let referenceCache: PromtailConfig | undefined;
function referencePromtail(): PromtailConfig {
    if (referenceCache !== undefined) return referenceCache;
    const text = fs.readFileSync(upstreamPath("kuma-2.14.3", "install-observability", "install-observability.defaults.golden.yaml"), "utf8");
    const cm = parseAllDocuments(text)
        .map((d) => d.toJS())
        .find((d) => d?.kind === "ConfigMap" && d?.metadata?.name === "loki-promtail");
    assert.ok(cm, "the golden file holds the promtail ConfigMap");
    referenceCache = parse(cm.data["promtail.yaml"]) as PromtailConfig;
    return referenceCache;
}

/** Every kuma-sidecar match block of the reference's pipelines. */
function referenceSidecarStages(): any[][] {
    return referencePromtail().scrape_configs.flatMap((sc) =>
        sc.pipeline_stages.filter((st) => st.match?.selector === `{container="${KUMA_SIDECAR_CONTAINER}"}`).map((st) => st.match.stages),
    );
}

// ---------------------------------------------------------------------------------------------
// A small reader of Alloy syntax, for a sanity check only: no Alloy binary is available here.

type Token = { kind: "ident" | "string" | "number" | "punct"; text: string; value?: string };

function tokenize(src: string): Token[] {
    const tokens: Token[] = [];
    let i = 0;
    while (i < src.length) {
        const c = src[i];
        if (/\s/.test(c)) i++;
        else if (src.startsWith("//", i)) i = src.indexOf("\n", i) === -1 ? src.length : src.indexOf("\n", i);
        else if (src.startsWith("/*", i)) {
            const end = src.indexOf("*/", i + 2);
            if (end === -1) throw new Error("unterminated block comment");
            i = end + 2;
        } else if (c === '"') {
            let j = i + 1;
            while (j < src.length && src[j] !== '"') j += src[j] === "\\" ? 2 : 1;
            if (j >= src.length) throw new Error(`unterminated string at ${i}`);
            const text = src.slice(i, j + 1);
            tokens.push({ kind: "string", text, value: JSON.parse(text) });
            i = j + 1;
        } else if (/[A-Za-z_]/.test(c)) {
            const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
            tokens.push({ kind: "ident", text: m[0] });
            i += m[0].length;
        } else if (/[0-9]/.test(c)) {
            const m = /^[0-9]+(\.[0-9]+)?/.exec(src.slice(i))!;
            tokens.push({ kind: "number", text: m[0] });
            i += m[0].length;
        } else if ("{}[]()=,.+".includes(c)) {
            tokens.push({ kind: "punct", text: c });
            i++;
        } else throw new Error(`unexpected character ${JSON.stringify(c)} at ${i}`);
    }
    return tokens;
}

interface Block {
    readonly name: string;
    readonly label?: string;
    readonly attributes: Record<string, unknown>;
    readonly blocks: Block[];
}
interface Ref {
    readonly path: string;
}

/** Parses a body: attributes `name = expr` and blocks `a.b "label" { ... }`. Throws on anything else. */
function parseAlloy(src: string): { blocks: Block[]; refs: Ref[]; calls: string[] } {
    const t = tokenize(src);
    let p = 0;
    const refs: Ref[] = [];
    const calls: string[] = [];
    const peek = (o = 0) => t[p + o];
    const expect = (text: string) => {
        if (peek()?.text !== text) throw new Error(`expected ${text} at token ${p}, got ${peek()?.text}`);
        p++;
    };
    const dotted = (): string => {
        let name = t[p++].text;
        while (peek()?.text === "." && peek(1)?.kind === "ident") {
            name += `.${t[p + 1].text}`;
            p += 2;
        }
        return name;
    };
    const list = <T>(close: string, item: () => T): T[] => {
        const out: T[] = [];
        while (peek()?.text !== close) {
            out.push(item());
            if (peek()?.text === ",") p++;
            else if (peek()?.text !== close) throw new Error(`expected , or ${close} at token ${p}`);
        }
        p++;
        return out;
    };
    const primary = (): unknown => {
        const tok = peek();
        if (tok === undefined) throw new Error("unexpected end");
        if (tok.kind === "string") return (p++, tok.value);
        if (tok.kind === "number") return (p++, Number(tok.text));
        if (tok.text === "[") return (p++, list("]", expr));
        if (tok.text === "{") {
            p++;
            return Object.fromEntries(
                list("}", () => {
                    const key = peek();
                    if (key?.kind !== "ident" && key?.kind !== "string") throw new Error(`bad object key at ${p}`);
                    p++;
                    expect("=");
                    return [key.kind === "string" ? key.value! : key.text, expr()];
                }),
            );
        }
        if (tok.kind === "ident") {
            if (["true", "false", "null"].includes(tok.text)) return (p++, JSON.parse(tok.text));
            const path = dotted();
            if (peek()?.text === "(") {
                p++;
                calls.push(path);
                return { call: path, args: list(")", expr) };
            }
            refs.push({ path });
            return { ref: path };
        }
        throw new Error(`unexpected ${tok.text} at ${p}`);
    };
    const expr = (): unknown => {
        let left = primary();
        while (peek()?.text === "+") {
            p++;
            left = { op: "+", left, right: primary() };
        }
        return left;
    };
    const body = (close?: string): { attributes: Record<string, unknown>; blocks: Block[] } => {
        const attributes: Record<string, unknown> = {};
        const blocks: Block[] = [];
        while (p < t.length && peek().text !== close) {
            if (close === undefined && peek().text === "}") throw new Error(`unbalanced braces: stray } at token ${p}`);
            if (peek().kind !== "ident") throw new Error(`expected a name at token ${p}, got ${peek().text}`);
            const name = dotted();
            if (peek()?.text === "=") {
                p++;
                if (name in attributes) throw new Error(`attribute ${name} set twice`);
                attributes[name] = expr();
                continue;
            }
            const label = peek()?.kind === "string" ? t[p++].value : undefined;
            expect("{");
            const inner = body("}");
            expect("}");
            blocks.push({ name, label, ...inner });
        }
        return { attributes, blocks };
    };
    const top = body();
    if (p !== t.length) throw new Error(`unbalanced braces: stray ${peek()?.text} at token ${p}`);
    return { blocks: top.blocks, refs, calls };
}

/** Exports of the components the config uses (Alloy reference docs). */
const EXPORTS: Record<string, readonly string[]> = {
    "discovery.kubernetes": ["targets"],
    "discovery.relabel": ["output", "rules"],
    "local.file_match": ["targets"],
    "loki.source.file": [],
    "loki.process": ["receiver"],
    "loki.write": ["receiver"],
};
const STAGES = ["stage.match", "stage.regex", "stage.labels", "stage.cri", "stage.timestamp", "stage.label_drop"];

/** Problems of a parsed config: unknown components, duplicate IDs, references to nothing, unknown stages. */
function alloyProblems(src: string): string[] {
    const { blocks, refs, calls } = parseAlloy(src);
    const problems: string[] = [];
    const ids = new Set<string>();
    for (const b of blocks) {
        if (!(b.name in EXPORTS)) problems.push(`unknown component ${b.name}`);
        if (b.label === undefined) problems.push(`${b.name} has no label`);
        const id = `${b.name}.${b.label}`;
        if (ids.has(id)) problems.push(`duplicate ${id}`);
        ids.add(id);
    }
    for (const { path } of refs) {
        const target = blocks.find((b) => path.startsWith(`${b.name}.${b.label}.`));
        if (target === undefined) problems.push(`reference to an undeclared component: ${path}`);
        else if (!EXPORTS[target.name]?.includes(path.slice(`${target.name}.${target.label}.`.length))) problems.push(`${path} is not an export of ${target.name}`);
    }
    for (const c of calls) if (c !== "sys.env") problems.push(`unknown function ${c}`);
    const walk = (bs: Block[], parent: string) => {
        for (const b of bs) {
            if (parent === "loki.process" && !STAGES.includes(b.name)) problems.push(`unknown stage ${b.name}`);
            walk(b.blocks, parent === "loki.process" || b.name.startsWith("stage.") ? "loki.process" : b.name);
        }
    };
    for (const b of blocks) walk(b.blocks, b.name);
    return problems;
}

// ---------------------------------------------------------------------------------------------
// Prometheus-style relabeling (the `replace` action, all our rules use), to run the rules on sample pods.

function relabel(labels: Record<string, string>, rules: readonly any[]): Record<string, string> {
    const out = { ...labels };
    for (const r of rules) {
        assert.ok((r.action ?? "replace") === "replace", "only replace is simulated");
        const value = (r.source_labels as string[]).map((l) => out[l] ?? "").join(r.separator ?? ";");
        const m = new RegExp(`^(?:${r.regex ?? "(.*)"})$`).exec(value);
        if (m === null) continue;
        const result = String(r.replacement ?? "$1").replace(/\$(\d+)/g, (_, i) => m[Number(i)] ?? "");
        if (result === "") delete out[r.target_label];
        else out[r.target_label] = result;
    }
    return out;
}

/** Go RE2 named groups (?P<name>) in JavaScript form. */
function jsRegex(re2: string): RegExp {
    return new RegExp(re2.replace(/\(\?P</g, "(?<"));
}

const POD = {
    __meta_kubernetes_namespace: "kuma-demo",
    __meta_kubernetes_pod_name: "demo-app-7d9f",
    __meta_kubernetes_pod_container_name: "kuma-sidecar",
    __meta_kubernetes_pod_uid: "0d1c-42",
    __meta_kubernetes_pod_label_app: "demo-app",
    __meta_kubernetes_pod_label_app_kubernetes_io_name: "demo",
};
const INJECTED = { ...POD, __meta_kubernetes_pod_annotation_kuma_io_sidecar_injected: "true" };

// ---------------------------------------------------------------------------------------------

describe("alloy config (zone log shipper)", () => {
    it("uses the reference promtail regex for kuma-sidecar lines, verbatim", () => {
        const stages = referenceSidecarStages();
        assert.ok(stages.length >= 1);
        for (const s of stages) assert.equal(s.find((x: any) => x.regex).regex.expression, KUMA_ACCESS_LOG_REGEX);
        const text = renderAlloyConfig(SETTINGS);
        const literal = /expression = ("(?:[^"\\]|\\.)*")/.exec(text);
        assert.ok(literal, "the config has a regex stage");
        assert.equal(JSON.parse(literal[1]), KUMA_ACCESS_LOG_REGEX, "the Alloy string literal decodes to the reference regex");
    });

    it("sets the same mesh label and timestamp as the reference, only on kuma-sidecar lines", () => {
        for (const s of referenceSidecarStages()) {
            assert.deepEqual(s.find((x: any) => x.labels).labels, { mesh: "mesh" });
            assert.deepEqual(s.find((x: any) => x.timestamp).timestamp, { format: "RFC3339Nano", source: "timestamp" });
        }
        const { blocks } = parseAlloy(renderAlloyConfig(SETTINGS));
        const process = blocks.find((b) => b.name === "loki.process")!;
        assert.deepEqual(
            process.blocks.map((b) => b.name),
            ["stage.match", "stage.cri", "stage.match", "stage.label_drop"],
            "regex on the raw CRI line, then cri, then the access log's time (cri would overwrite it)",
        );
        const [first, , second] = process.blocks;
        for (const m of [first, second]) assert.equal(m.attributes.selector, `{container="${KUMA_SIDECAR_CONTAINER}"}`);
        assert.deepEqual(first.blocks.map((b) => b.name), ["stage.regex", "stage.labels"]);
        assert.deepEqual(first.blocks[1].attributes.values, { mesh: "mesh" });
        assert.deepEqual(second.blocks[0].attributes, { source: "timestamp", format: "RFC3339Nano" });
    });

    it("the regex extracts mesh and time from a Kuma access-log line as the container runtime writes it, and nothing from Envoy's own log", () => {
        const re = jsRegex(KUMA_ACCESS_LOG_REGEX);
        const access =
            "2026-05-01T10:00:00.123456789Z stdout F [2026-05-01T10:00:00.100Z] payments " +
            "10.0.0.1(frontend_kuma-demo_svc_8080)->10.0.0.2:5000(backend_kuma-demo_svc_3001) took 3ms, sent 10 bytes, received: 20 bytes";
        assert.deepEqual({ ...re.exec(access)!.groups }, { timestamp: "2026-05-01T10:00:00.100Z", mesh: "payments" });
        const envoy = "2026-05-01T10:00:00.123456789Z stderr F [2026-05-01 10:00:00.100][15][info][main] starting main dispatch loop";
        assert.equal(re.exec(envoy), null);
    });

    it("labels streams with namespace, pod, container, app and the path to tail, as the reference does", () => {
        const out = relabel(INJECTED, POD_RELABEL_RULES);
        assert.equal(out.namespace, "kuma-demo");
        assert.equal(out.pod, "demo-app-7d9f");
        assert.equal(out.container, "kuma-sidecar");
        assert.equal(out.app, "demo-app", "the app label wins over app.kubernetes.io/name");
        assert.equal(relabel({ ...POD, __meta_kubernetes_pod_label_app: "" }, POD_RELABEL_RULES).app, "demo");
        const ref = relabel(POD, referencePromtail().scrape_configs[0].relabel_configs.filter((r: any) => r.target_label === "__path__"));
        assert.equal(out.__path__, ref.__path__);
        assert.equal(out.__path__, "/var/log/pods/*0d1c-42/kuma-sidecar/*.log");
    });

    it("node_id is <mesh>.<pod>.<namespace> like the reference, for mesh pods only", () => {
        const referenceRule = referencePromtail().scrape_configs[0].relabel_configs.filter((r: any) => r.target_label === "node_id");
        const annotated = { ...INJECTED, __meta_kubernetes_pod_annotation_kuma_io_mesh: "payments" };
        assert.equal(relabel(annotated, POD_RELABEL_RULES).node_id, "payments.demo-app-7d9f.kuma-demo");
        assert.equal(relabel(annotated, POD_RELABEL_RULES).node_id, relabel(annotated, referenceRule).node_id, "same as the reference where it has a mesh");
        assert.equal(relabel({ ...INJECTED, __meta_kubernetes_pod_label_kuma_io_mesh: "orders" }, POD_RELABEL_RULES).node_id, "orders.demo-app-7d9f.kuma-demo");
        assert.equal(relabel(INJECTED, POD_RELABEL_RULES).node_id, "default.demo-app-7d9f.kuma-demo", "an injected pod without a mesh is in the default mesh");
        assert.equal(relabel(POD, POD_RELABEL_RULES).node_id, undefined, "no node_id off the mesh");
        assert.equal(relabel(POD, referenceRule).node_id, ".demo-app-7d9f.kuma-demo", "where the reference writes a dangling one");
    });

    it("puts the zone on everything pushed, to the push URL as the tenant", () => {
        const { blocks } = parseAlloy(renderAlloyConfig(SETTINGS));
        const write = blocks.find((b) => b.name === "loki.write")!;
        assert.deepEqual(write.attributes.external_labels, { zone: "east" });
        const endpoint = write.blocks[0];
        assert.equal(endpoint.name, "endpoint");
        assert.deepEqual(endpoint.attributes, { url: SETTINGS.lokiPushUrl, tenant_id: "mesh-prod" });
        assert.deepEqual(endpoint.blocks, [], "the global Loki authenticates nobody: the push carries only the tenant header");
    });

    it("discovers only this node's pods, by the node name the chart puts in HOSTNAME", () => {
        const { blocks } = parseAlloy(renderAlloyConfig(SETTINGS));
        const discovery = blocks.find((b) => b.name === "discovery.kubernetes")!;
        assert.equal(discovery.attributes.role, "pod");
        assert.deepEqual(discovery.blocks[0].attributes, { role: "pod", field: { op: "+", left: "spec.nodeName=", right: { call: "sys.env", args: ["HOSTNAME"] } } });
    });

    it("refuses settings Loki or Alloy would reject", () => {
        assert.throws(() => renderAlloyConfig({ ...SETTINGS, zone: "East" }), /not a zone name/);
        assert.throws(() => renderAlloyConfig({ ...SETTINGS, tenant: "a|b" }), /not a tenant ID/);
        assert.throws(() => renderAlloyConfig({ ...SETTINGS, lokiPushUrl: "http://loki:3100/otlp" }), /not a Loki push URL/);
        assert.throws(() => renderAlloyConfig({ ...SETTINGS, lokiPushUrl: "loki:3100" }), /not a (Loki push )?URL/);
    });

    describe("syntax sanity check (no Alloy binary here: a small reader of Alloy syntax, not Alloy's parser)", () => {
        it("parses, and every reference names a declared component's export, wired discovery → files → process → write", () => {
            const text = renderAlloyConfig(SETTINGS);
            assert.deepEqual(alloyProblems(text), []);
            const { blocks } = parseAlloy(text);
            assert.deepEqual(
                blocks.map((b) => `${b.name}.${b.label}`),
                ["discovery.kubernetes.pods", "discovery.relabel.pods", "local.file_match.pods", "loki.source.file.pods", "loki.process.pods", "loki.write.central"],
            );
            const attr = (name: string, key: string) => blocks.find((b) => b.name === name)!.attributes[key];
            assert.deepEqual(attr("discovery.relabel", "targets"), { ref: "discovery.kubernetes.pods.targets" });
            assert.deepEqual(attr("local.file_match", "path_targets"), { ref: "discovery.relabel.pods.output" });
            assert.deepEqual(attr("loki.source.file", "targets"), { ref: "local.file_match.pods.targets" });
            assert.deepEqual(attr("loki.source.file", "forward_to"), [{ ref: "loki.process.pods.receiver" }]);
            assert.deepEqual(attr("loki.process", "forward_to"), [{ ref: "loki.write.central.receiver" }]);
        });

        it("the check can fail: unbalanced braces, a dangling reference, a wrong export and an unknown stage are caught", () => {
            const text = renderAlloyConfig(SETTINGS);
            assert.throws(() => parseAlloy(text.replace(/\}\n$/, "\n")), /expected \}|unexpected end/);
            assert.throws(() => parseAlloy(`${text}}\n`), /unbalanced braces/);
            assert.deepEqual(alloyProblems(text.replace("loki.write.central.receiver", "loki.write.default.receiver")), [
                "reference to an undeclared component: loki.write.default.receiver",
            ]);
            assert.deepEqual(alloyProblems(text.replace("discovery.relabel.pods.output", "discovery.relabel.pods.targets")), [
                "discovery.relabel.pods.targets is not an export of discovery.relabel",
            ]);
            assert.deepEqual(alloyProblems(text.replace("stage.cri { }", "stage.crio { }")), ["unknown stage stage.crio"]);
        });
    });
});

describe(`alloy chart ${ALLOY_CHART.version} values`, () => {
    const upstream = upstreamYaml(CHART_DIR, "values.yaml");
    const settings = { fullname: "zone-logs", configMapName: "zone-logs-config" };

    it("pins the chart whose appVersion the code states", () => {
        const chart = upstreamYaml(CHART_DIR, "Chart.yaml");
        assert.equal(chart.version, ALLOY_CHART.version);
        assert.equal(chart.appVersion, ALLOY_CHART.appVersion);
    });

    it("every key path exists in upstream values.yaml", () => {
        assert.deepEqual(unknownValuePaths(buildAlloyChartValues(settings), upstream, []), []);
    });

    it("the key check can fail (a misspelt key is reported)", () => {
        const v: any = buildAlloyChartValues(settings);
        v.alloy.configmap = {};
        assert.deepEqual(unknownValuePaths(v, upstream, []), ["alloy.configmap"]);
    });

    it("a DaemonSet running our ConfigMap's config.alloy, not one the chart renders", () => {
        const v: any = buildAlloyChartValues(settings);
        assert.equal(v.controller.type, "daemonset");
        assert.deepEqual(v.alloy.configMap, { create: false, name: "zone-logs-config", key: ALLOY_CONFIG_KEY });
        assert.equal(ALLOY_CONFIG_KEY, "config.alloy");
        assert.equal(upstream.alloy.configMap.create, true, "why create must be turned off");
        assert.equal(v.fullnameOverride, "zone-logs");
        assert.equal(v.crds.create, false);
        assert.equal(v.alloy.enableReporting, false);
        assert.equal(upstream.configReloader.enabled, true, "config changes are reloaded by the chart's sidecar");
    });

    it("mounts the host's /var/log read-only for the pod log files, and keeps positions on the host", () => {
        const v: any = buildAlloyChartValues(settings);
        assert.equal(v.alloy.mounts.varlog, true);
        assert.equal(v.alloy.storagePath, ALLOY_STORAGE_PATH);
        assert.notEqual(ALLOY_STORAGE_PATH, upstream.alloy.storagePath, "upstream's /tmp/alloy dies with the pod");
        assert.deepEqual(v.alloy.mounts.extra, [{ name: "alloy-data", mountPath: ALLOY_STORAGE_PATH }]);
        assert.deepEqual(v.controller.volumes.extra, [{ name: "alloy-data", hostPath: { path: "/var/lib/meshobs-alloy/zone-logs", type: "DirectoryOrCreate" } }]);
    });

    it("runs as root only because the log files demand it; otherwise restricted", () => {
        const sc: any = (buildAlloyChartValues(settings) as any).alloy.securityContext;
        assert.equal(sc.runAsUser, 0);
        assert.equal(sc.allowPrivilegeEscalation, false);
        assert.equal(sc.readOnlyRootFilesystem, true);
        assert.deepEqual(sc.capabilities, { drop: ["ALL"] });
    });
});

describe("mountedSecret and ZoneLogShipper under Pulumi mocks", () => {

    it("mountedSecret: annotated for the given workload, every value secret", async () => {
        const run = await underMocks({ stack: "test-zone-east" }, () => {
            const parent = new pulumi.ComponentResource("test:index:Parent", "p");
            const s = mountedSecret(parent, "creds", "obs", "alloy", { password: "hunter2", user: pulumi.output("u") });
            return { name: s.metadata.name };
        });
        const [secret] = registeredRevealed(run, "kubernetes:core/v1:Secret");
        assert.equal(secret.revealed.metadata.annotations[WORKLOAD_ANNOTATION], "alloy");
        assert.equal(secret.revealed.metadata.namespace, "obs");
        assert.ok(containsSecret(secret.inputs.stringData));
        assert.deepEqual(secret.revealed.stringData, { password: "hunter2", user: "u" });
    });

    describe("endpoint from the global stack", () => {
        let run: RecordedRun;
        before(async () => {
            run = await underMocks({ stack: "test-zone-east" }, () => {
                const l = new ZoneLogShipper("zone-logs", {
                    namespace: "mesh-observability-east",
                    zone: "east",
                    lokiPushUrl: pulumi.output(SETTINGS.lokiPushUrl),
                    tenant: "mesh-prod",
                });
                return { config: l.configText };
            });
        });

        it("registers the component, its ConfigMap and chart, named after it, and no Secret (the push carries only the tenant header)", () => {
            assert.deepEqual(registeredRevealed(run, "meshobs:logs:ZoneLogShipper").map((r) => r.name), ["zone-logs"]);
            assert.deepEqual(registeredRevealed(run, "kubernetes:core/v1:Secret").map((r) => r.name), []);
            assert.deepEqual(registeredRevealed(run, "kubernetes:core/v1:ConfigMap").map((r) => r.name), ["zone-logs-config"]);
            assert.deepEqual(registeredRevealed(run, "kubernetes:helm.sh/v4:Chart").map((r) => r.name), ["zone-logs-chart"]);
        });

        it("mounts the rendered config byte for byte from a ConfigMap the plan lists for alloy", () => {
            const [cm] = registeredRevealed(run, "kubernetes:core/v1:ConfigMap");
            assert.equal(cm.revealed.metadata.annotations[WORKLOAD_ANNOTATION], "alloy");
            assert.equal(cm.revealed.data[ALLOY_CONFIG_KEY], run.outputs.config.value);
            assert.equal(run.outputs.config.value, renderAlloyConfig(SETTINGS));
            const [chart] = registeredRevealed(run, "kubernetes:helm.sh/v4:Chart");
            assert.equal(chart.revealed.values.alloy.configMap.name, cm.revealed.metadata.name, "the chart runs this very ConfigMap");
        });

        it("installs the pinned chart from its repository into the namespace", () => {
            const [chart] = registeredRevealed(run, "kubernetes:helm.sh/v4:Chart");
            assert.equal(chart.revealed.chart, "alloy");
            assert.equal(chart.revealed.version, ALLOY_CHART.version);
            assert.equal(chart.revealed.repositoryOpts.repo, "https://grafana.github.io/helm-charts");
            assert.equal(chart.revealed.namespace, "mesh-observability-east");
        });
    });

    it("refuses a bad zone before registering anything", async () => {
        const run = await underMocks({ stack: "test-zone-east" }, () => {
            assert.throws(() => new ZoneLogShipper("a", { namespace: "obs", zone: "East", lokiPushUrl: SETTINGS.lokiPushUrl, tenant: "t" }), /not a zone name/);
            return {};
        });
        assert.equal(run.resources.length, 0);
    });
});
