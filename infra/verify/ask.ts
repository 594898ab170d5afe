import { DEFAULT_CP_SERVICE_NAME, ZONE_ATTRIBUTE } from "../../components/mesh/control-plane-telemetry";
import { OTLP_INDEX_LABELS } from "../../components/logs/loki-chart";
import { TENANT_HEADER } from "../../components/kernel/tenant-header";
import { BasicAuth, GlobalAccess } from "./global-access";
import { VectorSample } from "./queries";
import { sigV4Headers, uriEncode } from "./sigv4";
import { BackendAnswer } from "./verdict";

/**
 * The HTTP side of `npm run verify`: Prometheus' query API, Loki's label values, Jaeger's query
 * API. Each request is bounded by a timeout; nothing here decides a verdict.
 */

const REQUEST_TIMEOUT_MS = 10_000;
/** The stream label carrying the zone (Alloy's static label, and the collector's indexed resource attribute). */
const LOKI_ZONE_LABEL: (typeof OTLP_INDEX_LABELS)[number] = "zone";

async function getJson(url: string, headers: Record<string, string>): Promise<unknown> {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${res.status} ${res.statusText} from ${new URL(url).origin}${new URL(url).pathname}: ${text.slice(0, 200).trim()}`);
    return JSON.parse(text);
}

const basic = (auth: BasicAuth) => `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`;

/** Why fetch failed, without the credentials (fetch puts only the URL's origin and the cause in its error). */
export function describeFetchError(err: unknown): string {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    return e.cause ? `${e.message}: ${e.cause.code ?? e.cause.message}` : e.message;
}

/** AMP's SigV4 service name (the `aps:` IAM actions). */
const AMP_SERVICE = "aps";

/** Instant PromQL query against the global (basic auth for Prometheus, tenant header for Mimir, SigV4 for AMP). */
export async function promQuery(access: GlobalAccess, query: string): Promise<VectorSample[]> {
    const url = `${access.prometheusUrl}/api/v1/query?query=${uriEncode(query)}`;
    const headers: Record<string, string> = {};
    if (access.auth) headers.Authorization = basic(access.auth);
    if (access.tenant) headers[TENANT_HEADER] = access.tenant;
    if (access.sigv4) Object.assign(headers, sigV4Headers({ method: "GET", url: new URL(url), region: access.sigv4.region, service: AMP_SERVICE, credentials: access.sigv4.credentials, now: new Date() }));
    const body = (await getJson(url, headers)) as { status: string; data?: { resultType: string; result: VectorSample[] } };
    if (body.status !== "success" || body.data?.resultType !== "vector") throw new Error(`query ${query}: unexpected answer ${JSON.stringify(body).slice(0, 200)}`);
    return body.data.result;
}

/** An in-cluster name (`*.svc`, `*.svc.cluster.local`) is only reachable from inside the cluster. */
const inCluster = (url: string) => /\.svc(\.cluster\.local)?$/.test(new URL(url).hostname);

function notAskable(url: string, flag: string, overridden: boolean): BackendAnswer | undefined {
    if (url === "") return { kind: "not-asked", reason: `no query URL; pass ${flag}` };
    if (!overridden && inCluster(url)) return { kind: "not-asked", reason: `its query API ${url} is in-cluster only; pass ${flag} (e.g. through kubectl port-forward)` };
    return undefined;
}

export interface RecentWindow {
    /** Loki/Prometheus duration text, e.g. "15m". */
    readonly text: string;
    readonly seconds: number;
}

/**
 * Loki: `GET /loki/api/v1/label/zone/values?since=<window>` as the tenant; the values are the zones
 * with log streams in the window (Loki HTTP API, "Query label values":
 * https://grafana.com/docs/loki/latest/reference/loki-http-api/#query-label-values).
 */
export async function askLoki(logs: GlobalAccess["logs"], overridden: boolean, window: RecentWindow): Promise<BackendAnswer> {
    if (logs.backend !== "loki") return logs.backend === "none" ? { kind: "none" } : { kind: "not-asked", reason: `${logs.backend} is not asked by verify` };
    const skip = notAskable(logs.url, "--loki-url", overridden);
    if (skip) return skip;
    try {
        const body = (await getJson(`${logs.url}/loki/api/v1/label/${LOKI_ZONE_LABEL}/values?since=${window.text}`, { [TENANT_HEADER]: logs.tenant })) as { status: string; data?: string[] };
        if (body.status !== "success") throw new Error(`unexpected answer ${JSON.stringify(body).slice(0, 200)}`);
        return { kind: "answered", zonesSeen: new Set(body.data ?? []), window: window.text };
    } catch (err) {
        return { kind: "unreachable", error: describeFetchError(err) };
    }
}

/**
 * Jaeger's query API (the one its UI uses): `GET /api/services`, then per zone the newest control
 * plane trace carrying `kuma.zone=<zone>` in the window: `GET /api/traces?service=kuma-cp&tags=
 * {"kuma.zone":"<zone>"}&start=&end=&limit=1` (microseconds; jaegertracing/jaeger
 * cmd/query/app/query_parser.go). Resource attributes are matched as process tags.
 */
export async function askJaeger(traces: GlobalAccess["traces"], overridden: boolean, zones: readonly string[], window: RecentWindow): Promise<BackendAnswer> {
    if (traces.backend !== "jaeger") return traces.backend === "none" ? { kind: "none" } : { kind: "not-asked", reason: `${traces.backend} is not asked by verify` };
    const skip = notAskable(traces.url, "--jaeger-url", overridden);
    if (skip) return skip;
    try {
        const services = (await getJson(`${traces.url}/api/services`, {})) as { data?: string[] | null };
        const seen = new Set<string>();
        if ((services.data ?? []).includes(DEFAULT_CP_SERVICE_NAME)) {
            const end = Date.now() * 1000;
            const start = end - window.seconds * 1_000_000;
            for (const zone of zones) {
                const tags = encodeURIComponent(JSON.stringify({ [ZONE_ATTRIBUTE]: zone }));
                const found = (await getJson(`${traces.url}/api/traces?service=${DEFAULT_CP_SERVICE_NAME}&tags=${tags}&start=${start}&end=${end}&limit=1`, {})) as { data?: unknown[] | null };
                if ((found.data ?? []).length > 0) seen.add(zone);
            }
        }
        return { kind: "answered", zonesSeen: seen, window: window.text };
    } catch (err) {
        return { kind: "unreachable", error: describeFetchError(err) };
    }
}
