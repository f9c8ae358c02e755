package io.paligemma.detect;

/** One conformance check: its name, whether it passed, and the measured figures. */
public record CheckResult(String name, boolean passed, String detail) {

    @Override
    public String toString() {
        return (passed ? "PASS " : "FAIL ") + name + ": " + detail;
    }
}
