/**
 * The policy pack's rules as plain functions: `(resource) => violation messages` (an empty list
 * means compliant). `policies.ts` adapts them to `@pulumi/policy`; the tests run them over the
 * offline plan of every shipped environment and over deliberately bad resources.
 *
 * Messages never quote the offending value: a rule that finds a password must not print it.
 * A value the engine does not know yet ({@link UNKNOWN}, at preview) is never a violation by itself;
 * the rule judges what it can see.
 */
import { at, isNonEmptyString, isRecord, isUnknown, RuleResource, StackViolation } from "./resource";

export const HELM_TYPES: readonly string[] = ["kubernetes:helm.sh/v4:Chart", "kubernetes:helm.sh/v3:Chart", "kubernetes:helm.sh/v3:Release"];
export const CONFIG_MAP_TYPES: readonly string[] = ["kubernetes:core/v1:ConfigMap", "kubernetes:core/v1:ConfigMapPatch"];
export const BUCKET_TYPES: readonly string[] = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];
export const PUBLIC_ACCESS_BLOCK_TYPE = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
export const PUBLIC_ACCESS_BLOCK_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

const isHelm = (r: RuleResource) => HELM_TYPES.includes(r.type);

/** `prometheus-community/prometheus`, `oci://…/prometheus`, `prometheus` → `prometheus`. */
export function chartName(r: RuleResource): string | undefined {
    const chart = r.props.chart;
    if (!isNonEmptyString(chart) || isUnknown(chart)) return undefined;
    return chart.replace(/\/+$/, "").split("/").pop()!.replace(/-\d+\.\d+\.\d+.*\.tgz$/, "");
}

const chartValues = (r: RuleResource): Record<string, unknown> | undefined => (isRecord(r.props.values) ? r.props.values : undefined);

// ---------------------------------------------------------------------------------------------
// (a) No Prometheus remote-write receiver without authentication
// ---------------------------------------------------------------------------------------------

const RECEIVER_FLAG = "web.enable-remote-write-receiver";

function flagList(server: unknown): string[] {
    const flags = at(server, "extraFlags");
    return Array.isArray(flags) ? flags.filter((f): f is string => typeof f === "string").map((f) => f.replace(/^-+/, "")) : [];
}

function extraArgs(server: unknown): Record<string, unknown> {
    const args = at(server, "extraArgs");
    return isRecord(args) ? args : {};
}

/** True when the chart's server runs Prometheus' remote-write receiver (flag, arg, or the old feature flag). */
export function enablesRemoteWriteReceiver(server: unknown): boolean {
    const flags = flagList(server);
    const args = extraArgs(server);
    if (flags.includes(RECEIVER_FLAG) || flags.some((f) => /^enable-feature=.*\bremote-write-receiver\b/.test(f))) return true;
    const arg = args[RECEIVER_FLAG];
    if (arg !== undefined && arg !== false && arg !== "false") return true;
    const feature = args["enable-feature"];
    return typeof feature === "string" && /\bremote-write-receiver\b/.test(feature);
}

/** Where a Secret is mounted into the server: `server.extraSecretMounts`, or a secret volume in `extraVolumes`/`extraVolumeMounts`. */
function secretMounts(server: unknown): { mountPath: string; subPath: string; secretName: string }[] {
    const mounts: { mountPath: string; subPath: string; secretName: string }[] = [];
    const list = (v: unknown) => (Array.isArray(v) ? v.filter(isRecord) : []);
    for (const m of list(at(server, "extraSecretMounts"))) {
        if (isNonEmptyString(m.mountPath) && isNonEmptyString(m.secretName)) {
            mounts.push({ mountPath: m.mountPath, subPath: typeof m.subPath === "string" ? m.subPath : "", secretName: m.secretName });
        }
    }
    const secretVolumes = new Map(
        list(at(server, "extraVolumes"))
            .filter((v) => isNonEmptyString(v.name) && isNonEmptyString(at(v, "secret", "secretName")))
            .map((v) => [v.name as string, at(v, "secret", "secretName") as string]),
    );
    for (const m of list(at(server, "extraVolumeMounts"))) {
        const secretName = typeof m.name === "string" ? secretVolumes.get(m.name) : undefined;
        if (secretName && isNonEmptyString(m.mountPath)) {
            mounts.push({ mountPath: m.mountPath, subPath: typeof m.subPath === "string" ? m.subPath : "", secretName });
        }
    }
    return mounts;
}

