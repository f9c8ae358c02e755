/*
 * gemm_q8.c: products with Q8_0 weights (int8 values, one IEEE-half scale per 32 columns; the contracts
 * are in pg_kernels.h): pg_quantize_q8 (activations to int8 per block), pg_gemm_q8 (int8 x int8 products:
 * the stream path below, the packed path of gemm_q8_packed.h from PG_GEMM_Q8_PACKED_MIN_M rows, on the
 * AMX-INT8 tiles of gemm_q8_amx.c where pg_amx_request() granted them),
 * pg_gemm_q8_f32's dispatcher (float32 activations times weights dequantized in registers, gemm_half.c's
 * machinery with its W_Q8 kind; the engine no longer calls it, bench_gemm compares against it) and
 * pg_dequantize_q8 (embedding rows). This file holds the scalar twins, the AVX-512 paths and the
 * dispatchers; the AVX2 paths are in gemm_q8_avx2.c.
 *
 * pg_gemm_q8's stream path is memory-bound at decode: a weight is 1.0625 bytes against 2 for bf16, so it streams the
 * matrix in about half the time, and the work per byte must stay under what the load ports deliver. Its
 * structure is gemm_half.c's stream path: per k-block of PG_Q8_KC columns (x [m, 4 KB] stays in L1 / L2), tiles
 * of up to 4 x rows times 4 weight rows (1 x 8 for one row, with the next tile's rows prefetched), one 16-lane
 * float accumulator per (x row, weight row) pair, reduced horizontally at the end of the block. One step of
 * a tile covers two blocks (64 bytes) per weight row:
 *   u = |q| (unsigned), v = xq with q's sign (so u * v = q * xq), then 64 products summed in groups of 4 into
 *   16 int32 lanes (lanes 0-7 block b, 8-15 block b + 1) by VPDPBUSD (AVX512-VNNI) or VPMADDUBSW + VPMADDWD
 *   (AVX512-BW; pairs fit int16: 2 * 127 * 127 = 32258, which is why both sides stay in [-127, 127]);
 *   converted to float and multiplied into the accumulator by s[j, b] * xs[i, b], spread over each half.
 * The scale products of 8 blocks are formed once per tile and group of 8 blocks (one 8-lane vector per pair).
 */
#include <float.h>
#include <immintrin.h>
#include <string.h>

#include "gemm_q8.h"
#include "gemm_q8_packed.h"
#include "pg_internal.h"
#include "pg_vmath.h"

#define ALWAYS_INLINE inline __attribute__((always_inline))

/* ---- scalar ------------------------------------------------------------------------------- */

void pg_quantize_q8_scalar(const float *x, int64_t ldx, int64_t m, int64_t k, int8_t *xq, float *xs) {
    const int64_t kb = pg_q8_blocks(k), ldq = kb * PG_Q8_BLOCK;
    for (int64_t i = 0; i < m; i++) {
        const float *xr = x + i * ldx;
        for (int64_t b = 0; b < kb; b++) {
            const int64_t p0 = b * PG_Q8_BLOCK, n = k - p0 < PG_Q8_BLOCK ? k - p0 : PG_Q8_BLOCK;
            float amax = 0.0f;
            int nonfinite = 0;
            for (int64_t p = 0; p < n; p++) {
                float a = fabsf(xr[p0 + p]);
                nonfinite |= !(a <= FLT_MAX); /* NaN or inf */
                amax = a > amax ? a : amax;
            }
            float id;
            xs[i * kb + b] = pg_q8_block_scale(amax, nonfinite, &id);
            for (int64_t p = 0; p < PG_Q8_BLOCK; p++) {
                xq[i * ldq + p0 + p] = p < n ? pg_q8_quantize_1(xr[p0 + p], id) : 0;
            }
        }
    }
}

