import { ARN_PATTERNS, DNS_SUBDOMAIN } from "../kernel/validators";

/**
 * How the Prometheus pod gets AWS credentials for SigV4, as chart values. Never through
 * prometheus.yml: the SigV4 signer falls back to the AWS SDK's default chain, which reads
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the environment (here from a Secret, so the
 * keys are in neither the config file nor the pod spec) or, on EKS, the web identity token that
 * IRSA injects for a ServiceAccount annotated with `eks.amazonaws.com/role-arn`.
 */
export type AwsCredentialSource =
    | {
          /** Static keys in a Kubernetes Secret, exposed to the container as environment variables. */
          readonly type: "secret";
          /** Name of the Secret (in the Prometheus namespace). */
          readonly secretName: string;
          /** Key of the access key id in the Secret; default AWS_ACCESS_KEY_ID. */
          readonly accessKeyIdKey?: string;
          /** Key of the secret access key in the Secret; default AWS_SECRET_ACCESS_KEY. */
          readonly secretAccessKeyKey?: string;
      }
    | {
          /** IAM Roles for Service Accounts: the pod assumes this role through its ServiceAccount. */
          readonly type: "irsa";
          /** ARN of the role the ServiceAccount is annotated with. */
          readonly roleArn: string;
      };

/** The annotation EKS's pod identity webhook reads (AWS userguide set-up-irsa). */
export const IRSA_ROLE_ANNOTATION = "eks.amazonaws.com/role-arn";
/** Environment variable names the AWS SDK's default chain reads. */
export const AWS_ACCESS_KEY_ID_ENV = "AWS_ACCESS_KEY_ID";
export const AWS_SECRET_ACCESS_KEY_ENV = "AWS_SECRET_ACCESS_KEY";

/** A container env entry as the chart's `server.env` takes it (a Kubernetes EnvVar). */
export interface EnvVarFromSecret {
    readonly name: string;
    readonly valueFrom: { readonly secretKeyRef: { readonly name: string; readonly key: string } };
}

export interface AwsCredentialChartInputs {
    /** For chart `server.env`. */
    readonly env: readonly EnvVarFromSecret[];
    /** For chart `serviceAccounts.server.annotations`. */
    readonly serviceAccountAnnotations: Readonly<Record<string, string>>;
}

/** Secret data keys: alphanumerics, '-', '_' or '.' (Kubernetes validation). */
const SECRET_KEY = /^[-._a-zA-Z0-9]{1,253}$/;

export function awsCredentialChartInputs(src: AwsCredentialSource, setting = "sigv4.credentials"): AwsCredentialChartInputs {
    if (src.type === "irsa") {
        if (!ARN_PATTERNS.iamRole.test(src.roleArn ?? "")) {
            throw new Error(`${setting}.roleArn: ${JSON.stringify(src.roleArn)} is not an IAM role ARN; allowed: arn:aws:iam::<12-digit account>:role/<name>`);
        }
        return { env: [], serviceAccountAnnotations: { [IRSA_ROLE_ANNOTATION]: src.roleArn } };
    }
    if (src.type !== "secret") throw new Error(`${setting}.type: ${JSON.stringify((src as { type: unknown }).type)} is unknown; allowed: secret, irsa`);
    if (!DNS_SUBDOMAIN.test(src.secretName ?? "")) {
        throw new Error(`${setting}.secretName: ${JSON.stringify(src.secretName)} is not a Secret name; allowed: a DNS subdomain (lowercase, digits, '-', '.')`);
    }
    const idKey = src.accessKeyIdKey ?? AWS_ACCESS_KEY_ID_ENV;
    const secretKey = src.secretAccessKeyKey ?? AWS_SECRET_ACCESS_KEY_ENV;
    for (const [field, key] of [["accessKeyIdKey", idKey], ["secretAccessKeyKey", secretKey]] as const) {
        if (!SECRET_KEY.test(key)) throw new Error(`${setting}.${field}: ${JSON.stringify(key)} is not a Secret key; allowed: letters, digits, '-', '_' and '.'`);
    }
    const fromSecret = (name: string, key: string): EnvVarFromSecret => ({ name, valueFrom: { secretKeyRef: { name: src.secretName, key } } });
    return { env: [fromSecret(AWS_ACCESS_KEY_ID_ENV, idKey), fromSecret(AWS_SECRET_ACCESS_KEY_ENV, secretKey)], serviceAccountAnnotations: {} };
}
