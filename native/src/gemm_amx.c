/*
 * gemm_amx.c: products with bfloat16 weights on bf16 dot-product hardware (AMX tiles, or
 * AVX512-BF16's VDPBF16PS), at float32 accuracy.
 *
 * Both units multiply bf16 pairs and accumulate in float32. The weights are bf16 already; each
 * float32 activation is split into `terms` bf16 parts hi = bf16(x), mid = bf16(x - hi),
 * lo = bf16(x - hi - mid) (round to nearest even; every difference is exact in float32). A part
 * times a weight is exact in float32, and hi + mid + lo = x exactly (24 bits in three slices of at
 * most 8; only the parts of |x| < ~2^-110 reach the bf16 subnormals the units read as zero), so
 * terms = 3 is a float32 GEMM up to summation order; terms = 2 leaves |x - hi - mid| <= 2^-16 |x|,
 * terms = 1 (plain bf16 activations) 2^-8 |x|.
 *
 * Blocking, shared by both units. For each k-chunk of kc columns and block of at most MB_MAX x rows:
 *   abuf  the split activations, packed once and swept by every output column: k zero-padded to
 *         kcp = roundup(kc, 32), rows to mbp. AMX: [terms][mbp][kcp], row-major, so a 16 x 32 tile
 *         is 16 rows at stride kcp. AVX512-BF16: [terms][mbp / 12][kcp / 2][12] pairs, so the 12
 *         rows of a register tile broadcast from one address plus constant offsets.
 *   bbuf  32 weight rows (output columns) in VNNI order, [2][kcp / 32][16][16][2]: for each pair of
 *         k, the 16 columns' (w[j][2p], w[j][2p + 1]), i.e. a 16 x 16 transpose of 32-bit pairs.
 *         That is both an AMX B tile and a VDPBF16PS operand. Packed once per row block.
 *   AMX          2 x 2 tiles of y (32 rows x 32 columns; tmm0-3) over the chunk: per 32 k the two
 *                weight tiles (tmm6-7) are loaded once and serve every term's x tiles (tmm4-5).
 *   AVX512-BF16  12 rows x 32 columns in 24 zmm accumulators.
 * y is read back for every k-chunk after the first; partial tiles at the m and n edges go through a
 * 16 x 16 stack tile.
 *
 * Stack: abuf 192 KB + bbuf 32 KB + 1 KB edge tile + the 64-byte tile config, ~226 KB per call.
 */
#include <immintrin.h>
#include <string.h>

#include "pg_amx.h"
#include "pg_internal.h"
#include "pg_vmath.h"

#define ALWAYS_INLINE inline __attribute__((always_inline))

#define ABUF_ELEMS (3 * 256 * 128) /* split activations: 192 KB of bf16 */
#define KC_MAX 512                 /* k-chunk cap, so bbuf (32 x KC_MAX bf16) is 32 KB */
#define MB_MAX 240                 /* x rows per block: a multiple of both row tiles (16 and 12) */
#define DP_MR 12                   /* rows of the AVX512-BF16 register tile */

enum { UNIT_AMX = 0, UNIT_DP = 1 };

static ALWAYS_INLINE int64_t min64(int64_t a, int64_t b) {
    return a < b ? a : b;
}

/* ---- packing (plain AVX-512) -------------------------------------------------------------- */

/* bf16(v), round to nearest even, in the high half of each lane (low half zero); NaN stays NaN. */
static ALWAYS_INLINE PG_AVX512 __m512i bf16_high(__m512 v) {
    __m512i u = _mm512_castps_si512(v);
    __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
    __m512i r = _mm512_add_epi32(u, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff)));
    r = _mm512_and_si512(r, _mm512_set1_epi32((int)0xffff0000u));
    __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    return _mm512_mask_mov_epi32(r, nan, _mm512_set1_epi32(0x7fc00000));
}

/* Splits x [rows, ldx] (already offset to the chunk) into abuf; rows up to mbp and k up to kcp
 * are zeros. panel12 selects the AVX512-BF16 layout. */
