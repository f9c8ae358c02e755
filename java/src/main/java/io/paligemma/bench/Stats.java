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
        return new Stats(median(Arrays.stream(s).asDoubleStream().toArray()) / 1e9, s[0] / 1e9, s[n - 1] / 1e9, n);
    }

    /** The median of the values that are not NaN (the mean of the middle two for an even count); NaN if none. */
    public static double median(double... values) {
        double[] s = Arrays.stream(values).filter(v -> !Double.isNaN(v)).sorted().toArray();
        int n = s.length;
        if (n == 0) {
            return Double.NaN;
        }
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
