import { createHash } from "crypto";

/** sha256 hex of a mounted file, for pod annotations that roll pods when the file changes. */
export function sha256(text: string): string {
    return createHash("sha256").update(text).digest("hex");
}
