import { strict as assert } from "assert";
import { compareSync } from "bcryptjs";
import { acceptedGenerations, checkWriterSlots, writerUsername, zoneWriterView } from "../../components/prometheus/zone-writers";
import { ZoneCredentialSecret } from "../../infra/global-outputs";
import { remoteWriteAuthFields } from "../../components/prometheus/remote-write-auth";
import { evaluateEnvironment, EnvironmentEvaluation } from "../../infra/plan/evaluate-environment";
import { planPassword } from "../../infra/plan/mocks";
import { StackEvaluation } from "../../infra/plan/evaluate-stack";
import { file, one, output, resourcesOf, revealed, yamlFile } from "../support/plan-access";
import { testStack } from "../support/stack-file";

/**
 * Per-zone credentials in generations: the pure builders, and what one environment plans at each
 * step of the documented rotation (docs/operations.md): every zone its own user, the global
 * accepting both generations of a rotating zone, the zone writing with the active one from its
 * Secret while its prometheus.yml stays byte for byte the same, and the standby generation's
 * password unchanged (same resource name, so the same state in a real backend) until dropped.
 */

const zoneFile = (zone: string) => testStack(`cr-zone-${zone}`, { mesh: { version: "2.14.3" }, namespace: `obs-${zone}` });
const envWith = (zoneCredentials: Record<string, unknown>, zones = ["east", "west"]) =>
    evaluateEnvironment("cr", { files: [testStack("cr-global", { zones, globalPrometheus: { zoneCredentials } }), ...zones.map(zoneFile)] });
const stack = (env: EnvironmentEvaluation, name: string): StackEvaluation => env.stacks.find((s) => s.stack === name)!;
const credential = (env: EnvironmentEvaluation, zone: string) => output(stack(env, "cr-global"), `remoteWriteCredential-${zone}`) as ZoneCredentialSecret;
const webUsers = (env: EnvironmentEvaluation) => yamlFile(stack(env, "cr-global"), "prometheus", "web-config.yml").basic_auth_users as Record<string, string>;

