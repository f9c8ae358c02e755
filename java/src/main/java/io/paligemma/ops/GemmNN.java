package io.paligemma.ops;

import static io.paligemma.ops.VectorGemm.F;
import static io.paligemma.ops.VectorGemm.FLOAT;
import static io.paligemma.ops.VectorGemm.L;
import static io.paligemma.ops.VectorGemm.LE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * c[i, j] = alpha · Σ_p a[i, p] · b[p, j] with b row-major along j (attention output p·v): each a
 * value is broadcast against vectors of a b row, so the sums are vertical and need no lane
 * reduction. Also serves a·bᵀ with many rows of a (attention scores q·kᵀ over a short head
 * dimension, where the dot-product kernels would spend more time reducing lanes than multiplying):
 * the b rows are transposed into a scratch block first.
 */
final class GemmNN {

    /** Columns per block: two vectors. */
    static final int BLOCK = 2 * L;

    private GemmNN() {
    }

    /**
     * Rows [i0, i1) and column blocks [blk0, blk1) (of {@link #BLOCK} columns, the last one cut at n)
     * of c [*, ldc] = alpha · a [*, lda] · b [k, ldb] (strides in elements, f32). When bPadded, b's
     * rows are readable (and zero) up to a whole last block. Sizes were checked by the caller.
     */
    static void run(MemorySegment a, long lda, MemorySegment b, long ldb, boolean bPadded, MemorySegment c, long ldc,
                    int n, int k, int i0, int i1, int blk0, int blk1, float alpha) {
        float[] acc = TileScratch.get().acc; // [8 rows, 2L columns] of results
        Arena arena = null; // only when a partial last block must be padded
        try {
            MemorySegment padded = null; // zero-padded copy of a partial last block of b [k, BLOCK]
            for (int blk = blk0; blk < blk1; blk++) {
                int j0 = blk * BLOCK;
                int cols = Math.min(BLOCK, n - j0);
                MemorySegment src = b;
                long b0 = (long) j0 * 4;
                long ldb4 = ldb * 4;
                if (cols < BLOCK && !bPadded) {
                    if (padded == null) {
                        arena = Arena.ofConfined();
                        padded = arena.allocate(Math.max(1L, (long) k * BLOCK * 4), 64);
                    }
                    for (int p = 0; p < k; p++) {
                        MemorySegment.copy(b, (p * ldb + j0) * 4, padded, (long) p * BLOCK * 4, (long) cols * 4);
                    }
                    src = padded;
                    b0 = 0;
                    ldb4 = BLOCK * 4L;
                }
                int i = i0;
                for (; i + 8 <= i1; i += 8) {
                    long r = i * lda * 4;
                    long s = lda * 4;
                    axpy8x2(a, r, r + s, r + 2 * s, r + 3 * s, r + 4 * s, r + 5 * s, r + 6 * s, r + 7 * s,
                            src, b0, ldb4, k, alpha, acc);
                    for (int q = 0; q < 8; q++) {
                        MemorySegment.copy(acc, 2 * q * L, c, FLOAT, ((i + q) * ldc + j0) * 4, cols);
                    }
                }
                for (; i < i1; i++) {
                    axpy1x2(a, i * lda * 4, src, b0, ldb4, k, alpha, acc);
                    MemorySegment.copy(acc, 0, c, FLOAT, (i * ldc + j0) * 4, cols);
                }
            }
        } finally {
            if (arena != null) {
                arena.close();
            }
        }
    }

