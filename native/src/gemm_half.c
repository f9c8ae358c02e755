/*
 * gemm_half.c: y[i, j] = sum_p x[i, p] * w[j, p] with bfloat16, IEEE half or float32 weights,
 * i < m, n0 <= j < n1, w [n, k] row-major. 16-bit weights are widened to float32 in registers and
 * every product and sum is a float32 FMA, so results equal an f32 GEMM over the converted weights up
 * to summation order. Float32 weights take the same paths without the conversion: at decode they
 * stream faster than OpenBLAS's sgemv (see DESIGN.md). Q8_0 weights (int8 with a half scale per 32
 * columns, W_Q8) take them too, widened and scaled exactly in registers: pg_gemm_q8_f32, the prefill
 * product of gemm_q8.c's family (its dispatcher is there).
 *
 * Paths, chosen per call by pg_gemm_bf16 / pg_gemm_f16 / pg_gemm_f32 (and pg_gemm_q8_f32) from pg_isa():
 *   scalar          any x86-64: one converted weight-row chunk on the stack, dotted with every x row.
 *   avx2_stream, avx2_packed   the AVX2 + FMA + F16C twins of the two AVX-512 paths below, in
 *                   gemm_half_avx2.c (8-lane vectors: 6 x 16 register tiles, 8x8 transposes).
 *   avx512_stream   m < PG_GEMM_PACKED_MIN_M (decode). Memory-bound: each weight row is read once
 *                   per k-block and converted in registers; a tile is up to 4 x rows times 4-8 weight
 *                   rows of independent dot-product accumulators, reduced horizontally at the end.
 *   avx512_packed   m >= PG_GEMM_PACKED_MIN_M (prefill). Compute-bound: a k-block of 32 weight rows
 *                   is converted and transposed once into a [KC][32] float panel on the stack, then
 *                   swept by a 12 x 32 register tile (24 accumulators, x broadcast from memory) over
 *                   all m rows, so each converted weight feeds m FMAs.
 * An AMX path would be a fourth variant next to avx512_packed (same k-block / panel loop, tiles in
 * place of the register micro-kernel), picked by the dispatchers when pg_amx_request() allows it.
 */
#include <immintrin.h>

#include "gemm_half.h"
#include "pg_internal.h"
#include "pg_vmath.h"

/* ---- scalar ------------------------------------------------------------------------------- */

#define SCALAR_KC 512