function inside(file: string, mount: { mountPath: string; subPath: string }): boolean {
    const dir = mount.mountPath.replace(/\/+$/, "");
    return mount.subPath !== "" ? file === dir : file.startsWith(`${dir}/`);
}

/** The pod spec of a workload (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob). */
export function podSpec(r: RuleResource): Record<string, unknown> | undefined {
    if (!/^kubernetes:(core|apps|batch)\/v1:(Pod|Deployment|StatefulSet|DaemonSet|ReplicaSet|Job|CronJob)$/.test(r.type)) return undefined;
    const spec = r.type.endsWith(":Pod") ? r.props.spec : r.type.endsWith(":CronJob") ? at(r.props, "spec", "jobTemplate", "spec", "template", "spec") : at(r.props, "spec", "template", "spec");
    return isRecord(spec) ? spec : undefined;
}

/**
 * The same rule on a rendered workload (what the engine sees of a Helm v4 chart's children): a
 * container started with --web.enable-remote-write-receiver needs --web.config.file inside one of
 * its volume mounts backed by a Secret volume (or a projected volume of Secrets).
 */
function prometheusPodReceiverAuthenticated(r: RuleResource, spec: Record<string, unknown>): string[] {
    const volumes = Array.isArray(spec.volumes) ? spec.volumes.filter(isRecord) : [];
    const secretVolume = (name: unknown) =>
        volumes.some((v) => v.name === name && (isRecord(v.secret) || (Array.isArray(at(v, "projected", "sources")) && (at(v, "projected", "sources") as unknown[]).every((s) => isRecord(s) && isRecord(s.secret)))));
    const out: string[] = [];
    for (const c of (Array.isArray(spec.containers) ? spec.containers : []).filter(isRecord)) {
        const args = [c.command, c.args].flatMap((a) => (Array.isArray(a) ? a.filter((x): x is string => typeof x === "string") : []));
        const flags = args.map((a) => a.replace(/^-+/, ""));
        if (!flags.some((f) => f === RECEIVER_FLAG || f === `${RECEIVER_FLAG}=true` || /^enable-feature=.*\bremote-write-receiver\b/.test(f))) continue;
        const webConfig = flags.find((f) => f.startsWith("web.config.file="))?.slice("web.config.file=".length);
        if (isUnknown(webConfig) || args.some(isUnknown)) continue;
        if (!isNonEmptyString(webConfig)) {
            out.push(`${r.name}: container ${String(c.name)} runs --${RECEIVER_FLAG} without --web.config.file, so anyone who reaches it can write series`);
            continue;
        }
        const mounts = (Array.isArray(c.volumeMounts) ? c.volumeMounts : []).filter(isRecord).filter((m) => isNonEmptyString(m.mountPath) && secretVolume(m.name));
        if (!mounts.some((m) => inside(webConfig, { mountPath: m.mountPath as string, subPath: typeof m.subPath === "string" ? m.subPath : "" }))) {
            out.push(`${r.name}: container ${String(c.name)} runs --${RECEIVER_FLAG} but --web.config.file ${webConfig} is not inside a mounted Secret volume`);
        }
    }
    return out;
}

