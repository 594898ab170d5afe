import { validateLokiTenant } from "../logs/loki-chart";
import { renderYaml } from "../kernel/render-yaml";
import { TENANT_HEADER } from "../kernel/tenant-header";

/**
 * Fixed datasource UIDs and names, as `kumactl install observability` provisions them: dashboards and
 * cross-links refer to these (the Kuma dashboards by name, e.g. `"datasource": "Prometheus"` / `"Kuma"`).
 */
export const DATASOURCES = {
    prometheus: { uid: "prometheus", name: "Prometheus", type: "prometheus" },
    jaeger: { uid: "jaeger", name: "Jaeger", type: "jaeger" },
    loki: { uid: "loki", name: "Loki", type: "loki" },
    kuma: { uid: "kuma", name: "Kuma", type: "kumahq-kuma-datasource" },
} as const;

/**
 * The plugin type Amazon Managed Prometheus is provisioned with. Grafana 13 deprecates SigV4 on the
 * core `prometheus` type and rewrites such datasources to this plugin at startup (Grafana 13.1 docs,
 * datasources/prometheus/configure/aws-authentication: "Migrate from Prometheus SigV4 to Amazon
 * Managed Service for Prometheus", `prometheusTypeMigration` on by default); provisioning it directly
 * keeps the file the whole truth instead of a datasource Grafana changes behind it. Same uid and
 * name, so dashboards and the Kuma plugin find it as before.
 */
export const AMAZON_PROMETHEUS_TYPE = "grafana-amazonprometheus-datasource";


export interface GrafanaDatasourceSettings {
    /**
     * The metrics backend's Prometheus API: basic auth when basicAuthUser is set (password from the env
     * var passwordEnv); SigV4 in `sigv4Region` for Amazon Managed Prometheus (credentials from the pod's
     * IRSA role); an X-Scope-OrgID `tenant` for Mimir.
     */
    readonly prometheus: { readonly url: string; readonly basicAuthUser?: string; readonly passwordEnv?: string; readonly sigv4Region?: string; readonly tenant?: string };
    /** Jaeger query service (port 16686). */
    readonly jaeger?: { readonly url: string };
    /** Loki (through its gateway) and the tenant to read. */
    readonly loki?: { readonly url: string; readonly tenant: string };
    /** The Kuma global control plane API (:5681), for the kumahq-kuma-datasource plugin. */
    readonly kuma?: { readonly url: string };
}

/**
 * Grafana expands `$VAR` and `${VAR}` in every provisioning value and reads `$$` as a literal `$`
 * (administration/provisioning): literal strings are escaped so they cannot be mangled or pull in
 * an environment variable, and only `envRef` produces an expansion.
 */
function literal(text: string): string {
    return text.split("$").join("$$");
}

function envRef(name: string): string {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) throw new Error(`grafana datasources: ${JSON.stringify(name)} is not an environment variable name`);
    return `\${${name}}`;
}

function url(what: string, u: string): string {
    if (!/^https?:\/\/[^/\s]+/.test(u)) throw new Error(`grafana datasources: ${what} url ${JSON.stringify(u)} is not an http(s) URL`);
    return literal(u);
}

/**
 * The datasource provisioning file (apiVersion 1). Linked both ways as in the kumactl reference:
 * Loki lines carry a derived field opening the trace in the Jaeger datasource, and Jaeger spans link
 * to their logs in the Loki datasource. `prune` removes datasources dropped from this file, so the
 * file is the whole truth (Grafana 11.1+). No credential is written here: the Prometheus password is
 * an environment reference the pod fills from a Secret.
 */
