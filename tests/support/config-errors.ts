import { strict as assert } from "assert";

/** Asserts `fn` throws an Error naming the setting, saying what is wrong, and what is allowed. */
export function assertRejects(fn: () => unknown, setting: string, problem: RegExp): void {
    assert.throws(fn, (e: unknown) => {
        assert.ok(e instanceof Error, `not an Error: ${String(e)}`);
        assert.ok(e.message.includes(`${setting} `), `setting ${setting} not named: ${e.message}`);
        assert.match(e.message, problem);
        assert.match(e.message, /; allowed: .+/, `no allowed values: ${e.message}`);
        return true;
    });
}
