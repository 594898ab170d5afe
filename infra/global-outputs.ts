import * as pulumi from "@pulumi/pulumi";

/**
 * The contract between a global stack and its zones: what global exports and zones read. Typing
 * the global's exports against it makes a renamed or dropped output a compile error; the offline
 * plan checks the same names at run time.
 */
export interface GlobalStackOutputs {
    /** Environment name (`local`, `prod`). */
    readonly environment: string;
    /** Zones the environment declares. */
    readonly zones: string[];
    /** URL zones remote-write to. */
    readonly remoteWriteUrl: string;
    /** Basic-auth user for remote write. */
    readonly remoteWriteUsername: string;
    /** Basic-auth password for remote write (secret). */
    readonly remoteWritePassword: string;
    /** In-cluster query URL of the global Prometheus. */
    readonly prometheusQueryUrl: string;
}

export type GlobalStackExports = { readonly [K in keyof GlobalStackOutputs]: pulumi.Output<GlobalStackOutputs[K]> };

/** Outputs a zone reads; each is required, so a missing one fails with the output's name. */
export const ZONE_READS = ["zones", "remoteWriteUrl", "remoteWriteUsername", "remoteWritePassword"] as const satisfies readonly (keyof GlobalStackOutputs)[];

export type ZoneView = { readonly [K in (typeof ZONE_READS)[number]]: pulumi.Output<GlobalStackOutputs[K]> };

export function readGlobalOutputs(ref: pulumi.StackReference): ZoneView {
    const read = <K extends (typeof ZONE_READS)[number]>(key: K) => ref.requireOutput(key) as pulumi.Output<GlobalStackOutputs[K]>;
    return {
        zones: read("zones"),
        remoteWriteUrl: read("remoteWriteUrl"),
        remoteWriteUsername: read("remoteWriteUsername"),
        // Secret whether or not the referenced stack marked it so.
        remoteWritePassword: pulumi.secret(read("remoteWritePassword")),
    };
}
