package io.paligemma.ops;

import static io.paligemma.ops.VectorGemm.L;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * c[i, j] = alpha · Σ_p a[i, p] · b[j, p] for one range of output columns j (BLAS "NT": b is used
 * transposed): nn.Linear (b = the weight [out, in]) and attention scores q·kᵀ. Cache blocking
 * around the {@link VectorGemm} kernels. F32 b is read in place; BF16 b is widened in registers on
 * the decode path and, like F16, one cache-sized block at a time into a per-call f32 scratch
 * otherwise (never a full copy), so the tile kernel stays f32-only and monomorphic.
 */
final class GemmNT {

    /** Longest k run per pass: 4 a rows of it (16 KB) stay in L1 while b rows stream past. */
    static final int K_BLOCK_MAX = 1024;
    /** Bytes of one b panel (rows × k block, f32): stays in L2 while every a row passes over it. */
    static final int PANEL_BYTES = 64 * 1024;

    private GemmNT() {
    }

    /**
     * Columns [n0, n1) of c [m, ldc] = alpha · a [m, lda] · b [n, ldb]ᵀ over k; a and c f32, b of the
     * given kind; strides in elements. Sizes were checked by the caller.
     */
    static void columns(MemorySegment a, long lda, int m, int k, int kind, MemorySegment b, long ldb,
                        MemorySegment c, long ldc, int n0, int n1, float alpha) {
        if (k == 0) {
            for (int i = 0; i < m; i++) {
                c.asSlice((i * ldc + n0) * 4, (long) (n1 - n0) * 4).fill((byte) 0);
            }
            return;
        }
        float[] acc = new float[16 * L];
        float[] pad = new float[8 * L];
        int kBlocks = (k + K_BLOCK_MAX - 1) / K_BLOCK_MAX;
        int kb = roundUp((k + kBlocks - 1) / kBlocks, L);
        boolean needScratch = m < 4 ? kind == VectorGemm.KIND_F16 : kind != VectorGemm.KIND_F32;
        try (Arena arena = needScratch ? Arena.ofConfined() : null) {
            if (m < 4) {
                MemorySegment scratch = arena == null ? null : arena.allocate(4L * kb * 4, 64);
                fewRows(a, lda, m, k, kb, kind, b, ldb, c, ldc, n0, n1, alpha, scratch, acc, pad);
            } else {
                int panelRows = Math.max(4, PANEL_BYTES / (kb * 4) / 4 * 4);
                MemorySegment scratch = arena == null ? null : arena.allocate((long) panelRows * kb * 4, 64);
                manyRows(a, lda, m, k, kb, panelRows, kind, b, ldb, c, ldc, n0, n1, alpha, scratch, acc, pad);
            }
        }
    }

    /**
     * m &lt; 4 (decode): one pass over each group of 4 b rows, every a row against it, so b is read
     * once; bandwidth-bound by design. BF16 is widened in registers (half the bytes of F32); F16 has
     * no cheap in-register widening, so its rows go through the f32 scratch a k block at a time.
     */
    private static void fewRows(MemorySegment a, long lda, int m, int k, int kb, int kind, MemorySegment b, long ldb,
                                MemorySegment c, long ldc, int n0, int n1, float alpha, MemorySegment scratch,
                                float[] acc, float[] pad) {
        boolean convert = kind == VectorGemm.KIND_F16;
        int bKind = convert ? VectorGemm.KIND_F32 : kind;
        int es = bKind == VectorGemm.KIND_F32 ? 4 : 2;
        int chunk = convert ? kb : k; // direct reads need no k blocks: the few a rows stay in L1
        for (int j = n0; j < n1; j += 4) {
            int cols = Math.min(4, n1 - j);
            Arrays.fill(acc, 0f);
            for (int k0 = 0; k0 < k; k0 += chunk) {
                int kLen = Math.min(chunk, k - k0);
                MemorySegment src = b;
                long b0 = (j * ldb + k0) * es;
                long step = ldb * es;
                if (convert) {
                    Convert.rows(scratch, kind, b, j * ldb + k0, ldb, cols, kLen);
                    src = scratch;
                    b0 = 0;
                    step = (long) kLen * 4;
                }
                long b1 = b0 + (cols > 1 ? step : 0);
                long b2 = b0 + (cols > 2 ? 2 * step : 0);
                long b3 = b0 + (cols > 3 ? 3 * step : 0);
                for (int i = 0; i < m; i++) {
                    long a0 = (i * lda + k0) * 4;
                    if (bKind == VectorGemm.KIND_BF16) {
                        VectorGemm.dot1x4Bf16(a, a0, src, b0, b1, b2, b3, kLen, acc, 4 * i);
                    } else {
                        VectorGemm.dot1x4(a, a0, src, b0, b1, b2, b3, kLen, acc, 4 * i);
                    }
                    VectorGemm.dot1x4Tail(a, a0, bKind, src, b0, b1, b2, b3, kLen, acc, 4 * i, pad);
                }
            }
            VectorGemm.reduce4x4(acc, alpha, c, (long) j * 4, ldc * 4, m, cols, false);
        }
    }

    /**
     * m ≥ 4: k blocks outermost; per block, panels of b rows (L2-resident), and for each panel every
     * tile of 4 a rows (L1-resident) against it, 4 b rows at a time. Later k blocks add to c.
     */
    private static void manyRows(MemorySegment a, long lda, int m, int k, int kb, int panelRows, int kind,
                                 MemorySegment b, long ldb, MemorySegment c, long ldc, int n0, int n1, float alpha,
                                 MemorySegment scratch, float[] acc, float[] pad) {
        for (int k0 = 0; k0 < k; k0 += kb) {
            int kLen = Math.min(kb, k - k0);
            for (int j0 = n0; j0 < n1; j0 += panelRows) {
                int jEnd = Math.min(j0 + panelRows, n1);
                MemorySegment src = b;
                long base = (j0 * ldb + k0) * 4;
                long step = ldb * 4;
                if (scratch != null) {
                    Convert.rows(scratch, kind, b, j0 * ldb + k0, ldb, jEnd - j0, kLen);
                    src = scratch;
                    base = 0;
                    step = (long) kLen * 4;
                }
                for (int i0 = 0; i0 < m; i0 += 4) {
                    int rows = Math.min(4, m - i0);
                    long a0 = (i0 * lda + k0) * 4;
                    long a1 = a0 + (rows > 1 ? lda * 4 : 0);
                    long a2 = a0 + (rows > 2 ? lda * 8 : 0);
                    long a3 = a0 + (rows > 3 ? lda * 12 : 0);
                    for (int j = j0; j < jEnd; j += 4) {
                        int cols = Math.min(4, jEnd - j);
                        long b0 = base + (j - j0) * step;
                        long b1 = b0 + (cols > 1 ? step : 0);
                        long b2 = b0 + (cols > 2 ? 2 * step : 0);
                        long b3 = b0 + (cols > 3 ? 3 * step : 0);
                        VectorGemm.dot4x4(a, a0, a1, a2, a3, src, b0, b1, b2, b3, kLen, acc);
                        VectorGemm.dot4x4Tail(a, a0, a1, a2, a3, src, b0, b1, b2, b3, kLen, acc, pad);
                        VectorGemm.reduce4x4(acc, alpha, c, (i0 * ldc + j) * 4, ldc * 4, rows, cols, k0 > 0);
                    }
                }
            }
        }
    }

    static int roundUp(int v, int to) {
        return (v + to - 1) / to * to;
    }
}
