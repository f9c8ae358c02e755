package io.paligemma.cli;

/** Range checks of numeric options, with the option's own name in the message (exit code 2). */
final class Ranges {
    private Ranges() {
    }

    static long atLeast(String option, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(option + " must be >= " + min + ", got " + value);
        }
        return value;
    }
}