static ALWAYS_INLINE PG_AVX512 void pack_a(int panel12, const float *x, int64_t ldx, int64_t rows,
                                           int64_t mbp, int64_t kc, int64_t kcp, int terms,
                                           uint16_t *abuf) {
    const int64_t term_stride = mbp * kcp;
    for (int64_t i = 0; i < mbp; i++) {
        const float *xr = x + i * ldx;
        uint16_t *row = panel12 ? abuf + (i / DP_MR) * DP_MR * kcp + (i % DP_MR) * 2 : abuf + i * kcp;
        for (int64_t p = 0; p < kcp; p += 16) {
            __m512 v = _mm512_maskz_loadu_ps(i < rows ? pg_v_tail(kc - p) : 0, xr + p);
            for (int t = 0; t < terms; t++) {
                __m512i hi = bf16_high(v);
                __m256i part = _mm512_cvtepi32_epi16(_mm512_srli_epi32(hi, 16));
                uint16_t *dst = row + t * term_stride;
                if (!panel12) {
                    _mm256_store_si256((__m256i *)(dst + p), part);
                } else {
                    uint32_t pairs[8];
                    _mm256_storeu_si256((__m256i *)pairs, part);
                    for (int q = 0; q < 8; q++) {
                        memcpy(dst + (p / 2 + q) * DP_MR * 2, &pairs[q], 4);
                    }
                }
                /* the remainder is exact; an infinite part leaves none (inf - inf would be NaN) */
                __m512 h = _mm512_castsi512_ps(hi);
                __mmask16 inf = _mm512_fpclass_ps_mask(h, 0x18);
                v = _mm512_maskz_sub_ps((__mmask16)~inf, v, h);
            }
        }
    }
}

/* VNNI-packs weight rows [0, nj) (nj <= 32) of w (already offset to row j0, column kb; row
 * stride k) into bbuf; rows past nj and k past kc are zeros. */
static ALWAYS_INLINE PG_AVX512 void pack_b(const uint16_t *w, int64_t k, int64_t nj, int64_t kc,
                                           int64_t kcp, uint16_t *bbuf) {
    const int64_t nks = kcp / 32;
    for (int64_t ct = 0; ct < 2; ct++) {
        int64_t rows = nj - 16 * ct;
        for (int64_t ks = 0; ks < nks; ks++) {
            uint16_t *dst = bbuf + (ct * nks + ks) * 512;
            if (rows <= 0) {
                memset(dst, 0, 1024);
                continue;
            }
            int64_t valid = kc - ks * 32;
            __mmask32 km = valid >= 32 ? ~(__mmask32)0 : (((__mmask32)1 << valid) - 1);
            const uint16_t *src = w + 16 * ct * k + ks * 32;
            __m512 blk[16];
#pragma GCC unroll 16
            for (int r = 0; r < 16; r++) {
                blk[r] = r < rows ? _mm512_castsi512_ps(_mm512_maskz_loadu_epi16(km, src + r * k))
                                  : _mm512_setzero_ps();
            }
            pg_v_transpose16(blk);
#pragma GCC unroll 16
            for (int pp = 0; pp < 16; pp++) {
                _mm512_store_ps((float *)(dst + pp * 32), blk[pp]);
            }
        }
    }
}

/* ---- AMX ---------------------------------------------------------------------------------- */

/* The valid vr x vc corner of y into a zeroed 16 x 16 tile, or back. */
static ALWAYS_INLINE void edge_in(const float *y, int64_t ldy, int vr, int vc, float *edge) {
    memset(edge, 0, 16 * 16 * sizeof(float));
    for (int r = 0; r < vr; r++) {
        memcpy(edge + r * 16, y + r * ldy, (size_t)vc * sizeof(float));
    }
}

static ALWAYS_INLINE void edge_out(float *y, int64_t ldy, int vr, int vc, const float *edge) {
    for (int r = 0; r < vr; r++) {
        memcpy(y + r * ldy, edge + r * 16, (size_t)vc * sizeof(float));
    }
}

#define C_IN(t, yp, vr, vc)                                 \
    do {                                                    \
        if (!accumulate) {                                  \
            PG_TILE_ZERO(t);                                \
        } else if ((vr) == 16 && (vc) == 16) {              \
            PG_TILE_LOAD(t, yp, ldy * 4);                   \
        } else {                                            \
            edge_in(yp, ldy, vr, vc, edge);                 \
            PG_TILE_LOAD(t, edge, 64);                      \
        }                                                   \
    } while (0)

