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

/**
 * One zone's accepted generations: the one it writes with (active) and, during a rotation, one more
 * the global accepts but the zone does not use (standby): the next one before the zone switches to
 * it, the old one until the zone has switched away from it.
 */
export interface ZoneWriterSlots {
    /** Generation the zone writes with (positive integer). */
    readonly active: number;
    /** Generation also accepted, unused by the zone; unset outside a rotation. */
    readonly standby?: number;
}

/** One generation's user as exported to the zone (the password travels separately, as a secret). */
export interface WriterSlot {
    readonly generation: number;
    readonly username: string;
}

/** What the global tells a zone about its credential: plain values, read before any resource. */
export interface ZoneWriterView {
    readonly active: WriterSlot;
    /** Also accepted, not used by the zone; null outside a rotation. */
    readonly standby: WriterSlot | null;
}

/** Generations of a zone that declares none: the first. */
export const FIRST_GENERATION: ZoneWriterSlots = { active: 1 };

/** The basic-auth user of one generation of a zone's credential. */
export function writerUsername(prefix: string, zone: string, generation: number): string {
    return `${prefix}-${zone}-g${generation}`;
}

/** Refuses generations that are not positive integers, or a standby equal to the active one. */
export function checkWriterSlots(slots: ZoneWriterSlots, setting: string): void {
    for (const [key, value] of [["active", slots.active], ["standby", slots.standby]] as const) {
        if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) {
            throw new Error(`${setting}.${key}: ${JSON.stringify(value)} is not a generation; allowed: a positive integer`);
        }
    }
    if (slots.standby !== undefined && slots.standby === slots.active) {
        throw new Error(`${setting}.standby: ${slots.standby} is the active generation; allowed: another generation (the next one before the zone switches, the old one right after), or unset`);
    }
}

/** The generations the global accepts for a zone, active first. */
export function acceptedGenerations(slots: ZoneWriterSlots): number[] {
    return slots.standby !== undefined ? [slots.active, slots.standby] : [slots.active];
}

/** The plain view a zone reads: which user it writes as and which one is still accepted. */
export function zoneWriterView(prefix: string, zone: string, slots: ZoneWriterSlots): ZoneWriterView {
    checkWriterSlots(slots, `zoneCredentials.${zone}`);
    const slot = (generation: number): WriterSlot => ({ generation, username: writerUsername(prefix, zone, generation) });
    return { active: slot(slots.active), standby: slots.standby !== undefined ? slot(slots.standby) : null };
}
