import { FederationSettings } from "./federation";
import { ZoneRemoteRead } from "./remote-read";
import { ZoneBasicAuth } from "./zone-endpoints";

/**
 * Turns the global's zone endpoints with passwords (federation, remote read) into file-level
 * settings that reference password files, plus the files to mount. Generic in the password type
 * so the component can pass Pulumi secrets while this stays a pure function.
 */

/** A zone endpoint the global reaches, with an optional basic-auth credential. */
export interface ZoneEndpoint<P> {
    /** Zone name (DNS label). */
    readonly zone: string;
    /** Federation: http(s)://host[:port]; remote read: …/api/v1/read. */
    readonly url: string;
    /** Basic-auth user; with password. */
    readonly username?: string;
    /** Basic-auth password (mounted as a file, never inlined); with username. */
    readonly password?: P;
}

export interface GlobalZoneAccess<P> {
    /** Pull from the zones' /federate; unset: none. */
    readonly federation?: { readonly match: readonly string[]; readonly scrapeInterval: string; readonly zones: readonly ZoneEndpoint<P>[] };
    /** Remote-read the zones; unset: none. */
    readonly remoteRead?: ReadonlyArray<ZoneEndpoint<P> & { readonly readRecent?: boolean }>;
}

export interface GlobalZoneAccessFiles<P> {
    readonly federation?: FederationSettings;
    readonly remoteRead?: readonly ZoneRemoteRead[];
    /** Password files to mount under `dir`, by file name (<use>-<zone>-password). */
    readonly files: Readonly<Record<string, P>>;
}

export function globalZoneAccessFiles<P>(access: GlobalZoneAccess<P>, dir: string): GlobalZoneAccessFiles<P> {
    const files: Record<string, P> = {};
    const auth = (use: "federate" | "remote-read", setting: string, z: ZoneEndpoint<P>): ZoneBasicAuth | undefined => {
        if ((z.username === undefined) !== (z.password === undefined)) {
            throw new Error(`${setting}: zone ${JSON.stringify(z.zone)} has ${z.username === undefined ? "a password but no username" : "a username but no password"}; allowed: both or neither`);
        }
        if (z.username === undefined || z.password === undefined) return undefined;
        const key = `${use}-${z.zone}-password`;
        files[key] = z.password;
        return { username: z.username, passwordFile: `${dir}/${key}` };
    };
    const f = access.federation;
    const federation = f && {
        match: f.match,
        scrapeInterval: f.scrapeInterval,
        zones: f.zones.map((z, i) => ({ zone: z.zone, url: z.url, basicAuth: auth("federate", `federation.zones[${i}]`, z) })),
    };
    const remoteRead = access.remoteRead?.map((z, i) => ({ zone: z.zone, url: z.url, readRecent: z.readRecent, basicAuth: auth("remote-read", `remoteRead[${i}]`, z) }));
    return { federation, remoteRead, files };
}
