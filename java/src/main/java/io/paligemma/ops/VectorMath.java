package io.paligemma.ops;

import static io.paligemma.ops.VectorGemm.F;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * exp and tanh for the Java kernels, written with IEEE-exact lane operations only (fma, mul, add, div,
 * min, max, integer bit building), each with a scalar twin that computes the same bits: the Java twin of
 * native/src/pg_vmath.h (Cody-Waite reduction x = n ln2 + r, |r| ≤ ln2/2, a degree-8 Taylor polynomial for
 * e^r − 1; ~2 ulp).
 *
 * <p>Why not {@code lanewise(VectorOperators.EXP / TANH)}: the Vector API computes those with one
 * implementation before C2 compiles a kernel and another after (Intel's SVML), and so did
 * {@code reduceLanes(ADD)}: the same request gave other bits after warm-up, so no answer could be compared
 * bit for bit with the same request run earlier (a cached image feature, a request run alone).
 */
final class VectorMath {
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;       // 9 significant bits: n · LN2_HI is exact
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float ROUND = 12582912f;            // 1.5 · 2^23: (t + ROUND) − ROUND rounds t to an integer

    private VectorMath() {
    }

    /** e^x per lane. Overflows to +inf above ~88.72, underflows to 0; NaN stays NaN. */
    static FloatVector exp(FloatVector x) {
        x = x.max(-104f).min(89f);
        FloatVector n = x.mul(LOG2E).add(ROUND).sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_HI), x);
        r = n.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector e = expm1Reduced(r).add(1f);
        return scale2(e, n);
    }

    /** e^x, the same bits as one lane of {@link #exp(FloatVector)}. */
    static float exp(float x) {
        x = Math.min(Math.max(x, -104f), 89f);
        float n = (x * LOG2E + ROUND) - ROUND;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float e = expm1Reduced(r) + 1f;
        return scale2(e, n);
    }

    /** tanh(x) = sign(x) · e / (e + 2), e = e^(2|x|) − 1; |x| ≥ 10 rounds to ±1 in float anyway. */
    static FloatVector tanh(FloatVector x) {
        FloatVector a = x.abs().min(10f);
        FloatVector y = a.add(a);
        FloatVector n = y.mul(LOG2E).add(ROUND).sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_HI), y);
        r = n.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector t = pow2(n);                                          // n ≤ 29: a normal number
        FloatVector e = t.fma(expm1Reduced(r), t.sub(1f));               // 2^n (e^r − 1) + (2^n − 1)
        FloatVector m = e.div(e.add(2f));
        IntVector sign = x.reinterpretAsInts().lanewise(VectorOperators.AND, 0x80000000);
        return m.reinterpretAsInts().lanewise(VectorOperators.OR, sign).reinterpretAsFloats();   // x's sign
    }

    /** tanh(x), the same bits as one lane of {@link #tanh(FloatVector)}. */
    static float tanh(float x) {
        float a = Math.min(Math.abs(x), 10f);
        float y = a + a;
        float n = (y * LOG2E + ROUND) - ROUND;
        float r = Math.fma(n, -LN2_HI, y);
        r = Math.fma(n, -LN2_LO, r);
        float t = Float.intBitsToFloat(((int) n + 127) << 23);
        float e = Math.fma(t, expm1Reduced(r), t - 1f);
        float m = e / (e + 2f);
        return Float.intBitsToFloat(Float.floatToRawIntBits(m) | (Float.floatToRawIntBits(x) & 0x80000000));
    }

    /** e^r − 1 for |r| ≤ ln2/2: Horner's rule, one fma per step. */
    private static FloatVector expm1Reduced(FloatVector r) {
        FloatVector p = FloatVector.broadcast(F, 1f / 40320f);
        p = p.fma(r, FloatVector.broadcast(F, 1f / 5040f));
        p = p.fma(r, FloatVector.broadcast(F, 1f / 720f));
        p = p.fma(r, FloatVector.broadcast(F, 1f / 120f));
        p = p.fma(r, FloatVector.broadcast(F, 1f / 24f));
        p = p.fma(r, FloatVector.broadcast(F, 1f / 6f));
        p = p.fma(r, FloatVector.broadcast(F, 0.5f));
        p = p.fma(r, FloatVector.broadcast(F, 1f));
        return p.mul(r);
    }

    private static float expm1Reduced(float r) {
        float p = 1f / 40320f;
        p = Math.fma(p, r, 1f / 5040f);
        p = Math.fma(p, r, 1f / 720f);
        p = Math.fma(p, r, 1f / 120f);
        p = Math.fma(p, r, 1f / 24f);
        p = Math.fma(p, r, 1f / 6f);
        p = Math.fma(p, r, 0.5f);
        p = Math.fma(p, r, 1f);
        return p * r;
    }

    /** 2^n for integral n in [-126, 127], built from its bits. */
    private static FloatVector pow2(FloatVector n) {
        IntVector bits = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        return bits.reinterpretAsFloats();
    }

    /** e · 2^n for integral n in [-151, 129]: two factors, each a normal power of two. */
    private static FloatVector scale2(FloatVector e, FloatVector n) {
        IntVector ni = (IntVector) n.convert(VectorOperators.F2I, 0);
        IntVector half = ni.lanewise(VectorOperators.ASHR, 1);
        FloatVector a = half.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector b = ni.sub(half).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return e.mul(a).mul(b);
    }

    private static float scale2(float e, float n) {
        int ni = (int) n;
        int half = ni >> 1;
        return e * Float.intBitsToFloat((half + 127) << 23) * Float.intBitsToFloat((ni - half + 127) << 23);
    }
}
