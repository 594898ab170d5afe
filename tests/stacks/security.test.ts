import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runPlan } from "../../infra/plan/cli";
import { evaluateEnvironment, EnvironmentEvaluation, PROJECT_ROOT } from "../../infra/plan/evaluate-environment";
import { renderStack } from "../../infra/plan/render";
import { revealOrMask } from "../../infra/plan/secret-values";
import { environmentStacks, StackFile } from "../../infra/plan/stack-files";
import { renderTopology } from "../../infra/plan/topology";
import { at, effectiveChartValues } from "../support/effective-values";
import {
    configSecrets,
    filesUnder,
    isSecretHolder,
    knownSecret,
    leaks,
    placeholderSecrets,
    randomPasswords,
    SecretValue,
    stackFileWithKnownSecrets as stack,
    withKnownSecrets,
} from "../support/secret-scan";

/**
 * Proof that no secret leaks from any environment: every shipped environment (stacks/*, with our own
 * known values in place of the `secure:` placeholders) and generated ones covering each secret key
 * (Datadog keys, static AWS keys) are evaluated; each secret value (those, plus every RandomPassword
 * the plan's mocks draw: remote-write, self-scrape and Grafana reader passwords, Grafana's admin
 * password, the Datadog Cluster Agent token) is then searched for in everything the plan writes
 * without --show-secrets, the topology, the printed summary and warnings, every non-secret stack
 * output, every ConfigMap and every resource that is not itself a secret holder. With --show-secrets
 * the same values must appear, so the scan demonstrably finds them when they are there.
 */

const STACKS_DIR = path.join(PROJECT_ROOT, "stacks");
const SHIPPED = fs
    .readdirSync(STACKS_DIR)
    .map((f) => /^Pulumi\.(.+)-global\.yaml$/.exec(f)?.[1])
    .filter((e): e is string => e !== undefined)
    .sort();

const zone = (env: string, z: string, extra: Record<string, unknown> = {}, secure: readonly string[] = []) =>
    stack(`${env}-zone-${z}`, { namespace: `obs-${z}`, mesh: { version: "2.9.2" }, ...extra }, secure);
const DATADOG = { site: "datadoghq.eu", notify: "@slack-mesh", noDataMinutes: 15 };

/** Generated environments: each secure key of both roles in use, with known values. */
const GENERATED: Record<string, StackFile[]> = {
    // Datadog for traces and logs: keys in the global's provider and collector, the zones' agents and collectors.
    secdd: [
        stack("secdd-global", { zones: ["a", "b"], traces: { backend: "datadog" }, logs: { backend: "datadog" }, datadog: DATADOG }, ["datadogApiKey", "datadogAppKey"]),
        zone("secdd", "a"),
        zone("secdd", "b"),
    ],
    // Datadog traces with Loki logs (Alloy ships, the agent runs without logs).
    // The zone installs Kong Mesh with its licence as secret config.
    secmix: [
        stack("secmix-global", { zones: ["a"], traces: { backend: "datadog" }, logs: { backend: "loki" }, datadog: DATADOG }, ["datadogApiKey", "datadogAppKey"]),
        zone("secmix", "a", { mesh: { product: "kong-mesh", version: "2.9.2", install: { enabled: true, kdsGlobalAddress: "grpcs://kds.example.com:5685" } } }, ["kongMeshLicense"]),
    ],
    // AMP with a zone off EKS: static AWS keys as secret config.
    secamp: [
        stack("secamp-global", { zones: ["a"], metrics: { backend: "amp", amp: { region: "eu-central-1" } }, traces: { backend: "jaeger" }, logs: { backend: "loki" } }),
        zone("secamp", "a", {}, ["awsAccessKeyId", "awsSecretAccessKey"]),
    ],
    // Mimir off EKS: the bucket's keys as secret config.
    secmim: [
        stack("secmim-global", { zones: ["a"], metrics: { backend: "mimir", mimir: { tenant: "mesh-test", storage: { type: "s3", bucket: "b-mimir", region: "eu-west-1" } } } }, ["s3AccessKeyId", "s3SecretAccessKey"]),
        zone("secmim", "a"),
    ],
};