/* Eight partial sums: a shorter dependency chain and a smaller rounding error than one. */
static float dot_scalar(const float *a, const float *b, int64_t n) {
    float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t p = 0;
    for (; p + 8 <= n; p += 8) {
        for (int q = 0; q < 8; q++) {
            s[q] += a[p + q] * b[p + q];
        }
    }
    for (; p < n; p++) {
        s[p & 7] += a[p] * b[p];
    }
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

static ALWAYS_INLINE void gemm_scalar(int kind, const float *x, int64_t ldx, const void *w,
                                      const uint16_t *s, float *y, int64_t ldy, int64_t m, int64_t k,
                                      int64_t n0, int64_t n1) {
    float buf[SCALAR_KC];
    for (int64_t j = n0; j < n1; j++) {
        if (k <= 0) {
            for (int64_t i = 0; i < m; i++) {
                y[i * ldy + j] = 0.0f;
            }
        }
        for (int64_t kb = 0; kb < k; kb += SCALAR_KC) {
            int64_t kc = k - kb < SCALAR_KC ? k - kb : SCALAR_KC;
            for (int64_t p = 0; p < kc; p++) {
                buf[p] = pg_w_value(kind, w, j * k + kb + p, pg_s_at(kind, s, k, j, kb + p));
            }
            for (int64_t i = 0; i < m; i++) {
                float d = dot_scalar(x + i * ldx + kb, buf, kc);
                y[i * ldy + j] = kb == 0 ? d : y[i * ldy + j] + d;
            }
        }
    }
}

void pg_gemm_bf16_scalar(const float *x, int64_t ldx, const uint16_t *w, float *y, int64_t ldy,
                         int64_t m, int64_t k, int64_t n0, int64_t n1) {
    gemm_scalar(HALF_BF16, x, ldx, w, NULL, y, ldy, m, k, n0, n1);
}

void pg_gemm_f16_scalar(const float *x, int64_t ldx, const uint16_t *w, float *y, int64_t ldy,
                        int64_t m, int64_t k, int64_t n0, int64_t n1) {
    gemm_scalar(HALF_F16, x, ldx, w, NULL, y, ldy, m, k, n0, n1);
}

void pg_gemm_f32_scalar(const float *x, int64_t ldx, const float *w, float *y, int64_t ldy,
                        int64_t m, int64_t k, int64_t n0, int64_t n1) {
    gemm_scalar(W_F32, x, ldx, w, NULL, y, ldy, m, k, n0, n1);
}

/* ---- AVX-512: weight conversion ------------------------------------------------------------ */

static ALWAYS_INLINE PG_AVX512 __m512 cvt16(int kind, __m256i h) {
    if (kind == HALF_BF16) {
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    }
    return _mm512_cvtph_ps(h);
}

/* 16 weights from element i of w, as floats; sp: their scale, for W_Q8 (i at a multiple of 16 in the row). */
static ALWAYS_INLINE PG_AVX512 __m512 load_w(int kind, const void *w, int64_t i, const uint16_t *sp) {
    if (kind == W_Q8) {
        return pg_q8_load16((const int8_t *)w + i, sp);
    }
    if (kind == W_F32) {
        return _mm512_loadu_ps((const float *)w + i);
    }
    return cvt16(kind, _mm256_loadu_si256((const __m256i *)((const uint16_t *)w + i)));
}

static ALWAYS_INLINE PG_AVX512 __m512 load_w_mask(int kind, __mmask16 km, const void *w, int64_t i,
                                                  const uint16_t *sp) {
    if (kind == W_Q8) {
        return pg_q8_load16_mask(km, (const int8_t *)w + i, sp);
    }
    if (kind == W_F32) {
        return _mm512_maskz_loadu_ps(km, (const float *)w + i);
    }
    return cvt16(kind, _mm256_maskz_loadu_epi16(km, (const uint16_t *)w + i));
}

/* ---- AVX-512 stream: dot-product tiles, for small m ---------------------------------------- */

/* One k-block of a stream tile (gemm_half.h's pg_dot_fn): acc[r][c] += x[r, p] w[c, p] lane-wise for r < MR,
 * c < NR, the masked tail (the last block's) folded into the same vectors. */
static ALWAYS_INLINE PG_AVX512 void dot_tile(int kind, int MR, int NR, const float *x, int64_t ldx,
                                             const void *w, const uint16_t *s, int64_t ldw, int64_t kc,
                                             float *part, int64_t ldp, int phase, float *y, int64_t ldy) {
    __m512 acc[4][8];
#pragma GCC unroll 4
    for (int r = 0; r < MR; r++) {
#pragma GCC unroll 8
        for (int c = 0; c < NR; c++) {
            acc[r][c] = (phase & STREAM_FIRST) ? _mm512_setzero_ps() : _mm512_load_ps(part + r * ldp + c * 16);
        }
    }
    const int64_t line_mask = kind == W_F32 ? 15 : (kind == W_Q8 ? 63 : 31); /* elements per 64 bytes, - 1 */
    int64_t p = 0;
    for (; p + 16 <= kc; p += 16) {
        __m512 xv[4];
#pragma GCC unroll 4
        for (int r = 0; r < MR; r++) {
            xv[r] = _mm512_loadu_ps(x + r * ldx + p);
        }
#pragma GCC unroll 8
        for (int c = 0; c < NR; c++) {
            if (MR == 1 ? (kind != W_Q8 || (p & 63) == 0) : (p & line_mask) == 0) {
                /* decode: while these weight rows stream, fetch the same columns of the next tile's rows,
                 * so the memory system always has the next tile's misses in flight; a prefetch past the
                 * matrix end is harmless on x86. One row: every 16 columns (16 int8 weights are a quarter
                 * line); more rows: once per line, from every x tile (the later ones find it cached). */
                _mm_prefetch((const char *)pg_w_at(kind, w, (c + NR) * ldw + p), _MM_HINT_T1);
            }
            __m512 wv = load_w(kind, w, c * ldw + p, pg_s_at(kind, s, ldw, c, p));
#pragma GCC unroll 4
            for (int r = 0; r < MR; r++) {
                acc[r][c] = _mm512_fmadd_ps(xv[r], wv, acc[r][c]);
            }
        }
    }
    if (p < kc) {
        __mmask16 km = pg_v_tail(kc - p);
        __m512 xv[4];
#pragma GCC unroll 4
        for (int r = 0; r < MR; r++) {
            xv[r] = _mm512_maskz_loadu_ps(km, x + r * ldx + p);
        }
#pragma GCC unroll 8
        for (int c = 0; c < NR; c++) {
            __m512 wv = load_w_mask(kind, km, w, c * ldw + p, pg_s_at(kind, s, ldw, c, p));
#pragma GCC unroll 4
            for (int r = 0; r < MR; r++) {
                acc[r][c] = _mm512_fmadd_ps(xv[r], wv, acc[r][c]);
            }
        }
    }
#pragma GCC unroll 4
    for (int r = 0; r < MR; r++) {
#pragma GCC unroll 8
        for (int c = 0; c < NR; c++) {
            if (phase & STREAM_LAST) {
                y[r * ldy + c] = _mm512_reduce_add_ps(acc[r][c]);
            } else {
                _mm512_store_ps(part + r * ldp + c * 16, acc[r][c]);
            }
        }
    }
}

#define DOT_TILE_FN(kind, MR, NR)                                                                 \
    static PG_AVX512 void dot_##kind##_##MR##x##NR(const float *x, int64_t ldx, const void *w,     \
                                                   const uint16_t *s, int64_t ldw, int64_t kc,     \
                                                   float *part, int64_t ldp, int phase, float *y,  \
                                                   int64_t ldy) {                                  \
        dot_tile(kind, MR, NR, x, ldx, w, s, ldw, kc, part, ldp, phase, y, ldy);                  \
    }

