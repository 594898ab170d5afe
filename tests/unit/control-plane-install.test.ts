import { strict as assert } from "assert";
import { ControlPlaneInstall } from "../../components/mesh/control-plane-install";
import { containsSecret, revealOrMask } from "../../infra/plan/secret-values";
import { Registration } from "../../infra/plan/mock-runtime";
import { underAwsMocks } from "../support/aws-mocks";

const NAMESPACE = "kubernetes:core/v1:Namespace";
const SECRET = "kubernetes:core/v1:Secret";
const CHART = "kubernetes:helm.sh/v4:Chart";

const urnOf = (r: Registration) => (deps: string[]) => deps.some((d) => d.endsWith(`::${r.type}::${r.name}`) || d.endsWith(`$${r.type}::${r.name}`));
const only = (resources: Registration[], type: string) => {
    const found = resources.filter((r) => r.type === type);
    assert.equal(found.length, 1, `${type}: ${found.map((r) => r.name).join(", ")}`);
    return found[0];
};

/**
 * Chart v4 skips Helm hooks, and the kuma chart creates and labels its namespace only in a
 * pre-install hook (kuma 2.14.3 templates/pre-install-patch-namespace-job.yaml): the component
 * must create it, labelled as the hook would, before the release and the licence Secret.
 */
describe("ControlPlaneInstall creates the control plane namespace before anything lands in it", () => {
    it("kuma: kuma-system labelled kuma.io/sidecar-injection=false, and the release depends on it", async () => {
        const run = await underAwsMocks("test-zone-east", () => {
            new ControlPlaneInstall("control-plane", { product: "kuma", zone: "east", kdsGlobalAddress: "grpcs://kds:5685", env: {} });
            return {};
        });
        assert.equal(run.error, undefined);
        const ns = only(run.resources, NAMESPACE);
        assert.equal(ns.inputs.metadata.name, "kuma-system");
        assert.equal(ns.inputs.metadata.labels["kuma.io/sidecar-injection"], "false");
        const chart = only(run.resources, CHART);
        assert.equal(chart.inputs.namespace, "kuma-system");
        assert.ok(urnOf(ns)(chart.dependencies), `chart depends on ${JSON.stringify(chart.dependencies)}`);
        assert.deepEqual(run.resources.filter((r) => r.type === SECRET), [], "kuma needs no licence");
    });

    it("kong-mesh: kong-mesh-system, then the licence Secret from secret config in it, then the release", async () => {
        const run = await underAwsMocks("test-zone-eu", () => {
            new ControlPlaneInstall("control-plane", { product: "kong-mesh", zone: "eu", env: {}, licenseSecret: "kong-mesh-license", license: '{"license":"x"}' });
            return {};
        });
        assert.equal(run.error, undefined);
        const ns = only(run.resources, NAMESPACE);
        assert.equal(ns.inputs.metadata.name, "kong-mesh-system");
        assert.equal(ns.inputs.metadata.labels["kuma.io/sidecar-injection"], "false");
        const secret = only(run.resources, SECRET);
        assert.deepEqual([secret.inputs.metadata.name, secret.inputs.metadata.namespace], ["kong-mesh-license", "kong-mesh-system"]);
        assert.ok(urnOf(ns)(secret.dependencies), "the licence Secret waits for its namespace");
        // Marked secret on the wire: the licence never reaches state or plan output in clear.
        assert.ok(containsSecret(secret.inputs.stringData));
        assert.deepEqual(revealOrMask(secret.inputs.stringData, true), { "license.json": '{"license":"x"}' });
        const chart = only(run.resources, CHART);
        assert.ok(urnOf(ns)(chart.dependencies) && urnOf(secret)(chart.dependencies), `chart depends on ${JSON.stringify(chart.dependencies)}`);
        assert.equal(chart.inputs.values.kuma.controlPlane.secrets[0].Secret, "kong-mesh-license");
    });

    it("kong-mesh without the licence is refused before anything is registered", async () => {
        const run = await underAwsMocks("test-zone-eu", () => {
            new ControlPlaneInstall("control-plane", { product: "kong-mesh", zone: "eu", env: {} });
            return {};
        });
        assert.match(String(run.error), /Kong Mesh needs its licence/);
        assert.deepEqual(run.resources, []);
    });
});