/* Block by block, in the contract's order: an exact integer sum, then one float32 multiply-add. */
void pg_gemm_q8_scalar(const int8_t *xq, const float *xs, const int8_t *q, const uint16_t *s, float *y,
                       int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1) {
    const int64_t kb = pg_q8_blocks(k), ldq = kb * PG_Q8_BLOCK;
    for (int64_t j = n0; j < n1; j++) {
        const int8_t *qr = q + j * k;
        for (int64_t i = 0; i < m; i++) {
            const int8_t *xr = xq + i * ldq;
            float acc = 0.0f;
            for (int64_t b = 0; b < kb; b++) {
                const int64_t p0 = b * PG_Q8_BLOCK, n = k - p0 < PG_Q8_BLOCK ? k - p0 : PG_Q8_BLOCK;
                int32_t isum = 0;
                for (int64_t p = p0; p < p0 + n; p++) {
                    isum += (int32_t)qr[p] * (int32_t)xr[p];
                }
                acc += pg_f16_to_f32_1(s[j * kb + b]) * xs[i * kb + b] * (float)isum;
            }
            y[i * ldy + j] = acc;
        }
    }
}

void pg_dequantize_q8_scalar(const int8_t *q, const uint16_t *s, int64_t k, int64_t r0, int64_t rows,
                             float *out) {
    const int64_t kb = pg_q8_blocks(k);
    for (int64_t r = 0; r < rows; r++) {
        for (int64_t p = 0; p < k; p++) {
            out[r * k + p] = pg_q8_value(q + (r0 + r) * k + p, s + (r0 + r) * kb + (p >> 5));
        }
    }
}

/* ---- AVX-512: quantization ------------------------------------------------------------------ */

/* 16 elements of a block: x * id, NaN -> 0, clamped, rounded by the rounding mode (to nearest even), narrowed. */
static ALWAYS_INLINE PG_AVX512 __m128i quantize16(__m512 x, __m512 id) {
    __m512 v = _mm512_mul_ps(x, id);
    v = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, v, _CMP_ORD_Q), v);
    v = _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(-127.0f)), _mm512_set1_ps(127.0f));
    return _mm512_cvtsepi32_epi8(_mm512_cvtps_epi32(v));
}

PG_AVX512 void pg_quantize_q8_avx512(const float *x, int64_t ldx, int64_t m, int64_t k, int8_t *xq, float *xs) {
    const int64_t kb = pg_q8_blocks(k), ldq = kb * PG_Q8_BLOCK;
    for (int64_t i = 0; i < m; i++) {
        const float *xr = x + i * ldx;
        for (int64_t b = 0; b < kb; b++) {
            const int64_t p0 = b * PG_Q8_BLOCK;
            /* the lanes past k load as 0 (and are not read), so they quantize to 0 */
            const __m512 v0 = _mm512_maskz_loadu_ps(pg_v_tail(k - p0), xr + p0);
            const __m512 v1 = _mm512_maskz_loadu_ps(pg_v_tail(k - p0 - 16), xr + p0 + 16);
            const __m512 a0 = _mm512_abs_ps(v0), a1 = _mm512_abs_ps(v1);
            /* not |x| <= FLT_MAX: NaN (unordered) or inf */
            const __m512 big = _mm512_set1_ps(FLT_MAX);
            const int nonfinite = (_mm512_cmp_ps_mask(a0, big, _CMP_NLE_UQ) | _mm512_cmp_ps_mask(a1, big, _CMP_NLE_UQ)) != 0;
            const float amax = _mm512_reduce_max_ps(_mm512_max_ps(a0, a1));
            float id;
            xs[i * kb + b] = pg_q8_block_scale(amax, nonfinite, &id);
            const __m512 vid = _mm512_set1_ps(id);
            _mm_storeu_si128((__m128i *)(xq + i * ldq + p0), quantize16(v0, vid));
            _mm_storeu_si128((__m128i *)(xq + i * ldq + p0 + 16), quantize16(v1, vid));
        }
    }
}

/* ---- AVX-512: integer products ------------------------------------------------------------- */

