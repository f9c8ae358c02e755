/*
 * gemm_q8_packed.h: the packed (prefill) path of pg_gemm_q8, shared by the AVX-512 tiles in gemm_q8.c, the
 * AVX2 tiles in gemm_q8_avx2.c and the AMX-INT8 tiles in gemm_q8_amx.c (private, header-only). Same contract
 * as the stream path (pg_kernels.h): integer products of quantized activations, exact per block, scaled in
 * float32. From PG_GEMM_Q8_PACKED_MIN_M rows on the weights are reused across many x rows, so the work is
 * compute-bound and the integer units decide.
 *
 * Three integer units, all exact:
 *   DPBUSD  (AVX512-VNNI, AVX-VNNI): 4 products u8 x s8 summed into an int32 lane per instruction, accumulating.
 *           The unsigned side is the weight plus 128 (q + 128 in [1, 255]); x stays signed, so a lane gets
 *           sum (q + 128) xq = isum + 128 sum xq, and each row's block starts from -128 sum xq (corr below) to
 *           give isum exactly. 4 * 255 * 127 fits int32 easily; VPDPBUSD does not saturate.
 *   MADDWD  (AVX2, AVX-512BW without VNNI): 2 products s16 x s16 summed into an int32 lane (VPMADDWD), added
 *           by VPADDD. Both sides sign-extended from int8. (VPMADDUBSW would do 32 bytes per instruction, but
 *           its int16 pair sums saturate for (q + 128) xq, and the sign trick of the stream path costs one
 *           VPSIGNB per product pair, as much as it saves.)
 *   TDPBSSD (AMX-INT8): a tile of 16 x rows x 16 columns of int32 sums of 4 s8 x s8 products per step; with
 *           K = 32 (one block) a tile holds the 256 exact block sums, no correction needed (gemm_q8_amx.c).
 *
 * Layout, per block of PG_Q8P_MB x rows, k-chunk of kcb blocks and panel of nr weight rows (output columns):
 *   B panel  DPBUSD: uint8 [kcb * 8][nr][4]: for each group of 4 k, every column's 4 bytes q + 128 in one
 *            32-bit lane, as VPDPBUSD reads them.
 *            TDPBSSD: int8 [kcb * 8][nr][4], the same order with q itself: the 8 groups of a block and 16
 *            columns are an AMX B tile (8 rows of 64 bytes, nr * 4 bytes apart).
 *            MADDWD: int16 [kcb * 16][nr][2]: for each pair of k, the nr columns' 2 values.
 *            Past k (the partial last block) and past the last column: q = 0.
 *   scales   float [kcb][nr]: s[j, b] widened; 0 past the last column.
 *   A        DPBUSD: xq read in place (pg_quantize_q8 zero-pads rows to whole blocks), one 32-bit broadcast per
 *            row and group; corr int32 [mb][PG_Q8P_KCB_DPBUSD] = -128 * the block's sum of xq.
 *            TDPBSSD: xq in place too, a block of 16 rows is an A tile (16 rows of 32 bytes, ldq apart).
 *            MADDWD: int16 [ceil(mb / mr)][kcb * 16][mr][2]: per tile of mr rows, for each pair of k the rows'
 *            2 values (xq sign-extended), so a tile's broadcasts sit at constant offsets from one pointer.
 * A tile of mr rows x nr columns keeps, per block, mr * nr / lanes int32 accumulators, then adds
 * float(isum) * (s[j, b] * xs[i, b]) into as many float accumulators: the contract's order within each block,
 * float32 across blocks. y is written by the first k-chunk and added to by the next ones.
 *
 * Stack: one work area of PG_Q8P_WORK_BYTES (the larger of the two units' needs) plus the frames' registers:
 * under PG_GEMM_STACK_BYTES.
 */
#ifndef PG_GEMM_Q8_PACKED_H
#define PG_GEMM_Q8_PACKED_H

#include <stdint.h>
#include <string.h>

#include "gemm_q8.h"

enum { PG_Q8P_DPBUSD = 0, PG_Q8P_MADDWD = 1, PG_Q8P_TDPBSSD = 2 };

