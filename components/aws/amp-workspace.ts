import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { invalid } from "../kernel/validators";

/** Retention values CloudWatch Logs accepts (days); anything else is refused by the API at deploy time. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** The workspace endpoint as AWS returns it, normalised to end with "/" (AWS's does). */
function workspaceBase(prometheusEndpoint: string, where: string): string {
    let url: URL | undefined;
    try {
        url = new URL(prometheusEndpoint);
    } catch {
        url = undefined;
    }
    if (url === undefined || url.protocol !== "https:" || url.search !== "" || url.hash !== "" || url.pathname === "/") {
        throw invalid(where, "prometheusEndpoint", prometheusEndpoint, "is not an AMP workspace endpoint", "https://aps-workspaces.<region>.amazonaws.com/workspaces/<workspace id>/");
    }
    return prometheusEndpoint.endsWith("/") ? prometheusEndpoint : `${prometheusEndpoint}/`;
}

/** Remote-write URL of a workspace: its endpoint (which ends with "/") + api/v1/remote_write; Prometheus signs with `sigv4`. */
export function ampRemoteWriteUrl(prometheusEndpoint: string): string {
    return `${workspaceBase(prometheusEndpoint, "ampRemoteWriteUrl")}api/v1/remote_write`;
}

/**
 * Query base URL of a workspace, without the trailing "/": what Grafana's Prometheus datasource
 * (with SigV4) is pointed at and PromQL clients append /api/v1/query to, the same meaning
 * `queryUrl` has on GlobalPrometheus.
 */
export function ampQueryUrl(prometheusEndpoint: string): string {
    return workspaceBase(prometheusEndpoint, "ampQueryUrl").replace(/\/$/, "");
}

export interface AmpWorkspaceArgs {
    /** Workspace alias shown in the console, also names the log group: letters, digits, '.', '_', '-' (1–100). */
    readonly alias: string;
    /** Tags on the workspace and its log group; default none. */
    readonly tags?: Readonly<Record<string, string>>;
    /** Vended logs (rule evaluation and Alertmanager errors) to CloudWatch, kept retentionInDays (one of LOG_RETENTION_DAYS); default: no logging. */
    readonly logging?: { readonly retentionInDays: number };
}

/**
 * An Amazon Managed Service for Prometheus workspace: the global remote-write target zones sign
 * requests to with SigV4 (IAM via IrsaRole + ampRemoteWritePolicy), instead of a global Prometheus.
 */
export class AmpWorkspace extends pulumi.ComponentResource {
    /** Workspace ID (ws-…), the resource id. */
    public readonly workspaceId: pulumi.Output<string>;
    /** Workspace ARN, the Resource of ampRemoteWritePolicy / ampQueryPolicy. */
    public readonly arn: pulumi.Output<string>;
    /** Prometheus-compatible endpoint as AWS returns it (ends with "/"). */
    public readonly prometheusEndpoint: pulumi.Output<string>;
    /** `<prometheusEndpoint>api/v1/remote_write`, for zone `remote_write` with `sigv4: {region}`. */
    public readonly remoteWriteUrl: pulumi.Output<string>;
    /** Query base URL (prometheusEndpoint without the trailing "/"), for Grafana with SigV4. */
    public readonly queryUrl: pulumi.Output<string>;
    /** ARN of the log group, undefined without logging. */
    public readonly logGroupArn: pulumi.Output<string | undefined>;

    constructor(name: string, args: AmpWorkspaceArgs, opts?: pulumi.ComponentResourceOptions) {
        const where = `AmpWorkspace ${name}`;
        if (typeof args.alias !== "string" || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(args.alias)) {
            throw invalid(where, "alias", args.alias, "is not a workspace alias", "1–100 letters, digits, '.', '_' or '-', starting with a letter or digit (it also names the log group)");
        }
        if (args.logging !== undefined && !(LOG_RETENTION_DAYS as readonly number[]).includes(args.logging.retentionInDays)) {
            throw invalid(where, "logging.retentionInDays", args.logging.retentionInDays, "is not a CloudWatch Logs retention", LOG_RETENTION_DAYS.join(", "));
        }
        super("meshobs:aws:AmpWorkspace", name, {}, opts);
        const tags = args.tags !== undefined ? { tags: { ...args.tags } } : {};

        let logGroup: aws.cloudwatch.LogGroup | undefined;
        if (args.logging !== undefined) {
            logGroup = new aws.cloudwatch.LogGroup(
                `${name}-logs`,
                {
                    // The /aws/vendedlogs/ prefix lets CloudWatch's log-delivery resource policy cover
                    // every vended log group with one entry instead of growing per group (it is size-capped).
                    name: `/aws/vendedlogs/prometheus/${args.alias}`,
                    retentionInDays: args.logging.retentionInDays,
                    ...tags,
                },
                { parent: this },
            );
        }

        const workspace = new aws.amp.Workspace(
            `${name}-workspace`,
            {
                alias: args.alias,
                // AMP wants the log group ARN with the ":*" suffix (all its streams); the bare ARN is refused.
                ...(logGroup !== undefined ? { loggingConfiguration: { logGroupArn: pulumi.interpolate`${logGroup.arn}:*` } } : {}),
                ...tags,
            },
            { parent: this },
        );

        this.workspaceId = workspace.id;
        this.arn = workspace.arn;
        this.prometheusEndpoint = workspace.prometheusEndpoint;
        this.remoteWriteUrl = workspace.prometheusEndpoint.apply(ampRemoteWriteUrl);
        this.queryUrl = workspace.prometheusEndpoint.apply(ampQueryUrl);
        this.logGroupArn = logGroup !== undefined ? logGroup.arn.apply((a): string | undefined => a) : pulumi.output(undefined);
        this.registerOutputs({
            workspaceId: this.workspaceId,
            arn: this.arn,
            prometheusEndpoint: this.prometheusEndpoint,
            remoteWriteUrl: this.remoteWriteUrl,
            queryUrl: this.queryUrl,
            logGroupArn: this.logGroupArn,
        });
    }
}