export function prometheusReceiverAuthenticated(r: RuleResource): string[] {
    const spec = podSpec(r);
    if (spec) return prometheusPodReceiverAuthenticated(r, spec);
    if (!isHelm(r) || chartName(r) !== "prometheus") return [];
    const server = at(chartValues(r), "server");
    if (!enablesRemoteWriteReceiver(server)) return [];
    const fromArgs = extraArgs(server)["web.config.file"];
    const fromFlags = flagList(server).find((f) => f.startsWith("web.config.file="))?.slice("web.config.file=".length);
    const webConfig = fromArgs ?? fromFlags;
    if (isUnknown(webConfig)) return [];
    if (!isNonEmptyString(webConfig)) {
        return [`${r.name}: Prometheus enables --${RECEIVER_FLAG} without server.extraArgs["web.config.file"], so anyone who reaches it can write series; set a web config with basic_auth_users, mounted from a Secret`];
    }
    if (!secretMounts(server).some((m) => inside(webConfig, m))) {
        return [`${r.name}: Prometheus enables --${RECEIVER_FLAG} but web.config.file ${webConfig} is not inside a mounted Secret (server.extraSecretMounts); the web config holds credentials and must come from a Secret`];
    }
    return [];
}

// ---------------------------------------------------------------------------------------------
// (b) No credential in a ConfigMap
// ---------------------------------------------------------------------------------------------

