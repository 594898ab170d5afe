import { strict as assert } from "assert";
import { KubeObject, objectRef } from "../../infra/plan/kube-object";
import { CHART_TYPE } from "../../infra/plan/mock-runtime";
import { isClusterDnsUrl } from "../../infra/cross-cluster-endpoints";
import { validateObject } from "../support/kubernetes-schemas";
import { loadKumaCrds } from "../support/kuma-crds";
import { allContainers, commandLineFiles, configFileReferences, contentOf, filesUnder, keysOf, listeningPorts, probesOf, resolveFile, workloads } from "../support/pod-wiring";
import { clusterIdentity, kubernetesConfig, RenderedEnvironment, renderedShippedEnvironments, RenderedStack, SHIPPED_ENVIRONMENTS } from "../support/rendered-environments";

/**
 * The shipped environments as a cluster would receive them: every Helm release rendered by real
 * Helm (v4.1.4, from the packaged upstream charts) as Chart v4 expands it, next to the stack's own
 * objects, then validated and checked for wiring a mock-runtime test cannot see.
 */
const KUMA_CRDS = loadKumaCrds("2.14.3");

/**
 * Secrets the docs say the user creates (README: TLS for exposures, the Kong Mesh licence): named in
 * the stack files, never created by a stack.
 */
function userSecrets(s: RenderedStack): Set<string> {
    const names = new Set<string>();
    const walk = (v: unknown, key: string): void => {
        if (Array.isArray(v)) return v.forEach((x) => walk(x, key));
        if (typeof v === "object" && v !== null) return Object.entries(v).forEach(([k, x]) => walk(x, k));
        if (typeof v === "string" && /(tlsSecretName|licenseSecret)$/.test(key)) names.add(v);
    };
    for (const [k, v] of Object.entries(s.file.config)) walk(v.startsWith("{") || v.startsWith("[") ? JSON.parse(v) : v, k);
    return names;
}

