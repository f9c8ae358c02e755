/*
 * gemm_q8_amx.c: pg_gemm_q8's packed (prefill) path on AMX-INT8 tiles (the contract is in pg_kernels.h). The
 * dispatcher takes it from PG_GEMM_Q8_PACKED_MIN_M rows at the AVX-512 level once pg_amx_request() was granted
 * tiles on a CPU with AMX-INT8; below that many rows (decode) the stream path of gemm_q8.c runs.
 *
 * The contract wants each 32-column block's sum isum = sum_p q xq exact and then scaled by s * xs in float32, so
 * one tile product covers one block: TDPBSSD with K = 32 (A 16 rows x 32 bytes, B 8 rows x 64 bytes: 8 groups of
 * 4 k for 16 columns) gives the 16 x 16 block sums of 16 x rows and 16 weight rows, each the sum of 32 signed
 * byte products (|isum| <= 32 * 127 * 127 < 2^24: exact in int32 and again when converted to float). Signed
 * times signed: no q + 128 and no correction as on VPDPBUSD. The sums leave the tile unit only through memory
 * (TILESTORED), and AVX-512 adds float(isum) * (s[j, b] * xs[i, b]) into float accumulators, the order within
 * a block that the other packed paths use.
 *
 * The loop, the x-row blocks, the k-chunks of 16 blocks and the 32-column weight panels are gemm_q8_packed.h's
 * (unit TDPBSSD: the DPBUSD panel layout without the + 128, packed by the AVX-512 transposes; xq read in
 * place). A tile of this file is 32 x rows x the 32 columns of a panel: tiles
 *   tmm0-3  C: int32 [16][16], the block sums of (rows 0-15 | 16-31) x (columns 0-15 | 16-31)
 *   tmm4-5  A: int8 [16][32], one block of 16 x rows, straight from xq (rows ldq bytes apart)
 *   tmm6-7  B: int8 [8][64], one block of 16 columns of the panel (rows 128 bytes apart)
 * 4 TDPBSSD per block, then 4 tile stores and the scaling of 32 x 32 sums into float accumulators kept in a
 * stack array. A last tile of fewer than 32 rows copies its partial 16-row A tile into a zero-padded buffer
 * (the rows past m do not exist in xq); columns past the panel's cols are zeros in the panel and are not
 * stored. Nothing here was run on AMX hardware: the machine this was written on has none. The C tests run it
 * on native/test/amx_model.h, a software model of the tile unit.
 *
 * Stack: the loop's work area (PG_Q8P_WORK_BYTES) in pg_gemm_q8_amx's frame, and per tile call the float
 * accumulators (4 KB), the stored sums (4 KB) and the edge A tile (8 KB): within PG_GEMM_STACK_BYTES.
 */
#include <immintrin.h>
#include <string.h>

#include "gemm_q8.h"
#include "gemm_q8_packed.h"
#include "pg_amx.h"
#include "pg_internal.h"
#include "pg_vmath.h"

#define Q8A_ALWAYS_INLINE inline __attribute__((always_inline))

#define Q8A_MR 32                                    /* x rows per tile: two A tiles */
#define Q8A_NR 32                                    /* columns per panel: two B tiles */
#define Q8A_SPAN (PG_Q8P_KCB_DPBUSD * PG_Q8_BLOCK)  /* bytes of an x row in one k-chunk */

/* tmm0-3 C [16 rows][64 bytes], tmm4-5 A [16 rows][32 bytes], tmm6-7 B [8 rows][64 bytes] */
static pg_tile_config q8a_config(void) {
    pg_tile_config c = {0};
    c.palette = 1;
    for (int t = 0; t < 8; t++) {
        c.colsb[t] = t == 4 || t == 5 ? PG_Q8_BLOCK : 64;
        c.rows[t] = t >= 6 ? PG_Q8_BLOCK / 4 : 16;
    }
    return c;
}

/* The block sums of tile c (16 rows x 16 columns, int32, row stride 64 bytes) scaled into acc rows [r0, r1) at
 * column offset h * 16: acc[r][h * 16 + j] += float(sum[r][j]) * (sv[j] * xs[r]). */
static Q8A_ALWAYS_INLINE PG_AMX_INT8_TARGET void q8a_scale(const int32_t (*sum)[16], __m512 sv, const float *xs,
                                                           int64_t ldxs, int64_t r0, int64_t r1, int h,
                                                           float (*acc)[Q8A_NR]) {
    for (int64_t r = r0; r < r1; r++) {
        const __m512 sc = _mm512_mul_ps(sv, _mm512_set1_ps(xs[r * ldxs]));
        float *ar = acc[r] + h * 16;
        _mm512_store_ps(ar, _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_load_si512(sum[r - r0])), sc,
                                            _mm512_load_ps(ar)));
    }
}

/*
 * A tile of R A tiles (R * 16 x rows, of which `rows` exist) x one panel over kcb blocks; arguments as pg_q8p_fn
 * (corr unused). a: xq at the tile's first row and the chunk's first block, rows lda bytes apart.
 */
