import { StackFile } from "../../infra/plan/stack-files";
import { testStack } from "../support/stack-file";

/** An environment shaped like `local` with `zones` zones (zone-001 …), for measuring plan cost. */
export function generatedEnvironment(env: string, zones: number): StackFile[] {
    const names = Array.from({ length: zones }, (_, i) => `zone-${String(i + 1).padStart(3, "0")}`);
    return [
        testStack(`${env}-global`, { zones: names, globalPrometheus: { retention: "15d", storageSize: "100Gi" } }),
        ...names.map((zone) =>
            testStack(`${env}-zone-${zone}`, {
                namespace: `obs-${zone}`,
                mesh: { version: "2.14.3" },
                zonePrometheus: { externalLabels: { environment: env }, discovery: { clientId: `prometheus-${zone}` } },
            }),
        ),
    ];
}
