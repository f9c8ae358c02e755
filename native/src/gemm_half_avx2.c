/*
 * gemm_half_avx2.c: the AVX2 + FMA + F16C paths of pg_gemm_bf16 / pg_gemm_f16 / pg_gemm_f32 and
 * pg_gemm_q8_f32 (the contract, the scalar twin and the AVX-512 paths are in gemm_half.c). Same two strategies as
 * AVX-512, on 8-lane vectors and 16 registers:
 *   avx2_stream   m < PG_GEMM_PACKED_MIN_M (decode). Memory-bound: each weight row is read once per
 *                 k-block and widened in registers; a tile is up to 3 x rows times 4 weight rows
 *                 (1 x 8 for one row) of independent accumulators, reduced horizontally at the end.
 *   avx2_packed   m >= PG_GEMM_PACKED_MIN_M (prefill). Compute-bound: a k-block of 16 weight rows is
 *                 widened and transposed (8 x 8 blocks) once into a [KC][16] float panel on the
 *                 stack, then swept by a 6 x 16 register tile (12 accumulators, 2 weight vectors, one
 *                 broadcast) over all m rows, so each converted weight feeds m FMAs.
 */
#include <immintrin.h>

#include "gemm_half.h"
#include "pg_vmath_avx2.h"

/* ---- loads ------------------------------------------------------------------------------------ */

/* 8 weights from element i of w, as floats; sp: their scale, for W_Q8 (i at a multiple of 8 in the row). */
static ALWAYS_INLINE PG_AVX2 __m256 load_w8(int kind, const void *w, int64_t i, const uint16_t *sp) {
    if (kind == W_Q8) {
        return pg_q8_load8((const int8_t *)w + i, sp);
    }
    if (kind == W_F32) {
        return _mm256_loadu_ps((const float *)w + i);
    }
    __m128i h = _mm_loadu_si128((const __m128i *)((const uint16_t *)w + i));
    if (kind == HALF_BF16) {
        return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
    }
    return _mm256_cvtph_ps(h);
}

/* Lane mask of the first n lanes (none for n <= 0, all for n >= 8), for maskload / maskstore. */
static ALWAYS_INLINE PG_AVX2 __m256i tail8(int64_t n) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    int32_t c = n <= 0 ? 0 : (n >= 8 ? 8 : (int32_t)n);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(c), lanes);
}

/* ---- stream: dot-product tiles, for small m ----------------------------------------------------- */

/* One k-block of a stream tile (gemm_half.h's pg_dot_fn): acc[r][c] += x[r, p] w[c, p] lane-wise for r < MR,
 * c < NR. The k % 8 tail (only ever in the last block: KC_STREAM is a multiple of 8) is summed in scalar code
 * after the reduction: 16-bit weights have no masked load in AVX2. */
static ALWAYS_INLINE PG_AVX2 void dot_tile(int kind, int MR, int NR, const float *x, int64_t ldx,
                                           const void *w, const uint16_t *s, int64_t ldw, int64_t kc,
                                           float *part, int64_t ldp, int phase, float *y, int64_t ldy) {
    __m256 acc[3][8];
#pragma GCC unroll 3
    for (int r = 0; r < MR; r++) {
#pragma GCC unroll 8
        for (int c = 0; c < NR; c++) {
            acc[r][c] = (phase & STREAM_FIRST) ? _mm256_setzero_ps() : _mm256_load_ps(part + r * ldp + c * 8);
        }
    }
    /* one prefetch per 64 bytes of each weight row: 8 elements are 8, 16 or 32 bytes */
    const int64_t line_mask = kind == W_F32 ? 15 : (kind == W_Q8 ? 63 : 31);
    int64_t p = 0;
    for (; p + 8 <= kc; p += 8) {
        __m256 xv[3];
#pragma GCC unroll 3
        for (int r = 0; r < MR; r++) {
            xv[r] = _mm256_loadu_ps(x + r * ldx + p);
        }
#pragma GCC unroll 8
        for (int c = 0; c < NR; c++) {
            if ((p & line_mask) == 0) {
                /* decode: fetch the same columns of the next tile's rows while these stream, as the
                 * AVX-512 path does (from every x tile: the later ones find the line cached); a
                 * prefetch past the matrix end is harmless on x86 */
                _mm_prefetch((const char *)pg_w_at(kind, w, (c + NR) * ldw + p), _MM_HINT_T1);
            }
            __m256 wv = load_w8(kind, w, c * ldw + p, pg_s_at(kind, s, ldw, c, p));
#pragma GCC unroll 3
            for (int r = 0; r < MR; r++) {
                acc[r][c] = _mm256_fmadd_ps(xv[r], wv, acc[r][c]);
            }
        }
    }
#pragma GCC unroll 3
    for (int r = 0; r < MR; r++) {
#pragma GCC unroll 8
        for (int c = 0; c < NR; c++) {
            if (!(phase & STREAM_LAST)) {
                _mm256_store_ps(part + r * ldp + c * 8, acc[r][c]);
                continue;
            }
            float sum = pg_v8_reduce_add_ps(acc[r][c]);
            for (int64_t q = p; q < kc; q++) {
                sum += x[r * ldx + q] * pg_w_value(kind, w, c * ldw + q, pg_s_at(kind, s, ldw, c, q));
            }
            y[r * ldy + c] = sum;
        }
    }
}

