/**
 * How a zone authenticates its remote write, as prometheus.yml fields. One method at a time,
 * because Prometheus refuses more ("at most one of basic_auth, authorization, oauth2, & sigv4
 * must be configured", config/config.go@v2.42.0), and never a credential inline: basic auth
 * reads a mounted password file; SigV4 takes its keys from the AWS SDK chain (AWS_ACCESS_KEY_ID /
 * AWS_SECRET_ACCESS_KEY from a Secret, or IRSA's web identity), so prometheus.yml holds none.
 */

import { RemoteWriteProtocol } from "./remote-write-protocol";
import { ARN_PATTERNS, AWS_REGION } from "../kernel/validators";

/** Fields every remote-write form shares. */
interface RemoteWriteTarget {
    /** Receiver URL (…/api/v1/write for Prometheus and Mimir, …/api/v1/remote_write for AMP). */
    readonly url: string;
    /** Extra request headers, e.g. X-Scope-OrgID for Mimir; default none. Prometheus' reserved headers and Authorization are refused. */
    readonly headers?: Readonly<Record<string, string>>;
    /** Remote Write 1.0 or 2.0 (remote-write-protocol.ts); default 1.0, which every receiver and Prometheus 2.x speak. */
    readonly protocol?: RemoteWriteProtocol;
}

/** Basic auth (the global Prometheus): the user inline or from a file, the password always from a file. */
export type BasicAuthRemoteWrite = RemoteWriteTarget & {
    /** Path of the mounted file holding the password; the password itself is never in prometheus.yml. */
    readonly passwordFile: string;
    readonly sigv4?: never;
} & (
        | {
              /** Basic-auth user. */
              readonly username: string;
              readonly usernameFile?: never;
          }
        | {
              /**
               * Path of the mounted file holding the user (`username_file`, Prometheus 3.0+: prometheus/prometheus
               * docs/configuration/configuration.md@v3.0.0). Read on every request like the password, so a new
               * credential takes effect without touching prometheus.yml, hence without restarting the remote-write
               * queue (a changed remote_write entry gets a new queue whose WAL reader starts at the reload:
               * storage/remote/write.go ApplyConfig, tsdb/wlog/watcher.go loop, both @v3.5.0).
               */
              readonly usernameFile: string;
              readonly username?: never;
          }
    );

/** AWS Signature V4 (Amazon Managed Service for Prometheus). */
export interface SigV4RemoteWrite extends RemoteWriteTarget {
    readonly sigv4: SigV4Settings;
    readonly username?: never;
    readonly usernameFile?: never;
    readonly passwordFile?: never;
}

/** No authentication (a receiver inside the cluster that trusts its network, e.g. Mimir by tenant header). */
export interface UnauthenticatedRemoteWrite extends RemoteWriteTarget {
    readonly username?: never;
    readonly usernameFile?: never;
    readonly passwordFile?: never;
    readonly sigv4?: never;
}

export interface SigV4Settings {
    /** Signing region of the workspace, e.g. us-east-1. */
    readonly region: string;
    /** Role to assume (STS AssumeRole) on top of the pod's credentials; default: sign as the pod's own identity. */
    readonly roleArn?: string;
}

export type ZoneRemoteWrite = BasicAuthRemoteWrite | SigV4RemoteWrite | UnauthenticatedRemoteWrite;

/** Which authentication a remote-write setting uses. */
export type RemoteWriteAuthKind = "basic" | "sigv4" | "none";

/**
 * Headers Prometheus refuses in remote_write.headers (reservedHeaders in config/config.go@v2.42.0;
 * promtool 3.5 refuses the same, tests/integration/promtool-modes.test.ts),
 * plus Authorization, which it refuses separately (it belongs to basic_auth / sigv4).
 */
export const RESERVED_REMOTE_WRITE_HEADERS: readonly string[] = [
    "authorization",
    "host",
    "content-encoding",
    "content-length",
    "content-type",
    "user-agent",
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "www-authenticate",
    "accept-encoding",
    "x-prometheus-remote-write-version",
    "x-prometheus-remote-read-version",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
];

/** RFC 9110 token: what an HTTP header name may be made of. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Key names a caller might use to smuggle static AWS keys into the file. */
const STATIC_KEY_FIELDS = ["access_key", "secret_key", "accessKey", "secretKey", "accessKeyId", "secretAccessKey", "profile"];

