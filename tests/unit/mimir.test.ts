import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { GlobalMimir } from "../../components/mimir/global-mimir";
import {
    buildMimirValues,
    GATEWAY_NO_AUTH_TENANT,
    MIMIR_CHART,
    MIMIR_GATEWAY_PORT,
    MimirChartSettings,
    mimirEndpoints,
    MIMIR_TENANT_LIMITS,
    STORAGE_PREFIXES,
    validateMimirTenant,
} from "../../components/mimir/mimir-chart";
import { TENANT_HEADER } from "../../components/kernel/tenant-header";
import { renderYaml } from "../../components/kernel/render-yaml";
import { underMocks } from "../../infra/plan/mock-runtime";
import { promtoolCheckConfig } from "../support/prometheus-process";
import { upstreamYaml } from "../support/upstream";
import { unknownValuePaths } from "../support/values-keys";

const DIR = `mimir-distributed-chart-${MIMIR_CHART.version}`;
const S3 = { type: "s3", bucketName: "mesh-metrics", region: "eu-west-1" } as const;
const BASE: MimirChartSettings = { fullname: "global-mimir", tenant: "mesh", storage: S3 };
const values = (s: Partial<MimirChartSettings> = {}) => buildMimirValues({ ...BASE, ...s }) as Record<string, any>;
const structured = (s: Partial<MimirChartSettings> = {}) => values(s).mimir.structuredConfig;

