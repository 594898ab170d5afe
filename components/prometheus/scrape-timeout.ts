import { formatPromDuration, parsePromDuration } from "../kernel/duration";

/** Prometheus' default scrape_timeout; a job may not wait longer than its interval either. */
const DEFAULT_SCRAPE_TIMEOUT_MS = 10_000;

/**
 * A scrape_timeout Prometheus accepts for `interval`: at most the interval (Prometheus refuses a
 * longer timeout), at most the 10s default. Written explicitly so a job does not silently inherit
 * a global timeout that a shorter interval would make invalid.
 */
export function scrapeTimeout(interval: string, setting = "scrape interval"): string {
    const ms = parsePromDuration(interval);
    if (ms === undefined || ms === 0) {
        throw new Error(`${setting}: ${JSON.stringify(interval)} is not a positive Prometheus duration; allowed: e.g. 15s, 1m, 1h30m`);
    }
    return formatPromDuration(Math.min(ms, DEFAULT_SCRAPE_TIMEOUT_MS));
}
