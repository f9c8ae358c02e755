package io.paligemma.ops;

import io.paligemma.tensor.DType;
import io.paligemma.tensor.Q8;
import io.paligemma.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The pure-Java backend: Vector API kernels ({@link VectorGemm}, {@link GemmNT}, {@link GemmNN},
 * {@link RowOps}, {@link Elementwise}, {@link Convert}), split over the threads of one
 * {@link Parallel}. It is also the readable specification of every op: each kernel names the torch /
 * Hugging Face computation it mirrors. Every method validates all sizes before touching memory.
 * With more than one thread the pool's workers touch the segments too, so they must come from a
 * shared (or automatic) arena, not a confined one; outputs must not overlap inputs except where an
 * op says "out may be x".
 */
public final class JavaOps implements Ops {

    /** Elements per parallel chunk of the element-wise ops (a multiple of every vector length). */
    private static final int CHUNK = 16384;
    /** Output columns per parallel chunk of the GEMMs (a multiple of the 4- and 8-column tiles). */
    private static final int COLUMN_GRAIN = 16;
    /** Multiply-adds below which a parallel chunk is not worth handing to another thread. */
    private static final long MIN_WORK = 1L << 20;
    /** From this many rows of a, matmulTransB transposes b and runs the broadcast kernel instead of dot products. */
    private static final int TRANSPOSE_MIN_ROWS = 16;

    private final Parallel parallel;

    public JavaOps(Parallel parallel) {
        if (parallel == null) {
            throw new IllegalArgumentException("parallel is null");
        }
        this.parallel = parallel;
    }

    @Override
    public String name() {
        return "java";
    }

    @Override
    public int threads() {
        return parallel.threads();
    }

    @Override
    public int maxDecodeRows() {
        return Q8.FLOAT_MIN_ROWS - 1; // int8 weights switch from integer products to float panels at this count
    }

    @Override
    public void linear(MemorySegment x, int m, int k, Tensor w, MemorySegment bias, MemorySegment y) {
        int n = Checks.linear(x, m, k, w, bias, y);
        int kind = kind(w.dtype());
        MemorySegment wd = w.data();
        if (kind == VectorGemm.KIND_Q8) {
            linearQ8(x, m, k, w, bias, y, n);
            return;
        }
        parallel.forRange(n, grain(COLUMN_GRAIN, (long) m * k), (n0, n1) -> {
            GemmNT.columns(x, k, m, k, kind, wd, w.scales(), k, y, n, n0, n1, 1f);
            addBias(y, bias, m, n, n0, n1);
        });
    }

    /** y[i, j] += bias[j] for columns [n0, n1) of y [m, n] (nothing without a bias). */
    private static void addBias(MemorySegment y, MemorySegment bias, int m, int n, int n0, int n1) {
        if (bias != null) {
            for (int i = 0; i < m; i++) {
                long row = (long) i * n * 4;
                Elementwise.add(y, row, y, row, bias, 0, n0, n1);
            }
        }
    }