interface Case {
    readonly env: string;
    readonly files: StackFile[];
}
const CASES: Case[] = [
    ...SHIPPED.map((env) => ({ env, files: environmentStacks(STACKS_DIR, env).map(withKnownSecrets) })),
    ...Object.entries(GENERATED).map(([env, files]) => ({ env, files })),
];

const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";

function tmp(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** The secrets that no file under dir holds (none, once they are all written). */
function absentUnder(dir: string, secrets: readonly SecretValue[]): string[] {
    const text = filesUnder(dir)
        .map((f) => fs.readFileSync(f, "utf8"))
        .join("\n");
    return secrets.filter((s) => leaks(text, [s]).length === 0).map((s) => s.what);
}

/** path → leaked secrets, for every file under dir that holds one. */
function leaksUnder(dir: string, secrets: readonly SecretValue[]): Record<string, string[]> {
    const found: Record<string, string[]> = {};
    for (const f of filesUnder(dir)) {
        const l = leaks(fs.readFileSync(f, "utf8"), secrets);
        if (l.length > 0) found[path.relative(dir, f)] = l;
    }
    return found;
}

describe("secrets never leave their Secrets, in every environment", function () {
    this.timeout(300_000);

    it("covers every shipped environment and every secure key", () => {
        assert.ok(SHIPPED.includes("local") && SHIPPED.includes("prod") && SHIPPED.includes("cloud"), SHIPPED.join(", "));
        const keys = new Set(CASES.flatMap((c) => c.files.flatMap((f) => f.secretKeys.map((k) => k.split(":")[1]))));
        assert.deepEqual([...keys].sort(), ["awsAccessKeyId", "awsSecretAccessKey", "datadogApiKey", "datadogAppKey", "kongMeshLicense", "s3AccessKeyId", "s3SecretAccessKey"]);
    });

    for (const c of CASES) {
        describe(`${c.env} (${c.files.map((f) => f.stack).join(", ")})`, () => {
            let e: EnvironmentEvaluation;
            let secrets: SecretValue[];
            before(async () => {
                e = await evaluateEnvironment(c.env, { files: c.files });
                secrets = [...configSecrets(c.files), ...e.stacks.flatMap(randomPasswords)];
            });

            it("every known secret is in use: it reaches a Secret (or the Datadog provider) of some stack", () => {
                assert.ok(secrets.some((s) => s.what.includes("RandomPassword")), "no RandomPassword drawn");
                for (const s of configSecrets(c.files)) assert.ok(s.value.startsWith("KNOWN-"), `${s.what} still a placeholder`);
                const held = e.stacks.flatMap((ev) => ev.resources.filter(isSecretHolder).map((r) => JSON.stringify(revealOrMask(r.inputs, true)))).join("\n");
                for (const s of secrets) assert.ok(held.includes(s.value), `${s.what} is never used: the scan would prove nothing`);
            });

            it("the plan's files without --show-secrets (resources, outputs, workload files, snippets, topology) hold none", () => {
                const out = tmp(`sec-${c.env}-`);
                try {
                    for (const ev of e.stacks) renderStack(ev, { outDir: out, showSecrets: false });
                    fs.writeFileSync(path.join(out, "topology.md"), renderTopology(e));
                    assert.ok(filesUnder(out).length > e.stacks.length * 2);
                    assert.deepEqual(leaksUnder(out, secrets), {});
                } finally {
                    fs.rmSync(out, { recursive: true, force: true });
                }
            });

            it("with --show-secrets every one of them is written (the scan finds them when present)", () => {
                const out = tmp(`sec-${c.env}-shown-`);
                try {
                    for (const ev of e.stacks) renderStack(ev, { outDir: out, showSecrets: true });
                    assert.deepEqual(absentUnder(out, secrets), []);
                } finally {
                    fs.rmSync(out, { recursive: true, force: true });
                }
            });

            it("no non-secret stack output and no warning holds one; every secret-bearing output is marked secret", () => {
                for (const ev of e.stacks) {
                    for (const [k, o] of Object.entries(ev.outputs)) {
                        const l = leaks(JSON.stringify(o.value), secrets);
                        if (l.length > 0) assert.equal(o.secret, true, `${ev.stack} output ${k} carries ${l.join(", ")} but is not secret`);
                    }
                    assert.deepEqual(leaks(ev.warnings.join("\n"), secrets), [], `${ev.stack} warnings`);
                }
            });

            it("no ConfigMap holds one, even revealed; no other non-Secret resource (chart values, env, CRs) carries one", () => {
                for (const ev of e.stacks) {
                    for (const r of ev.resources.filter((x) => x.type === CONFIG_MAP)) {
                        assert.deepEqual(leaks(JSON.stringify(revealOrMask(r.inputs, true)), secrets), [], `${ev.stack} ConfigMap ${r.name}`);
                    }
                    for (const r of ev.resources.filter((x) => !isSecretHolder(x))) {
                        assert.deepEqual(leaks(JSON.stringify(revealOrMask(r.inputs, true)), secrets), [], `${ev.stack} ${r.type} ${r.name}`);
                    }
                }
            });
        });
    }

    describe("npm run plan (runPlan) on the shipped environments: printed summary and files", () => {
        for (const env of SHIPPED) {
            it(`${env}: neither the log lines nor the files hold a password or secure placeholder; --show-secrets writes them`, async () => {
                const files = environmentStacks(STACKS_DIR, env);
                const e = await evaluateEnvironment(env, { files });
                const secrets = [...placeholderSecrets(files), ...e.stacks.flatMap(randomPasswords)];
                const out = tmp(`sec-plan-${env}-`);
                const shown = tmp(`sec-plan-${env}-shown-`);
                try {
                    const lines: string[] = [];
                    assert.equal(await runPlan(["--env", env, "--out", out], (l) => lines.push(l)), 0, lines.join("\n"));
                    assert.ok(lines.some((l) => l.startsWith(`✔ ${env}-global:`)), lines.join("\n"));
                    assert.deepEqual(leaks(lines.join("\n"), secrets), []);
                    assert.deepEqual(leaksUnder(out, secrets), {});

                    const shownLines: string[] = [];
                    assert.equal(await runPlan(["--env", env, "--out", shown, "--show-secrets"], (l) => shownLines.push(l)), 0);
                    assert.deepEqual(leaks(shownLines.join("\n"), secrets), [], "secrets go to files, never to the terminal");
                    assert.deepEqual(absentUnder(shown, secrets), []);
                } finally {
                    fs.rmSync(out, { recursive: true, force: true });
                    fs.rmSync(shown, { recursive: true, force: true });
                }
            });
        }
    });

    it("the known values are distinctive (no builder could produce them by chance)", () => {
        for (const k of ["datadogApiKey", "awsSecretAccessKey"]) assert.match(knownSecret(k), /^KNOWN-.+-[0-9a-f]{32}$/);
    });
});

/**
 * Containers run as non-root with read-only root filesystems, no privilege escalation and no
 * capabilities, wherever the image allows it. Checked on the values each chart actually renders
 * with (upstream values.yaml coalesced with ours, as Helm does), for every chart every evaluated
 * environment installs. Exceptions are asserted as exceptions, each with its reason.
 */
describe("containers: non-root, read-only root filesystem, no escalation, no capabilities", function () {
    this.timeout(300_000);
    const CHART = "kubernetes:helm.sh/v4:Chart";

    function assertRestrictedContainer(ctx: any, where: string): void {
        assert.ok(ctx !== undefined && ctx !== null, `${where}: no securityContext`);
        assert.equal(ctx.readOnlyRootFilesystem, true, `${where}: readOnlyRootFilesystem`);
        assert.equal(ctx.allowPrivilegeEscalation, false, `${where}: allowPrivilegeEscalation`);
        assert.ok(Array.isArray(ctx.capabilities?.drop) && ctx.capabilities.drop.includes("ALL"), `${where}: capabilities.drop ALL`);
        assert.equal(ctx.capabilities?.add, undefined, `${where}: capabilities.add`);
        assert.notEqual(ctx.privileged, true, `${where}: privileged`);
    }
    /** Non-root: the pod says runAsNonRoot with a non-zero UID, and the container does not undo it. */
    function assertNonRoot(pod: any, container: any, where: string): void {
        const nonRoot = container?.runAsNonRoot ?? pod?.runAsNonRoot;
        const uid = container?.runAsUser ?? pod?.runAsUser;
        assert.equal(nonRoot, true, `${where}: runAsNonRoot`);
        assert.ok(typeof uid === "number" && uid > 0, `${where}: runAsUser ${uid}`);
    }

    const MIMIR_COMPONENTS = [
        "alertmanager",
        "distributor",
        "ingester",
        "overrides_exporter",
        "ruler",
        "querier",
        "query_frontend",
        "query_scheduler",
        "store_gateway",
        "compactor",
        "gateway",
    ];

    /** Per chart: what must hold of its effective values. */
    const CHECKS: Record<string, (v: any, where: string) => void> = {
        prometheus: (v, w) => {
            assertNonRoot(v.server.securityContext, v.server.containerSecurityContext, `${w} server`);
            assertRestrictedContainer(v.server.containerSecurityContext, `${w} server`);
            if (v.configmapReload.prometheus.enabled) {
                // The reloader runs in the server's pod, as its user.
                assertNonRoot(v.server.securityContext, v.configmapReload.prometheus.containerSecurityContext, `${w} config reloader`);
                assertRestrictedContainer(v.configmapReload.prometheus.containerSecurityContext, `${w} config reloader`);
            }
        },
        "opentelemetry-collector": (v, w) => {
            assertNonRoot(v.podSecurityContext, v.securityContext, w);
            assertRestrictedContainer(v.securityContext, w);
        },
        loki: (v, w) => {
            assertNonRoot(v.loki.podSecurityContext, v.loki.containerSecurityContext, `${w} loki`);
            assertRestrictedContainer(v.loki.containerSecurityContext, `${w} loki`);
            assert.equal(v.gateway.enabled, true);
            assertNonRoot(v.gateway.podSecurityContext, v.gateway.containerSecurityContext, `${w} gateway`);
            assertRestrictedContainer(v.gateway.containerSecurityContext, `${w} gateway`);
            // Sidecars and caches that would bring their own contexts are off.
            for (const off of ["sidecar.rules.enabled", "chunksCache.enabled", "resultsCache.enabled", "lokiCanary.enabled"]) assert.equal(at(v, off), false, `${w} ${off}`);
        },
        jaeger: (v, w) => {
            assertNonRoot(v.jaeger.podSecurityContext, v.jaeger.securityContext, w);
            assertRestrictedContainer(v.jaeger.securityContext, w);
        },
        grafana: (v, w) => {
            assertNonRoot(v.securityContext, v.containerSecurityContext, w);
            assertRestrictedContainer(v.containerSecurityContext, w);
            // initChownData runs as root with CHOWN, but the chart renders it only with persistence, which stays off.
            assert.equal(v.persistence.enabled, false, `${w}: persistence (would add the root initChownData container)`);
            assert.equal(v.sidecar.dashboards.enabled, false);
            assert.equal(v.sidecar.datasources.enabled, false);
            if (v.dashboards !== undefined && Object.keys(v.dashboards).length > 0) {
                // EXCEPTION (partial): the download-dashboards init container runs as the pod's non-root user with
                // no escalation and no capabilities, but the chart's downloadDashboards.securityContext has no
                // readOnlyRootFilesystem key upstream, so its root filesystem stays writable (curl writes only
                // to the dashboards volume).
                const c = v.downloadDashboards.securityContext;
                assertNonRoot(v.securityContext, c, `${w} download-dashboards`);
                assert.equal(c.allowPrivilegeEscalation, false);
                assert.deepEqual(c.capabilities, { drop: ["ALL"] });
                assert.equal(c.readOnlyRootFilesystem, undefined, "the chart gained the key: set it in buildGrafanaValues and drop this exception");
            }
        },
        "mimir-distributed": (v, w) => {
            for (const c of MIMIR_COMPONENTS) {
                const pod = { ...v.rbac.podSecurityContext, ...(v[c].securityContext ?? {}) };
                assertNonRoot(pod, v[c].containerSecurityContext, `${w} ${c}`);
                assertRestrictedContainer(v[c].containerSecurityContext, `${w} ${c}`);
            }
            assert.equal(v.minio.enabled, false);
            assert.equal(v.nginx.enabled, false);
        },
        /**
         * EXCEPTION: Alloy runs as root (UID 0). It tails /var/log/pods/*, which the kubelet writes as
         * root with mode 0640/0600, and no capability short of DAC_READ_SEARCH (refused here: drop ALL)
         * would let another user read them. Everything else is restricted: read-only root filesystem,
         * no escalation, no capabilities at all. The config-reloader sidecar runs fully restricted.
         */
        alloy: (v, w) => {
            const c = v.alloy.securityContext;
            assert.equal(c.runAsUser, 0, `${w}: Alloy's root is deliberate (pod log files are root-only)`);
            assertRestrictedContainer(c, `${w} alloy`);
            assert.equal(v.configReloader.enabled, true);
            assertNonRoot({}, v.configReloader.securityContext, `${w} config reloader`);
            assertRestrictedContainer(v.configReloader.securityContext, `${w} config reloader`);
        },
        /**
         * EXCEPTION: the Datadog node agent runs as root (chart default datadog.securityContext.runAsUser 0):
         * it reads the container runtime socket, /proc and cgroups of the host and every pod's log files,
         * which the agent image cannot do unprivileged. Its containers keep the chart's read-only root
         * filesystem. The Cluster Agent's container is read-only without privilege escalation (chart
         * defaults); its UID is the image's own user, not pinned here: the upstream data gives no numeric
         * UID for it, and runAsNonRoot with a named image user would make the kubelet refuse the pod.
         * The chart's container securityContexts have no `capabilities` key to set drop ALL on.
         */
        datadog: (v, w) => {
            assert.equal(v.datadog.securityContext.runAsUser, 0, `${w}: the node agent runs as root (host sockets, /proc, logs)`);
            for (const c of ["agent", "traceAgent", "processAgent"]) assert.equal(v.agents.containers[c].securityContext.readOnlyRootFilesystem, true, `${w} ${c}`);
            const ca = v.clusterAgent.containers.clusterAgent.securityContext;
            assert.equal(ca.readOnlyRootFilesystem, true, `${w} cluster agent`);
            assert.equal(ca.allowPrivilegeEscalation, false, `${w} cluster agent`);
        },
    };

    const ENVS: Case[] = [...SHIPPED.map((env) => ({ env, files: environmentStacks(STACKS_DIR, env).map(withKnownSecrets) })), ...["secdd", "secmim"].map((env) => ({ env, files: GENERATED[env] }))];
    const seen = new Set<string>();
    for (const c of ENVS) {
        it(`${c.env}: every chart it installs renders restricted containers (or its documented exception)`, async () => {
            const e = await evaluateEnvironment(c.env, { files: c.files });
            for (const ev of e.stacks) {
                for (const r of ev.resources.filter((x) => x.type === CHART)) {
                    const inputs = revealOrMask(r.inputs, true) as { chart: string; version: string; values?: unknown };
                    const check = CHECKS[inputs.chart];
                    assert.ok(check !== undefined, `${ev.stack} installs chart ${inputs.chart} (${r.name}) with no container security check`);
                    check(effectiveChartValues(inputs), `${ev.stack} ${r.name}`);
                    seen.add(inputs.chart);
                }
            }
        });
    }

    it("every chart with a check was actually seen in some environment (no check is dead)", () => {
        assert.deepEqual([...seen].sort(), Object.keys(CHECKS).sort());
    });

    it("the checks can fail: the chart's defaults alone, or one relaxed key, are caught", () => {
        assert.throws(() => CHECKS.prometheus(effectiveChartValues({ chart: "prometheus", version: "29.27.0", values: {} }), "defaults"), /readOnlyRootFilesystem|securityContext/);
        const relaxed = effectiveChartValues({ chart: "jaeger", version: "4.11.1", values: { jaeger: { podSecurityContext: { runAsUser: 0 }, securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } } } });
        assert.throws(() => CHECKS.jaeger(relaxed, "relaxed"), /runAsNonRoot|runAsUser/);
    });
});