#define DOT_TILE_FN(kind, MR, NR)                                                                  \
    static PG_AVX2 void dot_##kind##_##MR##x##NR(const float *x, int64_t ldx, const void *w,       \
                                                 const uint16_t *s, int64_t ldw, int64_t kc,       \
                                                 float *part, int64_t ldp, int phase, float *y,    \
                                                 int64_t ldy) {                                    \
        dot_tile(kind, MR, NR, x, ldx, w, s, ldw, kc, part, ldp, phase, y, ldy);                   \
    }

/* 3 x 4 is the widest that fits 16 registers: 12 accumulators, 3 x vectors, 1 weight vector */
#define DOT_TILE_FNS(kind)                                                                         \
    DOT_TILE_FN(kind, 1, 1) DOT_TILE_FN(kind, 2, 1) DOT_TILE_FN(kind, 3, 1)                        \
    DOT_TILE_FN(kind, 1, 4) DOT_TILE_FN(kind, 2, 4) DOT_TILE_FN(kind, 3, 4) DOT_TILE_FN(kind, 1, 8)

DOT_TILE_FNS(HALF_BF16)
DOT_TILE_FNS(HALF_F16)
DOT_TILE_FNS(W_F32)
DOT_TILE_FNS(W_Q8)

/* [kind][MR - 1][width]: width 0 takes one weight row (the last rows of [n0, n1)), width 1 four,
 * width 2 eight (only for m = 1, where four FMA chains would be too few to hide the latency). */
static const pg_dot_fn DOT_TILES[4][3][3] = {
    {{dot_HALF_BF16_1x1, dot_HALF_BF16_1x4, dot_HALF_BF16_1x8},
     {dot_HALF_BF16_2x1, dot_HALF_BF16_2x4, NULL},
     {dot_HALF_BF16_3x1, dot_HALF_BF16_3x4, NULL}},
    {{dot_HALF_F16_1x1, dot_HALF_F16_1x4, dot_HALF_F16_1x8},
     {dot_HALF_F16_2x1, dot_HALF_F16_2x4, NULL},
     {dot_HALF_F16_3x1, dot_HALF_F16_3x4, NULL}},
    {{dot_W_F32_1x1, dot_W_F32_1x4, dot_W_F32_1x8},
     {dot_W_F32_2x1, dot_W_F32_2x4, NULL},
     {dot_W_F32_3x1, dot_W_F32_3x4, NULL}},
    {{dot_W_Q8_1x1, dot_W_Q8_1x4, dot_W_Q8_1x8},
     {dot_W_Q8_2x1, dot_W_Q8_2x4, NULL},
     {dot_W_Q8_3x1, dot_W_Q8_3x4, NULL}},
};

static ALWAYS_INLINE PG_AVX2 void gemm_stream(int kind, const float *x, int64_t ldx, const void *w,
                                              const uint16_t *s, float *y, int64_t ldy, int64_t m,
                                              int64_t k, int64_t n0, int64_t n1) {
    pg_stream_loop(kind, DOT_TILES[kind], 3, 8, x, ldx, w, s, y, ldy, m, k, n0, n1);
}

PG_AVX2 void pg_gemm_bf16_avx2_stream(const float *x, int64_t ldx, const uint16_t *w, float *y,
                                      int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1) {
    gemm_stream(HALF_BF16, x, ldx, w, NULL, y, ldy, m, k, n0, n1);
}

PG_AVX2 void pg_gemm_f16_avx2_stream(const float *x, int64_t ldx, const uint16_t *w, float *y,
                                     int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1) {
    gemm_stream(HALF_F16, x, ldx, w, NULL, y, ldy, m, k, n0, n1);
}

PG_AVX2 void pg_gemm_f32_avx2_stream(const float *x, int64_t ldx, const float *w, float *y,
                                     int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1) {
    gemm_stream(W_F32, x, ldx, w, NULL, y, ldy, m, k, n0, n1);
}

/* ---- packed: converted weight panels, 6 x 16 register tiles, for large m ------------------------ */