    /**
     * Q8_0 weights: activations quantized per block (rows split over the threads), then the integer block
     * sums of {@link GemmQ8} below {@link Q8#FLOAT_MIN_ROWS} rows, or from there the float32 GEMM of the
     * dequantized activations against dequantized weight panels: the same product (see {@link Q8}).
     */
    private void linearQ8(MemorySegment x, int m, int k, Tensor w, MemorySegment bias, MemorySegment y, int n) {
        boolean floats = m >= Q8.FLOAT_MIN_ROWS;
        Q8Scratch q8 = Q8Scratch.forRows(m, k, floats);
        MemorySegment xq = q8.xq(m, k);
        MemorySegment xs = q8.xs(m, k);
        int kb = Q8.blocks(k);
        long ldq = (long) kb * Q8.BLOCK;
        parallel.forRange(m, grain(1, k), (i0, i1) -> {
            MemorySegment rowsX = x.asSlice(i0 * (long) k * 4, (long) (i1 - i0) * k * 4);
            MemorySegment rowsQ = xq.asSlice(i0 * ldq, (i1 - i0) * ldq);
            MemorySegment rowsS = xs.asSlice(i0 * (long) kb * 4, (long) (i1 - i0) * kb * 4);
            Q8.quantizeActivations(rowsX, k, i1 - i0, k, rowsQ, rowsS);
            if (floats) {
                Q8.dequantizeActivations(rowsQ, rowsS, i1 - i0, k, q8.xf(m, k).asSlice(i0 * (long) k * 4), k);
            }
        });
        parallel.forRange(n, grain(COLUMN_GRAIN, (long) m * k), (n0, n1) -> {
            if (floats) {
                GemmNT.columns(q8.xf(m, k), k, m, k, VectorGemm.KIND_Q8, w.data(), w.scales(), k, y, n, n0, n1, 1f);
            } else {
                GemmQ8.columns(xq, xs, m, k, w.data(), w.scales(), y, n, n0, n1);
            }
            addBias(y, bias, m, n, n0, n1);
        });
    }

    @Override
    public void matmulTransB(MemorySegment a, int lda, MemorySegment b, int ldb, MemorySegment c, int ldc,
                             int m, int n, int k, float alpha) {
        Checks.matmulTransB(a, lda, b, ldb, c, ldc, m, n, k);
        if (m >= TRANSPOSE_MIN_ROWS) {
            // Many query rows: transposing the keys once (per thread, its own columns) pays off.
            int blocks = (n + GemmNN.BLOCK - 1) / GemmNN.BLOCK;
            parallel.forRange(blocks, grain(1, (long) m * k * GemmNN.BLOCK), (b0, b1) -> GemmNN.transB(a, lda, b, ldb, c, ldc, m, n, k, alpha, b0, b1));
        } else {
            parallel.forRange(n, grain(COLUMN_GRAIN, (long) m * k), (n0, n1) ->
                    GemmNT.columns(a, lda, m, k, VectorGemm.KIND_F32, b, ldb, c, ldc, n0, n1, alpha));
        }
    }

    @Override
    public void matmul(MemorySegment a, int lda, MemorySegment b, int ldb, MemorySegment c, int ldc, int m, int n, int k) {
        Checks.matmul(a, lda, b, ldb, c, ldc, m, n, k);
        int blocks = (n + GemmNN.BLOCK - 1) / GemmNN.BLOCK;
        if (m >= 8 * parallel.threads()) {
            parallel.forRange(m, grain(8, (long) n * k), (i0, i1) -> GemmNN.run(a, lda, b, ldb, false, c, ldc, n, k, i0, i1, 0, blocks, 1f));
        } else {
            parallel.forRange(blocks, grain(1, (long) m * k * GemmNN.BLOCK), (b0, b1) -> GemmNN.run(a, lda, b, ldb, false, c, ldc, n, k, 0, m, b0, b1, 1f));
        }
    }

