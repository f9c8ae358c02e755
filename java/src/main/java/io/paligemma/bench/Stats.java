package io.paligemma.bench;

import java.util.Arrays;

/** Median, minimum and maximum of repeated wall-clock timings, in seconds. */
public record Stats(double medianS, double minS, double maxS, int samples) {

    /** From nanosecond samples (at least one). */
    public static Stats ofNanos(long... nanos) {
        if (nanos.length == 0) {
            throw new IllegalArgumentException("no timing samples");
        }
        long[] s = nanos.clone();
        Arrays.sort(s);
        int n = s.length;
        double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + (double) s[n / 2]) / 2;
        return new Stats(median / 1e9, s[0] / 1e9, s[n - 1] / 1e9, n);
    }
}
