import { strict as assert } from "assert";
import { globalConfigSchema } from "../../infra/config/global-schema";
import { zoneConfigSchema } from "../../infra/config/zone-schema";
import { main } from "../../infra/main";
import { evaluateEnvironment } from "../../infra/plan/evaluate-environment";
import { mockProviders, recordUnderMocks } from "../../infra/plan/mock-runtime";
import { PROJECT } from "../../infra/plan/evaluate-stack";
import { StackFile } from "../../infra/plan/stack-files";
import { parseStackName } from "../../infra/stack-identity";
import { zoneDecisions } from "../support/fixtures";

const P = PROJECT;
const validZone = { [`${P}:mesh`]: JSON.stringify({ version: "2.14.3" }) };
const validGlobal = { [`${P}:zones`]: JSON.stringify(["east"]) };

function stackFile(stack: string, config: Record<string, string>): StackFile {
    return { stack, identity: parseStackName(stack), file: `stacks/Pulumi.${stack}.yaml`, config, secretKeys: [] };
}

/**
 * Runs the program under mocks; returns the error and how many resources were registered.
 * A StackReference answers with `globalOutputs` and is not counted: it reads, it creates nothing.
 */
async function failure(stack: string, config: Record<string, string>, globalOutputs: object = {}): Promise<{ message: string; registered: number }> {
    const run = await recordUnderMocks(
        {
            stack,
            config: { values: config },
            mocks: mockProviders({ resources: { "pulumi:pulumi:StackReference": (a) => ({ id: a.name, state: { name: a.name, outputs: globalOutputs, secretOutputNames: [] } }) } }),
        },
        main,
    );
    if (run.error === undefined) throw new Error(`stack ${stack} with ${JSON.stringify(config)} did not fail`);
    return { message: (run.error as Error).message, registered: run.resources.filter((r) => r.type !== "pulumi:pulumi:StackReference").length };
}

