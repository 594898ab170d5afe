import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { irsaTrustPolicy, PolicyDocument, validateIdentityPolicy, validateIrsaTrust, validateServiceAccount } from "./iam-policies";
import { ARN_PATTERNS, checkedInput, invalid } from "./validate";

/** The annotation EKS's pod identity webhook reads to inject the role's web identity credentials. */
export const IRSA_ROLE_ANNOTATION = "eks.amazonaws.com/role-arn";

/** Annotations for the ServiceAccount (e.g. a chart's `serviceAccount.annotations`) that lets its pods assume `roleArn`. */
export function serviceAccountAnnotations(roleArn: string): Record<string, string> {
    if (typeof roleArn !== "string" || !ARN_PATTERNS.iamRole.test(roleArn)) {
        throw invalid("serviceAccountAnnotations", "roleArn", roleArn, "is not an IAM role ARN", "arn:aws:iam::<12-digit account>:role/<name>");
    }
    return { [IRSA_ROLE_ANNOTATION]: roleArn };
}

export interface IrsaRoleArgs {
    /** ARN of the IAM OIDC provider registered for the cluster's issuer (created outside this component, e.g. by eksctl). */
    readonly oidcProviderArn: pulumi.Input<string>;
    /** The cluster's OIDC issuer without https:// (lookupEksCluster().oidcIssuer). */
    readonly oidcIssuer: pulumi.Input<string>;
    /** Namespace of the one ServiceAccount that may assume the role. */
    readonly namespace: string;
    /** Name of the one ServiceAccount that may assume the role. */
    readonly serviceAccount: string;
    /** Inline permissions (an aws.iam.RolePolicy on the role), e.g. ampRemoteWritePolicy(arn); default none. */
    readonly policy?: pulumi.Input<PolicyDocument>;
    /** Managed policy ARNs to attach (one aws.iam.RolePolicyAttachment each); default none. At least one of policy / managedPolicyArns. */
    readonly managedPolicyArns?: readonly string[];
    /** Role description shown in the IAM console; default names the ServiceAccount. */
    readonly description?: string;
    /** Tags on the role; default none. */
    readonly tags?: Readonly<Record<string, string>>;
}

/**
 * An IAM role that exactly one Kubernetes ServiceAccount of one EKS cluster can assume (IRSA),
 * with its permissions. Permissions are a separate RolePolicy, not the role's deprecated
 * `inlinePolicies`, so changing them never replaces the role (and its ARN in annotations).
 */
export class IrsaRole extends pulumi.ComponentResource {
    /** ARN of the role; put it on the ServiceAccount with serviceAccountAnnotations(). */
    public readonly roleArn: pulumi.Output<string>;
    /** Name of the role. */
    public readonly roleName: pulumi.Output<string>;
    /** `{"eks.amazonaws.com/role-arn": roleArn}` for the ServiceAccount. */
    public readonly serviceAccountAnnotations: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: IrsaRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        const where = `IrsaRole ${name}`;
        // Everything known now is checked before the component itself registers; an issuer or
        // provider ARN that is still an Output is checked when it resolves (irsaTrustPolicy).
        validateServiceAccount(args.namespace, args.serviceAccount, where);
        if (typeof args.oidcProviderArn === "string" && typeof args.oidcIssuer === "string") {
            validateIrsaTrust({ oidcProviderArn: args.oidcProviderArn, oidcIssuer: args.oidcIssuer, namespace: args.namespace, serviceAccount: args.serviceAccount }, where);
        }
        if (args.policy === undefined && (args.managedPolicyArns ?? []).length === 0) {
            throw invalid(where, "policy", undefined, "and managedPolicyArns are both unset (the role could do nothing)", "a policy document, managed policy ARNs, or both");
        }
        (args.managedPolicyArns ?? []).forEach((arn, i) => {
            if (!ARN_PATTERNS.iamPolicy.test(arn)) throw invalid(where, `managedPolicyArns[${i}]`, arn, "is not an IAM policy ARN", "arn:aws:iam::<account|aws>:policy/<name>");
        });
        const policy = args.policy === undefined ? undefined : checkedInput(args.policy, (p) => validateIdentityPolicy(p, where));

        super("meshobs:aws:IrsaRole", name, {}, opts);
        const trust = pulumi
            .all([args.oidcProviderArn, args.oidcIssuer])
            .apply(([oidcProviderArn, oidcIssuer]) => JSON.stringify(irsaTrustPolicy({ oidcProviderArn, oidcIssuer, namespace: args.namespace, serviceAccount: args.serviceAccount })));
        const role = new aws.iam.Role(
            `${name}-role`,
            {
                assumeRolePolicy: trust,
                description: args.description ?? `IRSA for ServiceAccount ${args.namespace}/${args.serviceAccount}`,
                ...(args.tags !== undefined ? { tags: { ...args.tags } } : {}),
            },
            { parent: this },
        );
        const children: pulumi.Resource[] = [];
        if (policy !== undefined) {
            children.push(new aws.iam.RolePolicy(`${name}-policy`, { role: role.name, policy: policy.apply((p) => JSON.stringify(p)) }, { parent: this }));
        }
        (args.managedPolicyArns ?? []).forEach((policyArn, i) => {
            children.push(new aws.iam.RolePolicyAttachment(`${name}-attach-${i}`, { role: role.name, policyArn }, { parent: this }));
        });

        this.roleArn = role.arn;
        this.roleName = role.name;
        this.serviceAccountAnnotations = role.arn.apply(serviceAccountAnnotations);
        this.registerOutputs({
            roleArn: this.roleArn,
            roleName: this.roleName,
            serviceAccountAnnotations: this.serviceAccountAnnotations,
            permissions: children.map((c) => c.urn),
        });
    }
}
