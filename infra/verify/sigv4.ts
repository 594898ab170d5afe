import { createHash, createHmac } from "crypto";

/**
 * AWS Signature Version 4 for the GET requests verify sends to Amazon Managed Prometheus' query API
 * (service `aps`), so it asks AMP as Grafana does (SigV4) without an AWS SDK. The algorithm is AWS'
 * "Create a signed AWS API request" (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html);
 * tests/unit/verify-sigv4.test.ts checks it against the published Signature Version 4 test suite vectors.
 */

export interface AwsCredentials {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    /** Temporary credentials (an assumed role, OIDC in CI) come with a session token. */
    readonly sessionToken?: string;
}

export interface SignRequest {
    readonly method: "GET";
    readonly url: URL;
    readonly region: string;
    readonly service: string;
    readonly credentials: AwsCredentials;
    readonly now: Date;
}

/** The only algorithm SigV4 signs with (HMAC-SHA256 over the canonical request). */
export const SIGV4_ALGORITHM = "AWS4-HMAC-SHA256";
const ALGORITHM = SIGV4_ALGORITHM;
const sha256 = (data: string) => createHash("sha256").update(data, "utf8").digest("hex");
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data, "utf8").digest();

/** RFC 3986 percent-encoding: everything but A-Z a-z 0-9 - _ . ~ (encodeURIComponent leaves !'()* too). */
export function uriEncode(text: string): string {
    return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Query parameters encoded and sorted by name, then value (the canonical query string). */
export function canonicalQuery(url: URL): string {
    return [...url.searchParams.entries()]
        .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
        .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
        .map(([k, v]) => `${k}=${v}`)
        .join("&");
}

/** The headers to add to the request: x-amz-date, the session token when there is one, and Authorization. */
export function sigV4Headers(r: SignRequest): Record<string, string> {
    // Paths with characters needing encoding would need the double encoding non-S3 services use; ours have none.
    if (!/^[A-Za-z0-9\-._~/]*$/.test(r.url.pathname)) throw new Error(`sigv4: path ${JSON.stringify(r.url.pathname)} needs encoding, which this signer does not do`);
    const amzDate = r.now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
    const day = amzDate.slice(0, 8);
    const headers: Record<string, string> = { host: r.url.host, "x-amz-date": amzDate };
    if (r.credentials.sessionToken) headers["x-amz-security-token"] = r.credentials.sessionToken;
    const names = Object.keys(headers).sort();
    const signedHeaders = names.join(";");
    const canonicalRequest = [r.method, r.url.pathname || "/", canonicalQuery(r.url), ...names.map((n) => `${n}:${headers[n].trim()}`), "", signedHeaders, sha256("")].join("\n");
    const scope = `${day}/${r.region}/${r.service}/aws4_request`;
    const stringToSign = [ALGORITHM, amzDate, scope, sha256(canonicalRequest)].join("\n");
    const key = signingKey(r.credentials.secretAccessKey, day, r.region, r.service);
    const signature = createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
    const { host: _host, ...sent } = headers;
    return { ...sent, authorization: `${ALGORITHM} Credential=${r.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}` };
}

/** kSigning = HMAC chain of "AWS4"+secret over date, region, service and "aws4_request". */
export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
    return hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), "aws4_request");
}
