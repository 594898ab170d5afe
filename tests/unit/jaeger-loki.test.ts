import { strict as assert } from "assert";
import * as fs from "fs";
import Ajv from "ajv";
import { parse } from "yaml";
import { ServiceExposure } from "../../components/kernel/service-exposure";
import { GlobalLoki } from "../../components/logs/global-loki";
import {
    buildLokiExposedService,
    buildLokiValues,
    LOKI_CHART,
    lokiEndpoints,
    lokiReplicationFactor,
    LokiChartSettings,
    OTLP_LOGS_PATH,
    PUSH_PATH,
    validateLokiTenant,
} from "../../components/logs/loki-chart";
import { GlobalJaeger } from "../../components/traces/global-jaeger";
import { buildJaegerExposure, buildJaegerValues, JAEGER_CHART, JAEGER_CONFIG_DIR, JAEGER_CONFIG_KEY, jaegerSelectorLabels } from "../../components/traces/jaeger-chart";
import {
    BADGER_DIR,
    buildJaegerConfig,
    goDurationMs,
    HEALTH_PATH,
    HEALTH_PORT,
    JaegerStorage,
    OTLP_GRPC_PORT,
    OTLP_HTTP_PORT,
    QUERY_HTTP_PORT,
    renderJaegerConfig,
} from "../../components/traces/jaeger-config";
import { WORKLOAD_ANNOTATION } from "../../components/kernel/workload-files";
import { RecordedRun, underMocks } from "../../infra/plan/mock-runtime";
import { revealOrMask } from "../../infra/plan/secret-values";
import { registered } from "../support/registrations";
import { upstreamJson, upstreamPath, upstreamYaml } from "../support/upstream";
import { unknownValuePaths } from "../support/values-keys";

const JAEGER_DIR = `jaeger-chart-${JAEGER_CHART.version}`;
const LOKI_DIR = `loki-chart-${LOKI_CHART.version}`;

const MEMORY: JaegerStorage = { type: "memory", maxTraces: 50000 };
const BADGER: JaegerStorage = { type: "badger", storageSize: "20Gi", retention: "168h" };
const ELASTIC: JaegerStorage = { type: "elasticsearch", url: "https://es.example.com:9200", indexPrefix: "mesh-traces" };
const INGRESS_TLS: ServiceExposure = { type: "Ingress", host: "otlp.example.com", ingressClassName: "nginx", tlsSecretName: "otlp-tls", annotations: { a: "b" } };
const LB: ServiceExposure = { type: "LoadBalancer", host: "lb.example.com", sourceRanges: ["10.0.0.0/8"], annotations: { x: "y" } };

/** Regex check that a key upstream documents only as a commented-out example really is there. */
function commentedUpstream(file: string, keyPath: string): boolean {
    const key = keyPath.split(".").pop()!.replace("[]", "");
    return new RegExp(`^\\s*#\\s*(- )?${key}:`, "m").test(fs.readFileSync(file, "utf8"));
}

// ---------------------------------------------------------------------------------------------
// Jaeger

