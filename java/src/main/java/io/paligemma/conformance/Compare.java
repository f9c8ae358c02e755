package io.paligemma.conformance;

import io.paligemma.tensor.DType;
import io.paligemma.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Locale;

/** Reading expected tensors and comparing with the tolerances of the fixtures README. */
final class Compare {
    /** max|a − e| ≤ REL · max(1, max|e|) per tensor (≈ 15× the float32 noise observed in the reference). */
    static final double REL = 1e-4;

    private Compare() {
    }

    static float[] floats(Tensor t) {
        if (t.dtype() != DType.F32) {
            throw new IllegalArgumentException("expected tensor " + t + " is not F32");
        }
        float[] out = new float[Math.toIntExact(t.elementCount())];
        MemorySegment.copy(t.data(), ValueLayout.JAVA_FLOAT_UNALIGNED, 0, out, 0, out.length);
        return out;
    }

    static long[] longs(Tensor t) {
        long[] out = new long[Math.toIntExact(t.elementCount())];
        switch (t.dtype()) {
            case I64 -> MemorySegment.copy(t.data(), ValueLayout.JAVA_LONG_UNALIGNED, 0, out, 0, out.length);
            case I32 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = t.data().getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i);
                }
            }
            default -> throw new IllegalArgumentException("expected tensor " + t + " is not an integer tensor");
        }
        return out;
    }

    static int[] ints(Tensor t) {
        return Arrays.stream(longs(t)).mapToInt(Math::toIntExact).toArray();
    }

    static float[] read(MemorySegment seg, long offsetFloats, int count) {
        float[] out = new float[count];
        MemorySegment.copy(seg, ValueLayout.JAVA_FLOAT_UNALIGNED, offsetFloats * Float.BYTES, out, 0, count);
        return out;
    }

    /** The float check of the README: max abs error against REL · max(1, max|expected|). */
    static CheckResult close(String name, float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            return CheckResult.failed(name, "size " + actual.length + " != expected " + expected.length);
        }
        double maxAbs = 0;
        double err = 0;
        int worst = -1;
        for (int i = 0; i < expected.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
            double d = Math.abs((double) actual[i] - expected[i]);
            if (!(d <= err)) { // NaN counts as the worst error
                err = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
                worst = i;
            }
        }
        double tol = REL * Math.max(1, maxAbs);
        boolean ok = err <= tol;
        return new CheckResult(name, ok, String.format(Locale.ROOT, "max_abs_err=%.3g tol=%.3g (max|e|=%.3g%s)", err, tol,
                maxAbs, ok || worst < 0 ? "" : ", worst at " + worst + ": " + actual[worst] + " vs " + expected[worst]));
    }

    static CheckResult exact(String name, long[] actual, long[] expected) {
        if (Arrays.equals(actual, expected)) {
            return new CheckResult(name, true, "exact (" + expected.length + " values)");
        }
        int i = Arrays.mismatch(actual, expected);
        return CheckResult.failed(name, "differs at " + i + ": got " + Arrays.toString(actual) + " expected "
                + Arrays.toString(expected));
    }

    static int argmax(float[] v, int from, int count) {
        int best = from;
        for (int i = from + 1; i < from + count; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best - from;
    }
}