    /**
     * Column blocks [blk0, blk1) of c [m, ldc] = alpha · a [m, lda] · b [n, ldb]ᵀ: the b rows of these
     * columns are transposed into a zero-padded scratch [k, width] first, then {@link #run}.
     */
    static void transB(MemorySegment a, long lda, MemorySegment b, long ldb, MemorySegment c, long ldc,
                       int m, int n, int k, float alpha, int blk0, int blk1) {
        int j0 = blk0 * BLOCK;
        int width = Math.min(n, blk1 * BLOCK) - j0;
        int ldt = (blk1 - blk0) * BLOCK;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bt = arena.allocate(Math.max(1L, (long) k * ldt * 4), 64);
            for (int j = 0; j < width; j++) {
                long row = ((j0 + j) * ldb) * 4;
                for (int p = 0; p < k; p++) {
                    bt.set(FLOAT, ((long) p * ldt + j) * 4, b.get(FLOAT, row + p * 4L));
                }
            }
            run(a, lda, bt, ldt, true, c.asSlice(j0 * 4L), ldc, width, k, 0, m, 0, blk1 - blk0, alpha);
        }
    }

    /**
     * acc[(2r + q)·L ..] = alpha · Σ_p a[r][p] · b[p][q·L ..] for 8 a rows (byte offsets a0..a7) and 2
     * vectors of b columns from byte b0 (row stride ldb4 bytes): 16 accumulators, 2 loads + 8
     * broadcasts per 16 FMAs.
     */
    static void axpy8x2(MemorySegment a, long a0, long a1, long a2, long a3, long a4, long a5, long a6, long a7,
                        MemorySegment b, long b0, long ldb4, int k, float alpha, float[] acc) {
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
        s00.mul(alpha).intoArray(acc, 0); s01.mul(alpha).intoArray(acc, L);
        s10.mul(alpha).intoArray(acc, 2 * L); s11.mul(alpha).intoArray(acc, 3 * L);
        s20.mul(alpha).intoArray(acc, 4 * L); s21.mul(alpha).intoArray(acc, 5 * L);
        s30.mul(alpha).intoArray(acc, 6 * L); s31.mul(alpha).intoArray(acc, 7 * L);
        s40.mul(alpha).intoArray(acc, 8 * L); s41.mul(alpha).intoArray(acc, 9 * L);
        s50.mul(alpha).intoArray(acc, 10 * L); s51.mul(alpha).intoArray(acc, 11 * L);
        s60.mul(alpha).intoArray(acc, 12 * L); s61.mul(alpha).intoArray(acc, 13 * L);
        s70.mul(alpha).intoArray(acc, 14 * L); s71.mul(alpha).intoArray(acc, 15 * L);
    }

    /**
     * One a row (byte offset a0) against 2 vectors of b columns: acc[0 .. 2L). Even and odd p feed
     * separate accumulators so four FMA chains are in flight (the decode shape is latency-bound).
     */
    static void axpy1x2(MemorySegment a, long a0, MemorySegment b, long b0, long ldb4, int k, float alpha,
                        float[] acc) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0, t0 = s0, t1 = s0;
        int p = 0;
        for (; p + 2 <= k; p += 2) {
            long bo = b0 + p * ldb4;
            FloatVector x = FloatVector.broadcast(F, a.get(FLOAT, a0 + p * 4L));
            s0 = x.fma(FloatVector.fromMemorySegment(F, b, bo, LE), s0);
            s1 = x.fma(FloatVector.fromMemorySegment(F, b, bo + 4L * L, LE), s1);
            FloatVector y = FloatVector.broadcast(F, a.get(FLOAT, a0 + p * 4L + 4));
            t0 = y.fma(FloatVector.fromMemorySegment(F, b, bo + ldb4, LE), t0);
            t1 = y.fma(FloatVector.fromMemorySegment(F, b, bo + ldb4 + 4L * L, LE), t1);
        }
        if (p < k) {
            long bo = b0 + p * ldb4;
            FloatVector x = FloatVector.broadcast(F, a.get(FLOAT, a0 + p * 4L));
            s0 = x.fma(FloatVector.fromMemorySegment(F, b, bo, LE), s0);
            s1 = x.fma(FloatVector.fromMemorySegment(F, b, bo + 4L * L, LE), s1);
        }
        s0.add(t0).mul(alpha).intoArray(acc, 0);
        s1.add(t1).mul(alpha).intoArray(acc, L);
    }
}