describe(`jaeger v2 config (chart ${JAEGER_CHART.version})`, () => {
    it("pins the chart whose appVersion the code states", () => {
        const chart = upstreamYaml(JAEGER_DIR, "Chart.yaml");
        assert.equal(chart.version, JAEGER_CHART.version);
        assert.equal(chart.appVersion, JAEGER_CHART.appVersion);
    });

    it("receives OTLP gRPC on 4317 and HTTP on 4318, on every interface", () => {
        const cfg: any = buildJaegerConfig(MEMORY);
        assert.equal(OTLP_GRPC_PORT, 4317);
        assert.equal(OTLP_HTTP_PORT, 4318);
        assert.deepEqual(cfg.receivers.otlp.protocols, { grpc: { endpoint: "0.0.0.0:4317" }, http: { endpoint: "0.0.0.0:4318" } });
        assert.deepEqual(cfg.service.pipelines.traces.receivers, ["otlp"]);
    });

    it("serves the query UI on 16686 and health on the port and path the chart probes", () => {
        const cfg: any = buildJaegerConfig(MEMORY);
        assert.equal(QUERY_HTTP_PORT, 16686);
        assert.equal(cfg.extensions.jaeger_query.http.endpoint, "0.0.0.0:16686");
        assert.deepEqual(cfg.extensions.healthcheckv2.http, { endpoint: `0.0.0.0:${HEALTH_PORT}`, status: { enabled: true, path: HEALTH_PATH } });
        assert.equal(HEALTH_PORT, 13133);
        assert.equal(HEALTH_PATH, "/status");
        for (const ext of ["jaeger_storage", "jaeger_query", "healthcheckv2"]) assert.ok(cfg.service.extensions.includes(ext), ext);
    });

    it("writes and queries the same storage backend", () => {
        for (const storage of [MEMORY, BADGER, ELASTIC]) {
            const cfg: any = buildJaegerConfig(storage);
            const backends = Object.keys(cfg.extensions.jaeger_storage.backends);
            assert.equal(backends.length, 1);
            assert.equal(cfg.exporters.jaeger_storage_exporter.trace_storage, backends[0]);
            assert.equal(cfg.extensions.jaeger_query.storage.traces, backends[0]);
            assert.deepEqual(cfg.service.pipelines.traces.exporters, ["jaeger_storage_exporter"]);
        }
    });

    it("configures each storage type as upstream's v2 examples do", () => {
        const backend = (s: JaegerStorage) => Object.values((buildJaegerConfig(s) as any).extensions.jaeger_storage.backends)[0];
        assert.deepEqual(backend(MEMORY), { memory: { max_traces: 50000 } });
        assert.deepEqual(backend(BADGER), {
            badger: { directories: { keys: `${BADGER_DIR}/keys`, values: `${BADGER_DIR}/values` }, ephemeral: false, ttl: { spans: "168h" } },
        });
        assert.deepEqual(backend(ELASTIC), { elasticsearch: { server_urls: ["https://es.example.com:9200"], indices: { index_prefix: "mesh-traces" } } });
    });

    it("rejects storage settings Jaeger would refuse or misread", () => {
        assert.throws(() => buildJaegerConfig({ type: "memory", maxTraces: 0 }), /maxTraces must be a positive integer/);
        assert.throws(() => buildJaegerConfig({ ...BADGER, retention: "7d" } as JaegerStorage), /not a positive Go duration/, "Go durations have no d unit");
        assert.throws(() => buildJaegerConfig({ ...BADGER, retention: "0h0m" } as JaegerStorage), /not a positive Go duration/);
        assert.throws(() => buildJaegerConfig({ ...BADGER, storageSize: "20 GB" } as JaegerStorage), /not a Kubernetes quantity/);
        assert.throws(() => buildJaegerConfig({ ...ELASTIC, url: "es:9200" } as JaegerStorage), /not an http\(s\) URL/);
        assert.throws(() => buildJaegerConfig({ ...ELASTIC, indexPrefix: "Traces" } as JaegerStorage), /lower-case/);
        assert.equal(goDurationMs("1h30m"), 5_400_000);
        assert.equal(goDurationMs("500ms"), 500);
    });

    it("renders the file as YAML that parses back to the built config", () => {
        const text = renderJaegerConfig(BADGER);
        assert.match(text, /^# Generated by mesh-observability/);
        assert.deepEqual(parse(text), buildJaegerConfig(BADGER));
    });
});

describe(`jaeger chart ${JAEGER_CHART.version} values`, () => {
    const upstream = upstreamYaml(JAEGER_DIR, "values.yaml");
    // jaeger.podSecurityContext is a Kubernetes PodSecurityContext the deployment template passes
    // through toYaml; upstream lists only three of its fields as defaults.
    const FREE_FORM = ["jaeger.podSecurityContext"];
    const variants: Array<[string, Parameters<typeof buildJaegerValues>[0]]> = [
        ["memory", { fullname: "global-jaeger", configMapName: "global-jaeger-config-0123456789", storage: MEMORY }],
        ["badger", { fullname: "global-jaeger", configMapName: "global-jaeger-config-0123456789", storage: BADGER, badgerClaimName: "global-jaeger-badger" }],
        ["elasticsearch", { fullname: "global-jaeger", configMapName: "global-jaeger-config-0123456789", storage: ELASTIC }],
    ];

    for (const [what, s] of variants) {
        it(`${what}: every key path exists in upstream values.yaml`, () => {
            assert.deepEqual(unknownValuePaths(buildJaegerValues(s), upstream, FREE_FORM), []);
        });
    }

    it("the key check catches a misspelt key (so it can fail)", () => {
        const v: any = buildJaegerValues(variants[0][1]);
        v.jaeger.replica = 2;
        assert.deepEqual(unknownValuePaths(v, upstream, FREE_FORM), ["jaeger.replica"]);
    });

    it("upstream's podSecurityContext lists only three PodSecurityContext fields (why it is declared free-form)", () => {
        assert.deepEqual(Object.keys(upstream.jaeger.podSecurityContext).sort(), ["fsGroup", "runAsGroup", "runAsUser"]);
        const v: any = buildJaegerValues(variants[0][1]);
        assert.deepEqual(unknownValuePaths(v, upstream, []).sort(), ["jaeger.podSecurityContext.runAsNonRoot", "jaeger.podSecurityContext.seccompProfile"]);
    });

    it("starts Jaeger with our mounted config, not the chart's userconfig", () => {
        const v: any = buildJaegerValues(variants[0][1]);
        assert.deepEqual(v.jaeger.args, [`--config=${JAEGER_CONFIG_DIR}/${JAEGER_CONFIG_KEY}`]);
        assert.deepEqual(v.jaeger.extraVolumes, [{ name: "meshobs-config", configMap: { name: "global-jaeger-config-0123456789" } }]);
        assert.deepEqual(v.jaeger.extraVolumeMounts, [{ name: "meshobs-config", mountPath: JAEGER_CONFIG_DIR, readOnly: true }]);
        assert.ok(!("userconfig" in v), "userconfig would add a second --config and a chart-rendered file");
        assert.equal(v.fullnameOverride, "global-jaeger");
        assert.equal(v.jaeger.replicas, 1);
    });

    it("mounts the badger PVC where the config points badger, and only for badger", () => {
        const v: any = buildJaegerValues(variants[1][1]);
        assert.deepEqual(v.jaeger.extraVolumes[1], { name: "badger-data", persistentVolumeClaim: { claimName: "global-jaeger-badger" } });
        assert.deepEqual(v.jaeger.extraVolumeMounts[1], { name: "badger-data", mountPath: BADGER_DIR });
        assert.equal(v.jaeger.podSecurityContext.fsGroup, 10001, "the volume must be writable by the jaeger user");
        assert.throws(() => buildJaegerValues({ ...variants[1][1], badgerClaimName: undefined }), /badger storage needs badgerClaimName/);
        assert.throws(() => buildJaegerValues({ ...variants[0][1], badgerClaimName: "x" }), /badgerClaimName given for memory/);
    });

    it("runs restricted: non-root, no privilege escalation, read-only root filesystem", () => {
        const v: any = buildJaegerValues(variants[0][1]);
        assert.equal(v.jaeger.podSecurityContext.runAsNonRoot, true);
        assert.deepEqual(v.jaeger.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    });
});

describe("jaeger exposure", () => {
    it("ClusterIP: both OTLP endpoints by cluster DNS, no extra object", () => {
        const e = buildJaegerExposure({ type: "ClusterIP" }, "global-jaeger", "obs", "global-jaeger");
        assert.equal(e.otlpGrpcEndpoint, "http://global-jaeger.obs.svc.cluster.local:4317");
        assert.equal(e.otlpHttpEndpoint, "http://global-jaeger.obs.svc.cluster.local:4318");
        assert.equal(e.service, undefined);
        assert.equal(e.ingress, undefined);
        assert.deepEqual(e.warnings, []);
    });

    it("LoadBalancer: a Service with only the OTLP ports (never the unauthenticated query port), on the chart's pods", () => {
        const e = buildJaegerExposure(LB, "global-jaeger", "obs", "global-jaeger");
        const spec: any = e.service!.spec;
        assert.equal(spec.type, "LoadBalancer");
        assert.deepEqual(spec.ports.map((p: any) => [p.port, p.targetPort]), [[4317, 4317], [4318, 4318]]);
        assert.ok(!spec.ports.some((p: any) => p.port === QUERY_HTTP_PORT));
        assert.deepEqual(spec.selector, { "app.kubernetes.io/name": "jaeger", "app.kubernetes.io/instance": "global-jaeger", "app.kubernetes.io/component": "all-in-one" });
        assert.deepEqual(spec.loadBalancerSourceRanges, ["10.0.0.0/8"]);
        assert.deepEqual((e.service!.metadata as any).annotations, { x: "y" });
        assert.equal(e.otlpGrpcEndpoint, "http://lb.example.com:4317");
        assert.equal(e.otlpHttpEndpoint, "http://lb.example.com:4318");
        assert.match(e.warnings.join("\n"), /without TLS or authentication/);
    });

    it("NodePort: a Service with only OTLP/HTTP 4318 on the configured node port, on the chart's pods; no gRPC endpoint", () => {
        const e = buildJaegerExposure({ type: "NodePort", host: "meshobs-east-control-plane", nodePort: 30318 }, "global-jaeger", "obs", "global-jaeger");
        const spec: any = e.service!.spec;
        assert.equal(spec.type, "NodePort");
        assert.deepEqual(spec.ports, [{ name: "otlp-http", port: 4318, targetPort: 4318, protocol: "TCP", appProtocol: "http", nodePort: 30318 }]);
        assert.deepEqual(spec.selector, { "app.kubernetes.io/name": "jaeger", "app.kubernetes.io/instance": "global-jaeger", "app.kubernetes.io/component": "all-in-one" });
        assert.equal(e.service!.metadata!.name, "global-jaeger-otlp");
        assert.equal(e.otlpHttpEndpoint, "http://meshobs-east-control-plane:30318");
        assert.equal(e.otlpGrpcEndpoint, undefined);
        assert.match(e.warnings.join("\n"), /without TLS or authentication on every node's port 30318/);
        assert.match(e.warnings.join("\n"), /OTLP\/HTTP only/);
    });

    it("Ingress: OTLP/HTTP trace ingestion on the host, TLS, to the chart Service's port 4318; no gRPC endpoint", () => {
        const e = buildJaegerExposure(INGRESS_TLS, "global-jaeger", "obs", "global-jaeger");
        const spec: any = e.ingress!.spec;
        assert.equal(spec.ingressClassName, "nginx");
        assert.deepEqual(spec.rules, [
            { host: "otlp.example.com", http: { paths: [{ path: "/v1/traces", pathType: "Prefix", backend: { service: { name: "global-jaeger", port: { number: 4318 } } } }] } },
        ]);
        assert.deepEqual(spec.tls, [{ hosts: ["otlp.example.com"], secretName: "otlp-tls" }]);
        assert.equal(e.otlpHttpEndpoint, "https://otlp.example.com");
        assert.equal(e.otlpGrpcEndpoint, undefined);
        assert.match(e.warnings.join("\n"), /OTLP\/HTTP only/);
        const plain = buildJaegerExposure({ type: "Ingress", host: "otlp.example.com" }, "global-jaeger", "obs", "global-jaeger");
        assert.equal(plain.otlpHttpEndpoint, "http://otlp.example.com");
        assert.match(plain.warnings.join("\n"), /no tlsSecretName/);
    });

    it("selects the pods by the labels the chart's deployment carries", () => {
        assert.deepEqual(Object.keys(jaegerSelectorLabels("r")).sort(), ["app.kubernetes.io/component", "app.kubernetes.io/instance", "app.kubernetes.io/name"]);
    });
});

// ---------------------------------------------------------------------------------------------
// Loki

const lokiSettings = (over: Partial<LokiChartSettings> = {}): LokiChartSettings => ({
    fullname: "global-loki",
    replicas: 1,
    retention: "30d",
    storage: { type: "filesystem", size: "50Gi" },
    exposure: { type: "ClusterIP" },
    ...over,
});

const S3 = { type: "s3", bucket: "mesh-logs", region: "eu-west-1", endpoint: "https://s3.eu-west-1.amazonaws.com" } as const;
const lokiVariants: Array<[string, LokiChartSettings]> = [
    ["one replica on a PVC, cluster-internal", lokiSettings()],
    ["HA monolithic on s3 behind a load balancer", lokiSettings({ replicas: 3, storage: S3, exposure: LB })],
    ["one replica on s3 behind a TLS ingress", lokiSettings({ storage: { type: "s3", bucket: "b", region: "us-east-1" }, exposure: INGRESS_TLS })],
    ["HA monolithic on s3 with keys from a Secret (no IRSA)", lokiSettings({ replicas: 3, storage: S3, s3KeysSecret: "global-loki-s3-keys" })],
];

describe(`loki chart ${LOKI_CHART.version} values against upstream`, () => {
    const upstream = upstreamYaml(LOKI_DIR, "values.yaml");
    const schema = upstreamJson(LOKI_DIR, "values.schema.json");
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    /** Loki config sections the chart copies into loki.yaml verbatim (schema: additionalProperties true). */
    const FREE_FORM = ["loki.limits_config", "loki.compactor"];
    /** Keys upstream documents only as commented-out examples in values.yaml. */
    const COMMENTED = ["loki.storage.bucketNames", "gateway.ingress.hosts[].paths[].pathType"];

    it("pins the chart whose appVersion the code states", () => {
        const chart = upstreamYaml(LOKI_DIR, "Chart.yaml");
        assert.equal(chart.version, LOKI_CHART.version);
        assert.equal(chart.appVersion, LOKI_CHART.appVersion);
        assert.equal(chart.home, LOKI_CHART.repo, "the grafana-community repository is the chart's home");
    });

    for (const [what, s] of lokiVariants) {
        it(`${what}: validates against upstream values.schema.json`, () => {
            const values = buildLokiValues(s);
            assert.ok(validate(values), JSON.stringify(validate.errors, null, 1));
        });

        it(`${what}: every key path exists in upstream values.yaml (or is documented free-form / commented)`, () => {
            // Array element paths are reported with [] (values-keys.ts), so commented keys under lists are filtered after.
            const unknown = unknownValuePaths(buildLokiValues(s), upstream, [...FREE_FORM, ...COMMENTED]).filter((p) => !COMMENTED.includes(p));
            assert.deepEqual(unknown, []);
        });
    }

    it("the schema check can fail (a wrong type is rejected)", () => {
        const v: any = buildLokiValues(lokiSettings());
        v.loki.auth_enabled = "yes";
        assert.equal(validate(v), false);
    });

    it("free-form sections are open maps in the schema, commented keys are documented in values.yaml", () => {
        for (const path of FREE_FORM) {
            const node = path.split(".").reduce((n: any, k) => n.properties[k], schema);
            assert.equal(node.additionalProperties, true, path);
        }
        for (const key of COMMENTED) assert.ok(commentedUpstream(upstreamPath(LOKI_DIR, "values.yaml"), key), key);
    });
});

describe("loki values: what the deployment needs", () => {
    it("runs monolithic: the single binary with the scalable targets at zero (else the chart's validation fails)", () => {
        const v: any = buildLokiValues(lokiSettings());
        assert.equal(v.deploymentMode, "Monolithic");
        assert.equal(v.singleBinary.replicas, 1);
        for (const t of ["read", "write", "backend"]) assert.equal(v[t].replicas, 0, t);
        assert.notEqual(v.read.replicas, upstreamYaml(LOKI_DIR, "values.yaml").read.replicas, "upstream's default is not zero");
    });

    it("replication factor: 1 for one replica, 3 from three; two replicas are refused", () => {
        assert.equal(lokiReplicationFactor(1), 1);
        assert.equal(lokiReplicationFactor(3), 3);
        assert.equal(lokiReplicationFactor(5), 3);
        assert.throws(() => lokiReplicationFactor(2), /2 replicas cannot tolerate a failure/);
        assert.throws(() => lokiReplicationFactor(0), /positive integer/);
        assert.equal((buildLokiValues(lokiSettings()) as any).loki.commonConfig.replication_factor, 1);
        assert.equal((buildLokiValues(lokiVariants[1][1]) as any).loki.commonConfig.replication_factor, 3);
        assert.equal(upstreamYaml(LOKI_DIR, "values.yaml").loki.commonConfig.replication_factor, 3, "why 1 must be set for one replica");
    });

    it("refuses several replicas on filesystem storage, as the chart does", () => {
        assert.throws(() => buildLokiValues(lokiSettings({ replicas: 3 })), /need object storage/);
    });

    it("schema v13 on tsdb, its object store following the storage type", () => {
        const fs1: any = buildLokiValues(lokiSettings());
        assert.deepEqual(fs1.loki.schemaConfig.configs, [{ from: "2024-04-01", store: "tsdb", object_store: "filesystem", schema: "v13", index: { prefix: "loki_index_", period: "24h" } }]);
        assert.equal(fs1.loki.storage.type, "filesystem");
        assert.equal(fs1.singleBinary.persistence.size, "50Gi");
        const s3: any = buildLokiValues(lokiVariants[1][1]);
        assert.equal(s3.loki.schemaConfig.configs[0].object_store, "s3");
        assert.deepEqual(s3.loki.storage, { type: "s3", bucketNames: { chunks: "mesh-logs", ruler: "mesh-logs" }, s3: { region: "eu-west-1", endpoint: "https://s3.eu-west-1.amazonaws.com" } });
        assert.deepEqual(s3.singleBinary.persistence, { enabled: true, size: "10Gi" }, "WAL, index cache and compactor state on the cluster's default StorageClass");
    });

    it("accepts OTLP logs (structured metadata on) and indexes the zone attribute", () => {
        const v: any = buildLokiValues(lokiSettings());
        assert.equal(v.loki.limits_config.allow_structured_metadata, true);
        assert.deepEqual(v.loki.limits_config.otlp_config.resource_attributes.attributes_config, [{ action: "index_label", attributes: ["zone"] }]);
    });

    it("enforces retention through the compactor, on the same store as the chunks", () => {
        const v: any = buildLokiValues(lokiSettings({ retention: "14d" }));
        assert.equal(v.loki.limits_config.retention_period, "14d");
        assert.equal(v.loki.compactor.retention_enabled, true);
        assert.equal(v.loki.compactor.delete_request_store, "filesystem");
        assert.equal((buildLokiValues(lokiVariants[1][1]) as any).loki.compactor.delete_request_store, "s3");
        assert.throws(() => buildLokiValues(lokiSettings({ retention: "12h" })), /at least 24h/);
        assert.throws(() => buildLokiValues(lokiSettings({ retention: "a month" })), /at least 24h/);
    });

    it("runs multi-tenant (auth_enabled): every request names its tenant", () => {
        for (const [what, s] of lokiVariants) assert.equal((buildLokiValues(s) as any).loki.auth_enabled, true, what);
    });

    it("keeps the gateway, drops memcached, canary, helm test and ruler", () => {
        const v: any = buildLokiValues(lokiSettings());
        assert.deepEqual(v.gateway, { enabled: true, replicas: 1 });
        for (const k of ["chunksCache", "resultsCache", "lokiCanary", "test", "ruler"]) assert.equal(v[k].enabled, false, k);
        assert.equal(v.sidecar.rules.enabled, false);
        assert.equal((buildLokiValues(lokiVariants[1][1]) as any).gateway.replicas, 2, "HA gets two gateways");
    });

    it("Ingress exposure: the gateway ingress carries only the push and OTLP paths", () => {
        const v: any = buildLokiValues(lokiVariants[2][1]);
        assert.deepEqual(v.gateway.ingress, {
            enabled: true,
            ingressClassName: "nginx",
            annotations: { a: "b" },
            hosts: [{ host: "otlp.example.com", paths: [{ path: PUSH_PATH, pathType: "Prefix" }, { path: OTLP_LOGS_PATH, pathType: "Prefix" }] }],
            tls: [{ secretName: "otlp-tls", hosts: ["otlp.example.com"] }],
        });
        const noTls: any = buildLokiValues(lokiSettings({ exposure: { type: "Ingress", host: "logs.example.com" } }));
        assert.deepEqual(noTls.gateway.ingress.tls, [], "the upstream default tls entry must be overridden");
        assert.ok(upstreamYaml(LOKI_DIR, "values.yaml").gateway.ingress.tls.length > 0);
        assert.equal(v.ingress, undefined, "the chart's top-level ingress is for gateway-less installs");
    });

    it("LoadBalancer exposure: our Service on the gateway pods, with source ranges", () => {
        const svc = buildLokiExposedService(LB as Extract<ServiceExposure, { type: "LoadBalancer" }>, "global-loki", "obs", "global-loki");
        const spec: any = svc.spec;
        assert.deepEqual(spec.selector, { "app.kubernetes.io/name": "loki", "app.kubernetes.io/instance": "global-loki", "app.kubernetes.io/component": "gateway" });
        assert.deepEqual(spec.ports, [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }]);
        assert.deepEqual(spec.loadBalancerSourceRanges, ["10.0.0.0/8"]);
        // The chart's gateway anti-affinity selects the same labels: they are the gateway pods' labels.
        const aff = upstreamYaml(LOKI_DIR, "values.yaml").gateway.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchLabels;
        assert.equal(aff["app.kubernetes.io/component"], "gateway");
    });

    it("NodePort exposure: our Service on the gateway pods, on the configured node port", () => {
        const svc = buildLokiExposedService({ type: "NodePort", host: "meshobs-east-control-plane", nodePort: 30100 }, "global-loki", "obs", "global-loki");
        const spec: any = svc.spec;
        assert.equal(spec.type, "NodePort");
        assert.deepEqual(spec.selector, { "app.kubernetes.io/name": "loki", "app.kubernetes.io/instance": "global-loki", "app.kubernetes.io/component": "gateway" });
        assert.deepEqual(spec.ports, [{ name: "http", port: 80, targetPort: "http", protocol: "TCP", nodePort: 30100 }]);
        assert.equal(spec.loadBalancerSourceRanges, undefined);
        const e = lokiEndpoints({ type: "NodePort", host: "meshobs-east-control-plane", nodePort: 30100 }, "global-loki", "obs");
        assert.equal(e.pushUrl, "http://meshobs-east-control-plane:30100/loki/api/v1/push");
        assert.equal(e.otlpUrl, "http://meshobs-east-control-plane:30100/otlp");
        assert.equal(e.queryUrl, "http://global-loki-gateway.obs.svc.cluster.local", "Grafana always queries in-cluster");
        assert.match(e.warnings.join("\n"), /without TLS on every node's port 30100/);
        assert.match(e.warnings.join("\n"), /authenticates nobody/);
    });

    it("endpoints: push, OTLP and query URLs per exposure", () => {
        const internal = lokiEndpoints({ type: "ClusterIP" }, "global-loki", "obs");
        assert.equal(internal.pushUrl, "http://global-loki-gateway.obs.svc.cluster.local/loki/api/v1/push");
        assert.equal(internal.otlpUrl, "http://global-loki-gateway.obs.svc.cluster.local/otlp");
        assert.equal(internal.queryUrl, "http://global-loki-gateway.obs.svc.cluster.local");
        assert.deepEqual(internal.warnings, []);
        const ingress = lokiEndpoints(INGRESS_TLS, "global-loki", "obs");
        assert.equal(ingress.pushUrl, "https://otlp.example.com/loki/api/v1/push");
        assert.equal(ingress.otlpUrl, "https://otlp.example.com/otlp");
        assert.equal(ingress.queryUrl, internal.queryUrl, "Grafana always queries in-cluster");
        assert.match(ingress.warnings.join("\n"), /authenticates nobody/);
        const lb = lokiEndpoints(LB, "global-loki", "obs");
        assert.equal(lb.pushUrl, "http://lb.example.com/loki/api/v1/push");
        assert.match(lb.warnings.join("\n"), /without TLS/);
        assert.match(lb.warnings.join("\n"), /authenticates nobody/);
    });

    it("accepts one tenant ID and refuses several or unsafe ones", () => {
        assert.equal(validateLokiTenant("mesh-prod"), "mesh-prod");
        assert.throws(() => validateLokiTenant("a|b"), /not a tenant ID/);
        assert.throws(() => validateLokiTenant("$HOME"), /not a tenant ID/);
        assert.throws(() => validateLokiTenant(".."), /not a tenant ID/);
    });
});

// ---------------------------------------------------------------------------------------------
// Components under Pulumi's mock runtime.

/** Registrations of `type` by name, with secrets revealed (secrecy is asserted on the chart values themselves). */
const ofType = (run: RecordedRun, type: string) => registered(run, type).map((r) => ({ ...r, inputs: revealOrMask(r.inputs, true) as any }));

describe("GlobalJaeger under Pulumi mocks", () => {
    describe("badger storage behind a load balancer", () => {
        let run: RecordedRun;
        let configText = "";
        before(async () => {
            run = await underMocks({ stack: "test-global" }, () => {
                const j = new GlobalJaeger("global-jaeger", { namespace: "obs", storage: BADGER, exposure: LB });
                configText = j.configText;
                return { grpc: j.otlpGrpcEndpoint, http: j.otlpHttpEndpoint, query: j.queryUrl };
            });
        });

        it("registers the component and its children under `${name}-<role>`", () => {
            assert.deepEqual(ofType(run, "meshobs:traces:GlobalJaeger").map((r) => r.name), ["global-jaeger"]);
            assert.deepEqual(ofType(run, "kubernetes:core/v1:ConfigMap").map((r) => r.name), ["global-jaeger-config"]);
            assert.deepEqual(ofType(run, "kubernetes:core/v1:PersistentVolumeClaim").map((r) => r.name), ["global-jaeger-badger"]);
            assert.deepEqual(ofType(run, "kubernetes:helm.sh/v4:Chart").map((r) => r.name), ["global-jaeger-chart"]);
            assert.deepEqual(ofType(run, "kubernetes:core/v1:Service").map((r) => r.name), ["global-jaeger-otlp"]);
        });

        it("mounts the rendered config byte for byte from a ConfigMap the plan lists for the jaeger workload", () => {
            const [cm] = ofType(run, "kubernetes:core/v1:ConfigMap");
            assert.equal(cm.inputs.data[JAEGER_CONFIG_KEY], configText);
            assert.equal(configText, renderJaegerConfig(BADGER));
            assert.equal(cm.inputs.metadata.annotations[WORKLOAD_ANNOTATION], "jaeger");
            assert.match(cm.inputs.metadata.name, /^global-jaeger-config-[0-9a-f]{10}$/);
            const [chart] = ofType(run, "kubernetes:helm.sh/v4:Chart");
            assert.equal(chart.inputs.values.jaeger.extraVolumes[0].configMap.name, cm.inputs.metadata.name, "the chart mounts this very ConfigMap");
        });

        it("installs the pinned chart with the badger PVC mounted", () => {
            const [chart] = ofType(run, "kubernetes:helm.sh/v4:Chart");
            assert.equal(chart.inputs.chart, "jaeger");
            assert.equal(chart.inputs.version, JAEGER_CHART.version);
            assert.equal(chart.inputs.repositoryOpts.repo, JAEGER_CHART.repo);
            assert.equal(chart.inputs.namespace, "obs");
            assert.equal(chart.inputs.values.jaeger.extraVolumes[1].persistentVolumeClaim.claimName, "global-jaeger-badger");
            const [pvc] = ofType(run, "kubernetes:core/v1:PersistentVolumeClaim");
            assert.equal(pvc.inputs.spec.resources.requests.storage, "20Gi");
            assert.equal(pvc.inputs.spec.storageClassName, undefined, "the cluster's default StorageClass");
        });

        it("exports the endpoints zones use and the in-cluster query URL", () => {
            assert.equal(run.outputs.grpc.value, "http://lb.example.com:4317");
            assert.equal(run.outputs.http.value, "http://lb.example.com:4318");
            assert.equal(run.outputs.query.value, "http://global-jaeger.obs.svc.cluster.local:16686");
        });
    });

    it("with an Ingress: creates it, exports no gRPC endpoint and no PVC for memory storage", async () => {
        const run = await underMocks({ stack: "test-global" }, () => {
            const j = new GlobalJaeger("jaeger", { namespace: "obs", storage: MEMORY, exposure: INGRESS_TLS });
            return { grpc: j.otlpGrpcEndpoint, http: j.otlpHttpEndpoint };
        });
        assert.deepEqual(ofType(run, "kubernetes:networking.k8s.io/v1:Ingress").map((r) => r.name), ["jaeger-otlp"]);
        assert.equal(ofType(run, "kubernetes:core/v1:PersistentVolumeClaim").length, 0);
        assert.equal(run.outputs.grpc.value, undefined);
        assert.equal(run.outputs.http.value, "https://otlp.example.com");
    });
});

describe("GlobalLoki under Pulumi mocks", () => {
    let run: RecordedRun;
    before(async () => {
        run = await underMocks({ stack: "test-global" }, () => {
            const l = new GlobalLoki("global-loki", { namespace: "obs", replicas: 3, tenant: "mesh", retention: "30d", storage: S3, exposure: LB });
            return { push: l.pushUrl, otlp: l.otlpUrl, query: l.queryUrl, tenant: l.tenant };
        });
    });

    it("installs the pinned chart with the built values and its LoadBalancer Service", () => {
        const [chart] = ofType(run, "kubernetes:helm.sh/v4:Chart");
        assert.equal(chart.name, "global-loki-chart");
        assert.equal(chart.inputs.chart, "loki");
        assert.equal(chart.inputs.version, LOKI_CHART.version);
        assert.equal(chart.inputs.repositoryOpts.repo, "https://grafana-community.github.io/helm-charts");
        assert.deepEqual(
            chart.inputs.values,
            buildLokiValues({ fullname: "global-loki", replicas: 3, retention: "30d", storage: S3, exposure: LB }),
        );
        assert.deepEqual(ofType(run, "kubernetes:core/v1:Service").map((r) => r.name), ["global-loki-push"]);
        assert.deepEqual(ofType(run, "meshobs:logs:GlobalLoki").map((r) => r.name), ["global-loki"]);
    });

    it("exports push, OTLP and query URLs and the tenant", () => {
        assert.equal(run.outputs.push.value, "http://lb.example.com/loki/api/v1/push");
        assert.equal(run.outputs.otlp.value, "http://lb.example.com/otlp");
        assert.equal(run.outputs.query.value, "http://global-loki-gateway.obs.svc.cluster.local");
        assert.equal(run.outputs.tenant.value, "mesh");
    });

    it("refuses a tenant Loki would not take as one X-Scope-OrgID, before registering anything", async () => {
        const r = await underMocks({ stack: "test-global" }, () => {
            assert.throws(() => new GlobalLoki("l1", { namespace: "obs", replicas: 1, tenant: "a|b", retention: "30d", storage: { type: "filesystem", size: "1Gi" }, exposure: { type: "ClusterIP" } }), /not a tenant ID/);
            return {};
        });
        assert.deepEqual(registered(r, "kubernetes:helm.sh/v4:Chart"), []);
    });
});
