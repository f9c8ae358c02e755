package io.paligemma.ops;

import static io.paligemma.ops.VectorGemm.F;
import static io.paligemma.ops.VectorGemm.FLOAT;
import static io.paligemma.ops.VectorGemm.L;
import static io.paligemma.ops.VectorGemm.LE;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * Element-wise kernels over [start, end) (element indices, the same for every operand). Vector main
 * loop, scalar tail with the same formula (tanh from {@link VectorMath}: the same bits in both). Outputs may alias inputs: each element is read before it
 * is written.
 */
final class Elementwise {

    /** sqrt(2 / pi), as torch's GeluKernel computes it: M_SQRT2 * M_2_SQRTPI * 0.5. */
    static final float GELU_BETA = (float) (Math.sqrt(2.0) * (2.0 / Math.sqrt(Math.PI)) * 0.5);
    static final float GELU_KAPPA = 0.044715f;

    private Elementwise() {
    }

    /**
     * gelu_pytorch_tanh (torch's vectorized GeluKernel, approximate="tanh"):
     * 0.5 · x · (1 + tanh(sqrt(2/pi) · (x + 0.044715 · x³))); out = gelu(x) · up when up is not null (GeGLU:
     * HF GemmaMLP down_proj(act_fn(gate_proj(x)) * up_proj(x))).
     */
    static void gelu(MemorySegment out, MemorySegment x, MemorySegment up, long start, long end) {
        long full = start + (end - start) / L * L;
        long i = start;
        for (; i < full; i += L) {
            FloatVector v = FloatVector.fromMemorySegment(F, x, i * 4, LE);
            FloatVector cube = v.mul(v).mul(v);
            FloatVector inner = cube.mul(GELU_KAPPA).add(v).mul(GELU_BETA);
            FloatVector g = v.mul(0.5f).mul(VectorMath.tanh(inner).add(1f));
            if (up != null) {
                g = g.mul(FloatVector.fromMemorySegment(F, up, i * 4, LE));
            }
            g.intoMemorySegment(out, i * 4, LE);
        }
        for (; i < end; i++) {
            float g = geluScalar(x.get(FLOAT, i * 4));
            out.set(FLOAT, i * 4, up == null ? g : g * up.get(FLOAT, i * 4));
        }
    }

    static float geluScalar(float v) {
        float inner = (GELU_KAPPA * (v * v * v) + v) * GELU_BETA;
        return v * 0.5f * (VectorMath.tanh(inner) + 1f);
    }

    /** x = tanh(x / cap) · cap (HF Gemma 2 soft-capping: divide, tanh, multiply). */
    static void softcap(MemorySegment x, float cap, long start, long end) {
        long full = start + (end - start) / L * L;
        long i = start;
        for (; i < full; i += L) {
            VectorMath.tanh(FloatVector.fromMemorySegment(F, x, i * 4, LE).div(cap)).mul(cap).intoMemorySegment(x, i * 4, LE);
        }
        for (; i < end; i++) {
            x.set(FLOAT, i * 4, VectorMath.tanh(x.get(FLOAT, i * 4) / cap) * cap);
        }
    }

    /** out = a + b at byte offsets outOff, aOff, bOff, for elements [start, end) of each. */
    static void add(MemorySegment out, long outOff, MemorySegment a, long aOff, MemorySegment b, long bOff,
                    long start, long end) {
        long full = start + (end - start) / L * L;
        long i = start;
        for (; i < full; i += L) {
            FloatVector.fromMemorySegment(F, a, aOff + i * 4, LE).add(FloatVector.fromMemorySegment(F, b, bOff + i * 4, LE))
                    .intoMemorySegment(out, outOff + i * 4, LE);
        }
        for (; i < end; i++) {
            out.set(FLOAT, outOff + i * 4, a.get(FLOAT, aOff + i * 4) + b.get(FLOAT, bOff + i * 4));
        }
    }

    /** x ·= s. */
    static void scale(MemorySegment x, float s, long start, long end) {
        long full = start + (end - start) / L * L;
        long i = start;
        for (; i < full; i += L) {
            FloatVector.fromMemorySegment(F, x, i * 4, LE).mul(s).intoMemorySegment(x, i * 4, LE);
        }
        for (; i < end; i++) {
            x.set(FLOAT, i * 4, x.get(FLOAT, i * 4) * s);
        }
    }
}
