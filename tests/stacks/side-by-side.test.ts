import { strict as assert } from "assert";
import { PROJECT } from "../../infra/plan/evaluate-stack";
import { KubeObject, objectRef } from "../../infra/plan/kube-object";
import { environmentStacks, securePlaceholder, StackFile } from "../../infra/plan/stack-files";
import { DEFAULT_NAMESPACE } from "../../infra/config/primitives";
import { CLUSTER_SCOPED_KINDS } from "../../infra/plan/chart-template";
import { controlPlaneNamespace } from "../../components/mesh/control-plane";
import { validateObject } from "../support/kubernetes-schemas";
import { loadKumaCrds } from "../support/kuma-crds";
import { allContainers, workloads } from "../support/pod-wiring";
import { clusterIdentity, RenderedEnvironment, renderEnvironment, renderedShippedEnvironments, RenderedStack, STACKS_DIR } from "../support/rendered-environments";
import { withConfigKey } from "../support/stack-file";

/**
 * Stacks that land in one cluster must be deployable side by side: pulumi-kubernetes creates with a
 * plain create (upsertExistingObjects is false by default), so an object two stacks both create fails
 * the second `pulumi up` with AlreadyExists; two DaemonSets writing one hostPath share state; an
 * object in a namespace nobody creates fails with "namespace not found".
 */

/** Namespaces every cluster has (Kubernetes docs, "Initial namespaces"). */
const SYSTEM_NAMESPACES = new Set(["default", "kube-system", "kube-public", "kube-node-lease"]);

/** `<kind> <namespace>/<name>`, or `<kind> <name>` for cluster-scoped kinds: what two stacks must not both create. */
function identityKey(o: KubeObject): string {
    return CLUSTER_SCOPED_KINDS.has(o.kind) ? `${o.kind} ${o.metadata.name}` : objectRef(o);
}

/** hostPaths a workload mounts writable (read-only shares such as /var/log for log agents are fine). */
function writableHostPaths(s: RenderedStack): Map<string, string> {
    const out = new Map<string, string>();
    for (const w of workloads(s.objects)) {
        for (const v of w.pod.volumes ?? []) {
            if (!v.hostPath) continue;
            const writable = allContainers(w.pod).some((c) => (c.volumeMounts ?? []).some((m) => m.name === v.name && m.readOnly !== true));
            if (writable) out.set(v.hostPath.path, `${s.stack}: ${objectRef(w.object)} volume ${v.name}`);
        }
    }
    return out;
}

/** Node ports a stack's Services claim: one port space per cluster, so a second claim fails that Service. */
function nodePorts(s: RenderedStack): Map<number, string> {
    const out = new Map<number, string>();
    for (const svc of s.objects.filter((o) => o.kind === "Service")) {
        for (const p of ((svc as any).spec.ports ?? []) as Array<{ nodePort?: number }>) if (p.nodePort !== undefined) out.set(p.nodePort, `${s.stack}: ${objectRef(svc)}`);
    }
    return out;
}

/** What stacks sharing one cluster would collide on: objects, cluster-scoped names, writable hostPaths, node ports. */
function collisions(stacks: readonly RenderedStack[]): string[] {
    const owners = new Map<string, string>();
    const hostPaths = new Map<string, string>();
    const ports = new Map<number, string>();
    const out: string[] = [];
    for (const s of stacks) {
        for (const [port, where] of nodePorts(s)) {
            const other = ports.get(port);
            if (other !== undefined) out.push(`node port ${port}: ${other} and ${where}`);
            else ports.set(port, where);
        }
        for (const key of new Set(s.objects.map(identityKey))) {
            const other = owners.get(key);
            if (other !== undefined) out.push(`${key}: created by ${other} and ${s.stack}`);
            else owners.set(key, s.stack);
        }
        for (const [p, where] of writableHostPaths(s)) {
            const other = hostPaths.get(p);
            if (other !== undefined) out.push(`hostPath ${p}: ${other} and ${where}`);
            else hostPaths.set(p, where);
        }
    }
    return out;
}

/** Whether a stack installs its control plane (mesh.install.enabled); when it does not, the user's Kuma install made its namespace. */
function installsControlPlane(file: StackFile): boolean {
    const mesh = file.config[`${PROJECT}:mesh`];
    return mesh !== undefined && JSON.parse(mesh).install?.enabled === true;
}

function meshProduct(file: StackFile): "kuma" | "kong-mesh" {
    const mesh = file.config[`${PROJECT}:mesh`];
    return mesh !== undefined && JSON.parse(mesh).product === "kong-mesh" ? "kong-mesh" : "kuma";
}

