import { parse } from "yaml";
import { PlannedResource, StackEvaluation } from "../../infra/plan/evaluate-stack";
import { revealOrMask } from "../../infra/plan/secret-values";
import { workloadFiles } from "../../infra/plan/render";

/** Helpers to read an evaluated stack the way a reviewer reads the plan. */
export function resourcesOf(ev: StackEvaluation, type: string): PlannedResource[] {
    return ev.resources.filter((r) => r.type === type);
}

export function one(ev: StackEvaluation, type: string, name: string): PlannedResource {
    const r = ev.resources.find((x) => x.type === type && x.name === name);
    if (!r) throw new Error(`${ev.stack}: no ${type} named ${name} (have: ${ev.resources.map((x) => `${x.type} ${x.name}`).join("; ")})`);
    return r;
}

/** Inputs with secrets revealed (for value checks) — secrecy itself is asserted separately. */
export function revealed(r: PlannedResource): any {
    return revealOrMask(r.inputs, true);
}

export function file(ev: StackEvaluation, workload: string, name: string): string {
    const f = workloadFiles(ev.resources).find((x) => x.workload === workload && x.name === name);
    if (!f) throw new Error(`${ev.stack}: no file ${workload}/${name}`);
    return f.content;
}

export function yamlFile(ev: StackEvaluation, workload: string, name: string): any {
    return parse(file(ev, workload, name));
}

export function output(ev: StackEvaluation, key: string): unknown {
    const o = ev.outputs[key];
    if (!o) throw new Error(`${ev.stack}: no output ${key}`);
    return o.value;
}