/* 64 products u * v of unsigned by signed bytes, summed in groups of 4 into 16 int32 lanes. */
static ALWAYS_INLINE PG_AVX512 __m512i dot4(int vnni, __m512i u, __m512i v) {
    if (vnni) {
        /* VPDPBUSD as inline asm: through the intrinsic this template would need the avx512vnni target,
         * and then the non-VNNI variant could not inline it */
        __m512i acc = _mm512_setzero_si512();
        __asm__("vpdpbusd %[v], %[u], %[acc]" : [acc] "+v"(acc) : [u] "v"(u), [v] "v"(v));
        return acc;
    }
    return _mm512_madd_epi16(_mm512_maddubs_epi16(u, v), _mm512_set1_epi16(1));
}

/*
 * acc[r][c] += isum lanes * scale for two blocks of the tile, or the blocks' bytes under lm (a block and a
 * partial one at the end of the rows: masked loads read nothing past k). xq, q: the first block's bytes;
 * sc[r][c] lane t: s[c, block t] * xs[r, block t] of the current group, this step's blocks t and t + 1
 * (lane 8, for t = 7, is the zero upper half). pf: prefetch the next tile's rows at these columns.
 */
static ALWAYS_INLINE PG_AVX512 void q8_step(int vnni, int MR, int NR, int full, __mmask64 lm,
                                            const int8_t *xq, int64_t ldq, const int8_t *q, int64_t ldw,
                                            const __m256 sc[4][8], int64_t t, int pf, __m512 acc[4][8]) {
    const __m512i idx = _mm512_add_epi32(_mm512_set1_epi32((int)t),
                                         _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1));
    /* each x row and its negation: v = xq with q's sign is then one blend per pair */
    __m512i xv[4], xn[4];
#pragma GCC unroll 4
    for (int r = 0; r < MR; r++) {
        xv[r] = full ? _mm512_loadu_si512(xq + r * ldq) : _mm512_maskz_loadu_epi8(lm, xq + r * ldq);
        xn[r] = _mm512_sub_epi8(_mm512_setzero_si512(), xv[r]);
    }
#pragma GCC unroll 8
    for (int c = 0; c < NR; c++) {
        if (pf) {
            /* decode: fetch the same columns of the next tile's rows while these stream (as gemm_half.c's
             * dot_tile); a prefetch past the matrix end is harmless on x86 */
            _mm_prefetch((const char *)(q + (c + NR) * ldw), _MM_HINT_T1);
        }
        const __m512i qv = full ? _mm512_loadu_si512(q + c * ldw) : _mm512_maskz_loadu_epi8(lm, q + c * ldw);
        const __m512i u = _mm512_abs_epi8(qv);
        const __mmask64 neg = _mm512_movepi8_mask(qv);
#pragma GCC unroll 4
        for (int r = 0; r < MR; r++) {
            const __m512i v = _mm512_mask_blend_epi8(neg, xv[r], xn[r]);
            const __m512 scale = _mm512_permutexvar_ps(idx, _mm512_zextps256_ps512(sc[r][c]));
            acc[r][c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot4(vnni, u, v)), scale, acc[r][c]);
        }
    }
}

/*
 * y[r, c] (+)= sum over the blocks of this k-block for r < MR, c < NR. xq, xs, q, s, y already offset to the
 * tile and the k-block's first block; ldq, kbs: row strides of xq (kb * 32) and of xs and s (kb); nb whole
 * blocks follow, then a partial one of tail bytes (only in the last k-block of a row whose k % 32 != 0).
 */
