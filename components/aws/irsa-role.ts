import { createHash } from "crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { irsaTrustPolicy, PolicyDocument, validateIdentityPolicy, validateIrsaTrust, validateServiceAccount } from "./iam-policies";
import { ARN_PATTERNS, checkedInput, invalid } from "../kernel/validators";

/** The annotation EKS's pod identity webhook reads to inject the role's web identity credentials. */
export const IRSA_ROLE_ANNOTATION = "eks.amazonaws.com/role-arn";

/** Annotations for the ServiceAccount (e.g. a chart's `serviceAccount.annotations`) that lets its pods assume `roleArn`. */
export function serviceAccountAnnotations(roleArn: string): Record<string, string> {
    if (typeof roleArn !== "string" || !ARN_PATTERNS.iamRole.test(roleArn)) {
        throw invalid("serviceAccountAnnotations", "roleArn", roleArn, "is not an IAM role ARN", "arn:aws:iam::<12-digit account>:role/<name>");
    }
    return { [IRSA_ROLE_ANNOTATION]: roleArn };
}

/** IAM role names: at most 64 of letters, digits and + = , . @ _ - (IAM User Guide, "IAM object quotas" and CreateRole RoleName). */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/**
 * A role name fixed by the stack and the role's purpose: unique per stack (role names are global to
 * the account), and known before the role exists, so its ARN is too (see IrsaRole.roleArn). Over 64
 * characters, the name is cut and keeps a hash of the whole for uniqueness.
 */
export function irsaRoleName(stack: string, purpose: string): string {
    const name = `${stack}-${purpose}`;
    if (name.length <= 64) return name;
    return `${name.slice(0, 55)}-${createHash("sha256").update(name).digest("hex").slice(0, 8)}`;
}

/**
 * The ARN a role named `roleName` gets in the account and partition of the cluster's OIDC provider
 * (arn:<partition>:iam::<account>:oidc-provider/<issuer>): IAM role ARNs are
 * arn:<partition>:iam::<account>:role/<path><name>, path "/" here (IAM identifiers, "IAM ARNs").
 */
export function roleArnBesideOidcProvider(oidcProviderArn: string, roleName: string): string {
    if (!ARN_PATTERNS.oidcProvider.test(oidcProviderArn)) {
        throw invalid("roleArnBesideOidcProvider", "oidcProviderArn", oidcProviderArn, "is not an IAM OIDC provider ARN", "arn:aws:iam::<12-digit account>:oidc-provider/<issuer host/path>");
    }
    return `${oidcProviderArn.slice(0, oidcProviderArn.indexOf(":oidc-provider/") + 1)}role/${roleName}`;
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
    /** The role's permissions (an aws.iam.RolePolicy on the role), e.g. ampRemoteWritePolicy(arn). */
    readonly policy: pulumi.Input<PolicyDocument>;
    /**
     * Role name (irsaRoleName); default: Pulumi's auto-name. Set it: the ARN, and so the
     * ServiceAccount annotation and every chart value carrying it, is then known at preview.
     */
    readonly roleName?: string;
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
        if (args.roleName !== undefined && !ROLE_NAME.test(args.roleName)) {
            throw invalid(where, "roleName", args.roleName, "is not an IAM role name", "1-64 of letters, digits and + = , . @ _ - (irsaRoleName)");
        }
        const policy = checkedInput(args.policy, (p) => validateIdentityPolicy(p, where));

        super("meshobs:aws:IrsaRole", name, {}, opts);
        const trust = pulumi
            .all([args.oidcProviderArn, args.oidcIssuer])
            .apply(([oidcProviderArn, oidcIssuer]) => JSON.stringify(irsaTrustPolicy({ oidcProviderArn, oidcIssuer, namespace: args.namespace, serviceAccount: args.serviceAccount })));
        const role = new aws.iam.Role(
            `${name}-role`,
            {
                ...(args.roleName !== undefined ? { name: args.roleName } : {}),
                assumeRolePolicy: trust,
                description: args.description ?? `IRSA for ServiceAccount ${args.namespace}/${args.serviceAccount}`,
                ...(args.tags !== undefined ? { tags: { ...args.tags } } : {}),
            },
            { parent: this },
        );
        const rolePolicy = new aws.iam.RolePolicy(`${name}-policy`, { role: role.name, policy: policy.apply((p) => JSON.stringify(p)) }, { parent: this });

        // role.arn is unknown until the role exists, so a chart whose values carry it would preview with
        // no children. With a fixed name the ARN follows from the OIDC provider's account and partition;
        // riding on the role's URN (known at preview) it still orders consumers after the role.
        this.roleArn =
            args.roleName !== undefined
                ? pulumi.all([role.urn, args.oidcProviderArn]).apply(([, providerArn]) => roleArnBesideOidcProvider(providerArn, args.roleName!))
                : role.arn;
        this.roleName = args.roleName !== undefined ? role.urn.apply(() => args.roleName!) : role.name;
        this.serviceAccountAnnotations = this.roleArn.apply(serviceAccountAnnotations);
        this.registerOutputs({
            roleArn: this.roleArn,
            roleName: this.roleName,
            serviceAccountAnnotations: this.serviceAccountAnnotations,
            permissions: [rolePolicy.urn],
        });
    }
}
