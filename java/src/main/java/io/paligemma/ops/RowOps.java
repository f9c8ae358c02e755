package io.paligemma.ops;

import static io.paligemma.ops.VectorGemm.F;
import static io.paligemma.ops.VectorGemm.FLOAT;
import static io.paligemma.ops.VectorGemm.L;
import static io.paligemma.ops.VectorGemm.LE;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Kernels over one row (byte offset of its first element): attention softmax, normalisations, RoPE.
 * All in float32 like torch's; sums in 16 float lanes then across lanes in a fixed order (torch's
 * vectorized sums are float too). Vector main loops, scalar tails with the same formula; exp and tanh
 * from {@link VectorMath}, so a result does not depend on whether C2 has compiled the kernel yet.
 */
final class RowOps {

    private RowOps() {
    }

    /**
     * HF eager attention, in place on x[off .. off + cols): s = x·scale; s = tanh(s / softcap)·softcap
     * when softcap &gt; 0 (Gemma 2); keys outside [lo, hi) get probability 0 (the additive -inf mask);
     * softmax(s, dim=-1, dtype=float32) = exp(s - max) / Σ exp(s - max). No allowed key: all 0.
     */
    static void softmax(MemorySegment x, long off, int cols, float scale, float softcap, int lo, int hi) {
        lo = Math.max(lo, 0);
        hi = Math.min(hi, cols);
        if (hi <= lo) {
            x.asSlice(off, (long) cols * 4).fill((byte) 0);
            return;
        }
        x.asSlice(off, (long) lo * 4).fill((byte) 0);
        x.asSlice(off + (long) hi * 4, (long) (cols - hi) * 4).fill((byte) 0);
        long full = lo + (long) (hi - lo) / L * L;
        boolean capped = softcap > 0;

        FloatVector vmax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        float max = Float.NEGATIVE_INFINITY;
        long j = lo;
        for (; j < full; j += L) {
            FloatVector s = FloatVector.fromMemorySegment(F, x, off + j * 4, LE).mul(scale);
            if (capped) {
                s = VectorMath.tanh(s.div(softcap)).mul(softcap);
            }
            s.intoMemorySegment(x, off + j * 4, LE);
            vmax = vmax.max(s);
        }
        for (; j < hi; j++) {
            float s = x.get(FLOAT, off + j * 4) * scale;
            if (capped) {
                s = VectorMath.tanh(s / softcap) * softcap;
            }
            x.set(FLOAT, off + j * 4, s);
            max = Math.max(max, s);
        }
        max = Math.max(max, vmax.reduceLanes(VectorOperators.MAX));

        FloatVector vsum = FloatVector.zero(F);
        float sum = 0f;
        for (j = lo; j < full; j += L) {
            FloatVector e = VectorMath.exp(FloatVector.fromMemorySegment(F, x, off + j * 4, LE).sub(max));
            e.intoMemorySegment(x, off + j * 4, LE);
            vsum = vsum.add(e);
        }
        for (; j < hi; j++) {
            float e = VectorMath.exp(x.get(FLOAT, off + j * 4) - max);
            x.set(FLOAT, off + j * 4, e);
            sum += e;
        }
        sum += VectorGemm.sumLanesFixed(vsum);

        for (j = lo; j < full; j += L) {
            FloatVector.fromMemorySegment(F, x, off + j * 4, LE).div(sum).intoMemorySegment(x, off + j * 4, LE);
        }
        for (; j < hi; j++) {
            x.set(FLOAT, off + j * 4, x.get(FLOAT, off + j * 4) / sum);
        }
    }