static ALWAYS_INLINE PG_AVX512 void q8_tile(int vnni, int MR, int NR, const int8_t *xq, int64_t ldq,
                                            const float *xs, int64_t kbs, const int8_t *q, int64_t ldw,
                                            const uint16_t *s, int64_t nb, int64_t tail, float *y,
                                            int64_t ldy, int accumulate) {
    __m512 acc[4][8];
#pragma GCC unroll 4
    for (int r = 0; r < MR; r++) {
#pragma GCC unroll 8
        for (int c = 0; c < NR; c++) {
            acc[r][c] = _mm512_setzero_ps();
        }
    }
    const int64_t nbt = nb + (tail > 0);
    for (int64_t g = 0; g < nbt; g += 8) {
        const int64_t ng = nbt - g < 8 ? nbt - g : 8;
        const __mmask8 gm = (__mmask8)((1u << ng) - 1u);
        /* the group's scale products; lanes past the group are 0 (masked loads), so are steps over them */
        __m256 sc[4][8];
#pragma GCC unroll 8
        for (int c = 0; c < NR; c++) {
            if (MR == 1 && (g & 31) == 0) {
                _mm_prefetch((const char *)(s + (c + NR) * kbs + g), _MM_HINT_T1);
            }
            /* (the AVX-512VL form of vcvtph2ps: the AVX-512 target does not include F16C's) */
            const __m256 sv = _mm256_maskz_cvtph_ps(gm, _mm_maskz_loadu_epi16(gm, s + c * kbs + g));
#pragma GCC unroll 4
            for (int r = 0; r < MR; r++) {
                sc[r][c] = _mm256_mul_ps(sv, _mm256_maskz_loadu_ps(gm, xs + r * kbs + g));
            }
        }
        const int64_t nf = nb - g < ng ? nb - g : ng; /* whole blocks of the group */
        int64_t t = 0;
        for (; t + 2 <= nf; t += 2) {
            q8_step(vnni, MR, NR, 1, ~0ull, xq + (g + t) * PG_Q8_BLOCK, ldq, q + (g + t) * PG_Q8_BLOCK, ldw, sc, t,
                    MR == 1, acc);
        }
        if (t < ng) {
            /* one whole block, or one whole and the partial one, or the partial one */
            const int64_t bytes = (nf - t) * PG_Q8_BLOCK + (g + ng == nbt ? tail : 0);
            const __mmask64 lm = bytes >= 64 ? ~0ull : (1ull << bytes) - 1u;
            q8_step(vnni, MR, NR, 0, lm, xq + (g + t) * PG_Q8_BLOCK, ldq, q + (g + t) * PG_Q8_BLOCK, ldw, sc, t, 0,
                    acc);
        }
    }
#pragma GCC unroll 4
    for (int r = 0; r < MR; r++) {
#pragma GCC unroll 8
        for (int c = 0; c < NR; c++) {
            float v = _mm512_reduce_add_ps(acc[r][c]);
            y[r * ldy + c] = accumulate ? y[r * ldy + c] + v : v;
        }
    }
}

#define Q8_TILE_FN(vnni, MR, NR)                                                                        \
    static PG_AVX512 void q8_##vnni##_##MR##x##NR(const int8_t *xq, int64_t ldq, const float *xs,        \
                                                  int64_t kbs, const int8_t *q, int64_t ldw,             \
                                                  const uint16_t *s, int64_t nb, int64_t tail, float *y, \
                                                  int64_t ldy, int accumulate) {                         \
        q8_tile(vnni, MR, NR, xq, ldq, xs, kbs, q, ldw, s, nb, tail, y, ldy, accumulate);               \
    }

#define Q8_TILE_FNS(vnni)                                                                              \
    Q8_TILE_FN(vnni, 1, 1) Q8_TILE_FN(vnni, 2, 1) Q8_TILE_FN(vnni, 3, 1) Q8_TILE_FN(vnni, 4, 1)         \
    Q8_TILE_FN(vnni, 1, 4) Q8_TILE_FN(vnni, 2, 4) Q8_TILE_FN(vnni, 3, 4) Q8_TILE_FN(vnni, 4, 4)         \
    Q8_TILE_FN(vnni, 1, 8)

Q8_TILE_FNS(0)
Q8_TILE_FNS(1)

/* [vnni][MR - 1][width]: width 0 takes one weight row (the last rows of [n0, n1)), 1 four, 2 eight (m = 1,
 * where four accumulator chains would be too few to keep the loads going). */
