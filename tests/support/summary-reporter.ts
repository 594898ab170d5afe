import * as Mocha from "mocha";

/**
 * Mocha's spec output plus one closing line in the plain `N passed, N failed` form that CI reads
 * (mocha's own "N passing" summary is not one of the forms it recognises).
 */
class SummaryReporter extends Mocha.reporters.Spec {
    constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
        super(runner, options);
        runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
            const s = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
            // After Spec's epilogue, which is also written on EVENT_RUN_END.
            process.stdout.write(`\n${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`);
        });
    }
}

export = SummaryReporter;