/** Which authentication `rw` uses; throws when it mixes methods or half-configures one. */
export function remoteWriteAuthKind(rw: ZoneRemoteWrite, setting = "remoteWrite"): RemoteWriteAuthKind {
    const basic = rw.username !== undefined || rw.usernameFile !== undefined || rw.passwordFile !== undefined;
    const sigv4 = rw.sigv4 !== undefined;
    if (basic && sigv4) {
        throw new Error(`${setting}: both basic auth (username/passwordFile) and sigv4 are set; allowed: exactly one auth method (Prometheus refuses more than one)`);
    }
    if (basic) {
        if (rw.username !== undefined && rw.usernameFile !== undefined) throw new Error(`${setting}: both username and usernameFile are set; allowed: one of them (Prometheus refuses both)`);
        if (!rw.username && !rw.usernameFile) throw new Error(`${setting}.username: missing or empty; allowed: the basic-auth user (or usernameFile), together with passwordFile`);
        if (!rw.passwordFile) throw new Error(`${setting}.passwordFile: missing or empty; allowed: the path of the mounted password file, together with username`);
        return "basic";
    }
    return sigv4 ? "sigv4" : "none";
}

/** Refuses headers Prometheus would refuse (reserved, Authorization), malformed names, duplicates by case and line breaks in values. */
export function validateRemoteWriteHeaders(headers: Readonly<Record<string, string>>, setting = "remoteWrite.headers"): void {
    const seen = new Map<string, string>();
    for (const [name, value] of Object.entries(headers)) {
        const where = `${setting}[${JSON.stringify(name)}]`;
        if (!HEADER_NAME.test(name)) throw new Error(`${where}: not a valid HTTP header name; allowed: letters, digits and !#$%&'*+.^_\`|~-`);
        const lower = name.toLowerCase();
        if (lower === "authorization") {
            throw new Error(`${where}: Authorization cannot be set as a header; allowed: basic auth (username/passwordFile) or sigv4, which Prometheus sets itself`);
        }
        if (RESERVED_REMOTE_WRITE_HEADERS.includes(lower)) {
            throw new Error(`${where}: reserved header (Prometheus sets it itself); allowed: any header but ${RESERVED_REMOTE_WRITE_HEADERS.join(", ")}`);
        }
        const previous = seen.get(lower);
        if (previous !== undefined) throw new Error(`${where}: same header as ${JSON.stringify(previous)} (header names ignore case); allowed: each header once`);
        seen.set(lower, name);
        if (typeof value !== "string" || value === "" || /[\r\n]/.test(value)) {
            throw new Error(`${where}: value ${JSON.stringify(value)} is empty or has a line break; allowed: a non-empty single-line string`);
        }
    }
}

/** The prometheus.yml `sigv4` block: region and optional role_arn, never keys. */
export function sigv4Block(s: SigV4Settings, setting = "remoteWrite.sigv4"): Record<string, string> {
    const smuggled = STATIC_KEY_FIELDS.filter((k) => k in (s as object));
    if (smuggled.length > 0) {
        throw new Error(
            `${setting}.${smuggled[0]}: static AWS credentials never go into prometheus.yml; allowed: region and roleArn only ` +
                `(keys reach Prometheus as AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from a Secret, or through IRSA)`,
        );
    }
    if (!AWS_REGION.test(s.region ?? "")) throw new Error(`${setting}.region: ${JSON.stringify(s.region)} is not an AWS region; allowed: e.g. us-east-1, eu-west-1`);
    if (s.roleArn !== undefined && !ARN_PATTERNS.iamRole.test(s.roleArn)) {
        throw new Error(`${setting}.roleArn: ${JSON.stringify(s.roleArn)} is not an IAM role ARN; allowed: arn:aws:iam::<12-digit account>:role/<name>`);
    }
    return { region: s.region, ...(s.roleArn !== undefined ? { role_arn: s.roleArn } : {}) };
}

/**
 * The auth and header fields of one remote_write entry, in the order they appear in the file:
 * `headers` (if any), then `basic_auth` or `sigv4` (or nothing).
 */
export function remoteWriteAuthFields(rw: ZoneRemoteWrite, setting = "remoteWrite"): Record<string, unknown> {
    const kind = remoteWriteAuthKind(rw, setting);
    const out: Record<string, unknown> = {};
    if (rw.headers !== undefined && Object.keys(rw.headers).length > 0) {
        validateRemoteWriteHeaders(rw.headers, `${setting}.headers`);
        out.headers = { ...rw.headers };
    }
    if (kind === "basic") out.basic_auth = rw.usernameFile !== undefined ? { username_file: rw.usernameFile, password_file: rw.passwordFile } : { username: rw.username, password_file: rw.passwordFile };
    if (kind === "sigv4") out.sigv4 = sigv4Block(rw.sigv4!, `${setting}.sigv4`);
    return out;
}
