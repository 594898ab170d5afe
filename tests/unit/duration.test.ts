import { strict as assert } from "assert";
import { formatPromDuration, parsePromDuration } from "../../components/kernel/duration";

describe("Prometheus durations", () => {
    it("parses valid durations to milliseconds", () => {
        assert.equal(parsePromDuration("15d"), 15 * 86_400_000);
        assert.equal(parsePromDuration("1h30m"), 5_400_000);
        assert.equal(parsePromDuration("500ms"), 500);
        assert.equal(parsePromDuration("0s"), 0);
        assert.equal(parsePromDuration("0"), 0);
        assert.equal(parsePromDuration("1w2d"), 9 * 86_400_000);
    });
    it("rejects what Prometheus rejects", () => {
        for (const bad of ["", "2 days", "15", "1m1h", "1.5h", "-1s", "10 s", "1H"]) assert.equal(parsePromDuration(bad), undefined, bad);
    });
    it("formats back to the shortest form", () => {
        assert.equal(formatPromDuration(90_000), "1m30s");
        assert.equal(formatPromDuration(10_000), "10s");
        assert.equal(formatPromDuration(0), "0s");
        // model.Duration.String(): days and weeks only when exact, as Prometheus sends fetch-timeout.
        assert.equal(formatPromDuration(86_400_000), "1d");
        assert.equal(formatPromDuration(90_000_000), "25h");
        assert.equal(formatPromDuration(14 * 86_400_000), "2w");
    });
});
