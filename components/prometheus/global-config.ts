import { renderYaml } from "../render-yaml";

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
}

/**
 * The global Prometheus's prometheus.yml: it receives zone data by remote write, so it only
 * scrapes itself. It sets no external labels: zone series arrive labelled by their zone and
 * must not gain a second identity here.
 */
export function buildGlobalPrometheusConfig(s: GlobalPrometheusSettings): Record<string, unknown> {
    return {
        global: { scrape_interval: s.scrapeInterval, evaluation_interval: s.scrapeInterval },
        scrape_configs: [
            {
                job_name: "prometheus",
                basic_auth: { username: s.selfScrape.username, password_file: s.selfScrape.passwordFile },
                static_configs: [{ targets: ["localhost:9090"] }],
            },
        ],
    };
}

export function renderGlobalPrometheusConfig(s: GlobalPrometheusSettings): string {
    return renderYaml(buildGlobalPrometheusConfig(s));
}