static const pg_q8_fn Q8_TILES[2][4][3] = {
    {{q8_0_1x1, q8_0_1x4, q8_0_1x8}, {q8_0_2x1, q8_0_2x4, NULL}, {q8_0_3x1, q8_0_3x4, NULL}, {q8_0_4x1, q8_0_4x4, NULL}},
    {{q8_1_1x1, q8_1_1x4, q8_1_1x8}, {q8_1_2x1, q8_1_2x4, NULL}, {q8_1_3x1, q8_1_3x4, NULL}, {q8_1_4x1, q8_1_4x4, NULL}},
};

static ALWAYS_INLINE PG_AVX512 void gemm_q8_avx512(int vnni, const int8_t *xq, const float *xs, const int8_t *q,
                                                   const uint16_t *s, float *y, int64_t ldy, int64_t m,
                                                   int64_t k, int64_t n0, int64_t n1) {
    pg_q8_loop(Q8_TILES[vnni], 4, xq, xs, q, s, y, ldy, m, k, n0, n1);
}

PG_AVX512 void pg_gemm_q8_avx512(const int8_t *xq, const float *xs, const int8_t *q, const uint16_t *s, float *y,
                                 int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1) {
    gemm_q8_avx512(0, xq, xs, q, s, y, ldy, m, k, n0, n1);
}

/* The same code with VPDPBUSD: the target adds nothing the template uses (its asm needs no flag), but
 * marks the one function that must run only where pg_has_avx512_vnni(). */
PG_AVX512_VNNI void pg_gemm_q8_avx512_vnni(const int8_t *xq, const float *xs, const int8_t *q, const uint16_t *s,
                                           float *y, int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1) {
    gemm_q8_avx512(1, xq, xs, q, s, y, ldy, m, k, n0, n1);
}

/* ---- AVX-512: packed integer products (prefill; gemm_q8_packed.h) ---------------------------- */

/* dst += the products of u (unsigned bytes) and v (signed bytes), 4 per int32 lane: VPDPBUSD in inline asm, as
 * dot4 above (the intrinsic would need the VNNI target in the template shared with the MADDWD variant). */
#define PG_DPBUSD_EVEX(dst, u, v) __asm__("vpdpbusd %[vv], %[uu], %[d]" : [d] "+v"(dst) : [uu] "v"(u), [vv] "v"(v))

#define Q8P_MR 6 /* rows of a tile: 12 int32 and 12 float accumulators, two weight vectors and a broadcast */

/* Whole panels (pg_q8p_pack_fn), 16 columns at a time: each row's next 64 bytes (DPBUSD: 16 groups of 4, q +
 * 128; TDPBSSD: the same with q) or 32 bytes widened to 16 pairs (MADDWD) as one vector of 16 32-bit lanes, 16
 * rows transposed into 16 vectors of the panel. Also the AMX path's packing (gemm_q8_amx.c). */
PG_AVX512 void pg_q8p_pack_avx512(int unit, const int8_t *q, int64_t k, int64_t p0, int64_t span, void *bp) {
    const int per = unit != PG_Q8P_MADDWD ? 4 : 2; /* k per 32-bit lane */
    const __m512i bias = _mm512_set1_epi8(unit == PG_Q8P_DPBUSD ? (char)0x80 : 0); /* q + 128 as a byte: q ^ 0x80 */
    for (int64_t h = 0; h < 2; h++) {
        const int8_t *q0 = q + h * 16 * k + p0;
        for (int64_t p = 0; p < span; p += 16 * per) {
            __m512 blk[16];
#pragma GCC unroll 16
            for (int rr = 0; rr < 16; rr++) {
                const int8_t *src = q0 + rr * k + p;
                blk[rr] = unit != PG_Q8P_MADDWD
                              ? _mm512_castsi512_ps(_mm512_xor_si512(_mm512_loadu_si512(src), bias))
                              : _mm512_castsi512_ps(_mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)src)));
            }
            pg_v_transpose16(blk);
