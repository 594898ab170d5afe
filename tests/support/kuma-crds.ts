import Ajv, { ValidateFunction } from "ajv";
import * as fs from "fs";
import { parse } from "yaml";
import { upstreamPath } from "./upstream";

/** The kuma.io CRDs of the Kuma release whose chart we pin (../shared/upstream/kuma-<version>/crds). */
export interface KumaCrd {
    readonly kind: string;
    readonly group: string;
    readonly scope: string;
    readonly versions: readonly string[];
    /** spec.versions[name].schema.openAPIV3Schema, objects closed (see validatorFor). */
    readonly validate: ValidateFunction;
}

/**
 * Kubernetes prunes fields a structural schema does not declare, silently: a misspelt policy field
 * would apply as if absent. To turn that into a test failure, every object schema that lists
 * `properties` (and neither `additionalProperties` nor `x-kubernetes-preserve-unknown-fields`) is
 * closed with `additionalProperties: false`. `x-kubernetes-*` keywords are otherwise ignored (strict: false).
 */
function closeObjects(schema: any): any {
    if (schema === null || typeof schema !== "object" || Array.isArray(schema)) return schema;
    const out: any = { ...schema };
    if (schema.properties !== undefined) {
        out.properties = Object.fromEntries(Object.entries(schema.properties).map(([name, s]) => [name, closeObjects(s)]));
        if (schema.additionalProperties === undefined && schema["x-kubernetes-preserve-unknown-fields"] !== true) out.additionalProperties = false;
    }
    if (schema.items !== undefined) out.items = closeObjects(schema.items);
    if (typeof schema.additionalProperties === "object") out.additionalProperties = closeObjects(schema.additionalProperties);
    for (const k of ["anyOf", "oneOf", "allOf"]) if (Array.isArray(schema[k])) out[k] = schema[k].map(closeObjects);
    return out;
}

export function loadKumaCrds(kumaVersion: string): Map<string, KumaCrd> {
    const dir = upstreamPath(`kuma-${kumaVersion}`, "crds");
    const ajv = new Ajv({ allErrors: true, strict: false });
    // OpenAPI integer formats the CRDs use; checked, rather than ignored with a warning.
    ajv.addFormat("int32", { type: "number", validate: (x: number) => Number.isInteger(x) && x >= -(2 ** 31) && x < 2 ** 31 });
    ajv.addFormat("int64", { type: "number", validate: (x: number) => Number.isInteger(x) });
    const crds = new Map<string, KumaCrd>();
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".yaml"))) {
        const crd = parse(fs.readFileSync(`${dir}/${file}`, "utf8"));
        const [version] = crd.spec.versions;
        crds.set(crd.spec.names.kind, {
            kind: crd.spec.names.kind,
            group: crd.spec.group,
            scope: crd.spec.scope,
            versions: crd.spec.versions.filter((v: any) => v.served).map((v: any) => v.name),
            validate: ajv.compile(closeObjects(version.schema.openAPIV3Schema)),
        });
    }
    return crds;
}