describe(`mimir-distributed chart ${MIMIR_CHART.version} values`, () => {
    const upstream = upstreamYaml(DIR, "values.yaml");

    it("pins the chart whose appVersion the code states", () => {
        const chart = upstreamYaml(DIR, "Chart.yaml");
        assert.equal(chart.name, MIMIR_CHART.chart);
        assert.equal(chart.version, MIMIR_CHART.version);
        assert.equal(chart.appVersion, MIMIR_CHART.appVersion);
    });

    const variants: Array<[string, Partial<MimirChartSettings>]> = [
        ["defaults", {}],
        [
            "everything set",
            {
                serviceAccountAnnotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/mimir" },
                storage: { ...S3, endpoint: "minio.storage:9000", insecure: true },
            },
        ],
        ["S3 keys from a Secret (no IRSA)", { s3KeysSecret: "global-mimir-s3-keys" }],
    ];
    for (const [what, s] of variants) {
        it(`${what}: every key path we set exists in upstream values.yaml (mimir.structuredConfig is upstream's open map)`, () => {
            assert.deepEqual(unknownValuePaths(values(s), upstream, []), []);
        });
    }

    it("the key check catches a misspelt key (so it can fail)", () => {
        const v = values();
        v.ingester.replica = 3;
        assert.deepEqual(unknownValuePaths(v, upstream, []), ["ingester.replica"]);
    });

    it("upstream defaults we override are what the code says they are", () => {
        assert.equal(upstream.nginx.enabled, true, "5.7.0 still renders the deprecated nginx by default");
        assert.equal(upstream.gateway.enabled, true);
        assert.equal(upstream.gateway.enabledNonEnterprise, false);
        assert.equal(upstream.gateway.service.port, MIMIR_GATEWAY_PORT);
        assert.equal(upstream.gateway.service.nameOverride, "");
        assert.equal(upstream.minio.enabled, true);
        assert.equal(upstream.ingester.zoneAwareReplication.enabled, true);
        assert.equal(upstream.store_gateway.zoneAwareReplication.enabled, true);
        assert.equal(upstream.rollout_operator.enabled, true);
        assert.deepEqual(upstream.mimir.structuredConfig, {});
        assert.equal(upstream.ingester.replicas, 3);
    });

    it("runs the unified gateway, not the deprecated nginx, under a pinned Service name", () => {
        const v = values();
        assert.equal(v.fullnameOverride, "global-mimir");
        assert.deepEqual(v.nginx, { enabled: false });
        assert.deepEqual(v.gateway, { enabledNonEnterprise: true, replicas: 1, service: { nameOverride: "global-mimir-gateway" } });
    });

    it("the gateway's nginx routes /api/v1/push to the distributors, /prometheus to the query-frontends, and fills a missing tenant", () => {
        const nginx: string = upstream.gateway.nginx.config.file;
        assert.match(nginx, /location = \/api\/v1\/push \{\s*set \$distributor \{\{ template "mimir\.fullname" \. \}\}-distributor-headless/);
        assert.match(nginx, /location \{\{ template "mimir\.prometheusHttpPrefix" \. \}\} \{\s*set \$query_frontend \{\{ template "mimir\.fullname" \. \}\}-query-frontend\./);
        assert.match(nginx, /"" "\{\{ include "mimir\.noAuthTenant" \. \}\}";/, "a request without X-Scope-OrgID is given the no-auth tenant");
        assert.match(nginx, /proxy_set_header X-Scope-OrgID \$ensured_x_scope_orgid;/);
    });
});

describe("mimir tenancy", () => {
    it("is multi-tenant", () => assert.equal(structured().multitenancy_enabled, true));

    it("the tenant header is X-Scope-OrgID (zones send it with the tenant: metrics-backends, and on the wire: prometheus-modes)", () => {
        assert.equal(TENANT_HEADER, "X-Scope-OrgID");
    });

    it("refuses several tenants, unsafe IDs and the gateway's no-auth tenant", () => {
        assert.equal(validateMimirTenant("mesh_prod.eu-1"), "mesh_prod.eu-1");
        assert.throws(() => validateMimirTenant("a|b"), /tenant "a\|b" is not a tenant ID; allowed: 1-150 of/);
        assert.throws(() => validateMimirTenant(""), /is not a tenant ID/);
        assert.throws(() => validateMimirTenant(".."), /is not a tenant ID/);
        assert.throws(() => validateMimirTenant("__mimir_cluster"), /is not a tenant ID/);
        assert.throws(() => validateMimirTenant("x".repeat(151)), /is not a tenant ID/);
        assert.equal(GATEWAY_NO_AUTH_TENANT, "anonymous");
        assert.throws(() => validateMimirTenant("anonymous"), /what the gateway assigns requests without X-Scope-OrgID/);
        assert.throws(() => buildMimirValues({ ...BASE, tenant: "$TENANT" }), /tenant "\$TENANT"/);
    });

    it("Prometheus accepts the push URL with the tenant header in remote_write (promtool), and would refuse an Authorization header there", () => {
        const remoteWrite = (headers: Record<string, string>) =>
            renderYaml({ remote_write: [{ name: "mimir", url: mimirEndpoints("global-mimir", "obs").pushUrl, headers }] });
        const ok = promtoolCheckConfig(remoteWrite({ [TENANT_HEADER]: "mesh" }));
        assert.ok(ok.ok, ok.output);
        const refused = promtoolCheckConfig(remoteWrite({ Authorization: "Bearer x" }));
        assert.equal(refused.ok, false, "the check can fail");
        assert.match(refused.output, /authorization header must be changed via the basic_auth/);
    });
});

describe("mimir endpoints", () => {
    it("push and query through the gateway Service on port 80", () => {
        assert.deepEqual(mimirEndpoints("global-mimir", "obs"), {
            pushUrl: "http://global-mimir-gateway.obs.svc.cluster.local/api/v1/push",
            queryUrl: "http://global-mimir-gateway.obs.svc.cluster.local/prometheus",
        });
    });
});

describe("mimir storage", () => {
    it("one S3 client config (AWS regional endpoint by default) shared by blocks, ruler and alertmanager storage", () => {
        const c = structured();
        assert.deepEqual(c.common, { storage: { backend: "s3", s3: { bucket_name: "mesh-metrics", region: "eu-west-1", endpoint: "s3.eu-west-1.amazonaws.com" } } });
        assert.deepEqual(c.blocks_storage, { storage_prefix: "blocks" });
        assert.deepEqual(c.ruler_storage, { storage_prefix: "ruler" });
        assert.deepEqual(c.alertmanager_storage, { storage_prefix: "alertmanager" });
        assert.deepEqual(values().minio, { enabled: false });
    });

    it("prefixes are distinct and alphanumeric (Mimir refuses stores sharing bucket and prefix)", () => {
        const prefixes = Object.values(STORAGE_PREFIXES);
        assert.equal(new Set(prefixes).size, 3);
        assert.ok(prefixes.every((p) => /^[A-Za-z0-9]+$/.test(p)));
    });

    it("takes an S3-compatible endpoint, plain HTTP on request", () => {
        assert.deepEqual(structured({ storage: { ...S3, endpoint: "minio.storage:9000", insecure: true } }).common.storage.s3, {
            bucket_name: "mesh-metrics",
            region: "eu-west-1",
            endpoint: "minio.storage:9000",
            insecure: true,
        });
    });

    it("the chart's own config template expects exactly these stores", () => {
        const template: string = upstreamYaml(DIR, "values.yaml").mimir.config;
        for (const key of ["blocks_storage:", "ruler_storage:", "alertmanager_storage:"]) assert.ok(template.includes(key), key);
        // Without MinIO the template names no bucket: ours come only from structuredConfig.
        assert.match(template, /\{\{- if \.Values\.minio\.enabled \}\}\s*alertmanager_storage:/);
    });

    it("refuses a storage the client would reject, naming the setting", () => {
        assert.throws(() => values({ storage: { ...S3, bucketName: "Mesh_Metrics" } }), /storage.bucketName "Mesh_Metrics" is not an S3 bucket name/);
        assert.throws(() => values({ storage: { ...S3, region: "" } }), /storage.region "" is not a region name/);
        assert.throws(() => values({ storage: { ...S3, endpoint: "https://minio:9000" } }), /storage.endpoint "https:\/\/minio:9000" is not host\[:port\]; allowed: .* no scheme/);
        assert.throws(() => values({ storage: { type: "gcs", bucketName: "b", region: "r" } as any }), /storage.type "gcs" is not supported; allowed: s3/);
    });
});

describe("mimir replication and sizing", () => {
    it("replication factor 3: three ingesters and store-gateways, one of everything else, no zone-aware StatefulSets, chart volumes", () => {
        const v = values();
        assert.deepEqual(v.mimir.structuredConfig.ingester, { ring: { replication_factor: 3 } });
        assert.deepEqual(v.mimir.structuredConfig.store_gateway, { sharding_ring: { replication_factor: 3 } });
        assert.deepEqual(v.ingester, { replicas: 3, zoneAwareReplication: { enabled: false } });
        assert.deepEqual(v.store_gateway, { replicas: 3, zoneAwareReplication: { enabled: false } });
        assert.deepEqual(v.rollout_operator, { enabled: false });
        for (const c of ["distributor", "querier", "query_frontend", "query_scheduler", "compactor"]) assert.deepEqual(v[c], { replicas: 1 }, c);
        assert.equal(v.gateway.replicas, 1);
        assert.equal(v.alertmanager, undefined, "the chart's alertmanager volume");
    });

    it("refuses a fullname that cannot prefix every object name", () => {
        assert.throws(() => values({ fullname: "Global_Mimir" }), /fullname "Global_Mimir" is not usable/);
    });

    it("raises the per-tenant limits (one tenant carries every zone)", () => {
        assert.deepEqual(structured().limits, { max_global_series_per_user: 1_500_000, ingestion_rate: 100_000, ingestion_burst_size: 1_000_000, out_of_order_time_window: "6h" });
        assert.deepEqual(MIMIR_TENANT_LIMITS, { maxGlobalSeriesPerUser: 1_500_000, ingestionRate: 100_000, ingestionBurstSize: 1_000_000, outOfOrderTimeWindow: "6h" });
        assert.ok(MIMIR_TENANT_LIMITS.ingestionBurstSize >= MIMIR_TENANT_LIMITS.ingestionRate, "a burst holds at least a second's rate");
    });

    it("IRSA: ServiceAccount annotations pass through", () => {
        assert.deepEqual(values({ serviceAccountAnnotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/m" } }).serviceAccount, {
            annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/m" },
        });
        assert.equal(values().serviceAccount, undefined);
    });
});

describe("GlobalMimir under Pulumi mocks", () => {
    const ARGS = { namespace: "obs", tenant: "mesh", storage: S3 };

    it("registers meshobs:mimir:GlobalMimir with the pinned chart as its child and exports push URL, query URL and tenant", async () => {
        const run = await underMocks({ stack: "test-global" }, () => {
            const m = new GlobalMimir("global-mimir", ARGS);
            return { push: m.pushUrl, query: m.queryUrl, tenant: m.tenant, urn: m.urn as pulumi.Output<unknown> };
        });
        const component = run.resources.filter((r) => r.type === "meshobs:mimir:GlobalMimir");
        assert.deepEqual(component.map((r) => r.name), ["global-mimir"]);
        const charts = run.resources.filter((r) => r.type === "kubernetes:helm.sh/v4:Chart");
        assert.equal(charts.length, 1);
        const [chart] = charts;
        assert.equal(chart.name, "global-mimir-chart");
        assert.equal(chart.parent, run.outputs.urn.value, "the chart is the component's child");
        assert.equal(chart.inputs.chart, "mimir-distributed");
        assert.equal(chart.inputs.version, "5.7.0");
        assert.equal(chart.inputs.repositoryOpts.repo, "https://grafana.github.io/helm-charts");
        assert.equal(chart.inputs.namespace, "obs");
        assert.equal(chart.inputs.name, "global-mimir");
        assert.deepEqual(chart.inputs.values, buildMimirValues({ fullname: "global-mimir", tenant: "mesh", storage: S3 }));
        assert.deepEqual(
            { push: run.outputs.push.value, query: run.outputs.query.value, tenant: run.outputs.tenant.value },
            {
                push: "http://global-mimir-gateway.obs.svc.cluster.local/api/v1/push",
                query: "http://global-mimir-gateway.obs.svc.cluster.local/prometheus",
                tenant: "mesh",
            },
        );
    });

    it("bad settings fail before anything is registered", async () => {
        let error: Error | undefined;
        const run = await underMocks({ stack: "test-global" }, () => {
            try {
                new GlobalMimir("global-mimir", { ...ARGS, tenant: GATEWAY_NO_AUTH_TENANT });
            } catch (err) {
                error = err as Error;
            }
            return {};
        });
        assert.match(error?.message ?? "", /tenant "anonymous"/);
        assert.deepEqual(run.resources, []);
    });
});