#define C_OUT(t, yp, vr, vc)                                \
    do {                                                    \
        if ((vr) == 16 && (vc) == 16) {                     \
            PG_TILE_STORE(t, yp, ldy * 4);                  \
        } else {                                            \
            PG_TILE_STORE(t, edge, 64);                     \
            edge_out(yp, ldy, vr, vc, edge);                \
        }                                                   \
    } while (0)

/* y [R*16, C*16] (+)= the chunk's product: a = abuf at the first row, b = bbuf. vr / vc are the
 * valid rows / columns of each tile row / column. */
static ALWAYS_INLINE PG_AMX_TARGET void amx_tiles(int R, int C, const uint16_t *a, int64_t kcp,
                                                  int64_t term_stride, int terms, const uint16_t *b,
                                                  float *y, int64_t ldy, int vr0, int vr1, int vc0,
                                                  int vc1, int accumulate, float *edge) {
    const int64_t nks = kcp / 32, lda = kcp * 2;
    C_IN(0, y, vr0, vc0);
    if (C == 2) {
        C_IN(1, y + 16, vr0, vc1);
    }
    if (R == 2) {
        C_IN(2, y + 16 * ldy, vr1, vc0);
    }
    if (R == 2 && C == 2) {
        C_IN(3, y + 16 * ldy + 16, vr1, vc1);
    }
    for (int64_t ks = 0; ks < nks; ks++) {
        PG_TILE_LOAD(6, b + ks * 512, 64);
        if (C == 2) {
            PG_TILE_LOAD(7, b + (nks + ks) * 512, 64);
        }
        for (int t = 0; t < terms; t++) {
            const uint16_t *at = a + t * term_stride + ks * 32;
            PG_TILE_LOAD(4, at, lda);
            if (R == 2) {
                PG_TILE_LOAD(5, at + 16 * kcp, lda);
            }
            PG_TILE_DP(0, 4, 6);
            if (C == 2) {
                PG_TILE_DP(1, 4, 7);
            }
            if (R == 2) {
                PG_TILE_DP(2, 5, 6);
            }
            if (R == 2 && C == 2) {
                PG_TILE_DP(3, 5, 7);
            }
        }
    }
    C_OUT(0, y, vr0, vc0);
    if (C == 2) {
        C_OUT(1, y + 16, vr0, vc1);
    }
    if (R == 2) {
        C_OUT(2, y + 16 * ldy, vr1, vc0);
    }
    if (R == 2 && C == 2) {
        C_OUT(3, y + 16 * ldy + 16, vr1, vc1);
    }
}

static int clamp16(int64_t v) {
    return v < 0 ? 0 : v > 16 ? 16 : (int)v;
}

/* y [rows, nj] (+)= abuf . bbuf for one chunk, 32 rows at a time (16 at the edge). */
static PG_AMX_TARGET void amx_block(const uint16_t *abuf, int64_t mbp, int64_t rows, int64_t kcp,
                                    int terms, const uint16_t *bbuf, float *y, int64_t ldy,
                                    int64_t nj, int accumulate) {
    float edge[16 * 16] __attribute__((aligned(64)));
    const int64_t term_stride = mbp * kcp;
    const int vc0 = clamp16(nj), vc1 = clamp16(nj - 16);
    for (int64_t i0 = 0; i0 < rows; i0 += 32) {
        const int vr0 = clamp16(rows - i0), vr1 = clamp16(rows - i0 - 16);
        const uint16_t *a = abuf + i0 * kcp;
        float *yi = y + i0 * ldy;
        if (vr1 > 0 && vc1 > 0) {
            amx_tiles(2, 2, a, kcp, term_stride, terms, bbuf, yi, ldy, vr0, vr1, vc0, vc1, accumulate, edge);
        } else if (vr1 > 0) {
            amx_tiles(2, 1, a, kcp, term_stride, terms, bbuf, yi, ldy, vr0, vr1, vc0, vc1, accumulate, edge);
        } else if (vc1 > 0) {
            amx_tiles(1, 2, a, kcp, term_stride, terms, bbuf, yi, ldy, vr0, vr1, vc0, vc1, accumulate, edge);
        } else {
            amx_tiles(1, 1, a, kcp, term_stride, terms, bbuf, yi, ldy, vr0, vr1, vc0, vc1, accumulate, edge);
        }
    }
}

