import { TENANT_HEADER } from "../kernel/tenant-header";
import { S3_KEY_REFERENCES, s3KeysEnvFrom } from "../aws/s3-keys";
import { DEFAULT_OUT_OF_ORDER_TIME_WINDOW } from "../prometheus/outage-survival";
/**
 * Grafana Mimir as the global metrics backend: the mimir-distributed chart, pinned, with the
 * values built here. Facts from the chart's own values.yaml (grafana/mimir
 * operations/helm/charts/mimir-distributed/values.yaml at chart 5.7.0, checked by
 * tests/unit/mimir.test.ts) unless marked otherwise.
 *
 * Proxy: 5.7.0 still renders the deprecated `nginx` Deployment by default (`nginx.enabled: true`,
 * `gateway.enabledNonEnterprise: false`; values.yaml: "DEPRECATED: use the 'gateway' section
 * instead"). We run the unified `gateway` instead (enabledNonEnterprise: true, nginx off): it is
 * the supported path, and chart 6.0 drops `nginx` altogether, so the push URL does not move on the
 * next major upgrade. Its Service is `<fullname>-gateway` (grafana/mimir
 * templates/gateway/_helpers.tpl: `gateway.service.nameOverride | default resourceName "gateway"`;
 * we set the override to that same name so the address does not depend on the helper), port 80
 * (`gateway.service.port`). Its nginx config (values.yaml `gateway.nginx.config.file`) routes
 * `= /api/v1/push` to the distributors and `/prometheus` to the query-frontends.
 *
 * Tenancy: Mimir is multi-tenant (`multitenancy_enabled: true`, set explicitly): every request
 * needs `X-Scope-OrgID`. The gateway's nginx maps a missing header to the no-auth tenant
 * ("Ensure that X-Scope-OrgID is always present, default to the no_auth_tenant", default
 * `anonymous`), so a writer that forgets the header lands in another tenant instead of failing;
 * the tenant may therefore not be `anonymous` itself. Nobody is authenticated: the gateway is
 * in-cluster (ClusterIP) only.
 */
export const MIMIR_CHART = {
    chart: "mimir-distributed",
    version: "5.7.0",
    repo: "https://grafana.github.io/helm-charts",
    appVersion: "2.16.0",
} as const;

/** Gateway Service port (values.yaml gateway.service.port). */
export const MIMIR_GATEWAY_PORT = 80;
/** Remote-write path (gateway nginx `location = /api/v1/push`). */
export const MIMIR_PUSH_PATH = "/api/v1/push";
/** Prometheus-compatible query prefix (gateway nginx `location {{ mimir.prometheusHttpPrefix }}`, Mimir's default -http.prometheus-http-prefix). */
export const MIMIR_QUERY_PATH = "/prometheus";
/** What the gateway substitutes for a missing tenant header (mimir.noAuthTenant default). */
export const GATEWAY_NO_AUTH_TENANT = "anonymous";

/**
 * Per-tenant limits we raise. Mimir's defaults (limits.max_global_series_per_user 150000,
 * ingestion_rate 10000 samples/s, ingestion_burst_size 200000; Mimir configuration reference,
 * grafana.com/docs/mimir/latest/configure/configuration-parameters: limits; not in the chart's values) are sized for one small tenant, and our
 * one tenant carries every zone: at the defaults the distributors answer 429 as soon as a mesh
 * of a few hundred dataplanes reports.
 */
export const MIMIR_TENANT_LIMITS = {
    maxGlobalSeriesPerUser: 1_500_000,
    ingestionRate: 100_000,
    ingestionBurstSize: 1_000_000,
    /**
     * limits.out_of_order_time_window (Mimir docs, "Configure out-of-order samples ingestion"):
     * like the global Prometheus' window, so that a zone back from a partition is not refused
     * as out of bounds for samples older than the head's newest minus 1h.
     */
    outOfOrderTimeWindow: DEFAULT_OUT_OF_ORDER_TIME_WINDOW,
} as const;

/** Object storage prefixes inside the one bucket: Mimir refuses blocks, ruler and alertmanager storage sharing a bucket and prefix; prefixes may only hold letters and digits. */
export const STORAGE_PREFIXES = { blocks: "blocks", ruler: "ruler", alertmanager: "alertmanager" } as const;