#pragma GCC unroll 16
            for (int t = 0; t < 16; t++) {
                _mm512_store_ps((float *)bp + (p / per + t) * 32 + h * 16, blk[t]);
            }
        }
    }
}

/* A tile of MR rows x 32 columns (two 16-lane halves) over kcb blocks; arguments as pg_q8p_fn. */
static ALWAYS_INLINE PG_AVX512 void q8p_tile(int unit, int MR, const void *a, int64_t lda, const float *xs,
                                             int64_t ldxs, const int32_t *corr, const void *bp, const float *sp,
                                             int64_t kcb, float *y, int64_t ldy, int64_t cols, int accumulate) {
    __m512 facc[6][2];
#pragma GCC unroll 6
    for (int r = 0; r < MR; r++) {
        facc[r][0] = facc[r][1] = _mm512_setzero_ps();
    }
    for (int64_t b = 0; b < kcb; b++) {
        __m512i iacc[6][2];
        if (unit == PG_Q8P_DPBUSD) {
            const int8_t *ab = (const int8_t *)a + b * PG_Q8_BLOCK;
            const uint8_t *bb = (const uint8_t *)bp + b * 8 * 32 * 4;
#pragma GCC unroll 6
            for (int r = 0; r < MR; r++) {
                iacc[r][0] = iacc[r][1] = _mm512_set1_epi32(corr[r * PG_Q8P_KCB_DPBUSD + b]);
            }
#pragma GCC unroll 8
            for (int g = 0; g < 8; g++) {
                const __m512i w0 = _mm512_load_si512(bb + g * 128), w1 = _mm512_load_si512(bb + g * 128 + 64);
#pragma GCC unroll 6
                for (int r = 0; r < MR; r++) {
                    int32_t x4;
                    memcpy(&x4, ab + r * lda + 4 * g, 4);
                    const __m512i av = _mm512_set1_epi32(x4);
                    PG_DPBUSD_EVEX(iacc[r][0], w0, av);
                    PG_DPBUSD_EVEX(iacc[r][1], w1, av);
                }
            }
        } else {
            const int16_t *ab = (const int16_t *)a + b * 16 * Q8P_MR * 2;
            const int16_t *bb = (const int16_t *)bp + b * 16 * 32 * 2;
#pragma GCC unroll 6
            for (int r = 0; r < MR; r++) {
                iacc[r][0] = iacc[r][1] = _mm512_setzero_si512();
            }
#pragma GCC unroll 16
            for (int g = 0; g < 16; g++) {
                const __m512i w0 = _mm512_load_si512(bb + g * 64), w1 = _mm512_load_si512(bb + g * 64 + 32);
#pragma GCC unroll 6
                for (int r = 0; r < MR; r++) {
                    int32_t x2;
                    memcpy(&x2, ab + (g * Q8P_MR + r) * 2, 4);
                    const __m512i av = _mm512_set1_epi32(x2);
                    iacc[r][0] = _mm512_add_epi32(iacc[r][0], _mm512_madd_epi16(w0, av));
                    iacc[r][1] = _mm512_add_epi32(iacc[r][1], _mm512_madd_epi16(w1, av));
                    /* keeps each sum a chain: gcc otherwise reassociates the 16 adds into a tree whose
                     * partial products do not fit the registers (11 KB of spills) */
                    __asm__("" : "+v"(iacc[r][0]), "+v"(iacc[r][1]));
                }
            }
        }
        const __m512 s0 = _mm512_load_ps(sp + b * 32), s1 = _mm512_load_ps(sp + b * 32 + 16);
#pragma GCC unroll 6
        for (int r = 0; r < MR; r++) {
            const __m512 xv = _mm512_set1_ps(xs[r * ldxs + b]);
            facc[r][0] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(iacc[r][0]), _mm512_mul_ps(s0, xv), facc[r][0]);
            facc[r][1] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(iacc[r][1]), _mm512_mul_ps(s1, xv), facc[r][1]);
        }
    }
    const __mmask16 m0 = pg_v_tail(cols), m1 = pg_v_tail(cols - 16);