#define KC_PACK 256 /* panel depth: 16 KB of floats per panel, which stays in L1 with the x tile */
#define NR_PACK 16  /* weight rows (output columns) per panel: two vectors */
#define MR_PACK 6   /* x rows per register tile: 12 accumulators + 2 weight vectors + a broadcast */
#define JB_PACK 4   /* panels converted together (64 KB, L2): each copied x tile serves all four */
/* Row stride of the copied x tile: not a multiple of 4 KB, so its rows never share an L1 set (see
 * XT_LD in gemm_half.c for what the uncopied rows cost) */
#define XT_LD (KC_PACK + 8)

/* panel[p][c] = float(w[j0 + c, kb + p]) for p < kc, c < 16; rows past nj are zero. Whole 8 x 8
 * blocks go through pg_v8_transpose8; the edges (kc % 8, a partial 8 rows) element by element. */
static ALWAYS_INLINE PG_AVX2 void pack_panel(int kind, const void *w, const uint16_t *s, int64_t k,
                                             int64_t j0, int64_t nj, int64_t kb, int64_t kc, float *panel) {
    for (int64_t half = 0; half < NR_PACK / 8; half++) {
        int64_t rows = nj - half * 8;
        const int64_t wb = (j0 + half * 8) * k + kb;
        for (int64_t p0 = 0; p0 < kc; p0 += 8) {
            if (rows >= 8 && p0 + 8 <= kc) {
                __m256 blk[8];
#pragma GCC unroll 8
                for (int rr = 0; rr < 8; rr++) {
                    blk[rr] = load_w8(kind, w, wb + rr * k + p0, pg_s_at(kind, s, k, j0 + half * 8 + rr, kb + p0));
                }
                pg_v8_transpose8(blk);
#pragma GCC unroll 8
                for (int pp = 0; pp < 8; pp++) {
                    _mm256_store_ps(panel + (p0 + pp) * NR_PACK + half * 8, blk[pp]);
                }
                continue;
            }
            int64_t np = kc - p0 < 8 ? kc - p0 : 8;
            for (int64_t pp = 0; pp < np; pp++) {
                for (int64_t rr = 0; rr < 8; rr++) {
                    panel[(p0 + pp) * NR_PACK + half * 8 + rr] =
                        rr < rows ? pg_w_value(kind, w, wb + rr * k + p0 + pp,
                                               pg_s_at(kind, s, k, j0 + half * 8 + rr, kb + p0 + pp))
                                  : 0.0f;
                }
            }
        }
    }
}

/* y[r, 0..16) (+)= sum_{p < kc} x[r, p] panel[p][..] for r < MR; only the first nj columns exist. */
static ALWAYS_INLINE PG_AVX2 void micro_tile(int MR, const float *x, int64_t ldx, const float *panel,
                                             int64_t kc, float *y, int64_t ldy, int64_t nj,
                                             int accumulate) {
    const __m256i m0 = tail8(nj), m1 = tail8(nj - 8);
    __m256 c0[MR_PACK], c1[MR_PACK];
#pragma GCC unroll 6
    for (int r = 0; r < MR; r++) {
        if (accumulate && nj == NR_PACK) {
            c0[r] = _mm256_loadu_ps(y + r * ldy);
            c1[r] = _mm256_loadu_ps(y + r * ldy + 8);
        } else if (accumulate) {
            c0[r] = _mm256_maskload_ps(y + r * ldy, m0);
            c1[r] = _mm256_maskload_ps(y + r * ldy + 8, m1);
        } else {
            c0[r] = _mm256_setzero_ps();
            c1[r] = _mm256_setzero_ps();
        }
    }
    for (int64_t p = 0; p < kc; p++) {
        __m256 b0 = _mm256_load_ps(panel + p * NR_PACK);
        __m256 b1 = _mm256_load_ps(panel + p * NR_PACK + 8);
#pragma GCC unroll 6
        for (int r = 0; r < MR; r++) {
            __m256 xb = _mm256_broadcast_ss(x + r * ldx + p);
            c0[r] = _mm256_fmadd_ps(xb, b0, c0[r]);
            c1[r] = _mm256_fmadd_ps(xb, b1, c1[r]);
        }
    }
    /* masked stores are microcoded on Zen 2/3, the CPUs this path is for: only the last panel's */
    if (nj == NR_PACK) {
#pragma GCC unroll 6
        for (int r = 0; r < MR; r++) {
            _mm256_storeu_ps(y + r * ldy, c0[r]);
            _mm256_storeu_ps(y + r * ldy + 8, c1[r]);
        }
        return;
    }
#pragma GCC unroll 6
    for (int r = 0; r < MR; r++) {
        _mm256_maskstore_ps(y + r * ldy, m0, c0[r]);
        _mm256_maskstore_ps(y + r * ldy + 8, m1, c1[r]);
    }
}