export interface MimirS3Storage {
    /** Only S3 (or an S3-compatible store) for now. */
    readonly type: "s3";
    /** The one bucket blocks, rules and alertmanager state share (under distinct prefixes); required; S3 bucket name. */
    readonly bucketName: string;
    /** Bucket region, e.g. eu-west-1; required. */
    readonly region: string;
    /** host[:port] without scheme; default s3.<region>.amazonaws.com (Mimir's S3 client needs one). */
    readonly endpoint?: string;
    /** Plain HTTP to the endpoint (an in-cluster MinIO); default false. */
    readonly insecure?: boolean;
}

/**
 * Ingester and store-gateway replication factor, and so their replica count: 3, the chart's own
 * (values.yaml ingester.replicas 3), tolerates one ingester down. Everything else runs one replica;
 * volumes are the chart's defaults, on the cluster's default StorageClass.
 */
export const MIMIR_REPLICATION_FACTOR = 3;

export interface MimirChartSettings {
    /** Prefix of every object (fullnameOverride): Services `<fullname>-gateway`, `<fullname>-distributor`, ... */
    readonly fullname: string;
    /** The tenant (X-Scope-OrgID) zones write as and Grafana reads as; required; 1-150 of A-Z a-z 0-9 _ . - . */
    readonly tenant: string;
    /** Blocks, ruler and alertmanager storage. */
    readonly storage: MimirS3Storage;
    /** ServiceAccount annotations, e.g. eks.amazonaws.com/role-arn for IRSA access to the bucket; default none. */
    readonly serviceAccountAnnotations?: Readonly<Record<string, string>>;
    /** Secret with the S3 keys (components/aws/s3-keys.ts) for clusters without IRSA; default none. */
    readonly s3KeysSecret?: string;
}

const FN = "mimir";

/** A Mimir tenant ID we accept: one tenant (no `|`), usable verbatim as a header and in Grafana provisioning. */
export function validateMimirTenant(tenant: string): string {
    // Mimir allows a few more characters (! * ' ( )); we keep the set every consumer treats literally.
    if (!/^[A-Za-z0-9_.-]{1,150}$/.test(tenant) || tenant === "." || tenant === ".." || tenant === "__mimir_cluster") {
        throw new Error(`${FN}: tenant ${JSON.stringify(tenant)} is not a tenant ID; allowed: 1-150 of A-Z a-z 0-9 _ . - (not ".", ".." or "__mimir_cluster")`);
    }
    if (tenant === GATEWAY_NO_AUTH_TENANT) {
        throw new Error(`${FN}: tenant "${GATEWAY_NO_AUTH_TENANT}" is what the gateway assigns requests without ${TENANT_HEADER}; allowed: any other tenant ID, so a writer missing the header cannot land in yours`);
    }
    return tenant;
}

/** The S3 client config Mimir's common storage takes. */
function s3Config(s: MimirS3Storage): Record<string, unknown> {
    if ((s as { type: string }).type !== "s3") throw new Error(`${FN}: storage.type ${JSON.stringify((s as { type: string }).type)} is not supported; allowed: s3`);
    // S3 bucket naming rules: 3-63 of a-z 0-9 . -, starting and ending alphanumeric.
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(s.bucketName)) {
        throw new Error(`${FN}: storage.bucketName ${JSON.stringify(s.bucketName)} is not an S3 bucket name; allowed: 3-63 of a-z 0-9 . - starting and ending with a letter or digit`);
    }
    if (!/^[a-z0-9]+(-[a-z0-9]+)+$/.test(s.region)) throw new Error(`${FN}: storage.region ${JSON.stringify(s.region)} is not a region name; allowed: e.g. eu-west-1, us-east-1`);
    const endpoint = s.endpoint ?? `s3.${s.region}.amazonaws.com`;
    if (!/^[A-Za-z0-9.-]+(:[0-9]{1,5})?$/.test(endpoint)) {
        throw new Error(`${FN}: storage.endpoint ${JSON.stringify(s.endpoint)} is not host[:port]; allowed: a host name with optional port and no scheme or path (e.g. minio.storage:9000)`);
    }
    return { bucket_name: s.bucketName, region: s.region, endpoint, ...(s.insecure === true ? { insecure: true } : {}) };
}

/**
 * The S3 client's endpoint settings for an object-storage URL. Mimir's `s3.endpoint` is
 * host[:port] without a scheme and the client speaks TLS unless `s3.insecure` is true ("use
 * http:// for the S3 endpoint instead of https://", Mimir configuration reference, s3 storage
 * backend); the chart wires its own bundled MinIO the same way (mimir-distributed 5.7.0
 * values.yaml `mimir.config`: `endpoint: <minio>.<namespace>.svc:<port>`, `insecure: true`).
 * Dropping the scheme of an http:// URL without setting `insecure` makes Mimir speak TLS to a
 * plain-HTTP store.
 */
