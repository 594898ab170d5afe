import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { parsePromDuration } from "../../components/kernel/duration";
import { PROJECT_ROOT } from "../plan/evaluate-environment";
import { LOCAL_ORGANIZATION, PROJECT } from "../plan/evaluate-stack";
import { globalStackName } from "../stack-identity";
import { askJaeger, askLoki, describeFetchError, promQuery, RecentWindow } from "./ask";
import { AccessOverrides, accessFromOutputs, awsCredentialsFromEnv, GlobalAccess, readPlanOutputs, readStackOutputs, VerifyError } from "./global-access";
import { zoneMetrics, zoneQueries, ZoneQueryResults } from "./queries";
import { outputsFromStackFile } from "./stack-file-outputs";
import { backendLine, Backends, evaluateZone, exitCode, Thresholds, ZoneReport, zoneLine } from "./verdict";

const USAGE = [
    "usage: npm run verify -- --env <env> [source] [--wait 2m] [--max-age 60s] [--max-lag 2m] [--recent 15m] [--interval 5s]",
    "  source (first that applies):",
    "    --plan <dir>                          a plan's <dir>/<env>-global/outputs.json (npm run plan -- --show-secrets)",
    "    --global-url <url> --user <u> --password-file <f>   zones and backends from stacks/Pulumi.<env>-global.yaml",
    "    (default) pulumi stack output --json --show-secrets --stack <--stack, default organization/mesh-observability/<env>-global>",
    "  overrides: --global-url, --user, --password-file, --loki-url, --jaeger-url",
].join("\n");

const OPTIONS = {
    env: { type: "string" },
    plan: { type: "string" },
    stack: { type: "string" },
    "global-url": { type: "string" },
    user: { type: "string" },
    "password-file": { type: "string" },
    "loki-url": { type: "string" },
    "jaeger-url": { type: "string" },
    wait: { type: "string" },
    "max-age": { type: "string" },
    "max-lag": { type: "string" },
    recent: { type: "string" },
    interval: { type: "string" },
} as const;

/** Defaults: a zone scrapes itself every 15s and sends within a second, so 60s is four missed rounds; lag as ZoneRemoteWriteLagging. */
const DEFAULTS = { wait: "2m", maxAge: "60s", maxLag: "2m", recent: "15m", interval: "5s" } as const;

export interface VerifyIo {
    /** The verdict lines (stdout). */
    readonly out: (line: string) => void;
    /** Progress and errors (stderr). */
    readonly err: (line: string) => void;
    /** Where stack files live (flags-only mode); default the project's stacks/. */
    readonly stacksDir?: string;
    /** The Pulumi CLI; default `pulumi` on PATH. */
    readonly pulumiBin?: string;
    /** Environment (AWS credentials for AMP); default process.env. */
    readonly env?: NodeJS.ProcessEnv;
}

function seconds(text: string, flag: string): number {
    const ms = parsePromDuration(text);
    if (ms === undefined || ms <= 0) throw new VerifyError(`--${flag} ${JSON.stringify(text)} is not a positive duration (e.g. 30s, 2m)`);
    return ms / 1000;
}

/** What was asked of the global and the backends, once. */
async function askOnce(access: GlobalAccess, overrides: AccessOverrides, t: Thresholds, recent: RecentWindow): Promise<{ reports: ZoneReport[]; backends: Backends }> {
    const backends: Backends = {
        logs: { name: "Loki", answer: await askLoki(access.logs, overrides.lokiUrl !== undefined, recent) },
        traces: { name: "Jaeger", answer: await askJaeger(access.traces, overrides.jaegerUrl !== undefined, access.zones, recent) },
    };
    const reports: ZoneReport[] = [];
    for (const zone of access.zones) {
        const q = zoneQueries(zone, access.metricsTransport);
        const results = Object.fromEntries(await Promise.all(Object.entries(q).map(async ([k, query]) => [k, await promQuery(access, query)] as const))) as unknown as ZoneQueryResults;
        reports.push(evaluateZone(zoneMetrics(zone, results, Date.now() / 1000), backends, t));
    }
    return { reports, backends };
}

