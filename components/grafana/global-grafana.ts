import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { sha256 } from "../kernel/checksum";
import { mountedConfigMap } from "../kernel/mounted-config-map";
import { pinnedChart } from "../kernel/pinned-chart";
import { renderGrafanaDatasources } from "./datasources";
import {
    ADMIN_PASSWORD_KEY,
    ADMIN_USER_KEY,
    buildGrafanaValues,
    DATASOURCES_FILE_KEY,
    GRAFANA_CHART,
    grafanaFullname,
    grafanaUrl,
} from "./grafana-chart";
import { OVERVIEW_DASHBOARD_FILE, renderOverviewDashboard } from "./overview-dashboard";

/** Admin login name: Grafana's own default admin user. */
const ADMIN_USER = "admin";

/** Environment variable (from the credentials Secret) the datasource file references for the Prometheus password. */
export const PROMETHEUS_PASSWORD_ENV = "MESHOBS_PROMETHEUS_PASSWORD";

export interface GlobalGrafanaArgs {
    /** Namespace to deploy into (must exist). */
    readonly namespace: string;
    /** The global Prometheus: query URL and, when it requires basic auth, the user and its password (a secret). */
    readonly prometheus: {
        readonly url: pulumi.Input<string>;
        readonly basicAuthUser?: string;
        readonly password?: pulumi.Input<string>;
        /** Amazon Managed Prometheus: sign queries with SigV4 in this region (needs serviceAccountAnnotations for IRSA). */
        readonly sigv4Region?: string;
        /** Mimir: the X-Scope-OrgID to query as. */
        readonly tenant?: string;
    };
    /** Annotations of Grafana's ServiceAccount, e.g. eks.amazonaws.com/role-arn for AMP queries; default none. */
    readonly serviceAccountAnnotations?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Jaeger query URL (GlobalJaeger.queryUrl); unset: no Jaeger datasource. */
    readonly jaeger?: { readonly url: pulumi.Input<string> };
    /** Loki query URL and tenant (GlobalLoki.queryUrl / tenant); unset: no Loki datasource. */
    readonly loki?: { readonly url: pulumi.Input<string>; readonly tenant: pulumi.Input<string> };
    /** Kuma global control plane API (e.g. http://kuma-control-plane.kuma-system:5681); unset: no Kuma datasource. */
    readonly kuma?: { readonly url: pulumi.Input<string> };
}

/**
 * The global Grafana: the four datasources linked as in the kumactl reference, our multi-zone
 * overview and the Kuma dashboards. Admin password from @pulumi/random; every credential lives in a
 * Secret and reaches Grafana as an environment variable, so the mounted ConfigMaps hold none.
 */
export class GlobalGrafana extends pulumi.ComponentResource {
    /** URL of the UI (in-cluster DNS). */
    public readonly url: pulumi.Output<string>;
    /** Admin login name. */
    public readonly adminUser: pulumi.Output<string>;
    /** Admin password (secret). */
    public readonly adminPassword: pulumi.Output<string>;
    /** The datasource provisioning file, byte for byte as mounted. */
    public readonly datasourcesText: pulumi.Output<string>;
    /** The overview dashboard, byte for byte as mounted. */
    public readonly dashboardText: string;

    constructor(name: string, args: GlobalGrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("meshobs:grafana:GlobalGrafana", name, {}, opts);
        const p = args.prometheus;
        if ((p.basicAuthUser === undefined) !== (p.password === undefined)) {
            throw new Error(`GlobalGrafana ${name}: prometheus basicAuthUser and password go together`);
        }
        // The unsigned kumahq-kuma-datasource plugin comes with the Kuma datasource, and only with it.
        const kumaPlugin = args.kuma !== undefined;

        const password = new random.RandomPassword(`${name}-admin-password`, { length: 32, special: false }, { parent: this });
        const adminSecretName = `${name}-admin`;
        const admin = new k8s.core.v1.Secret(
            adminSecretName,
            {
                metadata: { name: adminSecretName, namespace: args.namespace },
                type: "Opaque",
                stringData: { [ADMIN_USER_KEY]: ADMIN_USER, [ADMIN_PASSWORD_KEY]: pulumi.secret(password.result) },
            },
            { parent: this },
        );
        const secrets: pulumi.Resource[] = [admin];
        let envFromSecret: string | undefined;
        if (p.password !== undefined) {
            envFromSecret = `${name}-datasource-credentials`;
            secrets.push(
                new k8s.core.v1.Secret(
                    envFromSecret,
                    {
                        metadata: { name: envFromSecret, namespace: args.namespace },
                        type: "Opaque",
                        stringData: { [PROMETHEUS_PASSWORD_ENV]: pulumi.secret(p.password) },
                    },
                    { parent: this },
                ),
            );
        }

        this.datasourcesText = pulumi
            .all([p.url, args.jaeger?.url, args.loki?.url, args.loki?.tenant, args.kuma?.url])
            .apply(([prometheusUrl, jaegerUrl, lokiUrl, lokiTenant, kumaUrl]) =>
                renderGrafanaDatasources({
                    prometheus: {
                        url: prometheusUrl,
                        ...(p.basicAuthUser !== undefined ? { basicAuthUser: p.basicAuthUser, passwordEnv: PROMETHEUS_PASSWORD_ENV } : {}),
                        ...(p.sigv4Region !== undefined ? { sigv4Region: p.sigv4Region } : {}),
                        ...(p.tenant !== undefined ? { tenant: p.tenant } : {}),
                    },
                    ...(jaegerUrl !== undefined ? { jaeger: { url: jaegerUrl } } : {}),
                    ...(lokiUrl !== undefined ? { loki: { url: lokiUrl, tenant: lokiTenant! } } : {}),
                    ...(kumaUrl !== undefined ? { kuma: { url: kumaUrl } } : {}),
                }),
            );
        this.dashboardText = renderOverviewDashboard();

        const datasourcesConfigMap = `${name}-datasources`;
        const dashboardsConfigMap = `${name}-dashboards`;
        const configMaps = [
            mountedConfigMap(this, datasourcesConfigMap, args.namespace, "grafana", { [DATASOURCES_FILE_KEY]: this.datasourcesText }),
            mountedConfigMap(this, dashboardsConfigMap, args.namespace, "grafana", { [OVERVIEW_DASHBOARD_FILE]: this.dashboardText }),
        ];

        const chart = pinnedChart(
            name,
            GRAFANA_CHART,
            {
                namespace: args.namespace,
                values: pulumi.all([this.datasourcesText, args.serviceAccountAnnotations ?? {}]).apply(([datasources, serviceAccountAnnotations]) =>
                    buildGrafanaValues({
                        serviceAccountAnnotations,
                        adminSecretName,
                        datasourcesConfigMap,
                        dashboardsConfigMap,
                        kumaPlugin,
                        amazonPrometheus: p.sigv4Region !== undefined,
                        envFromSecret,
                        configChecksum: sha256(datasources + this.dashboardText),
                    }),
                ),
            },
            { parent: this, dependsOn: [...secrets, ...configMaps] },
        );

        this.url = pulumi.output(grafanaUrl(grafanaFullname(name), args.namespace));
        this.adminUser = pulumi.output(ADMIN_USER);
        this.adminPassword = pulumi.secret(password.result);
        this.registerOutputs({ url: this.url, adminUser: this.adminUser, adminPassword: this.adminPassword, chart: chart.urn });
    }
}