#define DOT_TILE_FNS(kind)                                                                         \
    DOT_TILE_FN(kind, 1, 1) DOT_TILE_FN(kind, 2, 1) DOT_TILE_FN(kind, 3, 1) DOT_TILE_FN(kind, 4, 1) \
    DOT_TILE_FN(kind, 1, 4) DOT_TILE_FN(kind, 2, 4) DOT_TILE_FN(kind, 3, 4) DOT_TILE_FN(kind, 4, 4) \
    DOT_TILE_FN(kind, 1, 8)

DOT_TILE_FNS(HALF_BF16)
DOT_TILE_FNS(HALF_F16)
DOT_TILE_FNS(W_F32)
DOT_TILE_FNS(W_Q8)

/* [kind][MR - 1][width]: width 0 takes one weight row (the last rows of [n0, n1)), width 1 four,
 * width 2 eight (only for m = 1, where four FMA chains would be too few to hide the latency). */
static const pg_dot_fn DOT_TILES[4][4][3] = {
    {{dot_HALF_BF16_1x1, dot_HALF_BF16_1x4, dot_HALF_BF16_1x8},
     {dot_HALF_BF16_2x1, dot_HALF_BF16_2x4, NULL},
     {dot_HALF_BF16_3x1, dot_HALF_BF16_3x4, NULL},
     {dot_HALF_BF16_4x1, dot_HALF_BF16_4x4, NULL}},
    {{dot_HALF_F16_1x1, dot_HALF_F16_1x4, dot_HALF_F16_1x8},
     {dot_HALF_F16_2x1, dot_HALF_F16_2x4, NULL},
     {dot_HALF_F16_3x1, dot_HALF_F16_3x4, NULL},
     {dot_HALF_F16_4x1, dot_HALF_F16_4x4, NULL}},
    {{dot_W_F32_1x1, dot_W_F32_1x4, dot_W_F32_1x8},
     {dot_W_F32_2x1, dot_W_F32_2x4, NULL},
     {dot_W_F32_3x1, dot_W_F32_3x4, NULL},
     {dot_W_F32_4x1, dot_W_F32_4x4, NULL}},
    {{dot_W_Q8_1x1, dot_W_Q8_1x4, dot_W_Q8_1x8},
     {dot_W_Q8_2x1, dot_W_Q8_2x4, NULL},
     {dot_W_Q8_3x1, dot_W_Q8_3x4, NULL},
     {dot_W_Q8_4x1, dot_W_Q8_4x4, NULL}},
};

