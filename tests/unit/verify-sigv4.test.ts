import { strict as assert } from "assert";
import { canonicalQuery, sigV4Headers, uriEncode } from "../../infra/verify/sigv4";

/**
 * The AWS Signature Version 4 test suite (https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html):
 * its example credentials, date, region and service, and the published signatures of its GET cases.
 */
const SUITE = {
    region: "us-east-1",
    service: "service",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
    now: new Date("2015-08-30T12:36:00Z"),
};
const sign = (url: string, sessionToken?: string) =>
    sigV4Headers({ method: "GET", url: new URL(url), ...SUITE, credentials: { ...SUITE.credentials, ...(sessionToken ? { sessionToken } : {}) } });
const authz = (signature: string, signed = "host;x-amz-date") => `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=${signed}, Signature=${signature}`;

describe("verify: SigV4 for Amazon Managed Prometheus queries", () => {
    it("get-vanilla", () => {
        assert.deepEqual(sign("https://example.amazonaws.com/"), { "x-amz-date": "20150830T123600Z", authorization: authz("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31") });
    });

    it("get-vanilla-query and get-vanilla-query-order-key-case (parameters sorted)", () => {
        assert.equal(sign("https://example.amazonaws.com/?Param1=value1").authorization, authz("a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"));
        assert.equal(sign("https://example.amazonaws.com/?Param2=value2&Param1=value1").authorization, authz("b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"));
    });

    it("encodes a PromQL query as RFC 3986 wants, and signs the session token of temporary credentials", () => {
        assert.equal(uriEncode(`max(timestamp(up{job="prometheus", zone="east"}))`), "max%28timestamp%28up%7Bjob%3D%22prometheus%22%2C%20zone%3D%22east%22%7D%29%29");
        assert.equal(canonicalQuery(new URL("https://x/?query=a+b&b=1&a=2")), "a=2&b=1&query=a%20b");
        const h = sign("https://example.amazonaws.com/", "token/with+chars");
        assert.equal(h["x-amz-security-token"], "token/with+chars");
        assert.match(h.authorization, /SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/);
        assert.notEqual(h.authorization, sign("https://example.amazonaws.com/").authorization);
    });
});