#pragma GCC unroll 6
    for (int r = 0; r < MR; r++) {
        float *yr = y + r * ldy;
        __m512 v0 = facc[r][0], v1 = facc[r][1];
        if (accumulate) {
            v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, yr));
            v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, yr + 16));
        }
        _mm512_mask_storeu_ps(yr, m0, v0);
        _mm512_mask_storeu_ps(yr + 16, m1, v1);
    }
}

#define Q8P_TILE_FN(unit, MR)                                                                               \
    static PG_AVX512 void q8p_##unit##_##MR(const void *a, int64_t lda, const float *xs, int64_t ldxs,     \
                                            const int32_t *corr, const void *bp, const float *sp,          \
                                            int64_t kcb, float *y, int64_t ldy, int64_t rows,              \
                                            int64_t cols, int accumulate) {                                \
        (void)rows; /* MR */                                                                                \
        q8p_tile(PG_Q8P_##unit, MR, a, lda, xs, ldxs, corr, bp, sp, kcb, y, ldy, cols, accumulate);      \
    }
#define Q8P_TILE_FNS(unit)                                                                                  \
    Q8P_TILE_FN(unit, 1) Q8P_TILE_FN(unit, 2) Q8P_TILE_FN(unit, 3) Q8P_TILE_FN(unit, 4) Q8P_TILE_FN(unit, 5) \
    Q8P_TILE_FN(unit, 6)

Q8P_TILE_FNS(DPBUSD)
Q8P_TILE_FNS(MADDWD)

static const pg_q8p_fn Q8P_DPBUSD_TILES[6] = {q8p_DPBUSD_1, q8p_DPBUSD_2, q8p_DPBUSD_3,
                                               q8p_DPBUSD_4, q8p_DPBUSD_5, q8p_DPBUSD_6};
static const pg_q8p_fn Q8P_MADDWD_TILES[6] = {q8p_MADDWD_1, q8p_MADDWD_2, q8p_MADDWD_3,
                                               q8p_MADDWD_4, q8p_MADDWD_5, q8p_MADDWD_6};

PG_AVX512 void pg_gemm_q8_avx512_packed(const int8_t *xq, const float *xs, const int8_t *q, const uint16_t *s,
                                        float *y, int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1) {
    pg_q8p_loop(PG_Q8P_MADDWD, 32, Q8P_MR, Q8P_MADDWD_TILES, pg_q8p_pack_avx512, xq, xs, q, s, y, ldy, m, k, n0, n1);
}

/* Runs only where pg_has_avx512_vnni() (its tiles' VPDPBUSD). */
PG_AVX512_VNNI void pg_gemm_q8_avx512_vnni_packed(const int8_t *xq, const float *xs, const int8_t *q,
                                                  const uint16_t *s, float *y, int64_t ldy, int64_t m, int64_t k,
                                                  int64_t n0, int64_t n1) {
    pg_q8p_loop(PG_Q8P_DPBUSD, 32, Q8P_MR, Q8P_DPBUSD_TILES, pg_q8p_pack_avx512, xq, xs, q, s, y, ldy, m, k, n0, n1);
}

/* ---- AVX-512: dequantization ----------------------------------------------------------------- */

PG_AVX512 void pg_dequantize_q8_avx512(const int8_t *q, const uint16_t *s, int64_t k, int64_t r0, int64_t rows,
                                       float *out) {
    const int64_t kb = pg_q8_blocks(k);
    for (int64_t r = 0; r < rows; r++) {
        const int8_t *qr = q + (r0 + r) * k;
        const uint16_t *sr = s + (r0 + r) * kb;
        for (int64_t p = 0; p < k; p += 16) {
            const __mmask16 km = pg_v_tail(k - p);
            _mm512_mask_storeu_ps(out + r * k + p, km, pg_q8_load16_mask(km, qr + p, sr + (p >> 5)));
        }
    }
}

/* ---- dispatch ------------------------------------------------------------------------------ */

void pg_quantize_q8(const float *x, int64_t ldx, int64_t m, int64_t k, int8_t *xq, float *xs) {
    switch (pg_isa()) {
    case PG_ISA_AVX512:
        pg_quantize_q8_avx512(x, ldx, m, k, xq, xs);
        break;
    case PG_ISA_AVX2:
        pg_quantize_q8_avx2(x, ldx, m, k, xq, xs);
        break;
    default:
        pg_quantize_q8_scalar(x, ldx, m, k, xq, xs);
    }
}

void pg_gemm_q8(const int8_t *xq, const float *xs, const int8_t *q, const uint16_t *s, float *y, int64_t ldy,
                int64_t m, int64_t k, int64_t n0, int64_t n1) {
    if (m <= 0 || n0 >= n1) {
        return;
    }
    const int packed = m >= PG_GEMM_Q8_PACKED_MIN_M;
    switch (pg_isa()) {
    case PG_ISA_AVX512:
        if (packed && pg_has_amx_int8()) {
            pg_gemm_q8_amx(xq, xs, q, s, y, ldy, m, k, n0, n1); /* granted by pg_amx_request() */
        } else if (packed) {
            (pg_has_avx512_vnni() ? pg_gemm_q8_avx512_vnni_packed : pg_gemm_q8_avx512_packed)(xq, xs, q, s, y, ldy,
                                                                                            m, k, n0, n1);
        } else {
            (pg_has_avx512_vnni() ? pg_gemm_q8_avx512_vnni : pg_gemm_q8_avx512)(xq, xs, q, s, y, ldy, m, k, n0, n1);
        }
        break;
    case PG_ISA_AVX2:
        if (packed) {
            (pg_has_avx_vnni() ? pg_gemm_q8_avx2_vnni_packed : pg_gemm_q8_avx2_packed)(xq, xs, q, s, y, ldy, m, k,
                                                                                      n0, n1);
        } else {
            (pg_has_avx_vnni() ? pg_gemm_q8_avx2_vnni : pg_gemm_q8_avx2)(xq, xs, q, s, y, ldy, m, k, n0, n1);
        }
        break;
    default:
        pg_gemm_q8_scalar(xq, xs, q, s, y, ldy, m, k, n0, n1);
    }
}

/* As gemm_half.c's GEMM_DISPATCH: stream below PG_GEMM_PACKED_MIN_M rows, packed from there. */
void pg_gemm_q8_f32(const float *x, int64_t ldx, const int8_t *q, const uint16_t *s, float *y, int64_t ldy,
                    int64_t m, int64_t k, int64_t n0, int64_t n1) {
    if (m <= 0 || n0 >= n1) {
        return;
    }
    const int packed = m >= PG_GEMM_PACKED_MIN_M;
    switch (pg_isa()) {
    case PG_ISA_AVX512:
        (packed ? pg_gemm_q8_f32_avx512_packed : pg_gemm_q8_f32_avx512_stream)(x, ldx, q, s, y, ldy, m, k, n0, n1);
        break;
    case PG_ISA_AVX2:
        (packed ? pg_gemm_q8_f32_avx2_packed : pg_gemm_q8_f32_avx2_stream)(x, ldx, q, s, y, ldy, m, k, n0, n1);
        break;
    default:
        pg_gemm_q8_f32_scalar(x, ldx, q, s, y, ldy, m, k, n0, n1);
    }
}

void pg_dequantize_q8(const int8_t *q, const uint16_t *s, int64_t k, int64_t r0, int64_t rows, float *out) {
    switch (pg_isa()) {
    case PG_ISA_AVX512:
        pg_dequantize_q8_avx512(q, s, k, r0, rows, out);
        break;
    case PG_ISA_AVX2:
        pg_dequantize_q8_avx2(q, s, k, r0, rows, out);
        break;
    default:
        pg_dequantize_q8_scalar(q, s, k, r0, rows, out);
    }
}
