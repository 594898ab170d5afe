import { createHash, createHmac } from "crypto";
import { IncomingHttpHeaders } from "http";
import { SIGV4_ALGORITHM, signingKey, uriEncode } from "../../infra/verify/sigv4";

/**
 * Verifies an AWS Signature Version 4 on a request as the receiving service would: from the
 * request's method, path, query, the headers its Authorization names, and its body, recompute the
 * canonical request, the string to sign and the signature with the secret key, and compare.
 * The algorithm is AWS's "Create a signed AWS API request" (docs.aws.amazon.com/IAM/latest/UserGuide/
 * create-signed-request.html); tests/harness/sigv4-verify.test.ts checks it against AWS's published
 * SigV4 test suite (docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html, also in
 * boto/botocore tests/unit/auth/aws4_testsuite). Only what AMP receives is covered: header
 * signatures (no presigned URLs), the non-S3 path rule (each path segment URI-encoded once more).
 * The encoding and the signing key are the product signer's (infra/verify/sigv4.ts, `npm run verify`
 * against AMP): one implementation, checked here against AWS's vectors from the receiving side.
 */

export { SIGV4_ALGORITHM, signingKey };

export interface SigV4Authorization {
    readonly accessKeyId: string;
    /** YYYYMMDD of the credential scope. */
    readonly date: string;
    readonly region: string;
    readonly service: string;
    /** Lower-case header names, in the order the header lists them. */
    readonly signedHeaders: readonly string[];
    /** 64 hex digits. */
    readonly signature: string;
}

/** What arrived: method, path with query as on the request line, headers (Node's lower-cased names), body bytes. */
export interface ReceivedRequest {
    readonly method: string;
    readonly path: string;
    readonly headers: IncomingHttpHeaders;
    readonly body: Buffer;
}

export interface SigV4Verdict extends SigV4Authorization {
    /** The X-Amz-Date header the signature covers (YYYYMMDD'T'HHMMSS'Z'). */
    readonly amzDate: string;
    readonly canonicalRequest: string;
    readonly stringToSign: string;
    /** The signature recomputed with the secret key. */
    readonly expectedSignature: string;
    readonly valid: boolean;
}

const AUTH_RE = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/([0-9]{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/** Parses an `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` value; throws on anything else. */
export function parseSigV4Authorization(value: string): SigV4Authorization {
    const m = AUTH_RE.exec(value);
    if (!m) throw new Error(`not an ${SIGV4_ALGORITHM} Authorization header: ${JSON.stringify(value)}`);
    return { accessKeyId: m[1], date: m[2], region: m[3], service: m[4], signedHeaders: m[5].split(";"), signature: m[6] };
}

const sha256Hex = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");

/** The path as received, each segment encoded once more (every service but S3); "/" when empty. */
function canonicalUri(rawPath: string): string {
    return rawPath === "" ? "/" : rawPath.split("/").map(uriEncode).join("/");
}

/** Query parameters decoded, then encoded, sorted by name and then value, joined name=value with &. */
function canonicalQuery(rawQuery: string): string {
    if (rawQuery === "") return "";
    const pairs = rawQuery.split("&").map((p) => {
        const eq = p.indexOf("=");
        const [k, v] = eq < 0 ? [p, ""] : [p.slice(0, eq), p.slice(eq + 1)];
        const decode = (x: string) => decodeURIComponent(x.replace(/\+/g, " "));
        return [uriEncode(decode(k)), uriEncode(decode(v))] as const;
    });
    pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
    return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

/** A header's value for signing: trimmed, inner runs of spaces collapsed, repeated headers joined with commas. */
function canonicalHeaderValue(headers: IncomingHttpHeaders, name: string): string {
    const v = headers[name];
    if (v === undefined) throw new Error(`signed header ${name} is not on the request`);
    return (Array.isArray(v) ? v : [String(v)]).map((x) => x.trim().replace(/ +/g, " ")).join(",");
}

/** The canonical request over the given signed headers (lower-case names, sorted as SigV4 sorts them). */
export function canonicalRequest(req: ReceivedRequest, signedHeaders: readonly string[]): string {
    const q = req.path.indexOf("?");
    const [rawPath, rawQuery] = q < 0 ? [req.path, ""] : [req.path.slice(0, q), req.path.slice(q + 1)];
    const names = [...signedHeaders].sort();
    return [
        req.method.toUpperCase(),
        canonicalUri(rawPath),
        canonicalQuery(rawQuery),
        names.map((n) => `${n}:${canonicalHeaderValue(req.headers, n)}\n`).join(""),
        names.join(";"),
        sha256Hex(req.body),
    ].join("\n");
}

/** Recomputes the request's signature from its Authorization and X-Amz-Date headers and the secret key. */
export function verifySigV4(req: ReceivedRequest, secretAccessKey: string): SigV4Verdict {
    const auth = parseSigV4Authorization(canonicalHeaderValue(req.headers, "authorization"));
    if (!auth.signedHeaders.includes("host") || !auth.signedHeaders.includes("x-amz-date")) {
        throw new Error(`SignedHeaders must include host and x-amz-date: ${auth.signedHeaders.join(";")}`);
    }
    const amzDate = canonicalHeaderValue(req.headers, "x-amz-date");
    const creq = canonicalRequest(req, auth.signedHeaders);
    const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
    const sts = [SIGV4_ALGORITHM, amzDate, scope, sha256Hex(creq)].join("\n");
    const expected = createHmac("sha256", signingKey(secretAccessKey, auth.date, auth.region, auth.service)).update(sts, "utf8").digest("hex");
    return { ...auth, amzDate, canonicalRequest: creq, stringToSign: sts, expectedSignature: expected, valid: expected === auth.signature && amzDate.startsWith(auth.date) };
}
