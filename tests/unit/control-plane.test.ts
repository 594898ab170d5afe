import { strict as assert } from "assert";
import { controlPlaneEndpoints } from "../../components/mesh/control-plane";
import { hasMadsLongPollBug } from "../../components/mesh/kuma-facts";
import { effectiveFetchTimeout } from "../../infra/roles/zone-metrics";

describe("zone control plane endpoints", () => {
    it("defaults to kuma-control-plane.kuma-system for Kuma", () => {
        const e = controlPlaneEndpoints({ product: "kuma", version: "2.14.3" });
        assert.equal(e.madsUrl, "http://kuma-control-plane.kuma-system:5676");
        assert.equal(e.metricsTarget, "kuma-control-plane.kuma-system:5680");
    });

    it("defaults to kong-mesh-control-plane.kong-mesh-system for Kong Mesh", () => {
        const e = controlPlaneEndpoints({ product: "kong-mesh", version: "2.9.2" });
        assert.equal(e.madsUrl, "http://kong-mesh-control-plane.kong-mesh-system:5676");
        assert.equal(e.metricsTarget, "kong-mesh-control-plane.kong-mesh-system:5680");
    });

    it("honours service, namespace and URL overrides", () => {
        const e = controlPlaneEndpoints({ product: "kuma", version: "2.14.3", service: "cp", namespace: "mesh" });
        assert.equal(e.madsUrl, "http://cp.mesh:5676");
        const u = controlPlaneEndpoints({ product: "kuma", version: "2.14.3", madsUrl: "https://mads.example:443", metricsTarget: "cp:9999" });
        assert.equal(u.madsUrl, "https://mads.example:443");
        assert.equal(u.metricsTarget, "cp:9999");
    });

    it("applies fetch_timeout: 0s on mesh 2.6.x only (kumahq/kuma#9508)", () => {
        for (const v of ["2.6.0", "2.6.4", "2.6.15"]) {
            assert.ok(hasMadsLongPollBug(v), v);
            assert.equal(effectiveFetchTimeout(v, undefined), "0s");
        }
        for (const v of ["2.5.9", "2.7.0", "2.14.3", "12.6.0"]) {
            assert.ok(!hasMadsLongPollBug(v), v);
            assert.equal(effectiveFetchTimeout(v, undefined), "2m");
            assert.equal(effectiveFetchTimeout(v, "45s"), "45s");
        }
    });
});
