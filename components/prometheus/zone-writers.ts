/**
 * Per-zone remote-write credentials on the global Prometheus, in generations ("slots").
 *
 * Every zone writes as its own basic-auth user, so one leaked zone is revoked alone and the global
 * can tell writers apart. Rotation must lose nothing: a remote write answered 401 is dropped for
 * good by the zone (non-recoverable, storage/remote/queue_manager.go in prometheus/prometheus), so
 * the global accepts two generations of a zone's credential while the zone switches. The web
 * config maps one user to one bcrypt hash (exporter-toolkit web/handler.go `basic_auth_users`), so
 * each generation is its own user: `<prefix>-<zone>-g<generation>`. The zone reads user and password
 * from one mounted Secret (`username_file`, `password_file`, both read on every request), so its
 * prometheus.yml never changes with a rotation: a changed remote_write entry would get a new queue
 * whose WAL reader starts at the reload and skips what the old one had not read yet
 * (storage/remote/write.go ApplyConfig, tsdb/wlog/watcher.go `loop`, @v3.5.0), which
 * tests/integration/credential-rotation.test.ts saw lose a sample.
 */

/** One zone's accepted generations: the one zones use (active) and, while rotating, the one before. */
export interface ZoneWriterSlots {
    /** Generation the zone writes with (positive integer). */
    readonly active: number;
    /** Generation still accepted while the zone switches to `active`; unset outside a rotation. */
    readonly previous?: number;
}

/** One generation's user as exported to the zone (the password travels separately, as a secret). */
export interface WriterSlot {
    readonly generation: number;
    readonly username: string;
}

/** What the global tells a zone about its credential: plain values, read before any resource. */
export interface ZoneWriterView {
    readonly active: WriterSlot;
    /** Still accepted while the zone switches; null outside a rotation. */
    readonly previous: WriterSlot | null;
}

/** Generations of a zone that declares none: the first. */
export const FIRST_GENERATION: ZoneWriterSlots = { active: 1 };

/** The basic-auth user of one generation of a zone's credential. */
export function writerUsername(prefix: string, zone: string, generation: number): string {
    return `${prefix}-${zone}-g${generation}`;
}

/** Refuses generations that are not positive integers, or a previous equal to the active one. */
export function checkWriterSlots(slots: ZoneWriterSlots, setting: string): void {
    for (const [key, value] of [["active", slots.active], ["previous", slots.previous]] as const) {
        if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) {
            throw new Error(`${setting}.${key}: ${JSON.stringify(value)} is not a generation; allowed: a positive integer`);
        }
    }
    if (slots.previous !== undefined && slots.previous === slots.active) {
        throw new Error(`${setting}.previous: ${slots.previous} is the active generation; allowed: the generation zones wrote with before active, or unset`);
    }
}

/** The generations the global accepts for a zone, active first. */
export function acceptedGenerations(slots: ZoneWriterSlots): number[] {
    return slots.previous !== undefined ? [slots.active, slots.previous] : [slots.active];
}

/** The plain view a zone reads: which user it writes as and which one is still accepted. */
export function zoneWriterView(prefix: string, zone: string, slots: ZoneWriterSlots): ZoneWriterView {
    checkWriterSlots(slots, `zoneCredentials.${zone}`);
    const slot = (generation: number): WriterSlot => ({ generation, username: writerUsername(prefix, zone, generation) });
    return { active: slot(slots.active), previous: slots.previous !== undefined ? slot(slots.previous) : null };
}