#define PG_Q8P_MB 384          /* x rows per block: a multiple of every tile's rows (6, 3 and 32) */
#define PG_Q8P_NR_MAX 32       /* columns per panel: 2 zmm (AVX-512) or 2 ymm of 8 (16, AVX2) */
#define PG_Q8P_KCB_DPBUSD 16   /* blocks per k-chunk: 512 k; corr 24 KB, panel 16 KB (TDPBSSD too) */
#define PG_Q8P_KCB_MADDWD 4    /* 128 k: A int16 96 KB, panel 8 KB */

#define PG_Q8P_WORK_BYTES                                                                                       \
    (PG_Q8P_MB * PG_Q8P_KCB_MADDWD * PG_Q8_BLOCK * 2 + PG_Q8P_NR_MAX * PG_Q8P_KCB_MADDWD * PG_Q8_BLOCK * 2 +    \
     PG_Q8P_KCB_MADDWD * PG_Q8P_NR_MAX * 4)

/*
 * One tile: rows (<= the variant's mr) x one panel over kcb blocks. The SIMD templates are instantiated per row
 * count and ignore rows; the AMX one per count of 16-row A tiles, and pads the last. a: DPBUSD and TDPBSSD int8
 * xq at the tile's first row and the chunk's first column, lda bytes; MADDWD the tile's part of the packed A
 * (lda unused). xs at the tile's first row and the chunk's first block, row stride ldxs. corr: DPBUSD only, the
 * tile's first row of the corr table (row stride PG_Q8P_KCB_DPBUSD). cols <= nr columns of y are written.
 */
typedef void (*pg_q8p_fn)(const void *a, int64_t lda, const float *xs, int64_t ldxs, const int32_t *corr,
                          const void *bp, const float *sp, int64_t kcb, float *y, int64_t ldy, int64_t rows,
                          int64_t cols, int accumulate);

/* The variant's packing of a whole panel: nr rows of q (row stride k) from column p0, span columns all < k, into
 * the unit's layout (with SIMD transposes). Panels at the edges go through pg_q8p_pack_b. */
typedef void (*pg_q8p_pack_fn)(int unit, const int8_t *q, int64_t k, int64_t p0, int64_t span, void *bp);

/* Panel packing, any panel: weight rows q (row stride k) starting at column p0, kcb blocks, cols valid of nr;
 * zeros past k and past cols. */
static inline __attribute__((always_inline)) void pg_q8p_pack_b(int unit, int nr, const int8_t *q, int64_t k,
                                                                int64_t p0, int64_t kcb, int64_t cols, void *bp) {
    const int64_t span = kcb * PG_Q8_BLOCK;
    for (int64_t c = 0; c < nr; c++) {
        const int8_t *qr = q + c * k + p0;
        const int64_t valid = c < cols ? (k - p0 < span ? k - p0 : span) : 0; /* columns of this row present */
        for (int64_t p = 0; p < span; p++) {
            const int8_t v = p < valid ? qr[p] : 0;
            if (unit != PG_Q8P_MADDWD) {
                ((uint8_t *)bp)[((p / 4) * nr + c) * 4 + p % 4] = (uint8_t)(unit == PG_Q8P_DPBUSD ? v + 128 : v);
            } else {
                ((int16_t *)bp)[((p / 2) * nr + c) * 2 + p % 2] = v;
            }
        }
    }
}

/*
 * The loop of the packed path (no vector code itself; the tiles and the whole-panel packing are the variant's):
 * x-row blocks of PG_Q8P_MB, k-chunks, panels of nr columns, tiles of mr rows (tiles[rows - 1]; TDPBSSD:
 * tiles[(rows - 1) / 16], one per count of A tiles). k = 0 writes zeros.
 */
