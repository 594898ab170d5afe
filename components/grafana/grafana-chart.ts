import { AMAZON_PROMETHEUS_TYPE, DATASOURCES } from "./datasources";

/**
 * The Grafana chart, pinned. It moved to grafana-community/helm-charts (grafana/helm-charts keeps a
 * migration README only); 12.11.1 ships Grafana 13.2.0 (Chart.yaml appVersion). Upstream has no
 * values.schema.json: tests check our keys against its values.yaml.
 */
export const GRAFANA_CHART = {
    chart: "grafana",
    version: "12.11.1",
    repo: "https://grafana-community.github.io/helm-charts",
    appVersion: "13.2.0",
} as const;

/** Keys of the admin Secret (chart defaults of admin.userKey / admin.passwordKey). */
export const ADMIN_USER_KEY = "admin-user";
export const ADMIN_PASSWORD_KEY = "admin-password";
/** Service port of the chart (service.port; the container listens on 3000). */
export const GRAFANA_SERVICE_PORT = 80;
/** Our datasource file, mounted next to (not over) the provisioning directory's other files. */
export const DATASOURCES_FILE_KEY = "datasources.yaml";
export const DATASOURCES_MOUNT_PATH = "/etc/grafana/provisioning/datasources/meshobs-datasources.yaml";
/** Dashboard providers; the chart requires `/var/lib/grafana/dashboards/<provider>` as path. */
export const MESHOBS_PROVIDER = "meshobs";
export const KUMA_PROVIDER = "kuma";
const DASHBOARDS_ROOT = "/var/lib/grafana/dashboards";
/** UID/GID of the grafana image user (chart securityContext). */
const GRAFANA_UID = 472;

/**
 * The Kuma datasource plugin (kumahq/kuma-grafana-datasource, latest release 0.1.1). It is unsigned,
 * so Grafana must be told to load it; the install string is Grafana's `id@version@url` preinstall form,
 * which the chart passes as GF_PLUGINS_PREINSTALL_SYNC (installed before Grafana serves).
 */
export const KUMA_DATASOURCE_PLUGIN = {
    id: DATASOURCES.kuma.type,
    version: "0.1.1",
    url: "https://github.com/kumahq/kuma-grafana-datasource/releases/download/v0.1.1/kumahq-kuma-datasource-0.1.1.zip",
} as const;

/**
 * The Kuma dashboards `kumactl install observability` ships, from the Kuma release they belong to.
 * Three are published on grafana.com (gnetId), but the chart fetches a gnetId at `revision` (default 1,
 * the oldest) and the current revisions cannot be pinned from here; the release tag pins exactly what
 * the kumactl reference shipped. The CP dashboard has no gnetId at all, so the tag is the only source
 * for it anyway. `${DS_PROMETHEUS}` is replaced by the datasource name, as kumactl does.
 */
export const KUMA_DASHBOARDS_REF = "v2.14.3";
export const KUMA_DASHBOARDS: ReadonlyArray<{ readonly key: string; readonly file: string; readonly gnetId?: number }> = [
    { key: "kuma-mesh", file: "kuma-mesh.json", gnetId: 11774 },
    { key: "kuma-dataplane", file: "kuma-dataplane.json", gnetId: 11775 },
    { key: "kuma-service-to-service", file: "kuma-service-to-service.json", gnetId: 11776 },
    { key: "kuma-cp", file: "kuma-cp.json" },
];

export function kumaDashboardUrl(file: string): string {
    return `https://raw.githubusercontent.com/kumahq/kuma/${KUMA_DASHBOARDS_REF}/app/kumactl/data/install/k8s/metrics/grafana/${file}`;
}

/**
 * The Amazon Managed Prometheus datasource plugin (grafana/grafana-amazonprometheus-datasource; 3.3.4
 * per its grafana.com changelog, built against Grafana 13.3 packages), installed from the Grafana
 * catalog in Grafana's `id@version` preinstall form. Signed by Grafana Labs: no unsigned allowance.
 */
export const AMAZON_PROMETHEUS_PLUGIN = { id: AMAZON_PROMETHEUS_TYPE, version: "3.3.4" } as const;

export interface GrafanaChartSettings {
    /** Secret with ADMIN_USER_KEY and ADMIN_PASSWORD_KEY (admin.existingSecret). */
    readonly adminSecretName: string;
    /** ConfigMap holding DATASOURCES_FILE_KEY, mounted at DATASOURCES_MOUNT_PATH. */
    readonly datasourcesConfigMap: string;
    /** ConfigMap whose every key is a dashboard JSON, provisioned into the "Mesh observability" folder. */
    readonly dashboardsConfigMap: string;
    /** Install the Kuma datasource plugin and allow it unsigned. */
    readonly kumaPlugin: boolean;
    /**
     * The metrics datasource is Amazon Managed Prometheus: install its plugin and turn on SigV4 for
     * the data source proxy, the route the Kuma plugin queries Prometheus through; default false.
     */
    readonly amazonPrometheus?: boolean;
    /** Secret whose keys become environment variables (datasource credentials referenced as ${VAR}). */
    readonly envFromSecret?: string;
    /** sha256 of the mounted provisioning files: the datasource file is a subPath mount, read at start only. */
    readonly configChecksum: string;
    /** ServiceAccount annotations (IRSA role for SigV4 queries to AMP); default none. */
    readonly serviceAccountAnnotations?: Readonly<Record<string, string>>;
}