    @Override
    public void softmaxRows(MemorySegment x, int rows, int cols, int ld, float scale, float softcap,
                            MemorySegment keyLo, MemorySegment keyHi) {
        Checks.softmaxRows(x, rows, cols, ld, keyLo, keyHi);
        if (cols == 0) {
            return;
        }
        parallel.forRange(rows, 1, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                long i = (long) r * 4;
                RowOps.softmax(x, (long) r * ld * 4, cols, scale, softcap,
                        keyLo.get(ValueLayout.JAVA_INT_UNALIGNED, i), keyHi.get(ValueLayout.JAVA_INT_UNALIGNED, i));
            }
        });
    }

    @Override
    public void ropeRotateHalf(MemorySegment x, int tokens, int heads, int headDim, int tokenStride,
                               MemorySegment cos, MemorySegment sin) {
        Checks.rope(x, tokens, heads, headDim, tokenStride, cos, sin);
        int half = headDim / 2;
        parallel.forRange(tokens, 1, (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                for (int h = 0; h < heads; h++) {
                    RowOps.rope(x, ((long) t * tokenStride + (long) h * headDim) * 4, half, cos, sin, (long) t * half * 4);
                }
            }
        });
    }

    @Override
    public void rmsNorm(MemorySegment out, MemorySegment x, MemorySegment weight, int rows, int dim, float eps) {
        Checks.norm("rmsNorm", out, x, weight, null, rows, dim, false);
        parallel.forRange(rows, 1, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                long off = (long) r * dim * 4;
                RowOps.rmsNorm(out, off, x, off, weight, dim, eps);
            }
        });
    }

    @Override
    public void layerNorm(MemorySegment out, MemorySegment x, MemorySegment weight, MemorySegment bias,
                          int rows, int dim, float eps) {
        Checks.norm("layerNorm", out, x, weight, bias, rows, dim, true);
        parallel.forRange(rows, 1, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                long off = (long) r * dim * 4;
                RowOps.layerNorm(out, off, x, off, weight, bias, dim, eps);
            }
        });
    }

    @Override
    public void geluTanh(MemorySegment out, MemorySegment x, long n) {
        Checks.elementwise("geluTanh", n, "x", x, "out", out);
        chunks(n, (s, e) -> Elementwise.gelu(out, x, null, s, e));
    }

    @Override
    public void geglu(MemorySegment out, MemorySegment gate, MemorySegment up, long n) {
        Checks.elementwise("geglu", n, "gate", gate, "up", up, "out", out);
        chunks(n, (s, e) -> Elementwise.gelu(out, gate, up, s, e));
    }

    @Override
    public void softcap(MemorySegment x, long n, float cap) {
        Checks.softcap(x, n, cap);
        chunks(n, (s, e) -> Elementwise.softcap(x, cap, s, e));
    }

    @Override
    public void add(MemorySegment out, MemorySegment a, MemorySegment b, long n) {
        Checks.elementwise("add", n, "a", a, "b", b, "out", out);
        chunks(n, (s, e) -> Elementwise.add(out, 0, a, 0, b, 0, s, e));
    }

    @Override
    public void scale(MemorySegment x, long n, float s) {
        Checks.elementwise("scale", n, "x", x);
        chunks(n, (start, end) -> Elementwise.scale(x, s, start, end));
    }

    @Override
    public void toF32(MemorySegment out, Tensor src, long offset, long n) {
        Checks.toF32(out, src, offset, n);
        int kind = kind(src.dtype());
        if (kind == VectorGemm.KIND_Q8) {
            int k = (int) src.dim(1);
            Convert.q8Rows(out, k, src.data(), src.scales(), k, (int) (offset / k), 0, (int) (n / k), k);
            return;
        }
        chunks(n, (s, e) -> Convert.run(out, s * 4, kind, src.data(), offset + s, e - s));
    }

    /**
     * A loop grain (a multiple of {@code unit}) that gives every parallel chunk at least MIN_WORK
     * multiply-adds: a hand-off to another thread costs about as much as 1M of them, so the small
     * products of decode attention run on the calling thread alone.
     */
    private static int grain(int unit, long workPerIndex) {
        long indices = (MIN_WORK + workPerIndex - 1) / Math.max(1, workPerIndex);
        long rounded = (indices + unit - 1) / unit * unit;
        return (int) Math.min(Integer.MAX_VALUE, Math.max(unit, rounded));
    }

    private static int kind(DType t) {
        return switch (t) {
            case F32 -> VectorGemm.KIND_F32;
            case BF16 -> VectorGemm.KIND_BF16;
            case F16 -> VectorGemm.KIND_F16;
            case Q8_0 -> VectorGemm.KIND_Q8;
            default -> throw new IllegalArgumentException("not a weight type: " + t);
        };
    }

    private void chunks(long n, Parallel.LongRangeBody body) {
        parallel.forElements(n, CHUNK, body);
    }
}