    /** Σ x² over x[off .. off + dim), float lanes. */
    private static float sumOfSquares(MemorySegment x, long off, int dim) {
        int full = dim / L * L;
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i < full; i += L) {
            FloatVector v = FloatVector.fromMemorySegment(F, x, off + i * 4L, LE);
            acc = v.fma(v, acc);
        }
        float s = 0f;
        for (; i < dim; i++) {
            float v = x.get(FLOAT, off + i * 4L);
            s += v * v;
        }
        return s + VectorGemm.sumLanesFixed(acc);
    }

    /**
     * HF GemmaRMSNorm: x · rsqrt(mean(x²) + eps) · (1 + weight), all float32 (rsqrt as torch's CPU
     * kernel: 1 / sqrt). out may be x.
     */
    static void rmsNorm(MemorySegment out, long outOff, MemorySegment x, long xOff, MemorySegment w, int dim, float eps) {
        float r = 1f / (float) Math.sqrt(sumOfSquares(x, xOff, dim) / dim + eps);
        int full = dim / L * L;
        int i = 0;
        for (; i < full; i += L) {
            FloatVector one = FloatVector.fromMemorySegment(F, w, i * 4L, LE).add(1f);
            FloatVector.fromMemorySegment(F, x, xOff + i * 4L, LE).mul(r).mul(one).intoMemorySegment(out, outOff + i * 4L, LE);
        }
        for (; i < dim; i++) {
            out.set(FLOAT, outOff + i * 4L, x.get(FLOAT, xOff + i * 4L) * r * (1f + w.get(FLOAT, i * 4L)));
        }
    }

    /**
     * nn.LayerNorm: (x - mean) / sqrt(var + eps) · weight + bias, biased variance, two passes in
     * float32 (torch computes mean and variance with float accumulators too). out may be x.
     */
    static void layerNorm(MemorySegment out, long outOff, MemorySegment x, long xOff, MemorySegment w, MemorySegment b,
                          int dim, float eps) {
        int full = dim / L * L;
        FloatVector acc = FloatVector.zero(F);
        float s = 0f;
        int i = 0;
        for (; i < full; i += L) {
            acc = acc.add(FloatVector.fromMemorySegment(F, x, xOff + i * 4L, LE));
        }
        for (; i < dim; i++) {
            s += x.get(FLOAT, xOff + i * 4L);
        }
        float mean = (s + VectorGemm.sumLanesFixed(acc)) / dim;

        acc = FloatVector.zero(F);
        s = 0f;
        for (i = 0; i < full; i += L) {
            FloatVector d = FloatVector.fromMemorySegment(F, x, xOff + i * 4L, LE).sub(mean);
            acc = d.fma(d, acc);
        }
        for (; i < dim; i++) {
            float d = x.get(FLOAT, xOff + i * 4L) - mean;
            s += d * d;
        }
        float var = (s + VectorGemm.sumLanesFixed(acc)) / dim;
        float rstd = 1f / (float) Math.sqrt(var + eps);

        for (i = 0; i < full; i += L) {
            FloatVector.fromMemorySegment(F, x, xOff + i * 4L, LE).sub(mean).mul(rstd)
                    .mul(FloatVector.fromMemorySegment(F, w, i * 4L, LE))
                    .add(FloatVector.fromMemorySegment(F, b, i * 4L, LE))
                    .intoMemorySegment(out, outOff + i * 4L, LE);
        }
        for (; i < dim; i++) {
            float v = (x.get(FLOAT, xOff + i * 4L) - mean) * rstd;
            out.set(FLOAT, outOff + i * 4L, v * w.get(FLOAT, i * 4L) + b.get(FLOAT, i * 4L));
        }
    }

    /**
     * HF apply_rotary_pos_emb on one head at byte xOff (head_dim = 2·half), cos/sin rows at byte csOff
     * ([half] each, the table halves repeat): q·cos + rotate_half(q)·sin with rotate_half(q) = (-q2, q1),
     * i.e. (q1·c - q2·s, q2·c + q1·s); products then sum, as torch evaluates it.
     */
    static void rope(MemorySegment x, long xOff, int half, MemorySegment cos, MemorySegment sin, long csOff) {
        long h = (long) half * 4;
        int full = half / L * L;
        int i = 0;
        for (; i < full; i += L) {
            long o = i * 4L;
            FloatVector x1 = FloatVector.fromMemorySegment(F, x, xOff + o, LE);
            FloatVector x2 = FloatVector.fromMemorySegment(F, x, xOff + h + o, LE);
            FloatVector c = FloatVector.fromMemorySegment(F, cos, csOff + o, LE);
            FloatVector s = FloatVector.fromMemorySegment(F, sin, csOff + o, LE);
            x1.mul(c).add(x2.neg().mul(s)).intoMemorySegment(x, xOff + o, LE);
            x2.mul(c).add(x1.mul(s)).intoMemorySegment(x, xOff + h + o, LE);
        }
        for (; i < half; i++) {
            long o = i * 4L;
            float x1 = x.get(FLOAT, xOff + o);
            float x2 = x.get(FLOAT, xOff + h + o);
            float c = cos.get(FLOAT, csOff + o);
            float s = sin.get(FLOAT, csOff + o);
            x.set(FLOAT, xOff + o, x1 * c + -x2 * s);
            x.set(FLOAT, xOff + h + o, x2 * c + x1 * s);
        }
    }
}
