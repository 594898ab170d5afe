import { DNS_LABEL } from "../kernel/validators";

/**
 * What the global's per-zone entries (federation jobs, remote-read entries) share: one entry per zone,
 * named after it. The zone Prometheus serves /federate and /api/v1/read without a web config (with
 * networkPolicies enabled, only the global's pods and `networkPolicies.globalSourceCidrs` reach them),
 * so an entry carries no credential.
 */

/** Refuses a zone name that is not a DNS label or appears twice in `zones`. */
export function validateZoneNames(zones: readonly { zone: string }[], setting: string): void {
    const seen = new Set<string>();
    zones.forEach(({ zone }, i) => {
        if (typeof zone !== "string" || !DNS_LABEL.test(zone)) {
            throw new Error(`${setting}[${i}].zone: ${JSON.stringify(zone)} is not a DNS label; allowed: lowercase letters, digits and '-', at most 63`);
        }
        if (seen.has(zone)) throw new Error(`${setting}[${i}].zone: duplicate zone ${JSON.stringify(zone)}; allowed: each zone once`);
        seen.add(zone);
    });
}
