/**
 * Server or agent mode, and the command-line flags each needs for a given Prometheus release.
 * The flag moved between majors (prometheus/prometheus CHANGELOG.md: 2.32.0 and 3.0.0; cmd/prometheus/main.go): 2.32 introduced `--enable-feature=agent`,
 * 3.0 made agent mode stable as `--agent` and removed the feature flag (3.5 only warns "Unknown
 * option for --enable-feature" option=agent, parses the flags as a server's and exits 3 on
 * `--storage.agent.path`; 2.42 refuses `--agent` as an unknown flag: both measured in the tests).
 * An agent keeps only a WAL (`--storage.agent.path`) and refuses every `--storage.tsdb.*` flag
 * (2.42 and 3.5 exit 3: "The following flag(s) can not be used in agent mode"), so those are never
 * emitted for it.
 */

/** `server`: local TSDB, queryable and federatable. `agent`: scrape and remote-write only (no queries, rules or alerts). */
export type PrometheusMode = "server" | "agent";

/** Top-level prometheus.yml keys an agent refuses (config/config.go@v2.42.0 L115-127). */
export const AGENT_FORBIDDEN_KEYS = ["rule_files", "alerting", "remote_read"] as const;

/** First 2.x release with agent mode (CHANGELOG 2.32.0). */
const AGENT_MIN_2X = { major: 2, minor: 32 } as const;

export interface PrometheusVersion {
    readonly major: number;
    readonly minor: number;
    readonly patch: number;
}

/** Parses "3.14.0", "v3.14.0" or "2.42.0+ds" (Debian); throws on anything else. */
export function parsePrometheusVersion(text: string, setting = "prometheus version"): PrometheusVersion {
    const m = /^v?([0-9]+)\.([0-9]+)\.([0-9]+)([-+][0-9A-Za-z.+~-]*)?$/.exec(text.trim());
    if (!m) throw new Error(`${setting}: ${JSON.stringify(text)} is not a Prometheus release; allowed: MAJOR.MINOR.PATCH, e.g. 3.14.0 or v2.42.0`);
    return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) };
}

export interface ModeFlagsInput {
    /** server or agent. */
    readonly mode: PrometheusMode;
    /** Release of the binary that runs (e.g. the chart's appVersion "v3.14.0"). */
    readonly version: string;
    /** Data directory: --storage.tsdb.path (server) or --storage.agent.path (agent). */
    readonly storagePath: string;
    /** --storage.tsdb.retention.time (Prometheus duration); server only, unset: Prometheus' 15d. */
    readonly retention?: string;
    /** --storage.tsdb.retention.size (e.g. 40GB); server only, unset: no size limit. */
    readonly retentionSize?: string;
}

/** The mode and storage flags (with leading --) for `input.mode` on `input.version`. */
export function prometheusModeFlags(input: ModeFlagsInput): string[] {
    const v = parsePrometheusVersion(input.version);
    if (v.major < 2) throw new Error(`prometheus version: ${input.version} is not supported; allowed: 2.x or later`);
    if (input.mode === "server") {
        return [
            `--storage.tsdb.path=${input.storagePath}`,
            ...(input.retention !== undefined ? [`--storage.tsdb.retention.time=${input.retention}`] : []),
            ...(input.retentionSize !== undefined ? [`--storage.tsdb.retention.size=${input.retentionSize}`] : []),
        ];
    }
    if (input.mode !== "agent") throw new Error(`mode: ${JSON.stringify(input.mode)} is not a Prometheus mode; allowed: server, agent`);
    if (input.retention !== undefined || input.retentionSize !== undefined) {
        throw new Error(`retention: agent mode has no TSDB retention (Prometheus refuses --storage.tsdb.* flags in agent mode); allowed: unset in agent mode`);
    }
    if (v.major === 2 && v.minor < AGENT_MIN_2X.minor) {
        throw new Error(`mode: agent needs Prometheus ${AGENT_MIN_2X.major}.${AGENT_MIN_2X.minor} or later, got ${input.version}; allowed: server on this release, or a newer release`);
    }
    const enable = v.major === 2 ? "--enable-feature=agent" : "--agent";
    return [enable, `--storage.agent.path=${input.storagePath}`];
}

/** Throws when a prometheus.yml object holds a key agent mode refuses; `where` names the config. */
export function assertAgentCompatible(config: Readonly<Record<string, unknown>>, where: string): void {
    for (const key of AGENT_FORBIDDEN_KEYS) {
        if (config[key] !== undefined) {
            throw new Error(
                `${where}: ${key} is set but mode is agent; allowed in agent mode: none of ${AGENT_FORBIDDEN_KEYS.join(", ")} ` +
                    `(an agent keeps no queryable data: no rules, alerting or remote read; use mode server)`,
            );
        }
    }
}