static inline __attribute__((always_inline)) void pg_q8p_loop(int unit, int nr, int mr, const pg_q8p_fn *tiles,
                                                              pg_q8p_pack_fn pack, const int8_t *xq, const float *xs,
                                                              const int8_t *q, const uint16_t *s, float *y,
                                                              int64_t ldy, int64_t m, int64_t k, int64_t n0,
                                                              int64_t n1) {
    const int64_t kb = pg_q8_blocks(k), ldq = kb * PG_Q8_BLOCK;
    if (kb == 0) {
        for (int64_t i = 0; i < m; i++) {
            memset(y + i * ldy + n0, 0, (size_t)(n1 - n0) * sizeof(float));
        }
        return;
    }
    const int bytes = unit != PG_Q8P_MADDWD; /* the units of one byte per k (DPBUSD, TDPBSSD) */
    const int64_t kcb_max = bytes ? PG_Q8P_KCB_DPBUSD : PG_Q8P_KCB_MADDWD;
    _Alignas(64) uint8_t work[PG_Q8P_WORK_BYTES];
    /* MADDWD: A, then the panel, then the scales; DPBUSD: corr, panel, scales (a smaller total); TDPBSSD:
     * DPBUSD's places, corr unused */
    int16_t *abuf = (int16_t *)work;
    int32_t *corr = (int32_t *)work;
    uint8_t *bbuf = work + (bytes ? PG_Q8P_MB * PG_Q8P_KCB_DPBUSD * 4
                                  : PG_Q8P_MB * PG_Q8P_KCB_MADDWD * PG_Q8_BLOCK * 2);
    float *sbuf = (float *)(bbuf + (bytes ? PG_Q8P_NR_MAX * PG_Q8P_KCB_DPBUSD * PG_Q8_BLOCK
                                          : PG_Q8P_NR_MAX * PG_Q8P_KCB_MADDWD * PG_Q8_BLOCK * 2));
    for (int64_t i0 = 0; i0 < m; i0 += PG_Q8P_MB) {
        const int64_t mb = m - i0 < PG_Q8P_MB ? m - i0 : PG_Q8P_MB;
        for (int64_t b0 = 0; b0 < kb; b0 += kcb_max) {
            const int64_t kcb = kb - b0 < kcb_max ? kb - b0 : kcb_max;
            const int64_t p0 = b0 * PG_Q8_BLOCK, span = kcb * PG_Q8_BLOCK;
            const int8_t *xc = xq + i0 * ldq + p0;
            if (unit == PG_Q8P_MADDWD) {
                for (int64_t r = 0; r < mb; r++) {
                    int16_t *tile = abuf + (r / mr) * span * mr + (r % mr) * 2;
                    for (int64_t g = 0; g < span / 2; g++) {
                        tile[g * mr * 2] = xc[r * ldq + 2 * g];
                        tile[g * mr * 2 + 1] = xc[r * ldq + 2 * g + 1];
                    }
                }
            } else if (unit == PG_Q8P_DPBUSD) {
                for (int64_t r = 0; r < mb; r++) {
                    for (int64_t b = 0; b < kcb; b++) {
                        int32_t sum = 0;
                        for (int t = 0; t < PG_Q8_BLOCK; t++) {
                            sum += xc[r * ldq + b * PG_Q8_BLOCK + t];
                        }
                        corr[r * PG_Q8P_KCB_DPBUSD + b] = -128 * sum;
                    }
                }
            }
            for (int64_t j = n0; j < n1; j += nr) {
                const int64_t cols = n1 - j < nr ? n1 - j : nr;
                if (cols == nr && p0 + span <= k) {
                    pack(unit, q + j * k, k, p0, span, bbuf);
                } else {
                    pg_q8p_pack_b(unit, nr, q + j * k, k, p0, kcb, cols, bbuf);
                }
                for (int64_t c = 0; c < nr; c++) {
                    for (int64_t b = 0; b < kcb; b++) {
                        sbuf[b * nr + c] = c < cols ? pg_f16_to_f32_1(s[(j + c) * kb + b0 + b]) : 0.0f;
                    }
                }
                for (int64_t i = 0; i < mb; i += mr) {
                    const int64_t rows = mb - i < mr ? mb - i : mr;
                    const void *a = bytes ? (const void *)(xc + i * ldq) : (const void *)(abuf + i * span);
                    tiles[unit == PG_Q8P_TDPBSSD ? (rows - 1) / 16 : rows - 1](
                        a, ldq, xs + (i0 + i) * kb + b0, kb, corr + i * PG_Q8P_KCB_DPBUSD, bbuf, sbuf, kcb,
                        y + (i0 + i) * ldy + j, ldy, rows, cols, b0 > 0);
                }
            }
        }
    }
}

#endif /* PG_GEMM_Q8_PACKED_H */
