/**
 * Pulumi's wire format marks a secret as `{ <sigKey>: <secretSig>, value }` (sdk/nodejs/runtime/rpc.ts
 * specialSigKey / specialSecretSig). The plan reads resource inputs in that format so it knows
 * exactly which values are secret, and masks them unless asked not to.
 */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const SECRET_MASK = "[secret]";

function isWireSecret(v: unknown): v is { value: unknown } {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Replaces every wire secret with the mask (or its value when showSecrets). */
export function revealOrMask(v: unknown, showSecrets: boolean): unknown {
    if (isWireSecret(v)) return showSecrets ? revealOrMask(v.value, true) : SECRET_MASK;
    if (Array.isArray(v)) return v.map((x) => revealOrMask(x, showSecrets));
    if (typeof v === "object" && v !== null) {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revealOrMask(x, showSecrets)]));
    }
    return v;
}

/** True when the value contains a secret anywhere. */
export function containsSecret(v: unknown): boolean {
    if (isWireSecret(v)) return true;
    if (Array.isArray(v)) return v.some(containsSecret);
    if (typeof v === "object" && v !== null) return Object.values(v).some(containsSecret);
    return false;
}

/** Every string held in a secret (recursively), e.g. to mask it wherever a chart copies it. */
export function secretStrings(v: unknown, inSecret = false): string[] {
    if (isWireSecret(v)) return secretStrings(v.value, true);
    if (typeof v === "string") return inSecret ? [v] : [];
    if (Array.isArray(v)) return v.flatMap((x) => secretStrings(x, inSecret));
    if (typeof v === "object" && v !== null) return Object.values(v).flatMap((x) => secretStrings(x, inSecret));
    return [];
}
