import * as path from "path";
import { globalConfigSchema } from "../config/global-schema";
import { parseStackConfig, projectConfig } from "../config/load";
import { GlobalStackOutputs } from "../global-outputs";
import { readStackFile } from "../plan/stack-files";

/**
 * For `--global-url/--user/--password-file` without outputs: the zones and backends the global's
 * stack file declares stand in for the outputs; addresses and the credential come from flags.
 */
export function outputsFromStackFile(stacksDir: string, env: string, project: string): { outputs: Partial<GlobalStackOutputs>; source: string } {
    const file = readStackFile(stacksDir, `${env}-global`);
    const cfg = parseStackConfig(globalConfigSchema, projectConfig(file.config, project), file.stack, project);
    const outputs: Partial<GlobalStackOutputs> = {
        zones: [...cfg.zones],
        metricsBackend: cfg.metrics.backend,
        metricsTransport: cfg.metrics.federation !== undefined ? "federation" : "remote-write",
        remoteWriteUrl: "",
        remoteWriteTenant: cfg.metrics.mimir?.tenant ?? "",
        ampRegion: cfg.metrics.amp?.region ?? "",
        prometheusQueryUrl: "",
        prometheusReadUsername: "",
        prometheusReadPassword: "",
        logsBackend: cfg.logs.backend,
        lokiQueryUrl: "",
        lokiTenant: cfg.logs.backend === "loki" ? cfg.logs.loki.tenant : "",
        tracesBackend: cfg.traces.backend,
        jaegerQueryUrl: "",
    };
    return { outputs, source: path.relative(process.cwd(), file.file) || file.file };
}