static ALWAYS_INLINE PG_AVX512 void gemm_stream(int kind, const float *x, int64_t ldx, const void *w,
                                              const uint16_t *s, float *y, int64_t ldy, int64_t m,
                                              int64_t k, int64_t n0, int64_t n1) {
    pg_stream_loop(kind, DOT_TILES[kind], 4, 16, x, ldx, w, s, y, ldy, m, k, n0, n1);
}

PG_AVX512 void pg_gemm_bf16_avx512_stream(const float *x, int64_t ldx, const uint16_t *w, float *y,
                                int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1) {
    gemm_stream(HALF_BF16, x, ldx, w, NULL, y, ldy, m, k, n0, n1);
}

PG_AVX512 void pg_gemm_f16_avx512_stream(const float *x, int64_t ldx, const uint16_t *w, float *y,
                               int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1) {
    gemm_stream(HALF_F16, x, ldx, w, NULL, y, ldy, m, k, n0, n1);
}

PG_AVX512 void pg_gemm_f32_avx512_stream(const float *x, int64_t ldx, const float *w, float *y,
                               int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1) {
    gemm_stream(W_F32, x, ldx, w, NULL, y, ldy, m, k, n0, n1);
}

/* ---- AVX-512 packed: converted weight panels, 12 x 32 register tiles, for large m ----------- */

#define KC_PACK 256 /* panel depth: 32 KB of floats per panel */
#define NR_PACK 32  /* weight rows (output columns) per panel: two vectors */
#define MR_PACK 12  /* x rows per register tile: 24 accumulators + 2 weight vectors */
#define JB_PACK 4   /* panels converted together (128 KB, L2): each copied x tile serves all four */
/* Row stride of the copied x tile: not a multiple of 4 KB, so its 12 rows never share an L1 set. The
 * engine's x rows are k floats apart, and for k = 2048 or 16384 the folded broadcasts (twice the loads)
 * of 12 rows 8 KB apart thrashed one L1 set: 268x2048x16384 fell from 172 to 135 GFLOP/s uncopied. */
#define XT_LD (KC_PACK + 16)

/* panel[p][c] = float(w[j0 + c, kb + p]) for p < kc, c < 32; rows past nj are zero. */
static ALWAYS_INLINE PG_AVX512 void pack_panel(int kind, const void *w, const uint16_t *s, int64_t k,
                                               int64_t j0, int64_t nj, int64_t kb, int64_t kc,
                                               float *panel) {
    for (int64_t half = 0; half < NR_PACK / 16; half++) {
        int64_t rows = nj - half * 16;
        if (rows <= 0) {
            for (int64_t p = 0; p < kc; p++) {
                _mm512_store_ps(panel + p * NR_PACK + half * 16, _mm512_setzero_ps());
            }
            continue;
        }
        const int64_t wb = (j0 + half * 16) * k + kb;
        for (int64_t p0 = 0; p0 < kc; p0 += 16) {
            __mmask16 km = pg_v_tail(kc - p0);
            __m512 blk[16];
#pragma GCC unroll 16
            for (int rr = 0; rr < 16; rr++) {
                blk[rr] = rr < rows ? load_w_mask(kind, km, w, wb + rr * k + p0,
                                                  pg_s_at(kind, s, k, j0 + half * 16 + rr, kb + p0))
                                    : _mm512_setzero_ps();
            }
            pg_v_transpose16(blk);
            int64_t np = kc - p0 < 16 ? kc - p0 : 16;
            for (int64_t pp = 0; pp < np; pp++) {
                _mm512_store_ps(panel + (p0 + pp) * NR_PACK + half * 16, blk[pp]);
            }
        }
    }
}