static Q8A_ALWAYS_INLINE PG_AMX_INT8_TARGET void q8a_tile(int R, const void *a, int64_t lda, const float *xs,
                                                          int64_t ldxs, const void *bp, const float *sp,
                                                          int64_t kcb, float *y, int64_t ldy, int64_t rows,
                                                          int64_t cols, int accumulate) {
    _Alignas(64) float acc[Q8A_MR][Q8A_NR];
    _Alignas(64) int32_t sum[4][16][16];
    _Alignas(64) int8_t edge[16][Q8A_SPAN];
    const int8_t *a0 = a, *a1 = (const int8_t *)a + 16 * lda;
    int64_t lda0 = lda, lda1 = lda;
    /* the last A tile's rows past `rows` would be read past xq: copy the rows there are, zeros after them */
    const int64_t last_rows = rows - 16 * (R - 1);
    if (last_rows < 16) {
        const int8_t *src = R == 1 ? a0 : a1;
        memset(edge, 0, sizeof edge);
        for (int64_t r = 0; r < last_rows; r++) {
            memcpy(edge[r], src + r * lda, (size_t)(kcb * PG_Q8_BLOCK));
        }
        if (R == 1) {
            a0 = edge[0];
            lda0 = Q8A_SPAN;
        } else {
            a1 = edge[0];
            lda1 = Q8A_SPAN;
        }
    }
    memset(acc, 0, (size_t)rows * sizeof acc[0]);
    const int8_t *b = bp;
    for (int64_t blk = 0; blk < kcb; blk++) {
        const int8_t *bb = b + blk * (PG_Q8_BLOCK / 4) * Q8A_NR * 4; /* the block's 8 groups of 32 columns */
        PG_TILE_ZERO(0);
        PG_TILE_ZERO(1);
        PG_TILE_LOAD(4, a0 + blk * PG_Q8_BLOCK, lda0);
        PG_TILE_LOAD(6, bb, Q8A_NR * 4);
        PG_TILE_LOAD(7, bb + 64, Q8A_NR * 4);
        PG_TILE_DPBSSD(0, 4, 6);
        PG_TILE_DPBSSD(1, 4, 7);
        PG_TILE_STORE(0, sum[0], 64);
        PG_TILE_STORE(1, sum[1], 64);
        if (R == 2) {
            PG_TILE_ZERO(2);
            PG_TILE_ZERO(3);
            PG_TILE_LOAD(5, a1 + blk * PG_Q8_BLOCK, lda1);
            PG_TILE_DPBSSD(2, 5, 6);
            PG_TILE_DPBSSD(3, 5, 7);
            PG_TILE_STORE(2, sum[2], 64);
            PG_TILE_STORE(3, sum[3], 64);
        }
        const __m512 s0 = _mm512_load_ps(sp + blk * Q8A_NR), s1 = _mm512_load_ps(sp + blk * Q8A_NR + 16);
        const int64_t top = rows < 16 ? rows : 16;
        q8a_scale(sum[0], s0, xs + blk, ldxs, 0, top, 0, acc);
        q8a_scale(sum[1], s1, xs + blk, ldxs, 0, top, 1, acc);
        if (R == 2) {
            q8a_scale(sum[2], s0, xs + blk, ldxs, 16, rows, 0, acc);
            q8a_scale(sum[3], s1, xs + blk, ldxs, 16, rows, 1, acc);
        }
    }
    const __mmask16 m0 = pg_v_tail(cols), m1 = pg_v_tail(cols - 16);
    for (int64_t r = 0; r < rows; r++) {
        float *yr = y + r * ldy;
        __m512 v0 = _mm512_load_ps(acc[r]), v1 = _mm512_load_ps(acc[r] + 16);
        if (accumulate) {
            v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, yr));
            v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, yr + 16));
        }
        _mm512_mask_storeu_ps(yr, m0, v0);
        _mm512_mask_storeu_ps(yr + 16, m1, v1);
    }
}

#define Q8A_TILE_FN(R)                                                                                         \
    static PG_AMX_INT8_TARGET void q8a_tile_##R(const void *a, int64_t lda, const float *xs, int64_t ldxs,    \
                                                const int32_t *corr, const void *bp, const float *sp,         \
                                                int64_t kcb, float *y, int64_t ldy, int64_t rows,             \
                                                int64_t cols, int accumulate) {                               \
        (void)corr; /* signed x signed: no correction */                                                      \
        q8a_tile(R, a, lda, xs, ldxs, bp, sp, kcb, y, ldy, rows, cols, accumulate);                           \
    }

Q8A_TILE_FN(1)
Q8A_TILE_FN(2)

/* [(rows - 1) / 16]: one A tile (up to 16 rows), two (up to 32) */
static const pg_q8p_fn Q8A_TILES[2] = {q8a_tile_1, q8a_tile_2};

PG_AMX_INT8_TARGET void pg_gemm_q8_amx(const int8_t *xq, const float *xs, const int8_t *q, const uint16_t *s,
                                       float *y, int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1) {
    _Static_assert(PG_Q8P_MB % Q8A_MR == 0 && Q8A_NR == PG_Q8P_NR_MAX, "the loop's blocks hold whole AMX tiles");
    pg_tile_config cfg = q8a_config();
    PG_TILE_CONFIG(&cfg);
    pg_q8p_loop(PG_Q8P_TDPBSSD, Q8A_NR, Q8A_MR, Q8A_TILES, pg_q8p_pack_avx512, xq, xs, q, s, y, ldy, m, k, n0, n1);
    PG_TILE_RELEASE();
}
