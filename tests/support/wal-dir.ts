import * as fs from "fs";
import * as path from "path";

/**
 * What a Prometheus TSDB's write-ahead log directory holds right now, read from the file system:
 * the numbered segments (`<data>/wal/00000012`) with their size and last write, and the
 * checkpoints (`checkpoint.00000011/`) with their total size. The remote-write watcher reads
 * samples from segments only, so which segments exist decides what an unsent backlog can still
 * deliver.
 */

export interface WalSegment {
    readonly index: number;
    readonly bytes: number;
    /** Last modification (ms since 1970): the newest record written into it, to the file system's resolution. */
    readonly mtimeMs: number;
}

export interface WalListing {
    readonly at: number;
    readonly segments: readonly WalSegment[];
    readonly checkpoints: ReadonlyArray<{ readonly index: number; readonly bytes: number }>;
    /** Segments and checkpoints together. */
    readonly bytes: number;
}

function dirBytes(dir: string): number {
    let total = 0;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        total += e.isDirectory() ? dirBytes(p) : fs.statSync(p).size;
    }
    return total;
}

/** Lists `<dataDir>/wal`. A segment or checkpoint deleted while being listed is skipped. */
export function listWal(dataDir: string): WalListing {
    const dir = path.join(dataDir, "wal");
    const segments: WalSegment[] = [];
    const checkpoints: Array<{ index: number; bytes: number }> = [];
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        try {
            const p = path.join(dir, e.name);
            if (e.isFile() && /^\d{8}$/.test(e.name)) {
                const st = fs.statSync(p);
                segments.push({ index: Number(e.name), bytes: st.size, mtimeMs: st.mtimeMs });
            } else if (e.isDirectory() && /^checkpoint\.\d+$/.test(e.name)) {
                checkpoints.push({ index: Number(e.name.slice("checkpoint.".length)), bytes: dirBytes(p) });
            }
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
        }
    }
    segments.sort((a, b) => a.index - b.index);
    checkpoints.sort((a, b) => a.index - b.index);
    const bytes = segments.reduce((n, s) => n + s.bytes, 0) + checkpoints.reduce((n, c) => n + c.bytes, 0);
    return { at: Date.now(), segments, checkpoints, bytes };
}
