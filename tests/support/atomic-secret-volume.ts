import * as fs from "fs";
import * as path from "path";

/**
 * A mounted Secret directory updated the way the kubelet updates it (kubernetes/kubernetes
 * pkg/volume/util/atomic_writer.go): the files live in a timestamped directory, `..data` is a
 * symlink to it and every key is a symlink `<key> -> ..data/<key>`; an update writes a new
 * directory and renames a new `..data` over the old one, so a reader sees all old or all new keys.
 */
export interface AtomicSecretVolume {
    /** Replaces every key at once (one rename), as a Secret update reaches a running pod. */
    update(files: Readonly<Record<string, string>>): void;
}

/** Turns `dir` (plain files, as the harness wrote them) into that layout without changing any content. */
export function atomicSecretVolume(dir: string): AtomicSecretVolume {
    let generation = 0;
    const writeTimestamped = (files: Readonly<Record<string, string>>): string => {
        const name = `..${++generation}_${Date.now()}`;
        fs.mkdirSync(path.join(dir, name));
        for (const [key, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name, key), content);
        return name;
    };
    const swapData = (target: string) => {
        fs.symlinkSync(target, path.join(dir, "..data_tmp"));
        fs.renameSync(path.join(dir, "..data_tmp"), path.join(dir, "..data"));
    };
    const keys = fs.readdirSync(dir).filter((f) => !f.startsWith(".."));
    swapData(writeTimestamped(Object.fromEntries(keys.map((k) => [k, fs.readFileSync(path.join(dir, k), "utf8")]))));
    for (const key of keys) {
        // Same content behind the link: each rename is atomic and changes nothing a reader can see.
        fs.symlinkSync(path.join("..data", key), path.join(dir, `${key}.tmp`));
        fs.renameSync(path.join(dir, `${key}.tmp`), path.join(dir, key));
    }
    return {
        update(files) {
            const unknown = Object.keys(files).filter((k) => !keys.includes(k));
            if (unknown.length > 0) throw new Error(`atomic Secret volume ${dir}: keys ${unknown.join(", ")} were not mounted at start`);
            swapData(writeTimestamped(files));
        },
    };
}