export function mimirS3Endpoint(url: string): Pick<MimirS3Storage, "endpoint" | "insecure"> {
    const u = new URL(url);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error(`${FN}: storage.endpoint ${JSON.stringify(url)} is not an http(s) URL; allowed: http://host[:port] or https://host[:port]`);
    return u.protocol === "http:" ? { endpoint: u.host, insecure: true } : { endpoint: u.host };
}

/** Values for the mimir-distributed chart (see the file comment). Pure; throws naming the setting. */
export function buildMimirValues(s: MimirChartSettings): Record<string, unknown> {
    if (!/^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/.test(s.fullname)) {
        // Room for the longest component suffix ("-query-scheduler-headless") within 63 characters.
        throw new Error(`${FN}: fullname ${JSON.stringify(s.fullname)} is not usable as an object name prefix; allowed: a DNS label of at most 40 characters starting with a letter`);
    }
    validateMimirTenant(s.tenant);
    const s3 = { ...s3Config(s.storage), ...(s.s3KeysSecret !== undefined ? { access_key_id: S3_KEY_REFERENCES.accessKeyId, secret_access_key: S3_KEY_REFERENCES.secretAccessKey } : {}) };
    const rf = MIMIR_REPLICATION_FACTOR;
    const limits = MIMIR_TENANT_LIMITS;

    return {
        fullnameOverride: s.fullname,
        ...(s.serviceAccountAnnotations !== undefined ? { serviceAccount: { annotations: { ...s.serviceAccountAnnotations } } } : {}),
        // global.extraEnvFrom reaches every Mimir component (values.yaml: "Common source of environment injections").
        ...(s.s3KeysSecret !== undefined ? { global: { extraEnvFrom: s3KeysEnvFrom(s.s3KeysSecret) } } : {}),
        mimir: {
            structuredConfig: {
                multitenancy_enabled: true,
                // One S3 client config for all three stores; each gets its own prefix.
                common: { storage: { backend: "s3", s3 } },
                blocks_storage: { storage_prefix: STORAGE_PREFIXES.blocks },
                ruler_storage: { storage_prefix: STORAGE_PREFIXES.ruler },
                alertmanager_storage: { storage_prefix: STORAGE_PREFIXES.alertmanager },
                ingester: { ring: { replication_factor: rf } },
                store_gateway: { sharding_ring: { replication_factor: rf } },
                limits: {
                    max_global_series_per_user: limits.maxGlobalSeriesPerUser,
                    ingestion_rate: limits.ingestionRate,
                    ingestion_burst_size: limits.ingestionBurstSize,
                    out_of_order_time_window: limits.outOfOrderTimeWindow,
                },
            },
        },
        // The bundled MinIO is for trying the chart out; our blocks live in S3.
        minio: { enabled: false },
        // Zone-aware replication spreads ingesters/store-gateways over three zone StatefulSets and
        // needs the rollout-operator; a small install runs one StatefulSet each.
        rollout_operator: { enabled: false },
        ingester: { replicas: rf, zoneAwareReplication: { enabled: false } },
        store_gateway: { replicas: rf, zoneAwareReplication: { enabled: false } },
        compactor: { replicas: 1 },
        distributor: { replicas: 1 },
        querier: { replicas: 1 },
        query_frontend: { replicas: 1 },
        query_scheduler: { replicas: 1 },
        nginx: { enabled: false },
        gateway: {
            enabledNonEnterprise: true,
            replicas: 1,
            service: { nameOverride: mimirGatewayServiceName(s.fullname) },
        },
    };
}

/** The gateway Service name for a release whose fullnameOverride is `fullname`. */
export function mimirGatewayServiceName(fullname: string): string {
    return `${fullname}-gateway`;
}

export interface MimirEndpoints {
    /** Remote-write URL (Prometheus remote_write.url, with the tenant header). */
    readonly pushUrl: string;
    /** Prometheus-compatible API base (Grafana's Prometheus datasource URL, with the tenant header). */
    readonly queryUrl: string;
}

/** In-cluster URLs through the gateway (its port is HTTP's default, so the URL names none). */
export function mimirEndpoints(fullname: string, namespace: string): MimirEndpoints {
    const port = MIMIR_GATEWAY_PORT === 80 ? "" : `:${MIMIR_GATEWAY_PORT}`;
    const base = `http://${mimirGatewayServiceName(fullname)}.${namespace}.svc.cluster.local${port}`;
    return { pushUrl: `${base}${MIMIR_PUSH_PATH}`, queryUrl: `${base}${MIMIR_QUERY_PATH}` };
}
