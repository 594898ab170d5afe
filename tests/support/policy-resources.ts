import { EnvironmentEvaluation } from "../../infra/plan/evaluate-environment";
import { PlannedResource, StackEvaluation } from "../../infra/plan/evaluate-stack";
import { RuleResource } from "../../infra/policy/resource";
import { revealed } from "./plan-access";

/** A planned resource as the policy rules see it: inputs with secrets revealed (what the engine hands a policy). */
export function ruleResource(r: PlannedResource): RuleResource {
    return { type: r.type, name: r.name, props: revealed(r) };
}

export function stackRuleResources(s: StackEvaluation): RuleResource[] {
    return s.resources.map(ruleResource);
}

export function environmentRuleResources(env: EnvironmentEvaluation): { stack: string; resources: RuleResource[] }[] {
    return env.stacks.map((s) => ({ stack: s.stack, resources: stackRuleResources(s) }));
}

/** Deep copy, so a test can break one resource without touching the evaluated plan. */
export const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
