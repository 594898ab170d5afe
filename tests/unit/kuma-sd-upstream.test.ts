import { strict as assert } from "assert";
import { buildZonePrometheusConfig } from "../../components/prometheus/zone-config";
import { upstreamYaml } from "../support/upstream";
import { zoneSettings } from "../support/fixtures";

/**
 * Every kuma_sd_configs field we emit must be a real field. The upstream known-good configs only
 * exercise `server` and `client_id`; `refresh_interval` and `fetch_timeout` are the SDConfig fields
 * of prometheus discovery/xds/kuma.go and docs/configuration/configuration.md <kuma_sd_config>
 * (shared/notes/kuma-facts.md §2), listed here as the second source.
 */
const KUMA_SD_FIELDS_IN_SOURCE = ["server", "client_id", "refresh_interval", "fetch_timeout"];

function kumaBlocks(cfg: any): any[] {
    return (cfg.scrape_configs ?? []).flatMap((j: any) => j.kuma_sd_configs ?? []);
}

describe("kuma_sd_configs fields against upstream", () => {
    const good314 = kumaBlocks(upstreamYaml("prometheus-3.14.0", "conf.good.yml"));
    const good242 = kumaBlocks(upstreamYaml("prometheus-2.42.0", "conf.good.yml"));

    it("upstream known-good configs contain kuma_sd blocks to compare with", () => {
        assert.ok(good314.length > 0 && good242.length > 0);
    });

    it("uses only fields that upstream's known-good config or kuma.go's SDConfig define", () => {
        const upstreamFields = new Set(good314.flatMap((b) => Object.keys(b)));
        const ours = kumaBlocks(buildZonePrometheusConfig(zoneSettings({ discovery: { madsUrl: "http://cp:5676", refreshInterval: "30s", fetchTimeout: "0s", clientId: "p" } })));
        for (const field of ours.flatMap((b) => Object.keys(b))) {
            assert.ok(upstreamFields.has(field) || KUMA_SD_FIELDS_IN_SOURCE.includes(field), `kuma_sd field ${field} has no upstream source`);
        }
        // The fields upstream's file does show are spelled as we spell them.
        assert.ok(upstreamFields.has("server") && upstreamFields.has("client_id"));
    });

    it("uses the same server URL shape as upstream (http, port 5676)", () => {
        const server = new URL(good314[0].server);
        const ours = new URL(kumaBlocks(buildZonePrometheusConfig(zoneSettings()))[0].server);
        assert.equal(ours.protocol, server.protocol);
        assert.equal(ours.port, server.port);
    });
});
