import { z } from "zod";
import { cidrList, dnsLabel, httpUrl, labelName, meshVersion, positiveDuration, promDuration, qualifiedStackName, storageQuantity, DEFAULT_NAMESPACE } from "./primitives";
import { kubernetesTarget } from "./kubernetes-target";
import { hasCurrentChartLayout, hasMadsLongPollBug, hasZonePolicies, MESH_VERSION } from "../../components/mesh/kuma-facts";

const controlPlane = z
    .object({
        /** Control plane Service name; default per product (kuma-control-plane / kong-mesh-control-plane). */
        service: dnsLabel.optional(),
        /** Control plane namespace; default per product (kuma-system / kong-mesh-system). */
        namespace: dnsLabel.optional(),
        /** MADS base URL for kuma_sd; default http://<service>.<namespace>:5676. */
        madsUrl: httpUrl.optional(),
        /** host:port of the control plane's metrics endpoint; default <service>.<namespace>:5680. */
        metricsTarget: z
            .string()
            .regex(/^[A-Za-z0-9.-]+:[0-9]{1,5}$/, { error: (i) => `${JSON.stringify(i.input)} is not host:port; allowed: e.g. kuma-control-plane.kuma-system:5680` })
            .optional(),
    })
    .strict();

/** Installing the zone control plane from this stack (otherwise its telemetry settings are exported). */
const install = z
    .object({
        enabled: z.boolean().default(false),
        /** Global control plane KDS address, e.g. grpcs://kds.mesh.example.com:5685. */
        kdsGlobalAddress: z
            .string()
            .regex(/^grpcs?:\/\/[A-Za-z0-9.-]+:[0-9]{1,5}$/, { error: (i) => `${JSON.stringify(i.input)} is not a KDS address; allowed: grpcs://host:port (e.g. grpcs://kds.example.com:5685)` })
            .optional(),
        /** Name of the Kong Mesh licence Secret (key license.json) the stack creates in the control plane namespace; default kong-mesh-license. */
        licenseSecret: dnsLabel.optional(),
    })
    .strict();

const mesh = z
    .object({
        /** Which distribution runs the zone control plane. */
        product: z.enum(["kuma", "kong-mesh"]).default("kuma"),
        /** Control plane release, MAJOR.MINOR.PATCH; drives version-specific discovery settings. */
        version: meshVersion,
        /** Where the zone control plane runs: MADS exists on Kubernetes only before 3.0 (3.x there: pod discovery). */
        environment: z.enum(["kubernetes", "universal"]).default("kubernetes"),
        controlPlane: controlPlane.default({}),
        /** Meshes to configure with MeshMetric, MeshTrace and MeshAccessLog. */
        meshes: z
            .array(dnsLabel)
            .min(1)
            .superRefine((meshes, ctx) => {
                meshes.forEach((m, i) => meshes.indexOf(m) !== i && ctx.addIssue({ code: "custom", path: [i], message: `duplicate mesh ${JSON.stringify(m)}; allowed: each mesh once` }));
            })
            .default(["default"]),
        install: install.default({ enabled: false }),
    })
    .strict();

const policies = z
    .object({
        enabled: z.boolean().default(true),
        /** Where Prometheus runs relative to the mesh: the three placements Kong Mesh's docs describe (Kong/docs.konghq.com app/mesh/observability.md, "Configuring Prometheus": inside the mesh, outside it, outside it with TLS). */
        prometheusPlacement: z.enum(["inside-mesh", "outside-mesh", "outside-mesh-tls"]).default("outside-mesh"),
        /** Percent of requests traced (MeshTrace sampling.overall). */
        tracingSamplingPercent: z.number().min(0).max(100).default(10),
        /** Access-log backend; default follows the global logs backend (loki → opentelemetry, datadog → tcp). */
        accessLogs: z.enum(["opentelemetry", "tcp", "none"]).optional(),
    })
    .strict();

