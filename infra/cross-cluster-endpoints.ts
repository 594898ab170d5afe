import { clusterIdentity, StackTarget } from "./cluster-identity";
import { stackFile } from "./stack-identity";

/**
 * Whether zones of another cluster can reach the global's endpoints. Cluster DNS
 * (`<service>.<namespace>.svc[.cluster.local]`) resolves only inside the cluster that serves it, so a
 * zone deployed to another cluster would start, then drop every batch it sends. Both stacks check,
 * before any resource: the global from its exposures (the key to change is its own), the zone from
 * the URLs the global exported (a zone retargeted after the global's last `up`).
 *
 * Only kubeconfig contexts and EKS clusters are compared: a render directory says nothing about the
 * cluster its manifests will be applied to. Problems name the key (without the project prefix).
 */

/** Two targets that name different clusters, as far as their stack files tell. */
export function inDifferentClusters(a: StackTarget, b: StackTarget): boolean {
    const [ia, ib] = [a, b].map((t) => clusterIdentity(t.identity.stack, t.kubernetes));
    return ia.kind !== "render" && ib.kind !== "render" && ia.key !== ib.key;
}

/** A URL whose host is a Service's cluster DNS name. */
export function isClusterDnsUrl(url: string): boolean {
    try {
        return /^[a-z0-9-]+\.[a-z0-9-]+\.svc(\.cluster\.local)?$/.test(new URL(url).hostname);
    } catch {
        return false;
    }
}

const ALLOWED = "allowed: an exposure the zone's cluster can route to (load-balancer, ingress, or node-port on a node name it resolves), or that zone in the global's cluster";
/** Mimir's gateway has no exposure of its own (infra/roles/global-metrics.ts). */
const ALLOWED_MIMIR = "allowed: that zone in the global's cluster, or metrics.backend prometheus (with an exposure the zone reaches) or amp";

/** The global's view: each zone-facing endpoint exposed by cluster DNS, against each zone stack in another cluster. */
export function globalReachabilityProblems(
    self: StackTarget,
    siblings: readonly StackTarget[],
    endpoints: ReadonlyArray<{ readonly key: string; readonly exposure: { readonly type: string } }>,
): string[] {
    const here = clusterIdentity(self.identity.stack, self.kubernetes).description;
    const elsewhere = siblings.filter((z) => z.identity.role === "zone" && inDifferentClusters(self, z));
    return endpoints
        .filter((e) => e.exposure.type === "cluster-dns")
        .flatMap((e) =>
            elsewhere.map((z) => {
                const mimir = e.key === "metrics.backend";
                return (
                    `${mimir ? "metrics.backend: mimir's push endpoint is cluster DNS" : `${e.key}.type: cluster-dns`}, reachable only inside this stack's cluster (${here}), ` +
                    `but zone stack ${stackFile(z.identity.stack)} deploys to ${clusterIdentity(z.identity.stack, z.kubernetes).description}; ${mimir ? ALLOWED_MIMIR : ALLOWED}`
                );
            }),
        );
}

/** The zone's view: each endpoint it would use that is cluster DNS of the global's cluster, when this zone deploys elsewhere. */
export function zoneReachabilityProblems(self: StackTarget, global: StackTarget | undefined, urls: Readonly<Record<string, string | undefined>>): string[] {
    if (global === undefined || !inDifferentClusters(self, global)) return [];
    const there = clusterIdentity(global.identity.stack, global.kubernetes).description;
    const mine = clusterIdentity(self.identity.stack, self.kubernetes).description;
    return Object.entries(urls)
        .filter((e): e is [string, string] => e[1] !== undefined && isClusterDnsUrl(e[1]))
        .map(
            ([output, url]) =>
                `kubernetes: this zone deploys to ${mine}, but the global's ${output} ${url} is cluster DNS of ${there} (${stackFile(global.identity.stack)}), ` +
                `which pods here cannot resolve; ${ALLOWED} (change the global's exposure and run its \`pulumi up\` first)`,
        );
}