describe("stack config validation", () => {
    const cases: Array<[string, string, Record<string, string>, RegExp]> = [
        ["an unknown key", "test-global", { ...validGlobal, [`${P}:zonez`]: "[]" }, /mesh-observability:zonez: unknown key; allowed keys here: kubernetes, namespace, zones, metrics, globalPrometheus/],
        ["an unknown nested key", "test-global", { ...validGlobal, [`${P}:globalPrometheus`]: JSON.stringify({ retension: "1d" }) }, /globalPrometheus\.retension: unknown key; allowed keys here: retention,/],
        ["a zone name that is not a DNS label", "test-global", { [`${P}:zones`]: JSON.stringify(["east", "West_1"]) }, /zones\[1\]: "West_1" is not a DNS label; allowed: 1-63 lower-case letters/],
        ["duplicate zones", "test-global", { [`${P}:zones`]: JSON.stringify(["east", "west", "east"]) }, /zones\[2\]: duplicate zone "east"; allowed: each zone once/],
        ["a missing required key (zones)", "test-global", {}, /mesh-observability:zones: required key is missing/],
        ["a missing required key (mesh.version)", "test-zone-east", { [`${P}:mesh`]: JSON.stringify({ product: "kuma" }) }, /mesh-observability:mesh\.version: required key is missing/],
        ["a URL without scheme", "test-zone-east", { [`${P}:mesh`]: JSON.stringify({ version: "2.14.3", controlPlane: { madsUrl: "kuma-control-plane.kuma-system:5676" } }) }, /mesh\.controlPlane\.madsUrl: "kuma-control-plane\.kuma-system:5676" is not an absolute URL with a scheme; allowed: http:\/\//],
        ["a retention that is not a duration", "test-global", { ...validGlobal, [`${P}:globalPrometheus`]: JSON.stringify({ retention: "2 weeks" }) }, /globalPrometheus\.retention: "2 weeks" is not a positive Prometheus duration; allowed: .*15d/],
        ["an out-of-order window that is not a duration", "test-global", { ...validGlobal, [`${P}:globalPrometheus`]: JSON.stringify({ outOfOrderTimeWindow: "3 hours" }) }, /mesh-observability:globalPrometheus\.outOfOrderTimeWindow: "3 hours" is not a Prometheus duration; allowed: .*1h30m/],
        ["a zone retention that is not a duration", "test-zone-east", { ...validZone, [`${P}:zonePrometheus`]: JSON.stringify({ retention: "48" }) }, /zonePrometheus\.retention: "48" is not a positive Prometheus duration/],
        ["an unknown mesh product", "test-zone-east", { [`${P}:mesh`]: JSON.stringify({ version: "2.14.3", product: "istio" }) }, /mesh\.product: "istio" is not allowed; allowed: "kuma", "kong-mesh"/],
        ["an unknown exposure type", "test-global", { ...validGlobal, [`${P}:globalPrometheus`]: JSON.stringify({ exposure: { type: "nodeport" } }) }, /exposure\.type: .* matches no variant; allowed: \{type: "cluster-dns"\} \| \{type: "load-balancer", host/],
        ["an ingress without host", "test-global", { ...validGlobal, [`${P}:globalPrometheus`]: JSON.stringify({ exposure: { type: "ingress" } }) }, /exposure\.host: required key is missing/],
        ["a `zone` external label", "test-zone-east", { ...validZone, [`${P}:zonePrometheus`]: JSON.stringify({ externalLabels: { zone: "x" } }) }, /externalLabels: `zone` is set from the stack name/],
        ["a non-zero fetch_timeout on mesh 2.6.x", "test-zone-east", { [`${P}:mesh`]: JSON.stringify({ version: "2.6.2" }), [`${P}:zonePrometheus`]: JSON.stringify({ discovery: { fetchTimeout: "1m" } }) }, /discovery\.fetchTimeout: 1m triggers the mesh 2\.6\.x MADS long-polling bug/],
        ["both render directory and context", "test-global", { ...validGlobal, [`${P}:kubernetes`]: JSON.stringify({ renderYamlToDirectory: "x", context: "y" }) }, /kubernetes: renderYamlToDirectory, context and eks are mutually exclusive; allowed: exactly one of them/],
        ["datadog backends without settings or keys", "test-global", { ...validGlobal, [`${P}:traces`]: JSON.stringify({ backend: "datadog" }) }, /datadog: required when traces or logs use datadog[\s\S]*datadogApiKey: required when traces or logs use datadog; set it with `pulumi config set --secret datadogApiKey <key>`[\s\S]*datadogAppKey: required/],
        ["a Datadog API key in plaintext", "test-global", { ...validGlobal, [`${P}:logs`]: JSON.stringify({ backend: "datadog" }), [`${P}:datadog`]: JSON.stringify({}), [`${P}:datadogApiKey`]: "abc", [`${P}:datadogAppKey`]: "def" }, /mesh-observability:datadogApiKey: is stored in plaintext; allowed: a secret, set with `pulumi config set --secret datadogApiKey <value>`[\s\S]*datadogAppKey: is stored in plaintext/],
        ["an unknown traces backend", "test-global", { ...validGlobal, [`${P}:traces`]: JSON.stringify({ backend: "zipkin" }) }, /traces\.backend: "zipkin" is not allowed; allowed: "jaeger", "datadog", "none"/],
        ["a Datadog site that is not one", "test-global", { ...validGlobal, [`${P}:datadog`]: JSON.stringify({ site: "datadog.com" }) }, /datadog\.site: .*allowed: datadoghq\.com, datadoghq\.eu/],
        ["a no-data window Datadog cannot evaluate", "test-global", { ...validGlobal, [`${P}:datadog`]: JSON.stringify({ noDataMinutes: 5 }) }, /datadog\.noDataMinutes: .*10/],
        ["two Loki replicas", "test-global", { ...validGlobal, [`${P}:logs`]: JSON.stringify({ backend: "loki", loki: { replicas: 2, storage: { type: "s3", bucket: "b", region: "r" } } }) }, /logs\.loki\.replicas: 2 replicas cannot tolerate a failure/],
        ["several Loki replicas on filesystem storage", "test-global", { ...validGlobal, [`${P}:logs`]: JSON.stringify({ backend: "loki", loki: { replicas: 3 } }) }, /logs\.loki\.replicas: 3 replicas need shared object storage; allowed: 1 with filesystem storage, or storage\.type s3/],
        ["a Loki retention under 24h", "test-global", { ...validGlobal, [`${P}:logs`]: JSON.stringify({ backend: "loki", loki: { retention: "12h" } }) }, /logs\.loki\.retention: "12h" is shorter than 24h/],
        ["a badger retention in days (Go durations have none)", "test-global", { ...validGlobal, [`${P}:traces`]: JSON.stringify({ backend: "jaeger", jaeger: { storage: { type: "badger", retention: "7d" } } }) }, /traces\.jaeger\.storage\.retention: "7d" is not a positive Go duration; allowed: e\.g\. 72h/],
        ["a control plane install without KDS address", "test-zone-east", { [`${P}:mesh`]: JSON.stringify({ version: "2.14.3", install: { enabled: true } }) }, /mesh\.install\.kdsGlobalAddress: required when mesh\.install\.enabled/],
        ["a Kong Mesh install without licence", "test-zone-east", { [`${P}:mesh`]: JSON.stringify({ product: "kong-mesh", version: "2.9.2", install: { enabled: true, kdsGlobalAddress: "grpcs://kds.example.com:5685" } }) }, /mesh-observability:kongMeshLicense: required: installing Kong Mesh needs its licence/],
        ["a KDS address that is not grpcs://host:port", "test-zone-east", { [`${P}:mesh`]: JSON.stringify({ version: "2.14.3", install: { enabled: true, kdsGlobalAddress: "kds.example.com" } }) }, /mesh\.install\.kdsGlobalAddress: "kds\.example\.com" is not a KDS address; allowed: grpcs:\/\/host:port/],
        ["a mesh listed twice", "test-zone-east", { [`${P}:mesh`]: JSON.stringify({ version: "2.14.3", meshes: ["default", "default"] }) }, /mesh\.meshes\[1\]: duplicate mesh "default"; allowed: each mesh once/],
        ["an unknown Prometheus placement", "test-zone-east", { ...validZone, [`${P}:policies`]: JSON.stringify({ prometheusPlacement: "sidecar" }) }, /policies\.prometheusPlacement: "sidecar" is not allowed; allowed: "inside-mesh", "outside-mesh", "outside-mesh-tls"/],
        ["a sampling percentage over 100", "test-zone-east", { ...validZone, [`${P}:policies`]: JSON.stringify({ tracingSamplingPercent: 150 }) }, /policies\.tracingSamplingPercent: /],
        ["policies on a mesh older than 2.6", "test-zone-east", { [`${P}:mesh`]: JSON.stringify({ version: "2.5.1" }) }, /policies\.enabled: mesh 2\.5\.1 has no MeshMetric nor zone-originated policies \(2\.6\+\); allowed: false/],
        ["a malformed globalStack", "test-zone-east", { ...validZone, [`${P}:globalStack`]: "test-global" }, /globalStack: "test-global" is not a fully qualified stack name; allowed: <organization>\/<project>\/<stack>/],
        ["a globalSourceCidrs entry with a prefix over 32", "test-zone-east", { ...validZone, [`${P}:networkPolicies`]: JSON.stringify({ enabled: true, globalSourceCidrs: ["203.0.113.10/32", "10.0.0.0/33"] }) }, /mesh-observability:networkPolicies\.globalSourceCidrs\[1\]: "10\.0\.0\.0\/33" is not a CIDR; allowed: e\.g\. 10\.0\.0\.0\/8 or fd00::\/8/],
        ["a globalSourceCidrs entry without prefix length", "test-zone-east", { ...validZone, [`${P}:networkPolicies`]: JSON.stringify({ globalSourceCidrs: ["203.0.113.10"] }) }, /mesh-observability:networkPolicies\.globalSourceCidrs\[0\]: "203\.0\.113\.10" is not a CIDR; allowed:/],
        ["globalSourceCidrs as a string", "test-zone-east", { ...validZone, [`${P}:networkPolicies`]: JSON.stringify({ globalSourceCidrs: "203.0.113.0/24" }) }, /mesh-observability:networkPolicies\.globalSourceCidrs: "203\.0\.113\.0\/24" is not a list of CIDRs; allowed: a YAML list such as \[10\.0\.0\.0\/8, fd00::\/8\]/],
        ["an apiServerCidrs entry that is a hostname", "test-zone-east", { ...validZone, [`${P}:networkPolicies`]: JSON.stringify({ apiServerCidrs: ["kubernetes.default/32"] }) }, /mesh-observability:networkPolicies\.apiServerCidrs\[0\]: "kubernetes\.default\/32" is not a CIDR; allowed: e\.g\. 10\.0\.0\.0\/8 or fd00::\/8/],
        ["an apiServerCidrs IPv6 entry with a zone index", "test-zone-east", { ...validZone, [`${P}:networkPolicies`]: JSON.stringify({ apiServerCidrs: ["fe80::1%eth0/64"] }) }, /mesh-observability:networkPolicies\.apiServerCidrs\[0\]: "fe80::1%eth0\/64" is not a CIDR/],
        ["an unknown key under the zone's networkPolicies", "test-zone-east", { ...validZone, [`${P}:networkPolicies`]: JSON.stringify({ enabled: true, grafanaUiCidrs: [] }) }, /mesh-observability:networkPolicies\.grafanaUiCidrs: unknown key; allowed keys here: enabled, globalSourceCidrs, apiServerCidrs/],
        ["a grafanaUiCidrs octet over 255 (same CIDR check as the zone)", "test-global", { ...validGlobal, [`${P}:networkPolicies`]: JSON.stringify({ grafanaUiCidrs: ["300.0.0.0/8"] }) }, /mesh-observability:networkPolicies\.grafanaUiCidrs\[0\]: "300\.0\.0\.0\/8" is not a CIDR; allowed: e\.g\. 10\.0\.0\.0\/8 or fd00::\/8/],
        ["a credential for an undeclared zone", "test-global", { ...validGlobal, [`${P}:globalPrometheus`]: JSON.stringify({ zoneCredentials: { west: { active: 2 } } }) }, /mesh-observability:globalPrometheus\.zoneCredentials\.west: zone "west" is not in zones \(a removed zone keeps no credential\); allowed: east/],
        ["a standby generation equal to the active one", "test-global", { ...validGlobal, [`${P}:globalPrometheus`]: JSON.stringify({ zoneCredentials: { east: { active: 2, standby: 2 } } }) }, /mesh-observability:globalPrometheus\.zoneCredentials\.east\.standby: 2 is the active generation; allowed: another generation \(the next one before the zone switches, the old one right after\), or unset/],
        ["a generation that is not a positive integer", "test-global", { ...validGlobal, [`${P}:globalPrometheus`]: JSON.stringify({ zoneCredentials: { east: { active: 1.5 } } }) }, /mesh-observability:globalPrometheus\.zoneCredentials\.east\.active: 1\.5 is not a generation; allowed: a positive integer/],
        ["a credential without active generation", "test-global", { ...validGlobal, [`${P}:globalPrometheus`]: JSON.stringify({ zoneCredentials: { east: { standby: 1 } } }) }, /mesh-observability:globalPrometheus\.zoneCredentials\.east\.active: required key is missing/],
        ["an unknown key in a zone credential", "test-global", { ...validGlobal, [`${P}:globalPrometheus`]: JSON.stringify({ zoneCredentials: { east: { active: 2, next: 3 } } }) }, /mesh-observability:globalPrometheus\.zoneCredentials\.east\.next: unknown key; allowed keys here: active, standby/],
        ["a load balancer sourceRanges entry with prefix 99", "test-global", { ...validGlobal, [`${P}:globalPrometheus`]: JSON.stringify({ exposure: { type: "load-balancer", host: "p.example.com", sourceRanges: ["10.0.0.0/99"] } }) }, /mesh-observability:globalPrometheus\.exposure\.sourceRanges\[0\]: "10\.0\.0\.0\/99" is not a CIDR/],
    ];

    for (const [what, stack, config, expected] of cases) {
        it(`rejects ${what}, naming file and key, before any resource`, async () => {
            const { message, registered } = await failure(stack, config);
            assert.match(message, new RegExp(`^stacks/Pulumi\\.${stack}\\.yaml: invalid configuration:`));
            assert.match(message, expected);
            assert.equal(registered, 0, "no resource may be registered for an invalid stack");
        });
    }

    it("rejects a stack name without a role", async () => {
        const { message, registered } = await failure("staging", validGlobal);
        assert.match(message, /stacks\/Pulumi\.staging\.yaml: stack name "staging" has no role; allowed: <env>-global or <env>-zone-<zone>/);
        assert.equal(registered, 0);
    });

    it("rejects a zone stack name whose zone is not a DNS label", async () => {
        const { message } = await failure("test-zone-East", validZone);
        assert.match(message, /the zone name "East" in stack name "test-zone-East" is not a DNS label/);
    });

    it("reports every problem of a stack file at once", async () => {
        const { message } = await failure("test-global", { [`${P}:zones`]: JSON.stringify(["A", "A"]), [`${P}:bogus`]: "1" });
        assert.equal(message.split("\n  - ").length - 1, 4, message);
    });

    it("rejects a zone's access-log backend the global's logs backend cannot take, before any resource", async () => {
        const global = zoneDecisions({ tracesBackend: "jaeger", logsBackend: "loki", otlpTracesEndpoint: "http://j:4317", otlpTracesProtocol: "grpc" });
        const { message, registered } = await failure("test-zone-east", { ...validZone, [`${P}:policies`]: JSON.stringify({ accessLogs: "tcp" }) }, global);
        assert.match(message, /^stacks\/Pulumi\.test-zone-east\.yaml: invalid configuration:/);
        assert.match(message, /mesh-observability:policies\.accessLogs: "tcp" needs the global logs backend datadog, but organization\/mesh-observability\/test-global has "loki"; allowed: opentelemetry, none/);
        assert.equal(registered, 0);
        const none = await failure("test-zone-east", { ...validZone, [`${P}:policies`]: JSON.stringify({ accessLogs: "opentelemetry" }) }, { ...global, logsBackend: "none" });
        assert.match(none.message, /policies\.accessLogs: "opentelemetry" needs the global logs backend loki, but .* has "none"; allowed: none/);
    });

    it("rejects a zone with NetworkPolicies on and no globalSourceCidrs when the global federates it, before any resource", async () => {
        const federating = zoneDecisions({ metricsTransport: "federation" });
        const { message, registered } = await failure("test-zone-east", { ...validZone, [`${P}:networkPolicies`]: JSON.stringify({ enabled: true }) }, federating);
        assert.match(message, /^stacks\/Pulumi\.test-zone-east\.yaml: invalid configuration:\n  - mesh-observability:networkPolicies\.globalSourceCidrs: /);
        assert.match(message, /globalSourceCidrs: empty, but organization\/mesh-observability\/test-global federates this zone \(GET \/federate on the zone Prometheus' port 9090\)/);
        assert.match(message, /so the global would be cut off; allowed: the CIDRs the global Prometheus connects from \(its egress or NAT addresses, e\.g\. \[203\.0\.113\.10\/32\]\), or networkPolicies\.enabled: false$/);
        assert.equal(registered, 0);
        // An explicitly empty list is the same mistake.
        const empty = await failure("test-zone-east", { ...validZone, [`${P}:networkPolicies`]: JSON.stringify({ enabled: true, globalSourceCidrs: [] }) }, federating);
        assert.match(empty.message, /mesh-observability:networkPolicies\.globalSourceCidrs: empty, but/);
        // Reported with the zone's other cross-stack problems, all at once.
        const both = await failure("test-zone-east", { ...validZone, [`${P}:networkPolicies`]: JSON.stringify({ enabled: true }), [`${P}:zonePrometheus`]: JSON.stringify({ mode: "agent" }) }, federating);
        assert.match(both.message, /zonePrometheus\.mode: "agent" has no \/federate[\s\S]*networkPolicies\.globalSourceCidrs: empty/);
    });

    it("rejects a zone the global issues no remote-write credential (revoked, or the global not yet up), before any resource", async () => {
        const revoked = zoneDecisions({ zones: ["east", "west"], remoteWriteCredentials: { west: { active: { generation: 1, username: "zone-writer-west-g1" }, standby: null } } });
        const { message, registered } = await failure("test-zone-east", validZone, revoked);
        assert.match(message, /^stacks\/Pulumi\.test-zone-east\.yaml: invalid configuration:/);
        assert.match(
            message,
            /zone "east": organization\/mesh-observability\/test-global issues this zone no remote-write credential \(it has: west\); allowed: a zone listed in mesh-observability:zones of stacks\/Pulumi\.test-global\.yaml, after `pulumi up` of that stack/,
        );
        assert.equal(registered, 0);
    });

    it("accepts IPv4 and IPv6 CIDRs in the zone's and the global's CIDR keys, each defaulting to []", () => {
        const zone = zoneConfigSchema.parse({ mesh: { version: "2.14.3" }, networkPolicies: { enabled: true, globalSourceCidrs: ["203.0.113.10/32", "2001:db8::/64"], apiServerCidrs: ["172.20.0.0/16", "0.0.0.0/0"] } });
        assert.deepEqual(zone.networkPolicies, { enabled: true, globalSourceCidrs: ["203.0.113.10/32", "2001:db8::/64"], apiServerCidrs: ["172.20.0.0/16", "0.0.0.0/0"] });
        assert.deepEqual(zoneConfigSchema.parse({ mesh: { version: "2.14.3" }, networkPolicies: { enabled: true } }).networkPolicies, { enabled: true, globalSourceCidrs: [], apiServerCidrs: [] });
        const global = globalConfigSchema.parse({ zones: ["east"], networkPolicies: { enabled: true, grafanaUiCidrs: ["10.0.0.0/8", "fd00::/8"] } });
        assert.deepEqual(global.networkPolicies.grafanaUiCidrs, ["10.0.0.0/8", "fd00::/8"]);
    });

    it("fails the plan of an environment whose stack is invalid, naming the file", async () => {
        await assert.rejects(
            evaluateEnvironment("test", { files: [stackFile("test-global", { [`${P}:zones`]: JSON.stringify(["east", "east"]) })] }),
            /stacks\/Pulumi\.test-global\.yaml: invalid configuration:\n  - mesh-observability:zones\[1\]: duplicate zone/,
        );
    });
});
