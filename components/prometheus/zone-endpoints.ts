import { DNS_LABEL } from "../kernel/validators";

/** What the global needs to reach a zone Prometheus (federation, remote read): zone names and credentials. */

/** Basic auth towards a zone's endpoint (when its web config requires it). */
export interface ZoneBasicAuth {
    /** Basic-auth user. */
    readonly username: string;
    /** Path of the mounted file holding the password; never inline. */
    readonly passwordFile: string;
}

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

/** basic_auth with password_file; refuses a half-set credential. */
export function basicAuthBlock(a: ZoneBasicAuth, setting: string): Record<string, string> {
    if (!a.username) throw new Error(`${setting}.username: missing or empty; allowed: the basic-auth user, with passwordFile`);
    if (!a.passwordFile) throw new Error(`${setting}.passwordFile: missing or empty; allowed: the path of the mounted password file, with username`);
    if ("password" in (a as object)) throw new Error(`${setting}.password: passwords never go into prometheus.yml; allowed: passwordFile`);
    return { username: a.username, password_file: a.passwordFile };
}
