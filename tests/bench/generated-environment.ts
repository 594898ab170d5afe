import { StackFile } from "../../infra/plan/stack-files";
import { parseStackName } from "../../infra/stack-identity";

const P = "mesh-observability";

function stackFile(stack: string, config: Record<string, unknown>): StackFile {
    return {
        stack,
        identity: parseStackName(stack),
        file: `stacks/Pulumi.${stack}.yaml`,
        config: Object.fromEntries(Object.entries(config).map(([k, v]) => [`${P}:${k}`, typeof v === "string" ? v : JSON.stringify(v)])),
        secretKeys: [],
    };
}

/** An environment shaped like `local` with `zones` zones (zone-001 …), for measuring plan cost. */
export function generatedEnvironment(env: string, zones: number): StackFile[] {
    const names = Array.from({ length: zones }, (_, i) => `zone-${String(i + 1).padStart(3, "0")}`);
    return [
        stackFile(`${env}-global`, { zones: names, globalPrometheus: { retention: "15d", storageSize: "100Gi" } }),
        ...names.map((zone) =>
            stackFile(`${env}-zone-${zone}`, {
                namespace: `obs-${zone}`,
                mesh: { version: "2.14.3" },
                zonePrometheus: { externalLabels: { environment: env }, discovery: { clientId: `prometheus-${zone}` } },
            }),
        ),
    ];
}
