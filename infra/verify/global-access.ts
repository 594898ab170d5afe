import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { REMOTE_WRITE_PATH } from "../../components/prometheus/exposure";
import { GlobalStackOutputs } from "../global-outputs";
import { SECRET_MASK } from "../plan/secret-values";
import { AwsCredentials } from "./sigv4";

/**
 * Where `npm run verify` finds the global: its stack outputs (`pulumi stack output`), a plan's
 * `outputs.json`, and flags that override either. Everything but the CLI call is pure.
 */

/** A problem that stops verification before anything is asked (exit 2). */
export class VerifyError extends Error {}

export interface BasicAuth {
    readonly username: string;
    readonly password: string;
}

export interface GlobalAccess {
    /** Where the outputs came from (stack name or file), for messages. */
    readonly source: string;
    readonly zones: readonly string[];
    readonly metricsBackend: GlobalStackOutputs["metricsBackend"];
    readonly metricsTransport: GlobalStackOutputs["metricsTransport"];
    /** Prometheus API base (no trailing slash). */
    readonly prometheusUrl: string;
    readonly auth?: BasicAuth;
    /** X-Scope-OrgID for Mimir. */
    readonly tenant?: string;
    /** Amazon Managed Prometheus: sign queries (service `aps`) in this region with these credentials. */
    readonly sigv4?: { readonly region: string; readonly credentials: AwsCredentials };
    readonly logs: { readonly backend: GlobalStackOutputs["logsBackend"]; readonly url: string; readonly tenant: string };
    readonly traces: { readonly backend: GlobalStackOutputs["tracesBackend"]; readonly url: string };
}

export interface AccessOverrides {
    readonly globalUrl?: string;
    readonly user?: string;
    /** Read from --password-file. */
    readonly password?: string;
    readonly lokiUrl?: string;
    readonly jaegerUrl?: string;
    /** For AMP: from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. */
    readonly awsCredentials?: AwsCredentials;
}

/** Outputs verify reads; each must be present (a global older than verify lacks the read user). */
const READS = [
    "zones",
    "metricsBackend",
    "metricsTransport",
    "remoteWriteUrl",
    "remoteWriteTenant",
    "ampRegion",
    "prometheusQueryUrl",
    "prometheusReadUsername",
    "prometheusReadPassword",
    "logsBackend",
    "lokiQueryUrl",
    "lokiTenant",
    "tracesBackend",
    "jaegerQueryUrl",
] as const satisfies readonly (keyof GlobalStackOutputs)[];

type Reads = { readonly [K in (typeof READS)[number]]: GlobalStackOutputs[K] };

const trimSlash = (u: string) => u.replace(/\/+$/, "");

/**
 * The Prometheus API to ask: the address the zones remote-write to (it is exposed to them, so most
 * likely to the verifier too; the whole API sits behind the same auth), else the in-cluster query URL.
 */
function prometheusBase(o: Reads): string {
    if (o.metricsBackend === "prometheus" && o.metricsTransport === "remote-write" && o.remoteWriteUrl.endsWith(REMOTE_WRITE_PATH)) {
        return o.remoteWriteUrl.slice(0, -REMOTE_WRITE_PATH.length);
    }
    return trimSlash(o.prometheusQueryUrl);
}

/** The global's outputs (as `pulumi stack output --json` prints them) and the flags → what to ask and as whom. */
export function accessFromOutputs(outputs: Record<string, unknown>, source: string, overrides: AccessOverrides = {}): GlobalAccess {
    const missing = READS.filter((k) => !(k in outputs));
    if (missing.length > 0) {
        throw new VerifyError(`${source}: missing output(s) ${missing.join(", ")}: \`pulumi up\` the global stack with this version first`);
    }
    const o = outputs as unknown as Reads;
    if (o.metricsBackend === "amp" && overrides.awsCredentials === undefined) {
        throw new VerifyError(
            `${source}: metrics go to Amazon Managed Prometheus, whose queries are signed with SigV4: set AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) for an identity allowed aps:QueryMetrics on the workspace`,
        );
    }
    const user = overrides.user ?? o.prometheusReadUsername;
    let auth: BasicAuth | undefined;
    if (o.metricsBackend === "prometheus") {
        if (user === "") throw new VerifyError(`${source}: the global Prometheus has no read-only user (grafana.enabled is false); pass --user and --password-file`);
        const password = overrides.password ?? o.prometheusReadPassword;
        if (password === SECRET_MASK) {
            throw new VerifyError(`${source}: prometheusReadPassword is masked (a plan written without --show-secrets); rerun \`npm run plan -- --env <env> --show-secrets\` or pass --password-file`);
        }
        if (password === "") throw new VerifyError(`${source}: no password for ${user}; pass --password-file`);
        auth = { username: user, password };
    }
    return {
        source,
        zones: o.zones,
        metricsBackend: o.metricsBackend,
        metricsTransport: o.metricsTransport,
        prometheusUrl: trimSlash(overrides.globalUrl ?? prometheusBase(o)),
        ...(auth !== undefined ? { auth } : {}),
        ...(o.metricsBackend === "mimir" ? { tenant: o.remoteWriteTenant } : {}),
        ...(o.metricsBackend === "amp" && overrides.awsCredentials !== undefined ? { sigv4: { region: o.ampRegion, credentials: overrides.awsCredentials } } : {}),
        logs: { backend: o.logsBackend, url: trimSlash(overrides.lokiUrl ?? o.lokiQueryUrl), tenant: o.lokiTenant },
        traces: { backend: o.tracesBackend, url: trimSlash(overrides.jaegerUrl ?? o.jaegerQueryUrl) },
    };
}

/** `<planDir>/<env>-global/outputs.json`, as `npm run plan` writes it (secrets masked unless --show-secrets). */
export function readPlanOutputs(planDir: string, env: string): { outputs: Record<string, unknown>; source: string } {
    const file = path.join(planDir, `${env}-global`, "outputs.json");
    if (!fs.existsSync(file)) throw new VerifyError(`${file} does not exist: run \`npm run plan -- --env ${env} --show-secrets\` first`);
    return { outputs: JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>, source: file };
}

/**
 * The deployed global's outputs through the Pulumi CLI (logged in, and PULUMI_CONFIG_PASSPHRASE set
 * on a passphrase backend, as for `pulumi up`). `--show-secrets` reveals the read password to this
 * process only; it is never printed.
 */
export function readStackOutputs(stack: string, pulumiBin = "pulumi"): { outputs: Record<string, unknown>; source: string } {
    const r = spawnSync(pulumiBin, ["stack", "output", "--json", "--show-secrets", "--stack", stack], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
    if (r.error !== undefined) {
        throw new VerifyError(`cannot run \`${pulumiBin} stack output\` (${r.error.message}): install the Pulumi CLI, or pass --plan <dir> or --global-url/--user/--password-file`);
    }
    if (r.status !== 0) throw new VerifyError(`\`pulumi stack output --stack ${stack}\` failed (exit ${r.status}): ${r.stderr.trim()}`);
    return { outputs: JSON.parse(r.stdout) as Record<string, unknown>, source: stack };
}

/** AWS credentials from the standard environment variables (what aws-actions/configure-aws-credentials exports); undefined without a key pair. */
export function awsCredentialsFromEnv(env: NodeJS.ProcessEnv): AwsCredentials | undefined {
    const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
    if (!accessKeyId || !secretAccessKey) return undefined;
    return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}
