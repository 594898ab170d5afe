/**
 * The mesh-observability policy pack: `pulumi preview --policy-pack infra/policy` (CI passes it
 * through pulumi/actions' `policyPacks` input). Constructing the PolicyPack starts the analyzer's
 * gRPC server for the Pulumi engine, so tests import `./policies` and `./rules`, not this file.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

export const POLICY_PACK_NAME = "mesh-observability";

new PolicyPack(POLICY_PACK_NAME, { enforcementLevel: "mandatory", policies });