/*
 * *c += broadcast(*x) * b, the broadcast folded into the FMA's memory operand ({1to16}). GCC writes a
 * broadcast used by two FMAs as vbroadcastss + 2 FMAs, and on Zen 4 that broadcast takes an FP-pipe
 * slot the FMAs need (SigLIP fc1 256x1152x4304, 2 threads: 146 -> 200 GFLOP/s with folding).
 */
static ALWAYS_INLINE PG_AVX512 void fma_bcast(__m512 *c, __m512 b, const float *x) {
    __asm__("vfmadd231ps %[x]%{1to16%}, %[b], %[c]" : [c] "+v"(*c) : [b] "v"(b), [x] "m"(*x));
}

/* y[r, 0..32) (+)= sum_{p < kc} x[r, p] panel[p][..] for r < MR; m0 / m1 mask the two column halves. */
static ALWAYS_INLINE PG_AVX512 void micro_tile(int MR, const float *x, int64_t ldx,
                                               const float *panel, int64_t kc, float *y, int64_t ldy,
                                               __mmask16 m0, __mmask16 m1, int accumulate) {
    __m512 c0[MR_PACK], c1[MR_PACK];
#pragma GCC unroll 12
    for (int r = 0; r < MR; r++) {
        if (accumulate) {
            c0[r] = _mm512_maskz_loadu_ps(m0, y + r * ldy);
            c1[r] = _mm512_maskz_loadu_ps(m1, y + r * ldy + 16);
        } else {
            c0[r] = _mm512_setzero_ps();
            c1[r] = _mm512_setzero_ps();
        }
    }
    for (int64_t p = 0; p < kc; p++) {
        __m512 b0 = _mm512_load_ps(panel + p * NR_PACK);
        __m512 b1 = _mm512_load_ps(panel + p * NR_PACK + 16);
#pragma GCC unroll 12
        for (int r = 0; r < MR; r++) {
            fma_bcast(&c0[r], b0, x + r * ldx + p);
            fma_bcast(&c1[r], b1, x + r * ldx + p);
        }
    }
#pragma GCC unroll 12
    for (int r = 0; r < MR; r++) {
        _mm512_mask_storeu_ps(y + r * ldy, m0, c0[r]);
        _mm512_mask_storeu_ps(y + r * ldy + 16, m1, c1[r]);
    }
}

#define MICRO_FN(MR)                                                                              \
    static PG_AVX512 void micro_##MR(const float *x, int64_t ldx, const float *panel, int64_t kc, \
                                     float *y, int64_t ldy, __mmask16 m0, __mmask16 m1,           \
                                     int accumulate) {                                            \
        micro_tile(MR, x, ldx, panel, kc, y, ldy, m0, m1, accumulate);                            \
    }

MICRO_FN(1) MICRO_FN(2) MICRO_FN(3) MICRO_FN(4) MICRO_FN(5) MICRO_FN(6)
MICRO_FN(7) MICRO_FN(8) MICRO_FN(9) MICRO_FN(10) MICRO_FN(11) MICRO_FN(12)

typedef void (*micro_fn)(const float *, int64_t, const float *, int64_t, float *, int64_t,
                         __mmask16, __mmask16, int);

static const micro_fn MICRO_TILES[MR_PACK] = {micro_1, micro_2, micro_3, micro_4,  micro_5,  micro_6,
                                              micro_7, micro_8, micro_9, micro_10, micro_11, micro_12};

/* xt[r][0..kc) = x[r][0..kc) for r < mr: the register tile's rows, XT_LD apart. */
static ALWAYS_INLINE PG_AVX512 void copy_x_tile(const float *x, int64_t ldx, int64_t mr, int64_t kc, float *xt) {
    for (int64_t r = 0; r < mr; r++) {
        for (int64_t p = 0; p < kc; p += 16) {
            __mmask16 km = pg_v_tail(kc - p);
            _mm512_mask_storeu_ps(xt + r * XT_LD + p, km, _mm512_maskz_loadu_ps(km, x + r * ldx + p));
        }
    }
}

