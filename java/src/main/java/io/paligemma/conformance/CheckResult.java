package io.paligemma.conformance;

/** One conformance check: a name like {@code paligemma-tiny/logits_prefill}, the verdict and the measured error. */
public record CheckResult(String name, boolean passed, String detail) {

    public static CheckResult failed(String name, String detail) {
        return new CheckResult(name, false, detail);
    }

    @Override
    public String toString() {
        return (passed ? "PASS " : "FAIL ") + name + (detail.isEmpty() ? "" : "  " + detail);
    }
}
