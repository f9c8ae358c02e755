package io.paligemma.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The Q8_0 weight format and its arithmetic, written once for both backends (the C kernels of
 * native/src/gemm_q8.c implement the same formulas; their header states them too).
 *
 * <p>A matrix w [n, k] is stored as int8 values q [n, k] in [-127, 127] and IEEE-half scales s [n, kb],
 * kb = ceil(k / 32): w[j, p] = s[j, p / 32] · q[j, p]. A scale is amax / 127 of its block rounded to
 * half, and the values are rint(w / scale) (round half to even) clamped to ±127, so the largest
 * element of a block maps to ±127 (±126/127 when the half rounded up). Dequantized weights are exact
 * in float32: a half times an int8 needs 11 + 7 bits.
 *
 * <p>Activations are quantized per block at run time, in every product (prefill and decode): xs = amax / 127
 * in float32 and xq = rint(x · (127 / amax)) with 127 / amax one float32 division; both backends compute
 * these bit-identically. The product is then y[i, j] = Σ_b (s[j, b] · xs[i, b]) · Σ_{p in b} q[j, p] · xq[i, p]:
 * the native kernels sum each block exactly in integer units, the Java backend either the same way (few
 * rows) or, from {@link #FLOAT_MIN_ROWS} rows, as the float32 product of the dequantized activations
 * xs · xq and weights s · q, which is the same sum regrouped. The backends differ only in float32 rounding.
 */
public final class Q8 {
    /** Elements per block along k. */
    public static final int BLOCK = 32;
    /**
     * From this many rows of activations the Java backend computes a Q8_0 product as a float32 GEMM of the
     * dequantized activations (xs · xq) against dequantized weight panels (prefill: compute-bound, where
     * the tiled float kernel beats per-block integer sums in Java); below it, as integer block sums
     * (decode: memory-bound). Both are the integer product of the contract up to float32 rounding.
     */
    public static final int FLOAT_MIN_ROWS = 32;

    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED;

    private Q8() {
    }

    /** Blocks of a row of k elements: ceil(k / 32). */
    public static long blocks(long k) {
        return (k + BLOCK - 1) / BLOCK;
    }

    /** Blocks of a row of k elements, as an int (k fits an int in every model). */
    public static int blocks(int k) {
        return (k + BLOCK - 1) / BLOCK;
    }

    /**
     * Quantizes one row: w [k] floats at {@code w} → q [k] at byte {@code qOff} of {@code q}, scales
     * [blocks(k)] (IEEE halves) at byte {@code sOff} of {@code s}. A block of zeros gets scale 0; a block
     * holding an infinity or a NaN is an error (a weight the format cannot represent).
     */
    public static void quantizeRow(float[] w, int k, MemorySegment q, long qOff, MemorySegment s, long sOff) {
        for (int b = 0; b * BLOCK < k; b++) {
            int p0 = b * BLOCK;
            int p1 = Math.min(k, p0 + BLOCK);
            float amax = 0;
            for (int p = p0; p < p1; p++) {
                if (!Float.isFinite(w[p])) {
                    throw new IllegalArgumentException("cannot quantize a non-finite weight (" + w[p] + ") to int8");
                }
                amax = Math.max(amax, Math.abs(w[p]));
            }
            short half = Float.floatToFloat16(amax / 127f);
            float scale = Float.float16ToFloat(half);
            if (Float.isInfinite(scale)) {
                throw new IllegalArgumentException("cannot quantize a weight of magnitude " + amax
                        + " to int8: its block scale exceeds the largest half (65504)");
            }
            s.set(HALF, sOff + 2L * b, half);
            for (int p = p0; p < p1; p++) {
                float v = scale == 0 ? 0 : (float) Math.rint(w[p] / scale);
                q.set(ValueLayout.JAVA_BYTE, qOff + p, (byte) Math.max(-127, Math.min(127, v)));
            }
        }
    }

    /** w[row, col] of the Q8_0 matrix with values q [*, k] and scales s [*, blocks(k)]: scale · q, exact in float32. */
    public static float value(MemorySegment q, MemorySegment s, long k, long row, long col) {
        float scale = Float.float16ToFloat(s.get(HALF, 2 * (row * blocks(k) + col / BLOCK)));
        return scale * q.get(ValueLayout.JAVA_BYTE, row * k + col);
    }

    /** out[0, k) = row {@code row} of the Q8_0 matrix t, dequantized (exact). */
    public static void dequantizeRow(Tensor t, long row, float[] out) {
        int k = (int) t.dim(1);
        for (int p = 0; p < k; p++) {
            out[p] = value(t.data(), t.scales(), k, row, p);
        }
    }

    /**
     * out[i · ldo + p] = xs[i, p / 32] · xq[i, p] for i &lt; m, p &lt; k: quantized activations (from
     * {@link #quantizeActivations}) back as floats, one float32 product each.
     */
    public static void dequantizeActivations(MemorySegment xq, MemorySegment xs, int m, int k, MemorySegment out,
                                             long ldo) {
        int kb = blocks(k);
        long ldq = (long) kb * BLOCK;
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                float scale = xs.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, (long) i * kb + p / BLOCK);
                out.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i * ldo + p,
                        scale * xq.get(ValueLayout.JAVA_BYTE, i * ldq + p));
            }
        }
    }

    /**
     * Activation quantization of x [m, ldx] (k used) for the integer products: xq [m, blocks(k)·32]
     * int8 (zeros past k), xs [m, blocks(k)] float32. The formula of pg_quantize_q8: amax over the block,
     * xs = amax / 127, id = 127 / amax (0 when amax = 0), xq = rint(x · id) clamped to ±127. A non-finite
     * x makes its block's xs NaN (so the result is NaN, as a float product would be) and its xq 0.
     */
    public static void quantizeActivations(MemorySegment x, long ldx, int m, int k, MemorySegment xq, MemorySegment xs) {
        int kb = blocks(k);
        long ldq = (long) kb * BLOCK;
        for (int i = 0; i < m; i++) {
            for (int b = 0; b < kb; b++) {
                int p0 = b * BLOCK;
                int p1 = Math.min(k, p0 + BLOCK);
                float amax = 0;
                boolean finite = true;
                for (int p = p0; p < p1; p++) {
                    float v = x.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i * ldx + p);
                    finite &= Float.isFinite(v);
                    amax = Math.max(amax, Math.abs(v));
                }
                float id = amax > 0 ? 127f / amax : 0f;
                xs.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, (long) i * kb + b, finite ? amax / 127f : Float.NaN);
                for (int p = p0; p < p0 + BLOCK; p++) {
                    byte q = 0;
                    if (p < p1 && finite) {
                        float v = x.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i * ldx + p);
                        q = (byte) Math.max(-127, Math.min(127, Math.rint(v * id)));
                    }
                    xq.set(ValueLayout.JAVA_BYTE, i * ldq + p, q);
                }
            }
        }
    }
}