describe("rendered manifests of every shipped environment (real Helm, Chart v4 semantics)", function () {
    this.timeout(300_000);
    let envs: RenderedEnvironment[] = [];
    before(async () => {
        envs = await renderedShippedEnvironments();
    });
    const stacks = () => envs.flatMap((e) => e.stacks);

    it("renders every release of local, prod and cloud, each to objects", () => {
        assert.deepEqual(
            envs.map((e) => e.env),
            ["cloud", "local", "prod"].filter((e) => SHIPPED_ENVIRONMENTS.includes(e)),
        );
        for (const s of stacks()) {
            const charts = s.evaluation.resources.filter((r) => r.type === CHART_TYPE);
            const releases = s.manifests.groups.filter((g) => g.from !== undefined);
            assert.equal(releases.length, charts.length, `${s.stack}: one rendered group per release`);
            for (const g of releases) assert.ok(g.objects.length > 0, `${s.stack}: release ${g.name} rendered no objects`);
            // Every workload kind the program means to run is really in the render.
            assert.ok(workloads(s.objects).length >= charts.length - 1, `${s.stack}: ${workloads(s.objects).length} workloads for ${charts.length} releases`);
        }
    });

    it("every object validates: built-in kinds against Kubernetes v1.33 schemas, kuma.io objects against the Kuma 2.14.3 CRDs", () => {
        const problems: string[] = [];
        let validated = 0;
        for (const s of stacks()) {
            for (const o of s.objects) {
                validated++;
                for (const p of validateObject(o, KUMA_CRDS)) problems.push(`${s.stack}: ${objectRef(o)}: ${p}`);
            }
        }
        assert.deepEqual(problems, []);
        assert.ok(validated > 250, `validated ${validated} objects`);
    });

    it("the validation rejects what a cluster would reject (a string containerPort, an unknown kuma.io field, an API removed before v1.33)", () => {
        const s = stacks().find((x) => x.stack === "local-zone-east")!;
        const sts = structuredClone(s.objects.find((o) => o.kind === "StatefulSet")!) as any;
        sts.spec.template.spec.containers[0].ports = [{ containerPort: "9090" }];
        assert.match(validateObject(sts, KUMA_CRDS).join(), /containerPort must be integer/);
        const policy = structuredClone(s.objects.find((o) => o.kind === "MeshMetric")!) as any;
        policy.spec.default.sidecarr = {};
        assert.match(validateObject(policy, KUMA_CRDS).join(), /additional properties/);
        assert.match(validateObject({ apiVersion: "policy/v1beta1", kind: "PodSecurityPolicy", metadata: { name: "x" } }, KUMA_CRDS).join(), /not an API of Kubernetes v1.33/);
    });

    it("the validation is strict, as server-side field validation is: a misspelt field of a rendered object is an unknown field, free-form fields are not checked", () => {
        const s = stacks().find((x) => x.stack === "local-zone-east")!;
        const sts = s.objects.find((o) => o.kind === "StatefulSet" && o.metadata.name === "zone-prometheus")!;
        assert.deepEqual(validateObject(sts, KUMA_CRDS), [], "as rendered");
        const misspelt = structuredClone(sts) as any;
        misspelt.spec.replica = misspelt.spec.replicas;
        delete misspelt.spec.replicas;
        misspelt.spec.template.spec.containers[0].securityContext.runAsUsr = 65534;
        misspelt.metadata.lables = { a: "b" };
        assert.deepEqual(validateObject(misspelt, KUMA_CRDS), ['unknown field "metadata.lables"', 'unknown field "spec.replica"', 'unknown field "spec.template.spec.containers[0].securityContext.runAsUsr"']);
        // Map keys (labels, ConfigMap data) and free-form JSON (a CRD's default values) are not fields.
        const cm = structuredClone(s.objects.find((o) => o.kind === "ConfigMap")!) as any;
        cm.data["any-key"] = "v";
        cm.metadata.labels = { ...cm.metadata.labels, "any/label": "v" };
        assert.deepEqual(validateObject(cm, KUMA_CRDS), []);
        const crd = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "xs.example.com" }, spec: { group: "example.com", names: { kind: "X", plural: "xs" }, scope: "Namespaced", versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", default: { anything: { nested: 1 } } } } } } }] } };
        assert.deepEqual(validateObject(crd, KUMA_CRDS), []);
        crd.spec.versions[0].schema.openAPIV3Schema.properties.spec = { type: "object", defualt: {} } as any;
        assert.deepEqual(validateObject(crd, KUMA_CRDS), ['unknown field "spec.versions[0].schema.openAPIV3Schema.properties.spec.defualt"']);
    });

    it("every namespaced object has a namespace, and each release's objects land in its release namespace or are cluster-scoped", () => {
        for (const s of stacks()) {
            const releaseNamespaces = new Map(
                s.evaluation.resources.filter((r) => r.type === CHART_TYPE).map((r) => [String(r.inputs.name), String(r.inputs.namespace)] as const),
            );
            for (const g of s.manifests.groups.filter((x) => x.from !== undefined)) {
                for (const o of g.objects) {
                    if (o.metadata.namespace !== undefined) assert.equal(o.metadata.namespace, releaseNamespaces.get(g.name), `${s.stack}: ${objectRef(o)} of release ${g.name}`);
                    else assert.match(o.kind, /^(ClusterRole|ClusterRoleBinding|CustomResourceDefinition|Namespace|PriorityClass|StorageClass|IngressClass|MutatingWebhookConfiguration|ValidatingWebhookConfiguration)$/, `${s.stack}: ${objectRef(o)}`);
                }
            }
        }
    });

    it("wiring: every file a container reads (flags, *_file keys, rule files, Alloy/collector/Jaeger/Loki/Grafana configs) is a key of a ConfigMap or Secret the stack creates", () => {
        const problems: string[] = [];
        let files = 0;
        for (const s of stacks()) {
            for (const w of workloads(s.objects)) {
                const ns = w.object.metadata.namespace!;
                for (const c of allContainers(w.pod)) {
                    const where = `${s.stack}: ${objectRef(w.object)} container ${c.name}`;
                    const pending = commandLineFiles(c);
                    const seen = new Set<string>();
                    while (pending.length > 0) {
                        const file = pending.shift()!;
                        if (seen.has(file)) continue;
                        seen.add(file);
                        if (file.includes("*")) {
                            const dir = file.slice(0, file.lastIndexOf("/"));
                            const glob = new RegExp(`^${file.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")}$`);
                            if (!filesUnder(w.pod, c, dir, s.objects, ns).some((f) => glob.test(f))) problems.push(`${where}: ${file} matches no key mounted at ${dir}`);
                            continue;
                        }
                        files++;
                        const source = resolveFile(w.pod, c, file, s.objects, ns);
                        if (typeof source === "string") {
                            problems.push(`${where}: ${source}`);
                            continue;
                        }
                        const object = s.objects.find((o) => o.kind === source.kind && o.metadata.name === source.name && o.metadata.namespace === ns)!;
                        pending.push(...configFileReferences(contentOf(object, source.key) ?? ""));
                    }
                    // subPath mounts are single files (Grafana's grafana.ini, datasources, dashboard providers): each must exist.
                    for (const m of c.volumeMounts ?? []) {
                        if (!m.subPath) continue;
                        const v = (w.pod.volumes ?? []).find((x) => x.name === m.name);
                        if (!v?.configMap && !v?.secret) continue;
                        files++;
                        const source = resolveFile(w.pod, c, m.mountPath, s.objects, ns);
                        if (typeof source === "string") problems.push(`${where}: ${source}`);
                    }
                }
            }
        }
        assert.deepEqual(problems, []);
        assert.ok(files > 40, `checked ${files} files`);
    });

    it("the file check fails for a key the Secret lacks, a path on no mount, and a mount that is not a ConfigMap or Secret", () => {
        const g = stacks().find((x) => x.stack === "local-global")!;
        const w = workloads(g.objects).find((x) => x.object.metadata.name === "global-prometheus")!;
        const c = w.pod.containers.find((x) => x.name === "prometheus-server")!;
        const ns = w.object.metadata.namespace!;
        const ok = resolveFile(w.pod, c, "/etc/prometheus/secrets/auth/web-config.yml", g.objects, ns);
        assert.deepEqual(ok, { kind: "Secret", name: "global-prometheus-auth", key: "web-config.yml", mountPath: "/etc/prometheus/secrets/auth" });
        const without = g.objects.map((o) => (o.kind === "Secret" && o.metadata.name === "global-prometheus-auth" ? { ...o, stringData: {}, data: {} } : o));
        assert.match(String(resolveFile(w.pod, c, "/etc/prometheus/secrets/auth/web-config.yml", without, ns)), /has no key web-config.yml/);
        assert.match(String(resolveFile(w.pod, c, "/etc/prometheus/other/web.yml", g.objects, ns)), /on no volume mount/);
        assert.match(String(resolveFile(w.pod, c, "/data/prometheus.yml", g.objects, ns)), /not a ConfigMap or Secret/);
    });

    it("wiring: the config files the issue names are really found and resolved (prometheus.yml, web config, password file, rules, Alloy, collector, Jaeger, Loki, Grafana)", () => {
        const resolved = new Set<string>();
        for (const s of stacks()) {
            for (const w of workloads(s.objects)) {
                for (const c of allContainers(w.pod)) {
                    for (const f of commandLineFiles(c)) {
                        const src = resolveFile(w.pod, c, f, s.objects, w.object.metadata.namespace!);
                        if (typeof src !== "string") {
                            resolved.add(f);
                            const o = s.objects.find((x) => x.kind === src.kind && x.metadata.name === src.name)!;
                            for (const g of configFileReferences(contentOf(o, src.key) ?? "")) resolved.add(g);
                        }
                    }
                }
            }
        }
        for (const f of [
            "/etc/config/prometheus.yml",
            "/etc/prometheus/secrets/auth/web-config.yml",
            "/etc/prometheus/secrets/remote-write/remote-write-password",
            "/etc/prometheus/rules/*.yml",
            "/etc/alloy/config.alloy",
            "/conf/relay.yaml",
            "/etc/jaeger/meshobs/config.yaml",
            "/etc/loki/config/config.yaml",
            "/etc/loki/runtime-config/runtime-config.yaml",
        ]) {
            assert.ok(resolved.has(f), `${f} among ${[...resolved].sort().join(", ")}`);
        }
    });

    it("wiring: every env var and envFrom from a Secret or ConfigMap names one the stack creates, with that key (or a Secret the docs have the user create)", () => {
        const problems: string[] = [];
        let refs = 0;
        for (const s of stacks()) {
            const user = userSecrets(s);
            for (const w of workloads(s.objects)) {
                const ns = w.object.metadata.namespace!;
                const find = (kind: string, name: string) => s.objects.find((o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === ns);
                for (const c of allContainers(w.pod)) {
                    const where = `${s.stack}: ${objectRef(w.object)} container ${c.name}`;
                    for (const e of c.env ?? []) {
                        for (const [field, kind] of [["secretKeyRef", "Secret"], ["configMapKeyRef", "ConfigMap"]] as const) {
                            const ref = e.valueFrom?.[field] as { name: string; key: string; optional?: boolean } | undefined;
                            if (ref === undefined) continue;
                            refs++;
                            const o = find(kind, ref.name);
                            if (o === undefined && !(kind === "Secret" && user.has(ref.name)) && ref.optional !== true) problems.push(`${where}: env ${e.name} reads ${kind} ${ns}/${ref.name}, which no stack creates`);
                            else if (o !== undefined && !keysOf(o).includes(ref.key)) problems.push(`${where}: env ${e.name} reads key ${ref.key} of ${objectRef(o)}, which has ${keysOf(o).join(", ")}`);
                        }
                    }
                    for (const ef of c.envFrom ?? []) {
                        const ref = ef.secretRef ? { kind: "Secret", ...ef.secretRef } : ef.configMapRef ? { kind: "ConfigMap", ...ef.configMapRef } : undefined;
                        if (ref === undefined) continue;
                        refs++;
                        if (find(ref.kind, ref.name) === undefined && ref.optional !== true && !user.has(ref.name)) problems.push(`${where}: envFrom ${ref.kind} ${ns}/${ref.name}, which no stack creates`);
                    }
                }
            }
        }
        assert.deepEqual(problems, []);
        assert.ok(refs >= 6, `checked ${refs} references`);
    });

    it("wiring: every probe hits a port its container listens on (declared ports, listen flags, endpoints in its config)", () => {
        const problems: string[] = [];
        let probes = 0;
        for (const s of stacks()) {
            for (const w of workloads(s.objects)) {
                const ns = w.object.metadata.namespace!;
                for (const c of allContainers(w.pod)) {
                    const configs = commandLineFiles(c).flatMap((f) => {
                        const src = resolveFile(w.pod, c, f, s.objects, ns);
                        if (typeof src === "string") return [];
                        return [contentOf(s.objects.find((o) => o.kind === src.kind && o.metadata.name === src.name && o.metadata.namespace === ns)!, src.key) ?? ""];
                    });
                    const listening = listeningPorts(c, configs);
                    for (const p of probesOf(c)) {
                        probes++;
                        const ok = typeof p.port === "number" ? listening.numbers.has(p.port) : listening.names.has(p.port);
                        if (!ok) problems.push(`${s.stack}: ${objectRef(w.object)} container ${c.name}: ${p.kind} port ${p.port}, listening on ${[...listening.numbers, ...listening.names].join(", ")}`);
                    }
                }
            }
        }
        assert.deepEqual(problems, []);
        assert.ok(probes > 40, `checked ${probes} probes`);
    });

    it("wiring: each URL the global exports and a zone uses resolves to a rendered Service (name, namespace, port), an Ingress host and path, a LoadBalancer or a NodePort for the configured host; cluster DNS only for zones in the global's cluster", () => {
        const problems: string[] = [];
        let used = 0;
        let crossCluster = 0;
        for (const e of envs) {
            const [global, ...zones] = e.stacks;
            const exported = Object.entries(global.evaluation.outputs).flatMap(([k, o]) => (typeof o.value === "string" && /^[a-z]+:\/\/[^\s]+$/.test(o.value) ? [[k, o.value] as const] : []));
            for (const [key, url] of exported) {
                const u = new URL(url);
                const users = zones.filter((z) => JSON.stringify(z.objects).includes(u.host));
                if (users.length === 0) continue;
                used++;
                const problem = resolveUrl(global, u);
                if (problem !== undefined) problems.push(`${e.env}: ${key} ${url} (used by ${users.map((z) => z.stack).join(", ")}): ${problem}`);
                // Cluster DNS resolves only inside the global's cluster; a render directory is no cluster, so zones there must not depend on it.
                const elsewhere = users.filter((z) => clusterOf(z) !== clusterOf(global));
                crossCluster += elsewhere.length;
                if (isClusterDnsUrl(url) && elsewhere.length > 0) problems.push(`${e.env}: ${key} ${url} is cluster DNS of ${clusterOf(global)}, used by ${elsewhere.map((z) => `${z.stack} (${clusterOf(z)})`).join(", ")}`);
            }
        }
        assert.deepEqual(problems, []);
        assert.ok(used >= 6, `checked ${used} exported URLs`);
        assert.ok(crossCluster >= 8, `checked ${crossCluster} uses across clusters`);
    });

    it("wiring: every Ingress path routes to a rendered Service port that a selected container declares", () => {
        const problems: string[] = [];
        let paths = 0;
        for (const s of stacks()) {
            for (const ing of s.objects.filter((o) => o.kind === "Ingress")) {
                for (const rule of (ing as any).spec.rules as Array<{ host: string; http: { paths: Array<{ path: string; backend: { service: { name: string; port: { number?: number; name?: string } } } }> } }>) {
                    for (const p of rule.http.paths) {
                        paths++;
                        const svc = s.objects.find((o) => o.kind === "Service" && o.metadata.name === p.backend.service.name && o.metadata.namespace === ing.metadata.namespace);
                        const problem = svc === undefined ? `Service ${p.backend.service.name} is not rendered` : servicePortProblem(s, svc, p.backend.service.port);
                        if (problem !== undefined) problems.push(`${s.stack}: ${objectRef(ing)} ${rule.host}${p.path}: ${problem}`);
                    }
                }
            }
        }
        assert.deepEqual(problems, []);
        assert.ok(paths >= 5, `checked ${paths} Ingress paths`);
    });

    it("the URL check fails for a Service port, Ingress path or target port that is not rendered", () => {
        const prod = envs.find((e) => e.env === "prod")!.stacks[0];
        assert.equal(resolveUrl(prod, new URL("http://global-prometheus.mesh-observability.svc.cluster.local:80/api/v1/write")), undefined);
        assert.match(String(resolveUrl(prod, new URL("http://global-prometheus.mesh-observability.svc.cluster.local:9090/"))), /no port 9090/);
        assert.match(String(resolveUrl(prod, new URL("https://loki-global.mesh.example.com/loki/api/v1/query"))), /no path/);
        assert.match(String(resolveUrl(prod, new URL("http://nowhere.mesh-observability.svc:80"))), /no Service/);
        const local = envs.find((e) => e.env === "local")!.stacks[0];
        assert.equal(resolveUrl(local, new URL("http://meshobs-east-control-plane:30090/api/v1/write")), undefined);
        assert.match(String(resolveUrl(local, new URL("http://meshobs-east-control-plane:30999/api/v1/write"))), /no Service, Ingress, LoadBalancer or NodePort is rendered for meshobs-east-control-plane:30999/);
        assert.match(String(resolveUrl(local, new URL("http://another-node:30090/api/v1/write"))), /no Service, Ingress, LoadBalancer or NodePort/);
        // The Jaeger v2 chart keeps v1's collector ports on its Service, but nothing listens there.
        assert.match(String(resolveUrl(prod, new URL("http://global-jaeger.mesh-observability.svc.cluster.local:14268"))), /targets 14268, which no container/);
    });
});

/** Why a Service port does not reach a container of a workload it selects (undefined when it does). */
function servicePortProblem(s: RenderedStack, svc: KubeObject, port: { number?: number; name?: string }): string | undefined {
    const spec = (svc as any).spec as { selector?: Record<string, string>; ports: Array<{ port: number; name?: string; targetPort?: number | string }> };
    const p = spec.ports.find((x) => (port.number !== undefined ? x.port === port.number : x.name === port.name));
    if (p === undefined) return `${objectRef(svc)} has no port ${port.number ?? port.name} (ports ${spec.ports.map((x) => x.port).join(", ")})`;
    if (spec.selector === undefined) return `${objectRef(svc)} selects no pods`;
    const selected = workloads(s.objects).filter(
        (w) => w.object.metadata.namespace === svc.metadata.namespace && Object.entries(spec.selector!).every(([k, v]) => (w.object as any).spec.template.metadata?.labels?.[k] === v),
    );
    if (selected.length === 0) return `${objectRef(svc)} selects no rendered workload (${JSON.stringify(spec.selector)})`;
    const target = p.targetPort ?? p.port;
    const ok = selected.some((w) => w.pod.containers.some((c) => (c.ports ?? []).some((cp) => (typeof target === "number" ? cp.containerPort === target : cp.name === target))));
    return ok ? undefined : `${objectRef(svc)} port ${p.port} targets ${target}, which no container of ${selected.map((w) => objectRef(w.object)).join(", ")} declares`;
}

/** The stack's cluster as its stack file names it (a render directory counts as a cluster of its own). */
function clusterOf(s: RenderedStack): string {
    return clusterIdentity(s.file);
}

/** Why a URL does not reach a rendered Service, Ingress, LoadBalancer or NodePort of the stack (undefined when it does). */
function resolveUrl(s: RenderedStack, u: URL): string | undefined {
    const port = Number(u.port || (u.protocol === "https:" ? 443 : 80));
    const clusterDns = /^([a-z0-9-]+)\.([a-z0-9-]+)(\.svc(\.cluster\.local)?)?$/.exec(u.hostname);
    const services = s.objects.filter((o) => o.kind === "Service");
    if (clusterDns && !u.hostname.includes("example") && (clusterDns[3] !== undefined || services.some((x) => x.metadata.namespace === clusterDns[2]))) {
        const svc = services.find((x) => x.metadata.name === clusterDns[1] && x.metadata.namespace === clusterDns[2]);
        if (svc === undefined) return `no Service ${clusterDns[2]}/${clusterDns[1]} is rendered`;
        return servicePortProblem(s, svc, { number: port });
    }
    if (u.hostname.endsWith(".amazonaws.com")) {
        return s.evaluation.resources.some((r) => r.type === "aws:amp/workspace:Workspace") ? undefined : "an AWS endpoint, but the stack creates no AMP workspace";
    }
    const ingresses = s.objects.filter((o) => o.kind === "Ingress");
    const rules = ingresses.flatMap((i) => ((i as any).spec.rules as Array<{ host: string; http: { paths: Array<{ path: string; backend: { service: { name: string; port: { number?: number; name?: string } } } }> } }>).map((r) => ({ i, r })));
    const hostRules = rules.filter(({ r }) => r.host === u.hostname);
    if (hostRules.length > 0) {
        if (u.protocol === "https:" && !hostRules.some(({ i }) => ((i as any).spec.tls ?? []).some((t: { hosts: string[] }) => t.hosts.includes(u.hostname)))) return `Ingress for ${u.hostname} has no TLS for it`;
        // The client may append to the path (OTLP/HTTP adds /v1/traces, /v1/logs): either one is a prefix of the other.
        const match = hostRules.flatMap(({ i, r }) => r.http.paths.map((p) => ({ i, p }))).find(({ p }) => u.pathname.startsWith(p.path) || p.path.startsWith(u.pathname.replace(/\/$/, "") || "/"));
        if (match === undefined) return `Ingress for ${u.hostname} has no path for ${u.pathname}`;
        const backend = match.p.backend.service;
        const svc = services.find((x) => x.metadata.name === backend.name && x.metadata.namespace === match.i.metadata.namespace);
        if (svc === undefined) return `Ingress ${match.i.metadata.name} routes to Service ${backend.name}, which is not rendered`;
        const problem = servicePortProblem(s, svc, backend.port);
        return problem === undefined ? undefined : `Ingress ${match.i.metadata.name}: ${problem}`;
    }
    const configured = JSON.stringify(kubernetesConfig(s.file) ?? {}) + Object.values(s.file.config).join("\n");
    const lb = services.find((x) => (x as any).spec.type === "LoadBalancer" && ((x as any).spec.ports as Array<{ port: number }>).some((p) => p.port === port));
    if (lb !== undefined && configured.includes(`"host":"${u.hostname}"`)) return servicePortProblem(s, lb, { number: port });
    // A node port: the configured host is a node's name, the URL's port the Service's nodePort.
    const nodePorts = services.flatMap((x) => ((x as any).spec.type === "NodePort" ? ((x as any).spec.ports as Array<{ port: number; nodePort?: number }>).filter((p) => p.nodePort === port).map((p) => ({ svc: x, p })) : []));
    if (nodePorts.length > 1) return `${nodePorts.length} Services claim node port ${port}: ${nodePorts.map(({ svc }) => objectRef(svc)).join(", ")}`;
    if (nodePorts.length === 1 && configured.includes(`"host":"${u.hostname}"`)) return servicePortProblem(s, nodePorts[0].svc, { number: nodePorts[0].p.port });
    return `no Service, Ingress, LoadBalancer or NodePort is rendered for ${u.host}`;
}