const discovery = z
    .object({
        /** kuma_sd refresh_interval; set explicitly because Prometheus' code (15s) and docs (30s) disagree. */
        refreshInterval: promDuration.default("30s"),
        /** kuma_sd fetch_timeout (long-poll window); forced to 0s on mesh 2.6.x; default 2m. */
        fetchTimeout: promDuration.optional(),
        /** kuma_sd client_id, matched against MeshMetric backends' clientId (Prometheus >= 2.50). */
        clientId: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, { error: "allowed: 1-128 of letters, digits, '_', '.', '-'" }).optional(),
    })
    .strict();

const zonePrometheus = z
    .object({
        /** Default scrape interval (control plane, self). */
        scrapeInterval: positiveDuration.default("15s"),
        /** Scrape interval of the dataplane job. */
        dataplaneScrapeInterval: positiveDuration.default("15s"),
        discovery: discovery.default(discovery.parse({})),
        /** Extra external labels for every series the zone sends (`zone` is set from the stack name). */
        externalLabels: z
            .record(labelName, z.string().min(1))
            .refine((labels) => !("zone" in labels), { error: "`zone` is set from the stack name; allowed: any other label name" })
            .default({}),
        /** Local retention: the zone is a buffer in front of global, so it stays short. */
        retention: positiveDuration.default("2d"),
        /** PersistentVolumeClaim size (TSDB + WAL that survives a global outage). */
        storageSize: storageQuantity.default("20Gi"),
        /** StorageClass of the PVC; default: the cluster default. */
        storageClassName: z.string().min(1).optional(),
        /** server (local TSDB, queryable, federatable) or agent (forward-only WAL, smaller). */
        mode: z.enum(["server", "agent"]).default("server"),
        /** Active series this zone produces; sizes the Prometheus' memory and CPU. */
        expectedActiveSeries: z.number().int().positive().default(100_000),
    })
    .strict();

/** NetworkPolicies for the observability namespace (default-deny ingress, then only each workload's clients). */
const networkPolicies = z
    .object({
        /** Default false: no NetworkPolicy is created. */
        enabled: z.boolean().default(false),
        /** Default []: CIDRs the global's Prometheus connects from (its egress/NAT), allowed to this zone Prometheus' :9090 for /federate and remote read; required when the global federates this zone. */
        globalSourceCidrs: cidrList.default([]),
        /** Default []: the Kubernetes API server's CIDRs, the only source allowed to the Datadog admission webhook (:8000); empty leaves that port open from anywhere. */
        apiServerCidrs: cidrList.default([]),
    })
    .strict();