const CREDENTIAL_WORD = /(password|passwd|secret|token|api[_-]?key|apikey|access[_-]?key|credential|private[_-]?key)/i;
/** Keys that name where a credential is, not the credential itself. */
const REFERENCE_KEY = /(_file|file|_path|path|_ref|ref|_name|name|_env|env|_url|url|_ttl|ttl|_type|type|_header|header|_enabled|enabled)$/i;
const ASSIGNMENT = /(?:^|[\s{,;(])["']?([A-Za-z0-9_.-]*?(?:password|passwd|secret|token|api[_-]?key|apikey|access[_-]?key)[A-Za-z0-9_.-]*)["']?\s*[:=]\s*(.*)$/i;
const BCRYPT = /\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}/;
const AWS_ACCESS_KEY_ID = /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/;
const AWS_SECRET_KEY_ASSIGNMENT = /(aws_?secret_?access_?key|secret_?access_?key|secretAccessKey)["']?\s*[:=]\s*["']?[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/i;
const PRIVATE_KEY = /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/;

/** A value that points at a credential kept elsewhere (env var, mounted file, Grafana/Alloy expressions). */
function isReferenceOrEmpty(value: string, alloySyntax: boolean): boolean {
    const v = value.replace(/[,;]\s*$/, "").trim();
    if (v === "" || /^(""|''|null|~|true|false|\{|\[|\|[-+]?|>[-+]?)$/i.test(v)) return true;
    const unquoted = v.replace(/^(["'])(.*)\1$/, "$2").trim();
    if (unquoted === "") return true;
    if (/^\$\{[A-Za-z_][A-Za-z0-9_:-]*\}$/.test(unquoted) || /^\$__(env|file|vault)\{[^}]*\}$/.test(unquoted)) return true;
    if (/^(sys\.)?env\(/.test(unquoted)) return true;
    // Alloy/River: only a quoted string literal is a literal; anything else is an expression.
    if (alloySyntax && !/^["'`]/.test(v)) return true;
    return false;
}

export function noSecretInConfigMap(r: RuleResource): string[] {
    if (!CONFIG_MAP_TYPES.includes(r.type)) return [];
    const out: string[] = [];
    for (const field of ["data", "binaryData"] as const) {
        const data = r.props[field];
        if (!isRecord(data)) continue;
        for (const [key, raw] of Object.entries(data)) {
            if (CREDENTIAL_WORD.test(key)) {
                out.push(`${r.name}: ConfigMap ${field} key "${key}" is named like a credential; credentials belong in a Secret`);
            }
            if (typeof raw !== "string" || isUnknown(raw)) continue;
            const content = field === "binaryData" ? Buffer.from(raw, "base64").toString("utf8") : raw;
            const where = `${r.name}: ConfigMap ${field} key "${key}"`;
            if (BCRYPT.test(content)) out.push(`${where} holds a bcrypt hash; password hashes belong in a Secret too`);
            if (AWS_ACCESS_KEY_ID.test(content)) out.push(`${where} holds an AWS access key ID`);
            if (AWS_SECRET_KEY_ASSIGNMENT.test(content)) out.push(`${where} holds an AWS secret access key`);
            if (PRIVATE_KEY.test(content)) out.push(`${where} holds a private key`);
            const alloySyntax = /\.(alloy|river)$/i.test(key);
            content.split(/\r?\n/).forEach((line, i) => {
                const m = ASSIGNMENT.exec(line);
                if (!m) return;
                const name = m[1];
                if (REFERENCE_KEY.test(name) || isReferenceOrEmpty(m[2], alloySyntax)) return;
                out.push(`${where} line ${i + 1} sets "${name}" to a literal value; reference a mounted Secret file or an environment variable from a Secret instead`);
            });
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// (c) Images pinned by tag or digest; chart versions pinned
// ---------------------------------------------------------------------------------------------

const DIGEST = /@sha256:[a-f0-9]{64}$/;

/** The tag of `registry:5000/repo/name:tag` (undefined without one). */
export function imageTag(ref: string): string | undefined {
    const lastSlash = ref.lastIndexOf("/");
    const colon = ref.lastIndexOf(":");
    return colon > lastSlash ? ref.slice(colon + 1) : undefined;
}

function checkImageRef(where: string, ref: string, siblingTag: unknown): string | undefined {
    if (DIGEST.test(ref)) return undefined;
    const tag = imageTag(ref) ?? (isNonEmptyString(siblingTag) || typeof siblingTag === "number" ? String(siblingTag) : undefined);
    if (tag === undefined || isUnknown(tag)) return tag === undefined ? `${where}: image ${ref} is not pinned (no tag or digest)` : undefined;
    if (tag === "latest") return `${where}: image ${ref} uses the mutable tag "latest"; pin a version tag or a digest`;
    return undefined;
}

/** An `{repository, tag, digest|sha, registry}` block as charts spell images. */
function checkImageBlock(where: string, block: Record<string, unknown>): string | undefined {
    const repository = block.repository;
    if (!isNonEmptyString(repository) || isUnknown(repository)) return undefined;
    for (const d of [block.digest, block.sha]) {
        if (isNonEmptyString(d)) return undefined;
    }
    if (DIGEST.test(repository)) return undefined;
    const tag = block.tag;
    if (isUnknown(tag)) return undefined;
    const embedded = imageTag(repository);
    const effective = isNonEmptyString(tag) || typeof tag === "number" ? String(tag) : embedded;
    if (effective === undefined) return `${where}: image ${repository} is not pinned (no tag or digest)`;
    if (effective === "latest") return `${where}: image ${repository} uses the mutable tag "latest"; pin a version tag or a digest`;
    return undefined;
}

function walkImages(node: unknown, path: string, resource: string, out: string[]): void {
    if (Array.isArray(node)) {
        node.forEach((x, i) => walkImages(x, `${path}[${i}]`, resource, out));
        return;
    }
    if (!isRecord(node)) return;
    for (const [key, value] of Object.entries(node)) {
        const p = path === "" ? key : `${path}.${key}`;
        if (/image$/i.test(key)) {
            const where = `${resource} ${p}`;
            const v = typeof value === "string" && !isUnknown(value) ? checkImageRef(where, value, node.tag) : isRecord(value) ? checkImageBlock(where, value) : undefined;
            if (v) out.push(v);
        }
        walkImages(value, p, resource, out);
    }
}

const LOCAL_CHART = /^(\.{0,2}\/|file:)|\.tgz$/;

export function imagesPinned(r: RuleResource): string[] {
    const out: string[] = [];
    if (isHelm(r)) {
        const chart = r.props.chart;
        const version = r.props.version;
        if (typeof chart === "string" && !LOCAL_CHART.test(chart) && !isUnknown(version) && !isNonEmptyString(version)) {
            out.push(`${r.name}: chart ${chart} has no version; pin the chart version`);
        }
        walkImages(chartValues(r), "values", r.name, out);
        return out;
    }
    if (r.type.startsWith("kubernetes:")) walkImages(r.props, "", r.name, out);
    return out;
}

// ---------------------------------------------------------------------------------------------
// (d) Resource requests on the workloads we size
// ---------------------------------------------------------------------------------------------

/** Chart → where its values hold the main container's resources (the charts whose requests we set). */
export const REQUESTS_PATHS: Readonly<Record<string, readonly string[]>> = {
    prometheus: ["server", "resources"],
    "opentelemetry-collector": ["resources"],
    alloy: ["alloy", "resources"],
};

export function resourceRequestsSet(r: RuleResource): string[] {
    if (!isHelm(r)) return [];
    const chart = chartName(r);
    const path = chart !== undefined ? REQUESTS_PATHS[chart] : undefined;
    if (!path) return [];
    const values = r.props.values;
    if (isUnknown(values)) return [];
    const resources = at(values, ...path);
    if (isUnknown(resources)) return [];
    const out: string[] = [];
    for (const kind of ["cpu", "memory"]) {
        const v = at(resources, "requests", kind);
        if (isUnknown(v)) continue;
        if (!(isNonEmptyString(v) || (typeof v === "number" && v > 0))) {
            out.push(`${r.name}: ${chart} chart values lack ${[...path, "requests", kind].join(".")}; without requests the scheduler can overcommit the node`);
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// (e) Public access blocked on every S3 bucket (stack level)
// ---------------------------------------------------------------------------------------------

function blocks(pab: RuleResource, bucket: RuleResource): boolean {
    if (bucket.urn !== undefined && (pab.propertyDependencies?.bucket ?? []).includes(bucket.urn)) return true;
    const target = pab.props.bucket;
    if (!isNonEmptyString(target) || isUnknown(target)) return false;
    return [bucket.props.bucket, bucket.props.id].some((n) => isNonEmptyString(n) && !isUnknown(n) && n === target);
}

export function s3PublicAccessBlocked(resources: readonly RuleResource[]): StackViolation[] {
    const pabs = resources.filter((r) => r.type === PUBLIC_ACCESS_BLOCK_TYPE);
    const out: StackViolation[] = [];
    for (const bucket of resources.filter((r) => BUCKET_TYPES.includes(r.type))) {
        const mine = pabs.filter((p) => blocks(p, bucket));
        if (mine.length === 0) {
            out.push({ resource: bucket, message: `${bucket.name}: S3 bucket has no BucketPublicAccessBlock; add one with ${PUBLIC_ACCESS_BLOCK_FLAGS.join(", ")} all true` });
            continue;
        }
        const missing = (p: RuleResource) => PUBLIC_ACCESS_BLOCK_FLAGS.filter((f) => p.props[f] !== true && !isUnknown(p.props[f]));
        if (!mine.some((p) => missing(p).length === 0)) {
            const p = mine[0];
            out.push({ resource: bucket, message: `${bucket.name}: BucketPublicAccessBlock ${p.name} does not set ${missing(p).join(", ")} to true` });
        }
    }
    return out;
}

/** Every per-resource rule, by the policy name it is enforced under. */
export const RESOURCE_RULES: Readonly<Record<string, { description: string; check: (r: RuleResource) => string[] }>> = {
    "prometheus-remote-write-receiver-authenticated": {
        description: "Prometheus with --web.enable-remote-write-receiver (prometheus chart values, or a rendered workload's container args) must set web.config.file inside a mounted Secret.",
        check: prometheusReceiverAuthenticated,
    },
    "no-secret-in-configmap": {
        description: "ConfigMaps carry no credentials: no credential-named keys, literal password/token/api key assignments, bcrypt hashes, AWS keys or private keys.",
        check: noSecretInConfigMap,
    },
    "images-pinned": {
        description: "Every image (chart values or pod specs) is pinned by a tag other than latest, or by digest; every remote chart has a version.",
        check: imagesPinned,
    },
    "resource-requests-set": {
        description: "The charts we size (prometheus server, opentelemetry-collector, alloy) set cpu and memory requests.",
        check: resourceRequestsSet,
    },
};

export const STACK_RULES: Readonly<Record<string, { description: string; check: (rs: readonly RuleResource[]) => StackViolation[] }>> = {
    "s3-public-access-blocked": {
        description: "Every S3 bucket has a BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets true.",
        check: s3PublicAccessBlocked,
    },
};
