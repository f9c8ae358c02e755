package io.paligemma.ops;

import static io.paligemma.ops.VectorGemm.L;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * y = x·Wᵀ for a range of output columns: cache blocking around the {@link VectorGemm} kernels.
 * F32 weights are read in place; BF16/F16 weights are widened one cache-sized block at a time into
 * a per-call f32 scratch (never a full copy of W), so the kernels stay f32-only and monomorphic.
 */
final class VectorLinear {

    /** Longest k run per pass: 4 x rows of it (16 KB) stay in L1 while W rows stream past. */
    static final int K_BLOCK_MAX = Integer.getInteger("kb", 1024);
    /** Bytes of one W panel (rows × k block, f32): stays in L2 while every x row passes over it. */
    static final int PANEL_BYTES = Integer.getInteger("pb", 64 * 1024);

    private VectorLinear() {
    }

    /** Output columns [n0, n1) of y[m, n] = x[m, k] · w[n, k]ᵀ (no bias); w of the given kind. */
    static void columns(MemorySegment x, int m, int k, int kind, MemorySegment w, MemorySegment y, int n,
                        int n0, int n1) {
        float[] acc = new float[16 * L];
        float[] pad = new float[8 * L];
        int kBlocks = (k + K_BLOCK_MAX - 1) / K_BLOCK_MAX;
        int kb = VectorLinear.roundUp((k + kBlocks - 1) / kBlocks, L);
        boolean needScratch = m < 4 ? kind == VectorGemm.KIND_F16 : kind != VectorGemm.KIND_F32;
        try (Arena arena = needScratch ? Arena.ofConfined() : null) {
            if (m < 4) {
                MemorySegment scratch = arena == null ? null : arena.allocate(4L * kb * 4, 64);
                fewRows(x, m, k, kb, kind, w, y, n, n0, n1, scratch, acc, pad);
            } else {
                int panelRows = Math.max(4, PANEL_BYTES / (kb * 4) / 4 * 4);
                MemorySegment scratch = arena == null ? null : arena.allocate((long) panelRows * kb * 4, 64);
                manyRows(x, m, k, kb, panelRows, kind, w, y, n, n0, n1, scratch, acc, pad);
            }
        }
    }

    /**
     * m &lt; 4 (decode): one pass over each group of 4 W rows, every x row against it, so W is read
     * once; bandwidth-bound by design. BF16 is widened in registers (half the bytes of F32); F16 has
     * no cheap in-register widening, so its rows go through the f32 scratch a k block at a time.
     */
    private static void fewRows(MemorySegment x, int m, int k, int kb, int kind, MemorySegment w, MemorySegment y,
                                int n, int n0, int n1, MemorySegment scratch, float[] acc, float[] pad) {
        long ldx = (long) k * 4;
        boolean convert = kind == VectorGemm.KIND_F16;
        int bKind = convert ? VectorGemm.KIND_F32 : kind;
        int es = bKind == VectorGemm.KIND_F32 ? 4 : 2;
        int chunk = convert ? kb : k; // direct reads need no k blocks: the single x row stays in L1
        for (int j = n0; j < n1; j += 4) {
            int cols = Math.min(4, n1 - j);
            Arrays.fill(acc, 0f);
            for (int k0 = 0; k0 < k; k0 += chunk) {
                int kLen = Math.min(chunk, k - k0);
                MemorySegment b = w;
                long b0 = ((long) j * k + k0) * es;
                long ldb = (long) k * es;
                if (convert) {
                    Convert.rows(scratch, kind, w, (long) j * k + k0, k, cols, kLen);
                    b = scratch;
                    b0 = 0;
                    ldb = (long) kLen * 4;
                }
                long b1 = b0 + (cols > 1 ? ldb : 0);
                long b2 = b0 + (cols > 2 ? 2 * ldb : 0);
                long b3 = b0 + (cols > 3 ? 3 * ldb : 0);
                for (int i = 0; i < m; i++) {
                    long a0 = i * ldx + k0 * 4L;
                    if (bKind == VectorGemm.KIND_BF16) {
                        VectorGemm.dot1x4Bf16(x, a0, b, b0, b1, b2, b3, kLen, acc, 4 * i);
                    } else {
                        VectorGemm.dot1x4(x, a0, b, b0, b1, b2, b3, kLen, acc, 4 * i);
                    }
                    VectorGemm.dot1x4Tail(x, a0, bKind, b, b0, b1, b2, b3, kLen, acc, 4 * i, pad);
                }
            }
            VectorGemm.reduce4x4(acc, 1f, y, (long) j * 4, (long) n * 4, m, cols, false);
        }
    }

    /**
     * m ≥ 4: k blocks outermost; per block, panels of W rows (L2-resident), and for each panel every
     * tile of 4 x rows (L1-resident) against it, 4 W rows at a time. Partial sums of later k blocks
     * are added to y.
     */
    private static void manyRows(MemorySegment x, int m, int k, int kb, int panelRows, int kind, MemorySegment w,
                                 MemorySegment y, int n, int n0, int n1, MemorySegment scratch, float[] acc,
                                 float[] pad) {
        long ldx = (long) k * 4;
        long ldy = (long) n * 4;
        for (int k0 = 0; k0 < k; k0 += kb) {
            int kLen = Math.min(kb, k - k0);
            for (int j0 = n0; j0 < n1; j0 += panelRows) {
                int jEnd = Math.min(j0 + panelRows, n1);
                MemorySegment b;
                long bBase;
                long ldb;
                if (scratch == null) {
                    b = w;
                    bBase = ((long) j0 * k + k0) * 4;
                    ldb = ldx;
                } else {
                    Convert.rows(scratch, kind, w, (long) j0 * k + k0, k, jEnd - j0, kLen);
                    b = scratch;
                    bBase = 0;
                    ldb = (long) kLen * 4;
                }
                for (int i0 = 0; i0 < m; i0 += 4) {
                    int rows = Math.min(4, m - i0);
                    long a0 = i0 * ldx + k0 * 4L;
                    long a1 = a0 + (rows > 1 ? ldx : 0);
                    long a2 = a0 + (rows > 2 ? 2 * ldx : 0);
                    long a3 = a0 + (rows > 3 ? 3 * ldx : 0);
                    for (int j = j0; j < jEnd; j += 4) {
                        int cols = Math.min(4, jEnd - j);
                        long b0 = bBase + (j - j0) * ldb;
                        long b1 = b0 + (cols > 1 ? ldb : 0);
                        long b2 = b0 + (cols > 2 ? 2 * ldb : 0);
                        long b3 = b0 + (cols > 3 ? 3 * ldb : 0);
                        VectorGemm.dot4x4(x, a0, a1, a2, a3, b, b0, b1, b2, b3, kLen, acc);
                        VectorGemm.dot4x4Tail(x, a0, a1, a2, a3, b, b0, b1, b2, b3, kLen, acc, pad);
                        VectorGemm.reduce4x4(acc, 1f, y, i0 * ldy + j * 4L, ldy, rows, cols, k0 > 0);
                    }
                }
            }
        }
    }

    static int roundUp(int v, int to) {
        return (v + to - 1) / to * to;
    }
}
