import * as pulumi from "@pulumi/pulumi";
import { RemoteWriteProtocol } from "./remote-write-protocol";

/**
 * The remote-write arguments of the ZonePrometheus component (values may be Outputs, e.g. from the
 * global stack), before they become the file-level ZoneRemoteWrite. Pure: no resources here.
 */

/** Where the pod's AWS credentials come from for SigV4. */
export type AwsCredentialsArgs =
    | {
          /** Static keys: the component stores them in a Secret and exposes them as AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. */
          readonly type: "static";
          readonly accessKeyId: pulumi.Input<string>;
          readonly secretAccessKey: pulumi.Input<string>;
      }
    | {
          /** An existing Secret holding AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (in the Prometheus namespace). */
          readonly type: "secret";
          readonly secretName: string;
      }
    | {
          /** IRSA: the ServiceAccount is annotated with this role; nothing secret in the cluster. */
          readonly type: "irsa";
          readonly roleArn: pulumi.Input<string>;
      };

interface RemoteWriteTargetArgs {
    /** Receiver URL. */
    readonly url: pulumi.Input<string>;
    /** Extra headers (e.g. X-Scope-OrgID); default none; reserved headers and Authorization are refused. */
    readonly headers?: Readonly<Record<string, pulumi.Input<string>>>;
    /** Remote Write 1.0 or 2.0 (what the receiver accepts: remote-write-protocol.ts); default 1.0. */
    readonly protocol?: RemoteWriteProtocol;
}

export type ZoneRemoteWriteArgs =
    | (RemoteWriteTargetArgs & {
          /** Basic auth; the password is mounted from a Secret, never inlined. */
          readonly auth: "basic";
          readonly username: pulumi.Input<string>;
          readonly password: pulumi.Input<string>;
          /**
           * Mount the user next to the password and name it by `username_file` (Prometheus 3.0+), so that a
           * rotated credential changes the Secret only: prometheus.yml, and so the remote-write queue, stay as
           * they are (zone-writers.ts). Default false: the user inline.
           */
          readonly usernameFromSecret?: boolean;
      })
    | (RemoteWriteTargetArgs & {
          /** SigV4 (AMP): region and optional role to assume; keys only through `credentials`. */
          readonly auth: "sigv4";
          readonly region: pulumi.Input<string>;
          readonly roleArn?: pulumi.Input<string>;
          readonly credentials: AwsCredentialsArgs;
      })
    | (RemoteWriteTargetArgs & {
          /** No authentication (a receiver that trusts its network, e.g. Mimir by tenant header). */
          readonly auth: "none";
      });

/**
 * The component's `remoteWrite`, its auth checked (callers in plain JavaScript get no type check).
 * Undefined when unset (no remote write: the global federates).
 */
export function zoneRemoteWriteArgs(args: { readonly remoteWrite?: ZoneRemoteWriteArgs }, component: string): ZoneRemoteWriteArgs | undefined {
    if (args.remoteWrite !== undefined && !["basic", "sigv4", "none"].includes(args.remoteWrite.auth)) {
        throw new Error(`ZonePrometheus ${component}: remoteWrite.auth ${JSON.stringify(args.remoteWrite.auth)} is unknown; allowed: basic, sigv4, none`);
    }
    return args.remoteWrite;
}
