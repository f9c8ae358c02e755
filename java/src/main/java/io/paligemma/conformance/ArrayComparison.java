package io.paligemma.conformance;

import io.paligemma.detect.Box;
import java.util.Locale;

/** The comparisons the segmentation fixtures prescribe, each returning a {@link CheckResult} with the measured error. */
public final class ArrayComparison {

    private ArrayComparison() {
    }

    public static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs((double) v));
        }
        return m;
    }

    /** max |actual - expected|; infinite when the lengths differ or a value is NaN. */
    public static double maxAbsError(float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            return Double.POSITIVE_INFINITY;
        }
        double m = 0;
        for (int i = 0; i < actual.length; i++) {
            double d = Math.abs((double) actual[i] - expected[i]);
            if (Double.isNaN(d)) {
                return Double.POSITIVE_INFINITY;
            }
            m = Math.max(m, d);
        }
        return m;
    }

    /** Passes when max abs error ≤ {@code rel × scale}; {@code scale} is max|reference| as the tolerance defines it. */
    public static CheckResult within(String name, float[] actual, float[] expected, double rel, double scale, String scaleName) {
        double err = maxAbsError(actual, expected);
        double bound = rel * scale;
        String detail = actual.length != expected.length
                ? actual.length + " values, expected " + expected.length
                : String.format(Locale.ROOT, "max abs err %.3e %s bound %.3e (%.0e x %s %.6g)", err,
                        err <= bound ? "<=" : ">", bound, rel, scaleName, scale);
        return new CheckResult(name, err <= bound, detail);
    }

    /** Exact equality of two float arrays, bit for bit. */
    public static CheckResult identical(String name, float[] a, float[] b) {
        if (a.length != b.length) {
            return new CheckResult(name, false, a.length + " values vs " + b.length);
        }
        int differing = 0;
        for (int i = 0; i < a.length; i++) {
            differing += Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i]) ? 1 : 0;
        }
        return new CheckResult(name, differing == 0, String.format(Locale.ROOT,
                "%d of %d values differ, max abs diff %.3e", differing, a.length, maxAbsError(a, b)));
    }

    /**
     * Mask equality over a whole H×W image, except at box pixels whose expected box logit is within
     * {@code eps} of 0 (where float rounding may flip the threshold). {@code expectedBoxLogits} is
     * [box.height, box.width], or empty when the box is empty.
     */
    public static CheckResult maskMatches(String name, byte[] actual, byte[] expected, float[] expectedBoxLogits,
                                          Box box, int width, double eps) {
        if (actual.length != expected.length) {
            return new CheckResult(name, false, actual.length + " mask pixels, expected " + expected.length);
        }
        int excused = 0;
        int wrong = 0;
        int firstWrong = -1;
        for (int p = 0; p < actual.length; p++) {
            if ((actual[p] != 0) == (expected[p] != 0)) {
                continue;
            }
            int y = p / width - box.y0();
            int x = p % width - box.x0();
            boolean inBox = !box.isEmpty() && y >= 0 && y < box.height() && x >= 0 && x < box.width();
            if (inBox && expectedBoxLogits.length == box.height() * box.width()
                    && Math.abs(expectedBoxLogits[y * box.width() + x]) <= eps) {
                excused++;
            } else {
                wrong++;
                firstWrong = firstWrong < 0 ? p : firstWrong;
            }
        }
        int ones = 0;
        for (byte v : actual) {
            ones += v != 0 ? 1 : 0;
        }
        String detail = String.format(Locale.ROOT, "%d pixels differ (%d excused: |expected box logit| <= %.0e), %d ones",
                wrong + excused, excused, eps, ones)
                + (wrong > 0 ? ", first wrong at y=" + firstWrong / width + " x=" + firstWrong % width : "");
        return new CheckResult(name, wrong == 0, detail);
    }
}