/** Namespaces objects land in that no stack in the cluster creates and the cluster does not have by itself. */
function missingNamespaces(stacks: readonly RenderedStack[]): string[] {
    const created = new Set(stacks.flatMap((s) => s.objects.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name)));
    const out: string[] = [];
    for (const s of stacks) {
        // A zone whose control plane the user installed (mesh.install off) has its namespace from that install.
        const external = s.stack.includes("-zone-") && !installsControlPlane(s.file) ? controlPlaneNamespace(meshProduct(s.file)) : undefined;
        // A namespace on a cluster-scoped object (the kuma chart sets one on its webhook configurations) is ignored by the API server.
        const used = new Set(s.objects.flatMap((o) => (o.metadata.namespace !== undefined && !CLUSTER_SCOPED_KINDS.has(o.kind) ? [o.metadata.namespace] : [])));
        for (const ns of used) {
            if (!created.has(ns) && !SYSTEM_NAMESPACES.has(ns) && ns !== external) out.push(`${s.stack}: namespace ${ns} is used but no stack in its cluster creates it`);
        }
    }
    return out;
}

/** Stacks grouped by the cluster they deploy to. */
function byCluster(env: RenderedEnvironment): Map<string, RenderedStack[]> {
    const groups = new Map<string, RenderedStack[]>();
    for (const s of env.stacks) groups.set(clusterIdentity(s.file), [...(groups.get(clusterIdentity(s.file)) ?? []), s]);
    return groups;
}

/**
 * A zone in the global's own namespace cannot share the global's cluster: the one-cluster check
 * (infra/cluster-identity.ts, tested in one-cluster-per-zone.test.ts) refuses it before any resource. Such a
 * pair would create that Namespace twice, and nothing else; every other object must stay apart.
 */
function sameNamespaceObject(collision: string, global: RenderedStack, zone: RenderedStack): boolean {
    const ns = (f: StackFile) => JSON.parse(JSON.stringify(f.config[`${PROJECT}:namespace`] ?? DEFAULT_NAMESPACE)) as string;
    return ns(global.file) === ns(zone.file) && collision.startsWith(`Namespace ${ns(zone.file)}: created by `);
}