static ALWAYS_INLINE PG_AVX512 void gemm_packed(int kind, const float *x, int64_t ldx,
                                                const void *w, const uint16_t *s, float *y, int64_t ldy,
                                                int64_t m, int64_t k, int64_t n0, int64_t n1) {
    float panels[JB_PACK][KC_PACK * NR_PACK] __attribute__((aligned(64)));
    float xt[MR_PACK * XT_LD] __attribute__((aligned(64)));
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
                    __mmask16 m0 = pg_v_tail(nj), m1 = pg_v_tail(nj - 16);
                    MICRO_TILES[mr - 1](xt, XT_LD, panels[q], kc, y + i * ldy + j0, ldy, m0, m1, kb > 0);
                }
            }
        }
    }
}

PG_AVX512 void pg_gemm_bf16_avx512_packed(const float *x, int64_t ldx, const uint16_t *w, float *y,
                                          int64_t ldy, int64_t m, int64_t k, int64_t n0,
                                          int64_t n1) {
    gemm_packed(HALF_BF16, x, ldx, w, NULL, y, ldy, m, k, n0, n1);
}

PG_AVX512 void pg_gemm_f16_avx512_packed(const float *x, int64_t ldx, const uint16_t *w, float *y,
                                         int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1) {
    gemm_packed(HALF_F16, x, ldx, w, NULL, y, ldy, m, k, n0, n1);
}

PG_AVX512 void pg_gemm_f32_avx512_packed(const float *x, int64_t ldx, const float *w, float *y,
                                         int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1) {
    gemm_packed(W_F32, x, ldx, w, NULL, y, ldy, m, k, n0, n1);
}

/* ---- Q8_0 weights: pg_gemm_q8_f32's variants (its dispatcher is in gemm_q8.c) ----------------- */

void pg_gemm_q8_f32_scalar(const float *x, int64_t ldx, const int8_t *q, const uint16_t *s, float *y,
                           int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1) {
    gemm_scalar(W_Q8, x, ldx, q, s, y, ldy, m, k, n0, n1);
}

PG_AVX512 void pg_gemm_q8_f32_avx512_stream(const float *x, int64_t ldx, const int8_t *q, const uint16_t *s,
                                            float *y, int64_t ldy, int64_t m, int64_t k, int64_t n0,
                                            int64_t n1) {
    gemm_stream(W_Q8, x, ldx, q, s, y, ldy, m, k, n0, n1);
}

PG_AVX512 void pg_gemm_q8_f32_avx512_packed(const float *x, int64_t ldx, const int8_t *q, const uint16_t *s,
                                            float *y, int64_t ldy, int64_t m, int64_t k, int64_t n0,
                                            int64_t n1) {
    gemm_packed(W_Q8, x, ldx, q, s, y, ldy, m, k, n0, n1);
}

/* ---- dispatch ------------------------------------------------------------------------------ */

/* By pg_isa(), then by m: stream below PG_GEMM_PACKED_MIN_M rows, packed from there (the scalar path
 * has one strategy). One definition for the three weight types, which differ only in w's type. */
#define GEMM_DISPATCH(t, wtype)                                                                    \
    void pg_gemm_##t(const float *x, int64_t ldx, const wtype *w, float *y, int64_t ldy, int64_t m, \
                     int64_t k, int64_t n0, int64_t n1) {                                          \
        if (m <= 0 || n0 >= n1) {                                                                  \
            return;                                                                                \
        }                                                                                          \
        int packed = m >= PG_GEMM_PACKED_MIN_M;                                                    \
        switch (pg_isa()) {                                                                        \
        case PG_ISA_AVX512:                                                                        \
            (packed ? pg_gemm_##t##_avx512_packed : pg_gemm_##t##_avx512_stream)(x, ldx, w, y, ldy, \
                                                                                m, k, n0, n1);     \
            break;                                                                                 \
        case PG_ISA_AVX2:                                                                          \
            (packed ? pg_gemm_##t##_avx2_packed : pg_gemm_##t##_avx2_stream)(x, ldx, w, y, ldy, m, \
                                                                            k, n0, n1);            \
            break;                                                                                 \
        default:                                                                                   \
            pg_gemm_##t##_scalar(x, ldx, w, y, ldy, m, k, n0, n1);                                 \
        }                                                                                          \
    }

GEMM_DISPATCH(bf16, uint16_t)
GEMM_DISPATCH(f16, uint16_t)
GEMM_DISPATCH(f32, float)
