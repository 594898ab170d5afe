import * as pulumi from "@pulumi/pulumi";
import { globalConfigSchema } from "./config/global-schema";
import { parseStackConfig, projectConfig } from "./config/load";
import { zoneConfigSchema } from "./config/zone-schema";
import { globalStack } from "./roles/global";
import { zoneStack } from "./roles/zone";
import { parseStackName } from "./stack-identity";

/**
 * The program: the stack name picks the role, the role's schema validates the whole config
 * (synchronously, before any resource exists), then the role provisions and returns exports.
 */
export function main(): Record<string, pulumi.Output<unknown>> {
    const id = parseStackName(pulumi.getStack());
    const project = pulumi.getProject();
    const raw = projectConfig(pulumi.runtime.allConfig(), project);
    if (id.role === "global") {
        return { ...globalStack(id, parseStackConfig(globalConfigSchema, raw, id.stack, project)) };
    }
    return { ...zoneStack(id, parseStackConfig(zoneConfigSchema, raw, id.stack, project)) };
}