#define MICRO_FN(MR)                                                                               \
    static PG_AVX2 void micro_##MR(const float *x, int64_t ldx, const float *panel, int64_t kc,    \
                                   float *y, int64_t ldy, int64_t nj, int accumulate) {           \
        micro_tile(MR, x, ldx, panel, kc, y, ldy, nj, accumulate);                                 \
    }

MICRO_FN(1) MICRO_FN(2) MICRO_FN(3) MICRO_FN(4) MICRO_FN(5) MICRO_FN(6)

typedef void (*micro_fn)(const float *, int64_t, const float *, int64_t, float *, int64_t, int64_t,
                         int);

static const micro_fn MICRO_TILES[MR_PACK] = {micro_1, micro_2, micro_3, micro_4, micro_5, micro_6};

/* xt[r][0..kc) = x[r][0..kc) for r < mr: the register tile's rows, XT_LD apart. */
static ALWAYS_INLINE void copy_x_tile(const float *x, int64_t ldx, int64_t mr, int64_t kc, float *xt) {
    for (int64_t r = 0; r < mr; r++) {
        memcpy(xt + r * XT_LD, x + r * ldx, (size_t)kc * sizeof(float));
    }
}

static ALWAYS_INLINE PG_AVX2 void gemm_packed(int kind, const float *x, int64_t ldx, const void *w,
                                              const uint16_t *s, float *y, int64_t ldy, int64_t m,
                                              int64_t k, int64_t n0, int64_t n1) {
    float panels[JB_PACK][KC_PACK * NR_PACK] __attribute__((aligned(32)));
    float xt[MR_PACK * XT_LD] __attribute__((aligned(32)));
    if (k <= 0) {
        for (int64_t i = 0; i < m; i++) {
            for (int64_t j = n0; j < n1; j++) {
                y[i * ldy + j] = 0.0f;
            }
        }
        return;
    }
    /* k-blocks outermost: the x block [m, KC_PACK] stays in L2 for every panel of the block */
    for (int64_t kb = 0; kb < k; kb += KC_PACK) {
        int64_t kc = k - kb < KC_PACK ? k - kb : KC_PACK;
        for (int64_t jb = n0; jb < n1; jb += JB_PACK * NR_PACK) {
            int np = 0;
            for (int64_t j0 = jb; j0 < n1 && np < JB_PACK; j0 += NR_PACK, np++) {
                int64_t nj = n1 - j0 < NR_PACK ? n1 - j0 : NR_PACK;
                pack_panel(kind, w, s, k, j0, nj, kb, kc, panels[np]);
            }
            for (int64_t i = 0; i < m; i += MR_PACK) {
                int64_t mr = m - i < MR_PACK ? m - i : MR_PACK;
                copy_x_tile(x + i * ldx + kb, ldx, mr, kc, xt);
                for (int q = 0; q < np; q++) {
                    int64_t j0 = jb + (int64_t)q * NR_PACK;
                    int64_t nj = n1 - j0 < NR_PACK ? n1 - j0 : NR_PACK;
                    MICRO_TILES[mr - 1](xt, XT_LD, panels[q], kc, y + i * ldy + j0, ldy, nj, kb > 0);
                }
            }
        }
    }
}

PG_AVX2 void pg_gemm_bf16_avx2_packed(const float *x, int64_t ldx, const uint16_t *w, float *y,
                                      int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1) {
    gemm_packed(HALF_BF16, x, ldx, w, NULL, y, ldy, m, k, n0, n1);
}

PG_AVX2 void pg_gemm_f16_avx2_packed(const float *x, int64_t ldx, const uint16_t *w, float *y,
                                     int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1) {
    gemm_packed(HALF_F16, x, ldx, w, NULL, y, ldy, m, k, n0, n1);
}

PG_AVX2 void pg_gemm_f32_avx2_packed(const float *x, int64_t ldx, const float *w, float *y,
                                     int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1) {
    gemm_packed(W_F32, x, ldx, w, NULL, y, ldy, m, k, n0, n1);
}

PG_AVX2 void pg_gemm_q8_f32_avx2_stream(const float *x, int64_t ldx, const int8_t *q, const uint16_t *s,
                                        float *y, int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1) {
    gemm_stream(W_Q8, x, ldx, q, s, y, ldy, m, k, n0, n1);
}

PG_AVX2 void pg_gemm_q8_f32_avx2_packed(const float *x, int64_t ldx, const int8_t *q, const uint16_t *s,
                                        float *y, int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1) {
    gemm_packed(W_Q8, x, ldx, q, s, y, ldy, m, k, n0, n1);
}
