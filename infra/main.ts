import * as pulumi from "@pulumi/pulumi";
import { GLOBAL_SECRET_KEYS, globalConfigSchema } from "./config/global-schema";
import { assertSecretKeys, engineConfigSecret, parseStackConfig, projectConfig } from "./config/load";
import { ZONE_SECRET_KEYS, zoneConfigSchema } from "./config/zone-schema";
import { globalStack } from "./roles/global";
import { zoneStack } from "./roles/zone";
import { parseStackName } from "./stack-identity";

/**
 * The program: the stack name picks the role, the role's schema validates the whole config
 * (before any resource exists), then the role provisions and returns its exports.
 */
export async function main(): Promise<Record<string, pulumi.Output<unknown>>> {
    const id = parseStackName(pulumi.getStack());
    const project = pulumi.getProject();
    const raw = projectConfig(pulumi.runtime.allConfig(), project);
    if (id.role === "global") {
        const cfg = parseStackConfig(globalConfigSchema, raw, id.stack, project);
        assertSecretKeys(raw, GLOBAL_SECRET_KEYS, engineConfigSecret, id.stack, project);
        return { ...globalStack(id, cfg) };
    }
    const cfg = parseStackConfig(zoneConfigSchema, raw, id.stack, project);
    assertSecretKeys(raw, ZONE_SECRET_KEYS, engineConfigSecret, id.stack, project);
    return { ...(await zoneStack(id, cfg)) };
}