describe("per-zone remote-write credentials", function () {
    this.timeout(120_000);

    describe("builders", () => {
        it("names one user per zone and generation", () => {
            assert.equal(writerUsername("zone-writer", "east", 2), "zone-writer-east-g2");
            assert.deepEqual(acceptedGenerations({ active: 3, standby: 2 }), [3, 2]);
            assert.deepEqual(acceptedGenerations({ active: 1 }), [1]);
            assert.deepEqual(zoneWriterView("w", "east", { active: 2, standby: 1 }), {
                active: { generation: 2, username: "w-east-g2" },
                standby: { generation: 1, username: "w-east-g1" },
            });
            assert.deepEqual(zoneWriterView("w", "east", { active: 1 }).standby, null);
        });

        it("basic auth with the user from a file: username_file and password_file, never both user forms", () => {
            assert.deepEqual(remoteWriteAuthFields({ url: "u", usernameFile: "/s/user", passwordFile: "/s/password" }), { basic_auth: { username_file: "/s/user", password_file: "/s/password" } });
            assert.throws(() => remoteWriteAuthFields({ url: "u", usernameFile: "/s/user", username: "w", passwordFile: "/s/p" } as never), /remoteWrite: both username and usernameFile are set; allowed: one of them/);
            assert.throws(() => remoteWriteAuthFields({ url: "u", usernameFile: "/s/user" } as never), /remoteWrite\.passwordFile: missing or empty/);
        });

        it("refuses generations that are not positive integers, and a standby equal to active", () => {
            assert.throws(() => checkWriterSlots({ active: 0 }, "c.east"), /c\.east\.active: 0 is not a generation; allowed: a positive integer/);
            assert.throws(() => checkWriterSlots({ active: 2, standby: -1 }, "c.east"), /c\.east\.standby: -1 is not a generation/);
            assert.throws(() => checkWriterSlots({ active: 2, standby: 2 }, "c.east"), /c\.east\.standby: 2 is the active generation/);
            assert.doesNotThrow(() => checkWriterSlots({ active: 1, standby: 2 }, "c.east"), "the next generation, before the switch");
        });
    });

    describe("planned through a rotation of east (1 → 2), west untouched", () => {
        let start: EnvironmentEvaluation;
        let accepting: EnvironmentEvaluation;
        let during: EnvironmentEvaluation;
        let done: EnvironmentEvaluation;
        before(async () => {
            start = await envWith({});
            accepting = await envWith({ east: { active: 1, standby: 2 } });
            during = await envWith({ east: { active: 2, standby: 1 } });
            done = await envWith({ east: { active: 2 } });
        });

        it("step 1: the global accepts g2 as well, east still writes as g1 (its Secret unchanged)", () => {
            const users = webUsers(accepting);
            const c = credential(accepting, "east");
            assert.deepEqual([c.active.username, c.standby?.username], ["zone-writer-east-g1", "zone-writer-east-g2"]);
            assert.ok(compareSync(c.standby!.password, users["zone-writer-east-g2"]));
            assert.equal(c.active.password, credential(start, "east").active.password);
            const secretOf = (env: EnvironmentEvaluation) => revealed(one(stack(env, "cr-zone-east"), "kubernetes:core/v1:Secret", "zone-prometheus-remote-write")).stringData;
            assert.deepEqual(secretOf(accepting), secretOf(start));
            assert.equal(credential(during, "east").active.password, c.standby!.password, "g2 keeps its password when it becomes active");
        });

        it("start: every zone writes as its own user, which only its own password opens", () => {
            const users = webUsers(start);
            for (const zone of ["east", "west"]) {
                const c = credential(start, zone);
                assert.deepEqual(c.standby, null);
                assert.equal(c.active.username, `zone-writer-${zone}-g1`);
                assert.ok(compareSync(c.active.password, users[c.active.username]));
            }
            assert.notEqual(credential(start, "east").active.password, credential(start, "west").active.password);
            assert.deepEqual(Object.keys(users).sort(), ["grafana", "prometheus-self", "zone-writer-east-g1", "zone-writer-west-g1"]);
        });

        it("step 2: the global accepts both of east's generations; east's Secret (only) names g2; g1's password is unchanged", () => {
            const users = webUsers(during);
            const c = credential(during, "east");
            assert.equal(c.active.username, "zone-writer-east-g2");
            assert.equal(c.standby?.username, "zone-writer-east-g1");
            assert.ok(compareSync(c.active.password, users["zone-writer-east-g2"]));
            assert.ok(compareSync(c.standby!.password, users["zone-writer-east-g1"]));
            assert.equal(c.standby!.password, credential(start, "east").active.password, "the old generation is the same resource, so the same password");
            assert.notEqual(c.active.password, c.standby!.password);
            assert.equal(credential(during, "west").active.password, credential(start, "west").active.password, "west is not rotated");

            const east = stack(during, "cr-zone-east");
            const rw = yamlFile(east, "prometheus", "prometheus.yml").remote_write[0];
            assert.deepEqual(rw.basic_auth, { username_file: "/etc/prometheus/secrets/remote-write/remote-write-username", password_file: "/etc/prometheus/secrets/remote-write/remote-write-password" });
            assert.equal(file(east, "prometheus", "prometheus.yml"), file(stack(start, "cr-zone-east"), "prometheus", "prometheus.yml"), "the rotation leaves prometheus.yml as it was");
            assert.deepEqual(revealed(one(east, "kubernetes:core/v1:Secret", "zone-prometheus-remote-write")).stringData, {
                "remote-write-password": c.active.password,
                "remote-write-username": "zone-writer-east-g2",
            });
            assert.equal(output(east, "remoteWriteGeneration"), 2);
            assert.equal(output(stack(during, "cr-zone-west"), "remoteWriteGeneration"), 1);
        });

        it("step 3: generation 1 is gone from the global (its password resource deleted); east has nothing to change", () => {
            assert.deepEqual(Object.keys(webUsers(done)).sort(), ["grafana", "prometheus-self", "zone-writer-east-g2", "zone-writer-west-g1"]);
            const passwords = resourcesOf(stack(done, "cr-global"), "random:index/randomPassword:RandomPassword").map((r) => r.name);
            assert.ok(passwords.includes("global-prometheus-east-g2-password") && !passwords.includes("global-prometheus-east-g1-password"), passwords.join());
            assert.equal(credential(done, "east").active.password, credential(during, "east").active.password, "g2 survives dropping g1");
            assert.deepEqual(revealed(one(stack(done, "cr-zone-east"), "kubernetes:core/v1:Secret", "zone-prometheus-remote-write")).stringData, revealed(one(stack(during, "cr-zone-east"), "kubernetes:core/v1:Secret", "zone-prometheus-remote-write")).stringData, "nothing left to change in the zone");
        });
    });

    it("upgrade from the shared user: acceptSharedWriter keeps the old user with its old password resource next to the zones' own", async () => {
        const env = await evaluateEnvironment("cr", { files: [testStack("cr-global", { zones: ["east"], globalPrometheus: { acceptSharedWriter: true } }), zoneFile("east")] });
        const users = webUsers(env);
        assert.deepEqual(Object.keys(users).sort(), ["grafana", "prometheus-self", "zone-writer", "zone-writer-east-g1"]);
        // The resource the single shared password always had: a real backend keeps its state, so zones not yet up still hold it.
        const g = stack(env, "cr-global");
        assert.ok(resourcesOf(g, "random:index/randomPassword:RandomPassword").some((r) => r.name === "global-prometheus-remote-write-password"));
        assert.ok(compareSync(planPassword("cr-global", "global-prometheus-remote-write-password", 32), users["zone-writer"]));
        // The zone writes as its own user all the same.
        assert.equal(output(stack(env, "cr-zone-east"), "remoteWriteUsername"), "zone-writer-east-g1");
        const off = await envWith({}, ["east"]);
        assert.equal(webUsers(off)["zone-writer"], undefined, "off by default");
    });

    it("a removed zone gets no user, no credential output and no ZoneStoppedSending rule", async () => {
        const env = await evaluateEnvironment("cr", { files: [testStack("cr-global", { zones: ["east"] }), zoneFile("east")] });
        const g = stack(env, "cr-global");
        assert.deepEqual(Object.keys(webUsers(env)).filter((u) => u.startsWith("zone-writer-")), ["zone-writer-east-g1"]);
        assert.deepEqual(Object.keys(g.outputs).filter((k) => k.startsWith("remoteWriteCredential-")), ["remoteWriteCredential-east"]);
        const rules = yamlFile(g, "prometheus", "global-alerts.yml").groups[0].rules as Array<{ alert: string; labels: { zone?: string }; expr: string }>;
        assert.deepEqual(rules.filter((r) => r.alert === "ZoneStoppedSending").map((r) => r.labels.zone), ["east"]);
        assert.match(rules.find((r) => r.alert === "ZoneSendingLate")!.expr, /zone=~"east"/);
    });
});