describe("side by side: stacks that share a cluster can all be deployed", function () {
    this.timeout(300_000);
    let envs: RenderedEnvironment[] = [];
    before(async () => {
        envs = await renderedShippedEnvironments();
    });

    it("stacks with the same cluster identity (kube context, EKS cluster, render directory) never create the same object, cluster-scoped name, writable hostPath or node port", () => {
        const problems: string[] = [];
        for (const e of envs) {
            for (const [cluster, stacks] of byCluster(e)) for (const c of collisions(stacks)) problems.push(`${e.env} (${cluster}): ${c}`);
        }
        assert.deepEqual(problems, []);
    });

    it("no two zones of an environment deploy to one cluster (a Kuma zone is one cluster)", () => {
        for (const e of envs) {
            for (const [cluster, stacks] of byCluster(e)) {
                const zones = stacks.filter((s) => s.stack.includes("-zone-")).map((s) => s.stack);
                assert.ok(zones.length <= 1, `${e.env}: zones ${zones.join(", ")} all deploy to ${cluster}`);
            }
        }
    });

    it("the global may share a cluster with any one zone without colliding (a zone in the global's namespace is refused up front)", () => {
        const problems: string[] = [];
        for (const e of envs) {
            const [global, ...zones] = e.stacks;
            for (const z of zones) for (const c of collisions([global, z])) if (!sameNamespaceObject(c, global, z)) problems.push(`${e.env}: ${c}`);
        }
        assert.deepEqual(problems, []);
    });

    it("the collision check sees what two local zones in one cluster would share (the mesh policies; Alloy's names and hostPath carry the zone)", () => {
        const local = envs.find((e) => e.env === "local")!;
        const [, east, west] = local.stacks;
        const found = collisions([east, west]);
        assert.ok(found.includes("MeshMetric kuma-system/meshobs-metrics-default: created by local-zone-east and local-zone-west"), found.join("\n"));
        assert.ok(!found.some((f) => f.startsWith("ClusterRole ") || f.startsWith("hostPath ")), found.join("\n"));
        assert.ok(!found.some((f) => f.startsWith("hostPath /var/log")), "read-only /var/log is shared by every log agent");
    });

    it("the collision check sees node ports: local's global claims 30090, 30318 and 30100 on its cluster", () => {
        const [global] = envs.find((e) => e.env === "local")!.stacks;
        assert.deepEqual([...nodePorts(global).keys()].sort(), [30090, 30100, 30318]);
        const twice = collisions([global, { ...global, stack: "another-global", objects: global.objects.filter((o) => o.kind === "Service") }]);
        assert.deepEqual(twice.filter((c) => c.startsWith("node port ")).length, 3, twice.join("\n"));
    });

    it("every namespace an object lands in is created by a stack in its cluster, is a system namespace, or is the control plane's own (installed by the user)", () => {
        const problems: string[] = [];
        for (const e of envs) for (const stacks of byCluster(e).values()) problems.push(...missingNamespaces(stacks));
        assert.deepEqual(problems, []);
    });

    describe("zones that install their control plane (mesh.install.enabled): kuma 2.14.3, and kong-mesh 2.9.2 through its kuma 2.9.2 stand-in", () => {
        let env: RenderedEnvironment;
        before(async () => {
            // local's zones, east installing kuma and west kong-mesh.
            const [global, east, west] = environmentStacks(STACKS_DIR, "local");
            const install = (file: StackFile, mesh: Record<string, unknown>): StackFile => withConfigKey(file, "mesh", mesh);
            const kdsGlobalAddress = "grpcs://kds.mesh.example.com:5685";
            const LICENSE_KEY = `${PROJECT}:kongMeshLicense`;
            env = await renderEnvironment("local", [
                global,
                install(east, { product: "kuma", version: "2.14.3", install: { enabled: true, kdsGlobalAddress } }),
                install(
                    { ...west, config: { ...west.config, [LICENSE_KEY]: securePlaceholder(LICENSE_KEY) }, secretKeys: [...west.secretKeys, LICENSE_KEY] },
                    { product: "kong-mesh", version: "2.9.2", install: { enabled: true, kdsGlobalAddress, licenseSecret: "kong-mesh-license" } },
                ),
            ]);
        });

        it("renders the control plane releases: kuma from its archive, kong-mesh from the kuma chart it wraps, values unwrapped from kuma:", () => {
            const kuma = env.stacks[1].manifests.groups.find((g) => g.name === "kuma")!;
            assert.match(kuma.from!, /kuma-2\.14\.3\.tgz$/);
            assert.equal(kuma.standIn, undefined);
            const kong = env.stacks[2].manifests.groups.find((g) => g.name === "kong-mesh")!;
            assert.match(kong.from!, /kuma-2\.9\.2\.tgz$/);
            assert.match(kong.standIn!, /kong-mesh 2\.9\.2 has no archive .* rendered the kuma 2\.9\.2 chart it wraps, with the values under `kuma:`/);
            // The unwrapped values reached the chart: the zone name and KDS address are in the control plane's config.
            // The stand-in names its objects as the kuma chart does (kuma-control-plane): kong-mesh's own defaults are not in it.
            const cp = kong.objects.find((o) => o.kind === "Deployment")!;
            const env2 = (cp as any).spec.template.spec.containers[0].env as Array<{ name: string; value?: string; valueFrom?: unknown }>;
            assert.equal(env2.find((v) => v.name === "KUMA_MULTIZONE_ZONE_GLOBAL_ADDRESS")?.value, "grpcs://kds.mesh.example.com:5685");
            assert.equal(env2.find((v) => v.name === "KUMA_MULTIZONE_ZONE_NAME")?.value, "west");
            assert.deepEqual(env2.find((v) => v.name === "KMESH_LICENSE_INLINE")?.valueFrom, { secretKeyRef: { name: "kong-mesh-license", key: "license.json" } });
        });

        it("Chart v4 semantics: hooks skipped (the pre-install namespace patch job is absent), CRDs included, the release namespace applied", () => {
            const kuma = env.stacks[1].manifests.groups.find((g) => g.name === "kuma")!;
            assert.ok(!kuma.objects.some((o) => o.metadata.annotations?.["helm.sh/hook"] !== undefined), "no hook objects");
            assert.ok(!kuma.objects.some((o) => o.kind === "Job"), "no hook Jobs");
            const crds = kuma.objects.filter((o) => o.kind === "CustomResourceDefinition").map((o) => o.metadata.name);
            assert.ok(crds.includes("meshmetrics.kuma.io") && crds.length > 20, crds.join());
            for (const o of kuma.objects) if (!CLUSTER_SCOPED_KINDS.has(o.kind)) assert.equal(o.metadata.namespace, "kuma-system", objectRef(o));
        });

        it("every object of the control plane releases validates", () => {
            const crds = loadKumaCrds("2.14.3");
            const problems = env.stacks.slice(1).flatMap((s) => s.objects.flatMap((o) => validateObject(o, crds).map((p) => `${s.stack}: ${objectRef(o)}: ${p}`)));
            assert.deepEqual(problems, []);
        });

        it("the control plane namespace is created by the stack that installs into it (Chart v4 skips the chart's namespace hook)", () => {
            assert.deepEqual(env.stacks.slice(1).flatMap((z) => missingNamespaces([env.stacks[0], z])), []);
            for (const [z, ns] of [[env.stacks[1], "kuma-system"], [env.stacks[2], "kong-mesh-system"]] as const) {
                const created = z.objects.find((o) => o.kind === "Namespace" && o.metadata.name === ns);
                assert.ok(created, `${z.stack} creates Namespace ${ns}`);
                assert.equal(created.metadata.labels?.["kuma.io/sidecar-injection"], "false");
            }
        });
    });
});