/** Name the chart gives its Deployment and Service (grafana.fullname in _helpers.tpl; no fullnameOverride in values.yaml). */
export function grafanaFullname(release: string): string {
    return (release.includes(GRAFANA_CHART.chart) ? release : `${release}-${GRAFANA_CHART.chart}`).slice(0, 63).replace(/-+$/, "");
}

/**
 * Values for the grafana chart: admin from our Secret, our datasource file and dashboards mounted
 * from our ConfigMaps (no sidecars, so no RBAC and no API token in the pod), the Kuma dashboards
 * downloaded at pod start (needs egress to raw.githubusercontent.com), the Kuma plugin when asked,
 * and a restricted security context with a read-only root filesystem.
 */
export function buildGrafanaValues(s: GrafanaChartSettings): Record<string, unknown> {
    const ini: Record<string, Record<string, unknown>> = { analytics: { check_for_updates: false, reporting_enabled: false } };
    if (s.kumaPlugin) ini.plugins = { allow_loading_unsigned_plugins: KUMA_DATASOURCE_PLUGIN.id };
    // [auth] sigv4_auth_enabled (Grafana configuration docs; default false): without it the data source
    // proxy sends the Kuma plugin's /api/v1/query calls unsigned and AMP answers 403. The proxy signs
    // for the aps service on this plugin type too (grafana/grafana pkg/services/datasources/service
    // awsServiceNamespace: DS_PROMETHEUS, DS_AMAZON_PROMETHEUS → "aps") and lets GETs through
    // (pkg/api/pluginproxy/ds_proxy.go validateRequest).
    if (s.amazonPrometheus === true) ini.auth = { sigv4_auth_enabled: true };

    const provider = (name: string, folder: string) => ({
        name,
        orgId: 1,
        folder,
        type: "file",
        disableDeletion: true,
        editable: false,
        allowUiUpdates: false,
        options: { path: `${DASHBOARDS_ROOT}/${name}` },
    });
    const providers = [provider(MESHOBS_PROVIDER, "Mesh observability"), provider(KUMA_PROVIDER, "Kuma")];

    const values: Record<string, unknown> = {
        rbac: { create: false },
        automountServiceAccountToken: false,
        testFramework: { enabled: false },
        admin: { existingSecret: s.adminSecretName, userKey: ADMIN_USER_KEY, passwordKey: ADMIN_PASSWORD_KEY },
        "grafana.ini": ini,
        podAnnotations: { "meshobs.io/config-sha256": s.configChecksum },
        securityContext: {
            runAsNonRoot: true,
            runAsUser: GRAFANA_UID,
            runAsGroup: GRAFANA_UID,
            fsGroup: GRAFANA_UID,
            seccompProfile: { type: "RuntimeDefault" },
        },
        containerSecurityContext: {
            allowPrivilegeEscalation: false,
            privileged: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
        },
        // Plugin installation unpacks through the temp dir; everything else Grafana writes is on the chart's volumes.
        extraEmptyDirMounts: [{ name: "tmp", mountPath: "/tmp" }],
        // The UI stays in-cluster: no stack config exposes it (networkPolicies.grafanaUiCidrs says who
        // from outside the namespace may reach the Service).
        service: { type: "ClusterIP" },
    };
    if (s.envFromSecret !== undefined) values.envFromSecret = s.envFromSecret;
    // serviceAccount.annotations is a documented (commented-out) key of the chart; its example is the IRSA role.
    if (s.serviceAccountAnnotations !== undefined && Object.keys(s.serviceAccountAnnotations).length > 0) {
        values.serviceAccount = { create: true, annotations: { ...s.serviceAccountAnnotations } };
    }
    const plugins = [
        ...(s.kumaPlugin ? [`${KUMA_DATASOURCE_PLUGIN.id}@${KUMA_DATASOURCE_PLUGIN.version}@${KUMA_DATASOURCE_PLUGIN.url}`] : []),
        ...(s.amazonPrometheus === true ? [`${AMAZON_PROMETHEUS_PLUGIN.id}@${AMAZON_PROMETHEUS_PLUGIN.version}`] : []),
    ];
    if (plugins.length > 0) values.plugins = plugins;
    values.extraConfigmapMounts = [
        {
            name: "meshobs-datasources",
            mountPath: DATASOURCES_MOUNT_PATH,
            subPath: DATASOURCES_FILE_KEY,
            configMap: s.datasourcesConfigMap,
            readOnly: true,
        },
    ];
    values.dashboardProviders = { "dashboardproviders.yaml": { apiVersion: 1, providers } };
    values.dashboardsConfigMaps = { [MESHOBS_PROVIDER]: s.dashboardsConfigMap };
    // -sSf: fail on HTTP errors and keep TLS verification (the chart's default -skf skips it).
    values.defaultCurlOptions = "-sSf";
    values.dashboards = {
        [KUMA_PROVIDER]: Object.fromEntries(
            KUMA_DASHBOARDS.map((d) => [d.key, { url: kumaDashboardUrl(d.file), datasource: [{ name: "DS_PROMETHEUS", value: DATASOURCES.prometheus.name }] }]),
        ),
    };
    return values;
}

/** The URL of the UI: the Service's in-cluster DNS name (service.port GRAFANA_SERVICE_PORT is http's default). */
export function grafanaUrl(fullname: string, namespace: string): string {
    return `http://${fullname}.${namespace}.svc.cluster.local`;
}
