/**
 * Loads a policy pack's index.ts with `@pulumi/policy`'s gRPC server replaced by a recorder, and
 * prints what `new PolicyPack(...)` handed to it as one JSON line. Run as a child process (a pack
 * may be constructed once per process) with the pack directory as cwd (PolicyPack reads its
 * package.json from there): node -r ts-node/register/transpile-only policy-pack-probe.ts <index.ts>
 */
// eslint-disable-next-line @typescript-eslint/no-var-requires
const server = require("@pulumi/policy/server") as { serve: (...args: unknown[]) => void };
server.serve = (name: unknown, version: unknown, enforcementLevel: unknown, args: any) => {
    const policies = (args.policies ?? []).map((p: any) => ({
        name: p.name,
        description: p.description,
        enforcementLevel: p.enforcementLevel,
        kind: typeof p.validateResource === "function" ? "resource" : typeof p.validateStack === "function" ? "stack" : "other",
    }));
    process.stdout.write(`${JSON.stringify({ name, version, enforcementLevel, policies })}\n`);
};
require(require("path").resolve(process.argv[2]));