/* ---- AVX512-BF16 -------------------------------------------------------------------------- */

static ALWAYS_INLINE int32_t load_pair(const uint16_t *p) {
    int32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* y [mr, 32] (+)= one 12-row panel (a) times bbuf (b; second column tile at b + bstride), over
 * npairs pairs of k; m0 / m1 mask the two 16-column halves. */
static ALWAYS_INLINE PG_AVX512_BF16 void dp_tile(int TERMS, const uint16_t *a, int64_t term_stride,
                                               const uint16_t *b, int64_t bstride, int64_t npairs,
                                               float *y, int64_t ldy, int mr, __mmask16 m0,
                                               __mmask16 m1, int accumulate) {
    __m512 c0[DP_MR], c1[DP_MR];
#pragma GCC unroll 12
    for (int r = 0; r < DP_MR; r++) {
        int load = accumulate && r < mr;
        c0[r] = _mm512_maskz_loadu_ps(load ? m0 : 0, y + r * ldy);
        c1[r] = _mm512_maskz_loadu_ps(load ? m1 : 0, y + r * ldy + 16);
    }
    for (int64_t p = 0; p < npairs; p++) {
        __m512bh w0 = (__m512bh)_mm512_load_si512(b + p * 32);
        __m512bh w1 = (__m512bh)_mm512_load_si512(b + bstride + p * 32);
        const uint16_t *ap = a + p * DP_MR * 2;
#pragma GCC unroll 3
        for (int t = 0; t < TERMS; t++) {
#pragma GCC unroll 12
            for (int r = 0; r < DP_MR; r++) {
                __m512bh xv = (__m512bh)_mm512_set1_epi32(load_pair(ap + t * term_stride + r * 2));
                c0[r] = _mm512_dpbf16_ps(c0[r], xv, w0);
                c1[r] = _mm512_dpbf16_ps(c1[r], xv, w1);
            }
        }
    }
#pragma GCC unroll 12
    for (int r = 0; r < DP_MR; r++) {
        if (r < mr) {
            _mm512_mask_storeu_ps(y + r * ldy, m0, c0[r]);
            _mm512_mask_storeu_ps(y + r * ldy + 16, m1, c1[r]);
        }
    }
}

#define DP_TILE_FN(TERMS)                                                                          \
    static PG_AVX512_BF16 void dp_tile_##TERMS(const uint16_t *a, int64_t term_stride,                \
                                             const uint16_t *b, int64_t bstride, int64_t npairs,    \
                                             float *y, int64_t ldy, int mr, __mmask16 m0,           \
                                             __mmask16 m1, int accumulate) {                        \
        dp_tile(TERMS, a, term_stride, b, bstride, npairs, y, ldy, mr, m0, m1, accumulate);        \
    }

DP_TILE_FN(1) DP_TILE_FN(2) DP_TILE_FN(3)

typedef void (*dp_tile_fn)(const uint16_t *, int64_t, const uint16_t *, int64_t, int64_t, float *,
                           int64_t, int, __mmask16, __mmask16, int);

static const dp_tile_fn DP_TILES[3] = {dp_tile_1, dp_tile_2, dp_tile_3};

static PG_AVX512_BF16 void dp_block(const uint16_t *abuf, int64_t mbp, int64_t rows, int64_t kcp,
                                  int terms, const uint16_t *bbuf, float *y, int64_t ldy, int64_t nj,
                                  int accumulate) {
    const __mmask16 m0 = pg_v_tail(nj), m1 = pg_v_tail(nj - 16);
    for (int64_t i0 = 0; i0 < rows; i0 += DP_MR) {
        DP_TILES[terms - 1](abuf + i0 * kcp, mbp * kcp, bbuf, kcp / 32 * 512, kcp / 2, y + i0 * ldy,
                            ldy, (int)min64(DP_MR, rows - i0), m0, m1, accumulate);
    }
}

