import { federationJobs, FederationSettings } from "./federation";
import { remoteReadConfigs, ZoneRemoteRead } from "./remote-read";
import { renderYaml } from "../kernel/render-yaml";
import { outOfOrderWindowMs } from "./outage-survival";

export interface GlobalPrometheusSettings {
    /** Scrape interval of the global's own jobs. */
    readonly scrapeInterval: string;
    /** Credentials the global uses to scrape itself, since its web endpoints require basic auth. */
    readonly selfScrape: {
        /** Basic-auth user. */
        readonly username: string;
        /** Path of the mounted password file. */
        readonly passwordFile: string;
    };
    /** Pull selected series from each zone's /federate (one job per zone); unset: none. */
    readonly federation?: FederationSettings;
    /** Query zones' raw data through remote read (one entry per zone); unset: none. */
    readonly remoteRead?: readonly ZoneRemoteRead[];
    /** rule_files (mounted paths or globs), e.g. the alert rules of alert-rules.ts; unset or empty: none. */
    readonly ruleFiles?: readonly string[];
    /**
     * storage.tsdb.out_of_order_time_window (Prometheus duration): how far behind the newest sample
     * a zone's backlog may be and still be stored; unset or 0s: none (Prometheus' default).
     */
    readonly outOfOrderTimeWindow?: string;
}

/**
 * The global Prometheus's prometheus.yml: it receives zone data by remote write and, when
 * configured, federates or remote-reads zones. It sets no external labels: zone series arrive
 * labelled by their zone and must not gain a second identity here.
 *
 * The out-of-order window is what lets a zone come back from a long partition: without it the
 * TSDB refuses (400 "out of bounds", which the zone drops) every sample older than the newest one
 * in its head minus half a block (1h), and the other zones and the self-scrape keep that newest
 * sample current (measured with 2.42, and with 3.5 in tests/integration/zone-partition.test.ts).
 */
export function buildGlobalPrometheusConfig(s: GlobalPrometheusSettings): Record<string, unknown> {
    const config: Record<string, unknown> = {
        global: { scrape_interval: s.scrapeInterval, evaluation_interval: s.scrapeInterval },
        scrape_configs: [
            {
                job_name: "prometheus",
                basic_auth: { username: s.selfScrape.username, password_file: s.selfScrape.passwordFile },
                static_configs: [{ targets: ["localhost:9090"] }],
            },
            ...(s.federation !== undefined ? federationJobs(s.federation, "federation") : []),
        ],
    };
    if (s.ruleFiles !== undefined && s.ruleFiles.length > 0) config.rule_files = [...s.ruleFiles];
    if (s.remoteRead !== undefined) config.remote_read = remoteReadConfigs(s.remoteRead, "remoteRead");
    if (s.outOfOrderTimeWindow !== undefined && outOfOrderWindowMs(s.outOfOrderTimeWindow, "outOfOrderTimeWindow") > 0) {
        config.storage = { tsdb: { out_of_order_time_window: s.outOfOrderTimeWindow } };
    }
    return config;
}

export function renderGlobalPrometheusConfig(s: GlobalPrometheusSettings): string {
    return renderYaml(buildGlobalPrometheusConfig(s));
}
