package io.paligemma.ops;

import static io.paligemma.ops.VectorGemm.L;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * c[i, j] = alpha · Σ_p a[i, p] · b[j, p] for one range of output columns j (BLAS "NT": b is used
 * transposed): nn.Linear (b = the weight [out, in]) and attention scores q·kᵀ. Cache blocking
 * around the {@link VectorGemm} kernels. On the decode path (m &lt; 4) F32 and BF16 b are read in place
 * (BF16 widened in registers); otherwise b goes through a per-call f32 scratch one cache-sized panel
 * at a time (never a full copy), so the tile kernel stays f32-only and monomorphic.
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
        columns(a, lda, m, k, kind, b, null, ldb, c, ldc, n0, n1, alpha);
    }

    /**
     * The same with the scales of a Q8_0 b (bScales, null for the other kinds; ldb = k). Q8_0 goes through
     * the panel path only, dequantized per panel: decode rows of Q8_0 weights take the integer products
     * of {@link GemmQ8} instead (JavaOps chooses by {@link io.paligemma.tensor.Q8#FLOAT_MIN_ROWS}).
     */
    static void columns(MemorySegment a, long lda, int m, int k, int kind, MemorySegment b, MemorySegment bScales,
                        long ldb, MemorySegment c, long ldc, int n0, int n1, float alpha) {
        if (k == 0) {
            for (int i = 0; i < m; i++) {
                c.asSlice((i * ldc + n0) * 4, (long) (n1 - n0) * 4).fill((byte) 0);
            }
            return;
        }
        TileScratch tiles = TileScratch.get();
        float[] acc = tiles.acc;
        float[] pad = tiles.pad;
        int kBlocks = (k + K_BLOCK_MAX - 1) / K_BLOCK_MAX;
        int kb = roundUp((k + kBlocks - 1) / kBlocks, L);
        boolean needScratch = m >= 4 || kind == VectorGemm.KIND_F16 || kind == VectorGemm.KIND_Q8;
        try (Arena arena = needScratch ? Arena.ofConfined() : null) {
            if (m < 4 && kind != VectorGemm.KIND_Q8) {
                MemorySegment scratch = arena == null ? null : arena.allocate(8L * k * 4, 64);
                fewRows(a, lda, m, k, kind, b, ldb, c, ldc, n0, n1, alpha, scratch, acc, pad);
            } else {
                int panelRows = Math.max(4, PANEL_BYTES / (kb * 4) / 4 * 4);
                MemorySegment scratch = arena == null ? null : arena.allocate((long) panelRows * kb * 4, 64);
                manyRows(a, lda, m, k, kb, panelRows, kind, b, bScales, ldb, c, ldc, n0, n1, alpha, scratch, acc, pad);
            }
        }
    }

    /**
     * m &lt; 4 (decode): tiles of 8 b rows, each a row against the tile in turn (the tile stays in
     * cache for the next a rows), so b is read from memory once; bandwidth-bound by design. The 8 rows
     * of a tile are 8 strided streams, not 8 neighbours: this range's rows are cut into 8 equal runs
     * and tile t takes row t of each run, so every stream walks its run from start to end and the
     * hardware prefetcher, once trained, keeps going. Neighbour tiles of 4 KB rows (gate/up, the LM
     * head in bf16) restart 8 short streams per tile and measured ~30% slower; the native kernel hides
     * that with software prefetch, which Java cannot issue. The last (n1 - n0) % 8 rows go as one
     * neighbour tile. BF16 is widened in registers (half the bytes of F32); F16 has no cheap
     * in-register widening, so each tile is widened into the f32 scratch [8, k] first (neighbours).
     */
    private static void fewRows(MemorySegment a, long lda, int m, int k, int kind, MemorySegment b, long ldb,
                                MemorySegment c, long ldc, int n0, int n1, float alpha, MemorySegment scratch,
                                float[] acc, float[] pad) {
        boolean convert = kind == VectorGemm.KIND_F16;
        int bKind = convert ? VectorGemm.KIND_F32 : kind;
        int es = bKind == VectorGemm.KIND_F32 ? 4 : 2;
        int perStream = convert ? 0 : (n1 - n0) / 8;
        for (int t = 0; t < perStream; t++) {
            int j = n0 + t;
            for (int i = 0; i < m; i++) {
                fewRowsTile(a, i * lda * 4, k, bKind, b, j * ldb * es, perStream * ldb * es, 8, acc, pad);
                VectorGemm.reduce1x8(acc, alpha, c, (i * ldc + j) * 4, perStream * 4L, 8);
            }
        }
        for (int j = n0 + 8 * perStream; j < n1; j += 8) {
            int cols = Math.min(8, n1 - j);
            MemorySegment src = b;
            long b0 = j * ldb * es;
            long step = ldb * es;
            if (convert) {
                Convert.rows(scratch, k, kind, b, j * ldb, ldb, cols, k);
                src = scratch;
                b0 = 0;
                step = (long) k * 4;
            }
            for (int i = 0; i < m; i++) {
                fewRowsTile(a, i * lda * 4, k, bKind, src, b0, step, cols, acc, pad);
                VectorGemm.reduce1x8(acc, alpha, c, (i * ldc + j) * 4, 4, cols);
            }
        }
    }

    /** acc = a row (at byte a0) against the 8 b rows at b0 + c·step, over the whole k (tail included). */
    private static void fewRowsTile(MemorySegment a, long a0, int k, int bKind, MemorySegment b, long b0, long step,
                                    int cols, float[] acc, float[] pad) {
        if (bKind == VectorGemm.KIND_BF16) {
            VectorGemm.dot1x8Bf16(a, a0, b, b0, step, cols, k, acc);
        } else {
            VectorGemm.dot1x8(a, a0, b, b0, step, cols, k, acc);
        }
        if (k % L != 0) {
            VectorGemm.dot1x8Tail(a, a0, bKind, b, b0, step, cols, k, acc, pad);
        }
    }

    /**
     * m ≥ 4: k blocks outermost; per block, panels of b rows, and for each panel every tile of 4 a
     * rows (L1-resident) against it, 4 b rows at a time. Later k blocks add to c. Each panel is first
     * copied (F32) or widened (BF16, F16) into the f32 scratch (L2-resident): contiguous, cache-line
     * aligned rows whatever the alignment of the tensor in its file (unaligned F32 weights read in
     * place measured ~15% slower), and a tile kernel that only knows f32. Each weight is converted
     * once per call; widening in the tile kernel would redo it for every tile of 4 a rows.
     */
    private static void manyRows(MemorySegment a, long lda, int m, int k, int kb, int panelRows, int kind,
                                 MemorySegment b, MemorySegment bScales, long ldb, MemorySegment c, long ldc, int n0,
                                 int n1, float alpha, MemorySegment scratch, float[] acc, float[] pad) {
        for (int k0 = 0; k0 < k; k0 += kb) {
            int kLen = Math.min(kb, k - k0);
            for (int j0 = n0; j0 < n1; j0 += panelRows) {
                int jEnd = Math.min(j0 + panelRows, n1);
                long step = (long) roundUp(kLen, L) * 4; // whole vectors: every row starts on a cache line
                if (kind == VectorGemm.KIND_Q8) {
                    Convert.q8Rows(scratch, step / 4, b, bScales, k, j0, k0, jEnd - j0, kLen);
                } else {
                    Convert.rows(scratch, step / 4, kind, b, j0 * ldb + k0, ldb, jEnd - j0, kLen);
                }
                for (int i0 = 0; i0 < m; i0 += 4) {
                    int rows = Math.min(4, m - i0);
                    long a0 = (i0 * lda + k0) * 4;
                    long a1 = a0 + (rows > 1 ? lda * 4 : 0);
                    long a2 = a0 + (rows > 2 ? lda * 8 : 0);
                    long a3 = a0 + (rows > 3 ? lda * 12 : 0);
                    for (int j = j0; j < jEnd; j += 4) {
                        int cols = Math.min(4, jEnd - j);
                        long b0 = (j - j0) * step;
                        long b1 = b0 + (cols > 1 ? step : 0);
                        long b2 = b0 + (cols > 2 ? 2 * step : 0);
                        long b3 = b0 + (cols > 3 ? 3 * step : 0);
                        VectorGemm.dot4x4(a, a0, a1, a2, a3, scratch, b0, b1, b2, b3, kLen, acc);
                        if (kLen % L != 0) {
                            VectorGemm.dot4x4Tail(a, a0, a1, a2, a3, scratch, b0, b1, b2, b3, kLen, acc, pad);
                        }
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