function resolveAccess(env: string, v: Record<string, string | undefined>, overrides: AccessOverrides, io: VerifyIo): GlobalAccess {
    if (v.plan !== undefined) {
        const { outputs, source } = readPlanOutputs(path.resolve(v.plan), env);
        return accessFromOutputs(outputs, source, overrides);
    }
    if (overrides.globalUrl !== undefined && overrides.user !== undefined && overrides.password !== undefined) {
        const { outputs, source } = outputsFromStackFile(io.stacksDir ?? path.join(PROJECT_ROOT, "stacks"), env, PROJECT);
        return accessFromOutputs(outputs, source, overrides);
    }
    const stack = v.stack ?? globalStackName(LOCAL_ORGANIZATION, PROJECT, env);
    const { outputs, source } = readStackOutputs(stack, io.pulumiBin);
    return accessFromOutputs(outputs, source, overrides);
}

/**
 * `npm run verify -- --env <env>`: asks the global, as Grafana's read-only user, how every declared
 * zone is doing, waiting (bounded) for fresh samples; one line per zone. 0 healthy, 1 unhealthy,
 * 2 cannot verify (usage, outputs, global unreachable or refusing).
 */
export async function runVerify(argv: string[], io: VerifyIo): Promise<number> {
    let access: GlobalAccess;
    let overrides: AccessOverrides;
    let t: Thresholds;
    let waitS: number;
    let intervalS: number;
    let recent: RecentWindow;
    try {
        let values: Record<string, string | undefined>;
        try {
            ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true }));
        } catch (e) {
            throw new VerifyError((e as Error).message);
        }
        if (!values.env) throw new VerifyError("--env is required");
        const passwordFile = values["password-file"];
        overrides = {
            globalUrl: values["global-url"],
            user: values.user,
            password: passwordFile !== undefined ? fs.readFileSync(passwordFile, "utf8").replace(/\r?\n$/, "") : undefined,
            lokiUrl: values["loki-url"],
            jaegerUrl: values["jaeger-url"],
            awsCredentials: awsCredentialsFromEnv(io.env ?? process.env),
        };
        t = { maxSampleAgeSeconds: seconds(values["max-age"] ?? DEFAULTS.maxAge, "max-age"), maxLagSeconds: seconds(values["max-lag"] ?? DEFAULTS.maxLag, "max-lag") };
        waitS = values.wait === "0" ? 0 : seconds(values.wait ?? DEFAULTS.wait, "wait");
        intervalS = seconds(values.interval ?? DEFAULTS.interval, "interval");
        const recentText = values.recent ?? DEFAULTS.recent;
        recent = { text: recentText, seconds: seconds(recentText, "recent") };
        access = resolveAccess(values.env, values, overrides, io);
    } catch (e) {
        if (!(e instanceof VerifyError)) throw e;
        io.err(`verify: ${e.message}\n${USAGE}`);
        return 2;
    }

    const as = access.auth ? ` as ${access.auth.username}` : access.sigv4 ? ` with SigV4 (${access.sigv4.region}) as the environment's AWS identity` : "";
    io.err(`verify ${access.source}: ${access.zones.length} zone(s) at ${access.prometheusUrl}${as}`);
    const started = Date.now();
    let result: { reports: ZoneReport[]; backends: Backends };
    for (;;) {
        try {
            result = await askOnce(access, overrides, t, recent);
        } catch (e) {
            io.err(`verify: cannot ask the global at ${access.prometheusUrl}: ${describeFetchError(e)}`);
            return 2;
        }
        const elapsed = (Date.now() - started) / 1000;
        const pending = result.reports.filter((r) => !r.healthy);
        if (pending.length === 0 || elapsed + intervalS > waitS) break;
        // Right after `pulumi up` a zone may still be starting: wait for fresh samples, bounded by --wait.
        io.err(`… ${Math.round(elapsed)}s of ${Math.round(waitS)}s: waiting for ${pending.map((r) => `${r.zone} (${r.verdict})`).join(", ")}`);
        await new Promise((r) => setTimeout(r, intervalS * 1000));
    }

    const width = Math.max(...access.zones.map((z) => z.length), 4);
    for (const r of result.reports) io.out(zoneLine(r, width));
    const lines = [backendLine("logs", result.backends.logs), backendLine("traces", result.backends.traces)];
    for (const l of lines) io.out(l.line);
    const code = exitCode(result.reports, lines.every((l) => l.ok));
    const unhealthy = result.reports.filter((r) => !r.healthy).length;
    io.out(code === 0 ? `${access.zones.length} zone(s) healthy` : `${unhealthy} of ${access.zones.length} zone(s) unhealthy${lines.every((l) => l.ok) ? "" : "; a backend is unreachable"}`);
    return code;
}

if (require.main === module) {
    runVerify(process.argv.slice(2), { out: (l) => console.log(l), err: (l) => console.error(l) }).then((code) => process.exit(code));
}
