package io.paligemma.ops;

import static io.paligemma.ops.VectorGemm.F;
import static io.paligemma.ops.VectorGemm.FLOAT;
import static io.paligemma.ops.VectorGemm.L;
import static io.paligemma.ops.VectorGemm.LE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * c[i, j] = Σ_p a[i, p] · b[p, j] with b row-major along j (attention output p·v): each a value is
 * broadcast against vectors of a b row, so the sums are vertical and need no lane reduction.
 */
final class GemmNN {

    /** Columns per block: two vectors. */
    static final int BLOCK = 2 * L;

    private GemmNN() {
    }

    /**
     * Rows [i0, i1) and column blocks [blk0, blk1) (of {@link #BLOCK} columns, the last one cut at n)
     * of c [*, ldc] = a [*, lda] · b [k, ldb] (strides in elements, f32). Sizes were checked by the caller.
     */
    static void run(MemorySegment a, long lda, MemorySegment b, long ldb, MemorySegment c, long ldc, int n, int k,
                    int i0, int i1, int blk0, int blk1) {
        float[] acc = new float[16 * L];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment padded = null; // zero-padded copy of a partial last block of b [k, BLOCK]
            for (int blk = blk0; blk < blk1; blk++) {
                int j0 = blk * BLOCK;
                int cols = Math.min(BLOCK, n - j0);
                MemorySegment src = b;
                long b0 = (long) j0 * 4;
                long ldb4 = ldb * 4;
                if (cols < BLOCK) {
                    if (padded == null) {
                        padded = arena.allocate(Math.max(1L, (long) k * BLOCK * 4), 64);
                    }
                    for (int p = 0; p < k; p++) {
                        MemorySegment.copy(b, (p * ldb + j0) * 4, padded, (long) p * BLOCK * 4, (long) cols * 4);
                    }
                    src = padded;
                    b0 = 0;
                    ldb4 = BLOCK * 4L;
                }
                for (int i = i0; i < i1; i += 8) {
                    int rows = Math.min(8, i1 - i);
                    long[] r = new long[8];
                    for (int q = 0; q < 8; q++) {
                        r[q] = (i + Math.min(q, rows - 1)) * lda * 4; // rows past the edge repeat the last one
                    }
                    axpy8x2(a, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], src, b0, ldb4, k, acc);
                    for (int q = 0; q < rows; q++) {
                        MemorySegment.copy(acc, 2 * q * L, c, FLOAT, ((i + q) * ldc + j0) * 4, cols);
                    }
                }
            }
        }
    }

    /**
     * acc[(2r + q)·L ..] = Σ_p a[r][p] · b[p][q·L ..] for 8 a rows (byte offsets a0..a7) and 2 vectors
     * of b columns starting at byte b0 (row stride ldb4 bytes): 16 accumulators, 2 loads + 8 broadcasts
     * per 16 FMAs.
     */
    static void axpy8x2(MemorySegment a, long a0, long a1, long a2, long a3, long a4, long a5, long a6, long a7,
                        MemorySegment b, long b0, long ldb4, int k, float[] acc) {
        FloatVector s00 = FloatVector.zero(F), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00;
        FloatVector s30 = s00, s31 = s00, s40 = s00, s41 = s00, s50 = s00, s51 = s00;
        FloatVector s60 = s00, s61 = s00, s70 = s00, s71 = s00;
        for (int p = 0; p < k; p++) {
            long bo = b0 + p * ldb4;
            long o = p * 4L;
            FloatVector v0 = FloatVector.fromMemorySegment(F, b, bo, LE);
            FloatVector v1 = FloatVector.fromMemorySegment(F, b, bo + 4L * L, LE);
            FloatVector x = FloatVector.broadcast(F, a.get(FLOAT, a0 + o));
            s00 = x.fma(v0, s00); s01 = x.fma(v1, s01);
            x = FloatVector.broadcast(F, a.get(FLOAT, a1 + o));
            s10 = x.fma(v0, s10); s11 = x.fma(v1, s11);
            x = FloatVector.broadcast(F, a.get(FLOAT, a2 + o));
            s20 = x.fma(v0, s20); s21 = x.fma(v1, s21);
            x = FloatVector.broadcast(F, a.get(FLOAT, a3 + o));
            s30 = x.fma(v0, s30); s31 = x.fma(v1, s31);
            x = FloatVector.broadcast(F, a.get(FLOAT, a4 + o));
            s40 = x.fma(v0, s40); s41 = x.fma(v1, s41);
            x = FloatVector.broadcast(F, a.get(FLOAT, a5 + o));
            s50 = x.fma(v0, s50); s51 = x.fma(v1, s51);
            x = FloatVector.broadcast(F, a.get(FLOAT, a6 + o));
            s60 = x.fma(v0, s60); s61 = x.fma(v1, s61);
            x = FloatVector.broadcast(F, a.get(FLOAT, a7 + o));
            s70 = x.fma(v0, s70); s71 = x.fma(v1, s71);
        }
        s00.intoArray(acc, 0); s01.intoArray(acc, L); s10.intoArray(acc, 2 * L); s11.intoArray(acc, 3 * L);
        s20.intoArray(acc, 4 * L); s21.intoArray(acc, 5 * L); s30.intoArray(acc, 6 * L); s31.intoArray(acc, 7 * L);
        s40.intoArray(acc, 8 * L); s41.intoArray(acc, 9 * L); s50.intoArray(acc, 10 * L); s51.intoArray(acc, 11 * L);
        s60.intoArray(acc, 12 * L); s61.intoArray(acc, 13 * L); s70.intoArray(acc, 14 * L); s71.intoArray(acc, 15 * L);
    }
}
