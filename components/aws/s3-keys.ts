import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/**
 * Static S3 keys for Mimir or Loki on a cluster without IRSA. They reach the pods as environment
 * variables from a Secret (the charts' `extraEnvFrom`), and the generated configs reference them as
 * `${VAR}`: both charts start every component with `-config.expand-env=true` (loki 18.11.0
 * templates/_pod.tpl; mimir-distributed 5.7.0 templates/*, e.g. ingester-statefulset.yaml), the way
 * mimir-distributed's values.yaml (`configStorageType`) recommends keeping credentials out of the
 * ConfigMap. No key is ever in a ConfigMap, chart values or plan output.
 */
export const S3_KEY_ENV = { accessKeyId: "AWS_ACCESS_KEY_ID", secretAccessKey: "AWS_SECRET_ACCESS_KEY" } as const;

export interface S3Keys {
    /** Access key id (secret config). */
    readonly accessKeyId: pulumi.Input<string>;
    /** Secret access key (secret config). */
    readonly secretAccessKey: pulumi.Input<string>;
}

/** The config's references to the keys, expanded from the environment at start. */
export const S3_KEY_REFERENCES = { accessKeyId: `\${${S3_KEY_ENV.accessKeyId}}`, secretAccessKey: `\${${S3_KEY_ENV.secretAccessKey}}` } as const;

/** The Secret holding the keys under S3_KEY_ENV's names, every value secret. */
export function s3KeysSecret(parent: pulumi.Resource, name: string, namespace: pulumi.Input<string>, keys: S3Keys): k8s.core.v1.Secret {
    return new k8s.core.v1.Secret(
        name,
        {
            metadata: { name, namespace },
            type: "Opaque",
            stringData: { [S3_KEY_ENV.accessKeyId]: pulumi.secret(keys.accessKeyId), [S3_KEY_ENV.secretAccessKey]: pulumi.secret(keys.secretAccessKey) },
        },
        { parent },
    );
}

/** A container's `envFrom` entry for that Secret. */
export function s3KeysEnvFrom(secretName: string): Array<{ secretRef: { name: string } }> {
    return [{ secretRef: { name: secretName } }];
}
