package io.paligemma.ops;

import io.paligemma.tensor.FloatMatrix;
import io.paligemma.tensor.IntColumn;
import io.paligemma.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Every numerical operation the model graph needs. Two implementations: {@code JavaOps} (Vector API,
 * the readable specification) and {@code NativeOps} (OpenBLAS + the C kernels of native/). One is
 * chosen at start-up by {@link OpsProvider} and handed to every module through its constructor.
 *
 * <p>Activations are float32 segments, row-major; "ld" arguments are row strides in floats. Every
 * method checks that each segment is large enough before touching it, so a wrong size is an
 * exception, never a native out-of-bounds write. Implementations are safe to call from several
 * threads at once on disjoint outputs; each call uses up to {@link #threads()} threads itself.
 */
public interface Ops {

    /** "native" or "java". */
    String name();

    /** Compute threads this instance uses inside one call. */
    int threads();

    /** y[m, n] = x[m, k] · wᵀ (+ bias[n]) with w [n, k] in F32, BF16 or F16 (a checkpoint view); bias f32 or null. */
    void linear(MemorySegment x, int m, int k, Tensor w, MemorySegment bias, MemorySegment y);

    /** c[m, n] = alpha · a[m, k] · b[n, k]ᵀ (f32, strided): attention scores q·kᵀ. */
    void matmulTransB(MemorySegment a, int lda, MemorySegment b, int ldb, MemorySegment c, int ldc,
                      int m, int n, int k, float alpha);

    /** c[m, n] = a[m, k] · b[k, n] (f32, strided): attention output p·v. */
    void matmul(MemorySegment a, int lda, MemorySegment b, int ldb, MemorySegment c, int ldc, int m, int n, int k);

    /**
     * Row softmax in place over x [rows, ld] (cols used): s = x·scale, then tanh(s/softcap)·softcap when
     * softcap &gt; 0, keys outside [keyLo[r], keyHi[r]) masked (int32 segments of length rows).
     */
    void softmaxRows(MemorySegment x, int rows, int cols, int ld, float scale, float softcap,
                     MemorySegment keyLo, MemorySegment keyHi);

    /** Rotate-half RoPE in place on x [tokens, tokenStride] (heads × headDim used); cos, sin [tokens, headDim/2]. */
    void ropeRotateHalf(MemorySegment x, int tokens, int heads, int headDim, int tokenStride,
                        MemorySegment cos, MemorySegment sin);

    /** Gemma RMSNorm: out = x · rsqrt(mean(x²) + eps) · (1 + weight), rows × dim. */
    void rmsNorm(MemorySegment out, MemorySegment x, MemorySegment weight, int rows, int dim, float eps);

    /** LayerNorm with bias, rows × dim. */
    void layerNorm(MemorySegment out, MemorySegment x, MemorySegment weight, MemorySegment bias,
                   int rows, int dim, float eps);

    /** out = gelu_tanh(x); out may be x. */
    void geluTanh(MemorySegment out, MemorySegment x, long n);

    /** out = gelu_tanh(gate) · up; out may be gate or up. */
    void geglu(MemorySegment out, MemorySegment gate, MemorySegment up, long n);

    /** x = tanh(x / cap) · cap. */
    void softcap(MemorySegment x, long n, float cap);

    /** out = a + b; out may be a or b. */
    void add(MemorySegment out, MemorySegment a, MemorySegment b, long n);

    /** x ·= s. */
    void scale(MemorySegment x, long n, float s);

    /** out[0..n) = float32 of the first n elements of src (F32, BF16 or F16), starting at element {@code offset}. */
    void toF32(MemorySegment out, Tensor src, long offset, long n);

    /**
     * The most rows for which {@link #linear} computes every row with the arithmetic of that row alone (the
     * decode kernels; from the packed prefill kernels on, a row's sums are grouped differently). A batched
     * decode step runs at most this many sequences per forward, so that each answer is bit for bit the
     * answer of its request run alone.
     */
    int maxDecodeRows();

    // ---- the same ops on typed views, for model code: shapes and strides come from the views

    /** c [m, n] = alpha · a [m, k] · b [n, k]ᵀ. */
    default void matmulTransB(FloatMatrix a, FloatMatrix b, FloatMatrix c, float alpha) {
        if (a.columns() != b.columns() || c.rows() != a.rows() || c.columns() != b.rows()) {
            throw new IllegalArgumentException("matmulTransB: " + a.rows() + "x" + a.columns() + " · (" + b.rows() + "x"
                    + b.columns() + ")T -> " + c.rows() + "x" + c.columns());
        }
        matmulTransB(a.data(), a.stride(), b.data(), b.stride(), c.data(), c.stride(), a.rows(), b.rows(), a.columns(), alpha);
    }

    /** c [m, n] = a [m, k] · b [k, n]. */
    default void matmul(FloatMatrix a, FloatMatrix b, FloatMatrix c) {
        if (a.columns() != b.rows() || c.rows() != a.rows() || c.columns() != b.columns()) {
            throw new IllegalArgumentException("matmul: " + a.rows() + "x" + a.columns() + " · " + b.rows() + "x" + b.columns()
                    + " -> " + c.rows() + "x" + c.columns());
        }
        matmul(a.data(), a.stride(), b.data(), b.stride(), c.data(), c.stride(), a.rows(), b.columns(), a.columns());
    }

    /** {@link #softmaxRows(MemorySegment, int, int, int, float, float, MemorySegment, MemorySegment)} over every row of x. */
    default void softmaxRows(FloatMatrix x, float scale, float softcap, IntColumn keyLo, IntColumn keyHi) {
        if (keyLo.length() != x.rows() || keyHi.length() != x.rows()) {
            throw new IllegalArgumentException("softmaxRows: " + x.rows() + " rows, key ranges for " + keyLo.length() + " and "
                    + keyHi.length());
        }
        softmaxRows(x.data(), x.rows(), x.columns(), x.stride(), scale, softcap, keyLo.data(), keyHi.data());
    }

    /** Rotate-half RoPE in place on the heads × headDim columns of each row of x; cos, sin [rows, headDim/2]. */
    default void ropeRotateHalf(FloatMatrix x, int heads, int headDim, FloatMatrix cos, FloatMatrix sin) {
        if ((long) heads * headDim != x.columns() || cos.rows() < x.rows() || sin.rows() < x.rows()
                || cos.columns() != headDim / 2 || sin.columns() != headDim / 2 || !cos.contiguous() || !sin.contiguous()) {
            throw new IllegalArgumentException("ropeRotateHalf: " + x.rows() + "x" + x.columns() + " as " + heads + " heads of "
                    + headDim + ", tables " + cos.rows() + "x" + cos.columns());
        }
        ropeRotateHalf(x.data(), x.rows(), heads, headDim, x.stride(), cos.data(), sin.data());
    }

    /** out [rows, dim] = RMSNorm(x [rows, dim]) with weight [dim] (contiguous views). */
    default void rmsNorm(FloatMatrix out, FloatMatrix x, MemorySegment weight, float eps) {
        Checks.sameShape("rmsNorm", out, x, x);
        rmsNorm(out.data(), x.data(), weight, x.rows(), x.columns(), eps);
    }

    /** out [rows, dim] = LayerNorm(x [rows, dim]) with weight and bias [dim] (contiguous views). */
    default void layerNorm(FloatMatrix out, FloatMatrix x, MemorySegment weight, MemorySegment bias, float eps) {
        Checks.sameShape("layerNorm", out, x, x);
        layerNorm(out.data(), x.data(), weight, bias, x.rows(), x.columns(), eps);
    }

    /** out = a + b. */
    default void add(FloatMatrix out, FloatMatrix a, FloatMatrix b) {
        add(out.data(), a.data(), b.data(), Checks.sameShape("add", out, a, b));
    }

    /** out = gelu_tanh(gate) · up. */
    default void geglu(FloatMatrix out, FloatMatrix gate, FloatMatrix up) {
        geglu(out.data(), gate.data(), up.data(), Checks.sameShape("geglu", out, gate, up));
    }

    /** x = gelu_tanh(x). */
    default void geluTanh(FloatMatrix x) {
        geluTanh(x.data(), x.data(), Checks.sameShape("geluTanh", x, x, x));
    }

    /** x ·= s. */
    default void scale(FloatMatrix x, float s) {
        scale(x.data(), Checks.sameShape("scale", x, x, x), s);
    }

    /** x = tanh(x / cap) · cap. */
    default void softcap(FloatMatrix x, float cap) {
        softcap(x.data(), Checks.sameShape("softcap", x, x, x), cap);
    }
}