/* ---- driver ------------------------------------------------------------------------------- */

static ALWAYS_INLINE PG_AVX512 void gemm_split(int unit, const float *x, int64_t ldx,
                                               const uint16_t *w, float *y, int64_t ldy, int64_t m,
                                               int64_t k, int64_t n0, int64_t n1, int terms) {
    uint16_t abuf[ABUF_ELEMS] __attribute__((aligned(64)));
    uint16_t bbuf[32 * KC_MAX] __attribute__((aligned(64)));
    const int64_t rm = unit == UNIT_AMX ? 16 : DP_MR;
    /* equal row blocks, so a 250-row prompt is two blocks of 128, not 240 + 10 */
    const int64_t nblk = (m + MB_MAX - 1) / MB_MAX;
    const int64_t mb = (m + nblk - 1) / nblk;
    const int64_t mbp = (mb + rm - 1) / rm * rm;
    const int64_t kc_max = min64(KC_MAX, ABUF_ELEMS / (terms * mbp) / 32 * 32);
    for (int64_t kb = 0; kb < k; kb += kc_max) {
        const int64_t kc = min64(kc_max, k - kb), kcp = (kc + 31) / 32 * 32;
        for (int64_t i0 = 0; i0 < m; i0 += mb) {
            const int64_t rows = min64(mb, m - i0);
            pack_a(unit == UNIT_DP, x + i0 * ldx + kb, ldx, rows, mbp, kc, kcp, terms, abuf);
            for (int64_t j0 = n0; j0 < n1; j0 += 32) {
                const int64_t nj = min64(32, n1 - j0);
                pack_b(w + j0 * k + kb, k, nj, kc, kcp, bbuf);
                if (unit == UNIT_AMX) {
                    amx_block(abuf, mbp, rows, kcp, terms, bbuf, y + i0 * ldy + j0, ldy, nj, kb > 0);
                } else {
                    dp_block(abuf, mbp, rows, kcp, terms, bbuf, y + i0 * ldy + j0, ldy, nj, kb > 0);
                }
            }
        }
    }
}

/* Shared argument handling: 1 when there is a product to compute (k > 0), after zeroing y for
 * k = 0 and clamping terms to [1, 3]. */
static int split_prologue(float *y, int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1,
                          int32_t *terms) {
    if (m <= 0 || n0 >= n1) {
        return 0;
    }
    if (k <= 0) {
        for (int64_t i = 0; i < m; i++) {
            memset(y + i * ldy + n0, 0, (size_t)(n1 - n0) * sizeof(float));
        }
        return 0;
    }
    *terms = *terms < 1 ? 1 : *terms > 3 ? 3 : *terms;
    return 1;
}

PG_AMX_TARGET void pg_gemm_bf16_amx(const float *x, int64_t ldx, const uint16_t *w, float *y,
                                    int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1,
                                    int32_t terms) {
    if (!split_prologue(y, ldy, m, k, n0, n1, &terms)) {
        return;
    }
    pg_tile_config cfg = pg_tile_config_full(8);
    PG_TILE_CONFIG(&cfg);
    gemm_split(UNIT_AMX, x, ldx, w, y, ldy, m, k, n0, n1, terms);
    PG_TILE_RELEASE();
}

static PG_AVX512_BF16 void gemm_bf16_dp(const float *x, int64_t ldx, const uint16_t *w, float *y,
                                      int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1,
                                      int32_t terms) {
    gemm_split(UNIT_DP, x, ldx, w, y, ldy, m, k, n0, n1, terms);
}

void pg_gemm_bf16_dp(const float *x, int64_t ldx, const uint16_t *w, float *y, int64_t ldy,
                     int64_t m, int64_t k, int64_t n0, int64_t n1, int32_t terms) {
    if (!pg_has_avx512_bf16()) {
        pg_gemm_bf16(x, ldx, w, y, ldy, m, k, n0, n1); /* float32 throughout: at least as exact */
        return;
    }
    if (!split_prologue(y, ldy, m, k, n0, n1, &terms)) {
        return;
    }
    gemm_bf16_dp(x, ldx, w, y, ldy, m, k, n0, n1, terms);
}