/** The config model of an `<env>-zone-<zone>` stack (keys under the `mesh-observability:` namespace). */
export const zoneConfigSchema = z
    .object({
        kubernetes: kubernetesTarget.optional(),
        namespace: dnsLabel.default(DEFAULT_NAMESPACE),
        /** The global stack to read; default <org>/<project>/<env>-global. */
        globalStack: qualifiedStackName.optional(),
        mesh,
        zonePrometheus: zonePrometheus.default(zonePrometheus.parse({})),
        policies: policies.default(policies.parse({})),
        networkPolicies: networkPolicies.default({ enabled: false, globalSourceCidrs: [], apiServerCidrs: [] }),
        /** AWS access key for remote write to AMP from a cluster without IRSA (secret config). */
        awsAccessKeyId: z.string().min(1).optional(),
        /** Its secret key (secret config). */
        awsSecretAccessKey: z.string().min(1).optional(),
        /** Kong Mesh licence (license.json's content) for mesh.install (secret config). */
        kongMeshLicense: z.string().min(1).optional(),
        /** Kubernetes cluster name reported by the Datadog agent; default: <env>-<zone>. */
        clusterName: dnsLabel.optional(),
    })
    .strict()
    .superRefine((cfg, ctx) => {
        // The version's own issue is reported by meshVersion; what it can do is asked only of a valid one.
        const version = MESH_VERSION.test(cfg.mesh.version) ? cfg.mesh.version : undefined;
        const fetchTimeout = cfg.zonePrometheus.discovery.fetchTimeout;
        // Kuma/Kong Mesh 2.6.x MADS loses long-poll state (kumahq/kuma#9508, fixed in 2.7.0); the documented
        // workaround is fetch_timeout: 0s, which we apply automatically. Anything else on 2.6.x is refused.
        if (version !== undefined && hasMadsLongPollBug(version) && fetchTimeout !== undefined && fetchTimeout !== "0s" && fetchTimeout !== "0") {
            ctx.addIssue({
                code: "custom",
                path: ["zonePrometheus", "discovery", "fetchTimeout"],
                message: `${fetchTimeout} triggers the mesh 2.6.x MADS long-polling bug (kumahq/kuma#9508); allowed on 2.6.x: 0s or unset`,
            });
        }
        if ((cfg.awsAccessKeyId === undefined) !== (cfg.awsSecretAccessKey === undefined)) {
            ctx.addIssue({ code: "custom", path: [cfg.awsAccessKeyId === undefined ? "awsAccessKeyId" : "awsSecretAccessKey"], message: "AWS keys go in pairs; allowed: both awsAccessKeyId and awsSecretAccessKey (secret), or neither" });
        }
        if (cfg.awsAccessKeyId !== undefined && cfg.kubernetes?.eks !== undefined) {
            ctx.addIssue({ code: "custom", path: ["awsAccessKeyId"], message: "an EKS zone writes to AMP through IRSA, not static keys; allowed: remove the keys" });
        }
        if (cfg.mesh.install.enabled && cfg.mesh.install.kdsGlobalAddress === undefined) {
            ctx.addIssue({ code: "custom", path: ["mesh", "install", "kdsGlobalAddress"], message: "required when mesh.install.enabled; allowed: grpcs://host:port of the global control plane's KDS" });
        }
        if (cfg.mesh.install.licenseSecret !== undefined && cfg.mesh.product !== "kong-mesh") {
            ctx.addIssue({ code: "custom", path: ["mesh", "install", "licenseSecret"], message: "a licence is for Kong Mesh only; allowed: remove it, or mesh.product: kong-mesh" });
        }
        // The licence Secret goes into the namespace the install creates, so the stack creates it too.
        if (cfg.mesh.install.enabled && cfg.mesh.product === "kong-mesh" && cfg.kongMeshLicense === undefined) {
            ctx.addIssue({ code: "custom", path: ["kongMeshLicense"], message: "required: installing Kong Mesh needs its licence; allowed: `pulumi config set --secret kongMeshLicense < license.json`" });
        }
        if (cfg.kongMeshLicense !== undefined && !(cfg.mesh.install.enabled && cfg.mesh.product === "kong-mesh")) {
            ctx.addIssue({ code: "custom", path: ["kongMeshLicense"], message: "is used only when this stack installs Kong Mesh; allowed: remove it, or mesh.product: kong-mesh with mesh.install.enabled" });
        }
        // MeshMetric and policies applied on a zone control plane (kuma.io/origin: zone) arrived in 2.6.
        if (cfg.policies.enabled && version !== undefined && !hasZonePolicies(version)) {
            ctx.addIssue({
                code: "custom",
                path: ["policies", "enabled"],
                message: `mesh ${cfg.mesh.version} has no MeshMetric nor zone-originated policies (2.6+); allowed: false, or upgrade the mesh to 2.6 or later`,
            });
        }
        if (cfg.mesh.install.enabled && version !== undefined && !hasCurrentChartLayout(version)) {
            ctx.addIssue({ code: "custom", path: ["mesh", "install", "enabled"], message: `the ${cfg.mesh.product} chart for ${cfg.mesh.version} predates the values layout used here; allowed: 2.x and later` });
        }
    });

export type ZoneConfig = z.infer<typeof zoneConfigSchema>;
export type MeshConfig = ZoneConfig["mesh"];
export type ZonePrometheusConfig = ZoneConfig["zonePrometheus"];
export type PoliciesConfig = ZoneConfig["policies"];
export type ZoneNetworkPoliciesConfig = ZoneConfig["networkPolicies"];

/** Keys that hold credentials and must be set as secrets. */
export const ZONE_SECRET_KEYS = ["awsAccessKeyId", "awsSecretAccessKey", "kongMeshLicense"] as const;
