import { strict as assert } from "assert";
import { RESERVED_REMOTE_WRITE_HEADERS, remoteWriteAuthKind } from "../../components/prometheus/remote-write-auth";
import { ZONE_REMOTE_WRITE_QUEUE } from "../../components/prometheus/remote-write-queue";
import { buildZonePrometheusConfig, renderZonePrometheusConfig, ZonePrometheusSettings, ZoneRemoteWrite } from "../../components/prometheus/zone-config";
import { zoneRemoteWriteArgs } from "../../components/prometheus/zone-remote-write-args";
import { AMP_ROLE_ARN, AMP_URL, zoneSettings } from "../support/fixtures";

const sigv4Zone = (rw: Partial<ZoneRemoteWrite> = {}, over: Partial<ZonePrometheusSettings> = {}): ZonePrometheusSettings =>
    zoneSettings({ remoteWrite: { url: AMP_URL, sigv4: { region: "us-east-1" }, ...rw } as ZoneRemoteWrite, ...over });
const rwOf = (s: ZonePrometheusSettings): any => (buildZonePrometheusConfig(s) as any).remote_write[0];

describe("zone remote-write auth", () => {
    describe("basic auth (the form existing callers pass)", () => {
        it("keeps the exact entry it always produced: name, url, timeout, basic_auth, pinned queue", () => {
            const rw = rwOf(zoneSettings());
            assert.deepEqual(Object.keys(rw), ["name", "url", "remote_timeout", "basic_auth", "queue_config", "metadata_config"]);
            assert.deepEqual(rw.basic_auth, { username: "zone-writer", password_file: "/etc/prometheus/secrets/remote-write/remote-write-password" });
            assert.deepEqual(rw.queue_config, ZONE_REMOTE_WRITE_QUEUE);
        });

        it("refuses a half-set credential and a mix with sigv4", () => {
            assert.throws(() => buildZonePrometheusConfig(zoneSettings({ remoteWrite: { url: AMP_URL, username: "u" } as any })), /remoteWrite\.passwordFile: missing/);
            assert.throws(() => buildZonePrometheusConfig(zoneSettings({ remoteWrite: { url: AMP_URL, passwordFile: "/p" } as any })), /remoteWrite\.username: missing/);
            assert.throws(
                () => buildZonePrometheusConfig(zoneSettings({ remoteWrite: { url: AMP_URL, username: "u", passwordFile: "/p", sigv4: { region: "us-east-1" } } as any })),
                /remoteWrite: both basic auth \(username\/passwordFile\) and sigv4 are set; allowed: exactly one auth method/,
            );
        });

        it("refuses URLs that are not http(s) or carry credentials", () => {
            assert.throws(() => rwOf(zoneSettings({ remoteWrite: { url: "ftp://x/api/v1/write", username: "u", passwordFile: "/p" } })), /remoteWrite\.url: .* uses ftp; allowed: http or https/);
            assert.throws(() => rwOf(zoneSettings({ remoteWrite: { url: "https://u:pw@x/api/v1/write", username: "u", passwordFile: "/p" } })), /carries credentials in the URL/);
            assert.throws(() => rwOf(zoneSettings({ remoteWrite: { url: "not a url", username: "u", passwordFile: "/p" } })), /remoteWrite\.url: "not a url" is not a URL/);
        });
    });

    describe("sigv4", () => {
        it("writes region (and role_arn when set) and nothing else: no basic_auth, no keys", () => {
            assert.deepEqual(rwOf(sigv4Zone()).sigv4, { region: "us-east-1" });
            const withRole = rwOf(sigv4Zone({ sigv4: { region: "eu-west-1", roleArn: AMP_ROLE_ARN } }));
            assert.deepEqual(withRole.sigv4, { region: "eu-west-1", role_arn: AMP_ROLE_ARN });
            assert.ok(!("basic_auth" in withRole));
            assert.deepEqual(Object.keys(withRole), ["name", "url", "remote_timeout", "sigv4", "queue_config", "metadata_config"]);
            assert.equal(remoteWriteAuthKind({ url: AMP_URL, sigv4: { region: "us-east-1" } }), "sigv4");
        });

        it("never puts a secret into the file", () => {
            const text = renderZonePrometheusConfig(sigv4Zone({ sigv4: { region: "us-east-1", roleArn: AMP_ROLE_ARN } }));
            for (const forbidden of [/access_key/, /secret_key/, /^\s*password:/m, /credentials:/, /profile:/, /AKIA/]) assert.doesNotMatch(text, forbidden);
        });

        it("refuses static keys smuggled into the sigv4 block", () => {
            for (const key of ["access_key", "secret_key", "accessKeyId", "secretAccessKey", "profile"]) {
                assert.throws(
                    () => rwOf(sigv4Zone({ sigv4: { region: "us-east-1", [key]: "AKIDEXAMPLE" } as any })),
                    new RegExp(`remoteWrite\\.sigv4\\.${key}: static AWS credentials never go into prometheus\\.yml; allowed: region and roleArn only`),
                );
            }
        });

        it("refuses a bad region or role ARN", () => {
            assert.throws(() => rwOf(sigv4Zone({ sigv4: { region: "US East" } })), /remoteWrite\.sigv4\.region: "US East" is not an AWS region; allowed: e\.g\. us-east-1/);
            assert.throws(() => rwOf(sigv4Zone({ sigv4: { region: "" } })), /is not an AWS region/);
            assert.throws(() => rwOf(sigv4Zone({ sigv4: { region: "us-east-1", roleArn: "amp-ingest" } })), /remoteWrite\.sigv4\.roleArn: "amp-ingest" is not an IAM role ARN/);
            assert.ok(rwOf(sigv4Zone({ sigv4: { region: "us-gov-west-1", roleArn: "arn:aws-us-gov:iam::123456789012:role/x" } })));
        });
    });

    describe("no auth", () => {
        it("writes neither basic_auth nor sigv4", () => {
            const rw = rwOf(zoneSettings({ remoteWrite: { url: "http://mimir-gateway.mimir/api/v1/push", headers: { "X-Scope-OrgID": "mesh" } } }));
            assert.ok(!("basic_auth" in rw) && !("sigv4" in rw));
            assert.deepEqual(rw.headers, { "X-Scope-OrgID": "mesh" });
        });
    });

    describe("headers", () => {
        it("passes X-Scope-OrgID (Mimir's tenant) through, with any auth method", () => {
            assert.deepEqual(rwOf(sigv4Zone({ headers: { "X-Scope-OrgID": "tenant-a" } })).headers, { "X-Scope-OrgID": "tenant-a" });
            const basic = rwOf(zoneSettings({ remoteWrite: { url: AMP_URL, username: "u", passwordFile: "/p", headers: { "X-Scope-OrgID": "t" } } }));
            assert.deepEqual(Object.keys(basic).slice(0, 5), ["name", "url", "remote_timeout", "headers", "basic_auth"]);
        });

        it("omits an empty headers map", () => {
            assert.ok(!("headers" in rwOf(sigv4Zone({ headers: {} }))));
        });

        it("refuses Authorization in any spelling, naming the auth settings to use instead", () => {
            for (const name of ["Authorization", "authorization", "AUTHORIZATION"]) {
                assert.throws(
                    () => rwOf(sigv4Zone({ headers: { [name]: "Bearer x" } })),
                    new RegExp(`remoteWrite\\.headers\\["${name}"\\]: Authorization cannot be set as a header; allowed: basic auth \\(username/passwordFile\\) or sigv4`),
                );
            }
        });

        it("refuses every header Prometheus 2.42 reserves", () => {
            assert.equal(RESERVED_REMOTE_WRITE_HEADERS.length, 17);
            for (const name of RESERVED_REMOTE_WRITE_HEADERS.filter((h) => h !== "authorization")) {
                const mixed = name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
                assert.throws(() => rwOf(sigv4Zone({ headers: { [mixed]: "v" } })), new RegExp(`\\["${mixed}"\\]: reserved header \\(Prometheus sets it itself\\); allowed: any header but`), mixed);
            }
        });

        it("refuses malformed names, values with line breaks, empty values and case-duplicates", () => {
            assert.throws(() => rwOf(sigv4Zone({ headers: { "X Scope": "v" } })), /\["X Scope"\]: not a valid HTTP header name/);
            assert.throws(() => rwOf(sigv4Zone({ headers: { "X-A": "v\r\nX-B: w" } })), /\["X-A"\]: value .* has a line break/);
            assert.throws(() => rwOf(sigv4Zone({ headers: { "X-A": "" } })), /\["X-A"\]: value "" is empty/);
            assert.throws(() => rwOf(sigv4Zone({ headers: { "X-Scope-OrgID": "a", "x-scope-orgid": "b" } })), /same header as "X-Scope-OrgID" \(header names ignore case\); allowed: each header once/);
        });
    });

    describe("remote write is optional (a federated zone keeps its data)", () => {
        it("writes no remote_write without remoteWrite", () => {
            assert.ok(!("remote_write" in buildZonePrometheusConfig(zoneSettings({ remoteWrite: undefined }))));
        });
    });

    describe("component arguments: remoteWrite or nothing", () => {
        it("passes remoteWrite through, and nothing to no remote write", () => {
            assert.deepEqual(zoneRemoteWriteArgs({ remoteWrite: { auth: "basic", url: "u", username: "n", password: "p" } }, "z"), { auth: "basic", url: "u", username: "n", password: "p" });
            assert.equal(zoneRemoteWriteArgs({}, "z"), undefined);
        });

        it("refuses an unknown auth", () => {
            assert.throws(() => zoneRemoteWriteArgs({ remoteWrite: { auth: "bearer", url: "u" } as any }, "z"), /remoteWrite\.auth "bearer" is unknown; allowed: basic, sigv4, none/);
        });
    });
});
