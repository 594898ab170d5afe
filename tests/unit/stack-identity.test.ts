import { strict as assert } from "assert";
import { globalStackName, parseStackName } from "../../infra/stack-identity";

describe("stack names", () => {
    it("reads environment and role from <env>-global and <env>-zone-<zone>", () => {
        assert.deepEqual(parseStackName("local-global"), { role: "global", env: "local", stack: "local-global" });
        assert.deepEqual(parseStackName("prod-zone-us-east-1"), { role: "zone", env: "prod", zone: "us-east-1", stack: "prod-zone-us-east-1" });
    });

    it("lets a zone be named zone-001 (the first -zone- ends the environment)", () => {
        assert.deepEqual(parseStackName("bench-zone-zone-001"), { role: "zone", env: "bench", zone: "zone-001", stack: "bench-zone-zone-001" });
        assert.deepEqual(parseStackName("eu-prod-zone-global"), { role: "zone", env: "eu-prod", zone: "global", stack: "eu-prod-zone-global" });
    });

    it("names the global stack <org>/<project>/<env>-global", () => {
        assert.equal(globalStackName("organization", "mesh-observability", "local"), "organization/mesh-observability/local-global");
    });

    it("rejects names without a role, naming the stack file", () => {
        assert.throws(() => parseStackName("prod"), /^Error: stacks\/Pulumi\.prod\.yaml: stack name "prod" has no role/);
        assert.throws(() => parseStackName("prod-zone-"), /no role/);
    });
});
