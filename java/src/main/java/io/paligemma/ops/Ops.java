package io.paligemma.ops;

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
}