export function buildGrafanaDatasources(s: GrafanaDatasourceSettings): Record<string, unknown> {
    const p = s.prometheus;
    if ((p.basicAuthUser === undefined) !== (p.passwordEnv === undefined)) {
        throw new Error("grafana datasources: prometheus basicAuthUser and passwordEnv go together");
    }
    if ([p.basicAuthUser, p.sigv4Region].filter((x) => x !== undefined).length > 1) {
        throw new Error("grafana datasources: prometheus takes one auth method; allowed: basicAuthUser or sigv4Region");
    }
    const datasources: Record<string, unknown>[] = [
        {
            name: DATASOURCES.prometheus.name,
            uid: DATASOURCES.prometheus.uid,
            type: p.sigv4Region !== undefined ? AMAZON_PROMETHEUS_TYPE : DATASOURCES.prometheus.type,
            access: "proxy",
            orgId: 1,
            url: url("prometheus", p.url),
            isDefault: true,
            editable: false,
            jsonData:
                p.sigv4Region !== undefined
                    ? // The plugin's provisioning keys (grafana.com/docs/plugins/grafana-amazonprometheus-datasource,
                      // "Configure": httpMethod, sigV4Auth, sigV4AuthType, sigV4Region); "default" = the AWS SDK
                      // chain, which picks up the pod's IRSA web identity token.
                      { httpMethod: "POST", sigV4Auth: true, sigV4AuthType: "default", sigV4Region: literal(p.sigv4Region) }
                    : {
                          httpMethod: "POST",
                          prometheusType: p.tenant !== undefined ? "Mimir" : "Prometheus",
                          ...(p.tenant !== undefined ? { httpHeaderName1: TENANT_HEADER } : {}),
                      },
            ...(p.basicAuthUser !== undefined
                ? { basicAuth: true, basicAuthUser: literal(p.basicAuthUser), secureJsonData: { basicAuthPassword: envRef(p.passwordEnv!) } }
                : { basicAuth: false }),
            ...(p.tenant !== undefined ? { secureJsonData: { httpHeaderValue1: literal(p.tenant) } } : {}),
        },
    ];
    if (s.jaeger !== undefined) {
        datasources.push({
            name: DATASOURCES.jaeger.name,
            uid: DATASOURCES.jaeger.uid,
            type: DATASOURCES.jaeger.type,
            access: "proxy",
            orgId: 1,
            url: url("jaeger", s.jaeger.url),
            editable: false,
            jsonData: {
                nodeGraph: { enabled: true },
                // The reference's `tracesToLogs` (tags ["node_id"], a promtail label) is the legacy form
                // Grafana migrates to tracesToLogsV2; logs here arrive over OTLP, indexed by service_name.
                ...(s.loki !== undefined
                    ? {
                          tracesToLogsV2: {
                              datasourceUid: DATASOURCES.loki.uid,
                              spanStartTimeShift: "-5m",
                              spanEndTimeShift: "5m",
                              filterByTraceID: true,
                              filterBySpanID: false,
                              tags: [{ key: "service.name", value: "service_name" }],
                          },
                      }
                    : {}),
            },
        });
    }
    if (s.loki !== undefined) {
        const tenant = validateLokiTenant(s.loki.tenant);
        datasources.push({
            name: DATASOURCES.loki.name,
            uid: DATASOURCES.loki.uid,
            type: DATASOURCES.loki.type,
            access: "proxy",
            orgId: 1,
            url: url("loki", s.loki.url),
            editable: false,
            jsonData: {
                maxLines: 1000,
                httpHeaderName1: TENANT_HEADER,
                ...(s.jaeger !== undefined
                    ? {
                          derivedFields: [
                              // The reference's field: a quoted hex trace id in the line (Envoy access logs).
                              // It matched 16 hex digits (64-bit Zipkin ids); W3C / OTel ids have 32.
                              {
                                  name: "traceId",
                                  matcherRegex: '"([0-9a-f]{32}|[0-9a-f]{16})"',
                                  datasourceUid: DATASOURCES.jaeger.uid,
                                  url: literal("${__value.raw}"),
                              },
                              // OTLP logs carry the id as structured metadata `trace_id`, not in the line.
                              {
                                  name: "trace_id",
                                  matcherType: "label",
                                  matcherRegex: "trace_id",
                                  datasourceUid: DATASOURCES.jaeger.uid,
                                  url: literal("${__value.raw}"),
                              },
                          ],
                      }
                    : {}),
            },
            secureJsonData: { httpHeaderValue1: literal(tenant) },
        });
    }
    if (s.kuma !== undefined) {
        datasources.push({
            name: DATASOURCES.kuma.name,
            uid: DATASOURCES.kuma.uid,
            type: DATASOURCES.kuma.type,
            access: "proxy",
            orgId: 1,
            url: url("kuma", s.kuma.url),
            editable: false,
            jsonData: {
                // The plugin calls /api/datasources/proxy/<this>/api/v1/query. The reference's "1" relies on
                // Prometheus getting database id 1; the uid route names it regardless of insertion order.
                prometheusDataSourceId: `uid/${DATASOURCES.prometheus.uid}`,
            },
        });
    }
    return { apiVersion: 1, prune: true, datasources };
}

/** The provisioning file as mounted. */
export function renderGrafanaDatasources(s: GrafanaDatasourceSettings): string {
    return renderYaml(buildGrafanaDatasources(s));
}
