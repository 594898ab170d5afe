import { strict as assert } from "assert";
import { IncomingHttpHeaders } from "http";
import { canonicalRequest, parseSigV4Authorization, ReceivedRequest, signingKey, verifySigV4 } from "../support/sigv4-verify";

/**
 * The SigV4 verifier against AWS's published vectors, so the on-the-wire check in
 * tests/integration/prometheus-modes.test.ts cannot pass vacuously:
 * - the Signature Version 4 test suite (docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html;
 *   the same cases in boto/botocore tests/unit/auth/aws4_testsuite): key AKIDEXAMPLE, region
 *   us-east-1, service "service", 2015-08-30T12:36:00Z, host example.amazonaws.com;
 * - the signing-key example of "Examples of how to derive a signing key for Signature Version 4"
 *   (docs.aws.amazon.com/general/latest/gr/signature-v4-examples.html: iam, us-east-1, 20150830);
 * - the S3 GET Object example of "Signature Calculations for the Authorization Header"
 *   (docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html).
 */

const SUITE_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const SUITE_SCOPE = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";
const SUITE_HEADERS = { host: "example.amazonaws.com", "x-amz-date": "20150830T123600Z" };
const STS_TOKEN =
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

interface Vector {
    readonly name: string;
    readonly method: string;
    readonly path: string;
    readonly headers: IncomingHttpHeaders;
    readonly body?: string;
    readonly signedHeaders: string;
    readonly signature: string;
}

const SUITE: readonly Vector[] = [
    { name: "get-vanilla", method: "GET", path: "/", headers: SUITE_HEADERS, signedHeaders: "host;x-amz-date", signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
    { name: "post-vanilla", method: "POST", path: "/", headers: SUITE_HEADERS, signedHeaders: "host;x-amz-date", signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b" },
    { name: "post-vanilla-query", method: "POST", path: "/?Param1=value1", headers: SUITE_HEADERS, signedHeaders: "host;x-amz-date", signature: "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11" },
    { name: "get-vanilla-query-order-key-case", method: "GET", path: "/?Param2=value2&Param1=value1", headers: SUITE_HEADERS, signedHeaders: "host;x-amz-date", signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500" },
    { name: "get-space", method: "GET", path: "/example space/", headers: SUITE_HEADERS, signedHeaders: "host;x-amz-date", signature: "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741" },
    {
        name: "post-x-www-form-urlencoded",
        method: "POST",
        path: "/",
        headers: { ...SUITE_HEADERS, "content-type": "application/x-www-form-urlencoded" },
        body: "Param1=value1",
        signedHeaders: "content-type;host;x-amz-date",
        signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
    },
    {
        name: "post-sts-header-before",
        method: "POST",
        path: "/",
        headers: { ...SUITE_HEADERS, "x-amz-security-token": STS_TOKEN },
        signedHeaders: "host;x-amz-date;x-amz-security-token",
        signature: "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
    },
];

function signed(v: Vector): ReceivedRequest {
    const authorization = `${SUITE_SCOPE}, SignedHeaders=${v.signedHeaders}, Signature=${v.signature}`;
    return { method: v.method, path: v.path, headers: { ...v.headers, authorization }, body: Buffer.from(v.body ?? "") };
}

describe("test harness: SigV4 verifier against AWS's published vectors", () => {
    for (const v of SUITE) {
        it(`AWS SigV4 test suite ${v.name}: the recomputed signature equals the published one`, () => {
            const verdict = verifySigV4(signed(v), SUITE_SECRET);
            assert.equal(verdict.expectedSignature, v.signature);
            assert.equal(verdict.valid, true);
        });
    }

    it("post-vanilla: canonical request and string to sign are the suite's .creq and .sts", () => {
        const verdict = verifySigV4(signed(SUITE[1]), SUITE_SECRET);
        assert.equal(verdict.canonicalRequest, "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert.equal(verdict.stringToSign, "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87");
    });

    it("derives the documented signing key (iam, us-east-1, 20150830)", () => {
        assert.equal(signingKey(SUITE_SECRET, "20150830", "us-east-1", "iam").toString("hex"), "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
    });

    it("S3 GET Object example (another key, date and service)", () => {
        const req: ReceivedRequest = {
            method: "GET",
            path: "/test.txt",
            headers: {
                host: "examplebucket.s3.amazonaws.com",
                range: "bytes=0-9",
                "x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                "x-amz-date": "20130524T000000Z",
                authorization:
                    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
            },
            body: Buffer.alloc(0),
        };
        const verdict = verifySigV4(req, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        assert.equal(verdict.valid, true, verdict.expectedSignature);
        assert.deepEqual([verdict.accessKeyId, verdict.date, verdict.region, verdict.service], ["AKIAIOSFODNN7EXAMPLE", "20130524", "us-east-1", "s3"]);
    });

    it("refuses what does not match: another secret, a changed body, path, signed header or date", () => {
        const v = SUITE.find((x) => x.name === "post-x-www-form-urlencoded")!;
        const ok = signed(v);
        assert.equal(verifySigV4(ok, SUITE_SECRET).valid, true);
        assert.equal(verifySigV4(ok, SUITE_SECRET.replace("EXAMPLE", "EXAMPLF")).valid, false, "another secret");
        assert.equal(verifySigV4({ ...ok, body: Buffer.from("Param1=value2") }, SUITE_SECRET).valid, false, "another body");
        assert.equal(verifySigV4({ ...ok, path: "/api/v1/write" }, SUITE_SECRET).valid, false, "another path");
        assert.equal(verifySigV4({ ...ok, headers: { ...ok.headers, "content-type": "application/x-protobuf" } }, SUITE_SECRET).valid, false, "another signed header value");
        assert.equal(verifySigV4({ ...ok, headers: { ...ok.headers, "x-amz-date": "20150831T123600Z" } }, SUITE_SECRET).valid, false, "another date");
        // An unsigned header may change (Prometheus' User-Agent is not signed).
        assert.equal(verifySigV4({ ...ok, headers: { ...ok.headers, "user-agent": "Prometheus/3.5.3" } }, SUITE_SECRET).valid, true);
    });

    it("parses the Authorization header strictly and needs every signed header on the request", () => {
        assert.deepEqual(parseSigV4Authorization(`${SUITE_SCOPE}, SignedHeaders=host;x-amz-date, Signature=${"a".repeat(64)}`), {
            accessKeyId: "AKIDEXAMPLE",
            date: "20150830",
            region: "us-east-1",
            service: "service",
            signedHeaders: ["host", "x-amz-date"],
            signature: "a".repeat(64),
        });
        assert.throws(() => parseSigV4Authorization("Basic Zm9vOmJhcg=="), /not an AWS4-HMAC-SHA256 Authorization header/);
        assert.throws(() => canonicalRequest(signed(SUITE[0]), ["host", "x-amz-date", "content-type"]), /signed header content-type is not on the request/);
    });
});
