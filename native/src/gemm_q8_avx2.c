/*
 * gemm_q8_avx2.c: the AVX2 + FMA + F16C paths of pg_quantize_q8, pg_gemm_q8 and pg_dequantize_q8 (the
 * contracts are in pg_kernels.h; the scalar twins, the AVX-512 paths and the dispatchers in gemm_q8.c).
 *
 * pg_gemm_q8 has gemm_q8.c's structure on 8-lane vectors and 16 registers: per k-block of PG_Q8_KC columns,
 * tiles of up to 3 x rows times 4 weight rows (1 x 8 for one row, with the next tile's rows prefetched), one
 * 8-lane float accumulator per (x row, weight row) pair, reduced horizontally at the end of the block. One
 * step is one block (32 bytes) per weight row, with the sign trick: u = sign(q, q) = |q| as unsigned bytes,
 * v = sign(xq, q) = xq with q's sign, so that VPMADDUBSW's u * v pairs are q * xq, summed to int16 (at most
 * 2 * 127 * 127 = 32258: no saturation, which is why both sides stay in [-127, 127]), then to 8 int32 lanes by
 * VPMADDWD with ones; converted to float and multiplied into the accumulator by s[j, b] * xs[i, b], which
 * comes as a broadcast load (a load-port uop, no shuffle) from a small table of the group's scale products.
 * With AVX-VNNI one VPDPBUSD replaces VPMADDUBSW + VPMADDWD.
 *
 * The packed path (prefill, from PG_GEMM_Q8_PACKED_MIN_M rows) is gemm_q8_packed.h's on 3 x 16 tiles.
 */
#include <float.h>
#include <immintrin.h>

#include "gemm_q8.h"
#include "gemm_q8_packed.h"
#include "pg_internal.h"
#include "pg_vmath_avx2.h"

#define ALWAYS_INLINE inline __attribute__((always_inline))

/* ---- quantization ---------------------------------------------------------------------------- */

/* 8 elements of a block: x * id, NaN -> 0, clamped, rounded by the rounding mode (to nearest even). */
static ALWAYS_INLINE PG_AVX2 __m256i quantize8(__m256 x, __m256 id) {
    __m256 v = _mm256_mul_ps(x, id);
    v = _mm256_and_ps(v, _mm256_cmp_ps(v, v, _CMP_ORD_Q));
    v = _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(-127.0f)), _mm256_set1_ps(127.0f));
    return _mm256_cvtps_epi32(v);
}

PG_AVX2 void pg_quantize_q8_avx2(const float *x, int64_t ldx, int64_t m, int64_t k, int8_t *xq, float *xs) {
    const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    const int64_t kb = pg_q8_blocks(k), ldq = kb * PG_Q8_BLOCK;
    for (int64_t i = 0; i < m; i++) {
        const float *xr = x + i * ldx;
        for (int64_t b = 0; b < kb; b++) {
            const int64_t p0 = b * PG_Q8_BLOCK;
            /* the lanes past k load as 0 (and are not read), so they quantize to 0 */
            __m256 v[4];
            __m256 amax = _mm256_setzero_ps(), bad = _mm256_setzero_ps();
#pragma GCC unroll 4
            for (int h = 0; h < 4; h++) {
                v[h] = pg_v8_loadn(xr + p0 + 8 * h, k - p0 - 8 * h);
                const __m256 a = _mm256_and_ps(v[h], abs_mask);
                amax = _mm256_max_ps(amax, a);
                /* not |x| <= FLT_MAX: NaN (unordered) or inf */
                bad = _mm256_or_ps(bad, _mm256_cmp_ps(a, _mm256_set1_ps(FLT_MAX), _CMP_NLE_UQ));
            }
            float id;
            xs[i * kb + b] = pg_q8_block_scale(pg_v8_reduce_max_ps(amax), _mm256_movemask_ps(bad) != 0, &id);
            const __m256 vid = _mm256_set1_ps(id);
            /* the packs interleave 128-bit lanes: bytes come out as 4-element groups 0 2 4 6 1 3 5 7 of the
             * 32, which the dword permutation puts back in order */
            __m256i a = _mm256_packs_epi32(quantize8(v[0], vid), quantize8(v[1], vid));
            __m256i c = _mm256_packs_epi32(quantize8(v[2], vid), quantize8(v[3], vid));
            __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(a, c), order);
            _mm256_storeu_si256((__m256i *)(xq + i * ldq + p0), bytes);
        }
    }
}

/* ---- integer products ------------------------------------------------------------------------ */

/* The 256-bit VPDPBUSD in its two encodings, as inline asm (the AVX2 target knows neither): VEX (AVX-VNNI,
 * registers 0-15) for CPUs with AVX-VNNI and no AVX-512 (Alder Lake and later cores, Sierra Forest), EVEX
 * (AVX512-VNNI + VL) for the tests, which thereby run this exact template on AVX-512 machines: the same
 * operation in two encodings. */
#define PG_DPBUSD_VEX(dst, u, v) __asm__("%{vex%} vpdpbusd %[vv], %[uu], %[d]" : [d] "+x"(dst) : [uu] "x"(u), [vv] "x"(v))
#define PG_DPBUSD_EVEX(dst, u, v) __asm__("vpdpbusd %[vv], %[uu], %[d]" : [d] "+x"(dst) : [uu] "x"(u), [vv] "x"(v))

/* The integer unit of a template instance: VPMADDUBSW + VPMADDWD (stream) or VPMADDWD (packed), or VPDPBUSD. */
enum { UNIT_MADDWD, UNIT_DPBUSD_VEX, UNIT_DPBUSD_EVEX };

/*
 * acc[r][c] += isum lanes * scale for one block of the tile: xq, q its bytes (q may be a zero-padded copy
 * of a partial block, ldw = 32), scale[r][c][t] its scale products. pf: prefetch the next tile's rows at
 * these columns (every other block: once per 64-byte line).
 */
static ALWAYS_INLINE PG_AVX2 void q8_step(int unit, int MR, int NR, const int8_t *xq, int64_t ldq, const int8_t *q,
                                          int64_t ldw, const float scale[3][8][8], int64_t t, int pf,
                                          __m256 acc[3][8]) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i xv[3];
#pragma GCC unroll 3
    for (int r = 0; r < MR; r++) {
        xv[r] = _mm256_loadu_si256((const __m256i *)(xq + r * ldq));
    }
#pragma GCC unroll 8
    for (int c = 0; c < NR; c++) {
        if (pf) {
            /* a prefetch past the matrix end is harmless on x86 */
            _mm_prefetch((const char *)(q + (c + NR) * ldw), _MM_HINT_T1);
        }
        const __m256i qv = _mm256_loadu_si256((const __m256i *)(q + c * ldw));
        const __m256i u = _mm256_sign_epi8(qv, qv);
#pragma GCC unroll 3
        for (int r = 0; r < MR; r++) {
            const __m256i v = _mm256_sign_epi8(xv[r], qv);
            __m256i d;
            if (unit == UNIT_MADDWD) {
                d = _mm256_madd_epi16(_mm256_maddubs_epi16(u, v), ones);
            } else {
                d = _mm256_setzero_si256();
                if (unit == UNIT_DPBUSD_VEX) {
                    PG_DPBUSD_VEX(d, u, v);
                } else {
                    PG_DPBUSD_EVEX(d, u, v);
                }
            }
            acc[r][c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(d), _mm256_broadcast_ss(&scale[r][c][t]), acc[r][c]);
        }
    }
}

/* y[r, c] (+)= sum over the blocks of this k-block, r < MR, c < NR; arguments as gemm_q8.c's q8_tile. */
static ALWAYS_INLINE PG_AVX2 void q8_tile(int unit, int MR, int NR, const int8_t *xq, int64_t ldq, const float *xs,
                                          int64_t kbs, const int8_t *q, int64_t ldw, const uint16_t *s,
                                          int64_t nb, int64_t tail, float *y, int64_t ldy, int accumulate) {
    __m256 acc[3][8];
#pragma GCC unroll 3
    for (int r = 0; r < MR; r++) {
#pragma GCC unroll 8
        for (int c = 0; c < NR; c++) {
            acc[r][c] = _mm256_setzero_ps();
        }
    }
    float scale[3][8][8] __attribute__((aligned(32)));
    const int64_t nbt = nb + (tail > 0);
    for (int64_t g = 0; g < nbt; g += 8) {
        const int64_t ng = nbt - g < 8 ? nbt - g : 8;
#pragma GCC unroll 8
        for (int c = 0; c < NR; c++) {
            if (MR == 1 && (g & 31) == 0) {
                _mm_prefetch((const char *)(s + (c + NR) * kbs + g), _MM_HINT_T1);
            }
            const __m256 sv = _mm256_cvtph_ps(pg_v8_load_u16(s + c * kbs + g, ng));
#pragma GCC unroll 3
            for (int r = 0; r < MR; r++) {
                _mm256_store_ps(scale[r][c], _mm256_mul_ps(sv, pg_v8_loadn(xs + r * kbs + g, ng)));
            }
        }
        const int64_t nf = nb - g < ng ? nb - g : ng; /* whole blocks of the group */
        for (int64_t t = 0; t < nf; t++) {
            q8_step(unit, MR, NR, xq + (g + t) * PG_Q8_BLOCK, ldq, q + (g + t) * PG_Q8_BLOCK, ldw,
                    (const float(*)[8][8])scale, t, MR == 1 && (t & 1) == 0, acc);
        }
        if (nf < ng) {
            /* the partial last block: AVX2 has no byte-masked load, so each row's tail goes through a
             * zeroed copy and nothing past k is read */
            int8_t part[8][PG_Q8_BLOCK] __attribute__((aligned(32)));
            memset(part, 0, sizeof part);
            for (int c = 0; c < NR; c++) {
                memcpy(part[c], q + c * ldw + (g + nf) * PG_Q8_BLOCK, (size_t)tail);
            }
            q8_step(unit, MR, NR, xq + (g + nf) * PG_Q8_BLOCK, ldq, &part[0][0], PG_Q8_BLOCK,
                    (const float(*)[8][8])scale, nf, 0, acc);
        }
    }
#pragma GCC unroll 3
    for (int r = 0; r < MR; r++) {
#pragma GCC unroll 8
        for (int c = 0; c < NR; c++) {
            float v = pg_v8_reduce_add_ps(acc[r][c]);
            y[r * ldy + c] = accumulate ? y[r * ldy + c] + v : v;
        }
    }
}

#define Q8_TILE_FN(unit, MR, NR)                                                                         \
    static PG_AVX2 void q8_##unit##_##MR##x##NR(const int8_t *xq, int64_t ldq, const float *xs, int64_t kbs, \
                                                const int8_t *q, int64_t ldw, const uint16_t *s, int64_t nb,  \
                                                int64_t tail, float *y, int64_t ldy, int accumulate) {        \
        q8_tile(UNIT_##unit, MR, NR, xq, ldq, xs, kbs, q, ldw, s, nb, tail, y, ldy, accumulate);            \
    }

/* 3 x 4: 12 accumulators, 3 x vectors and the weight's two forms fill the 16 registers (ones and the
 * broadcast scales come from memory) */
#define Q8_TILE_FNS(unit)                                                                                    \
    Q8_TILE_FN(unit, 1, 1) Q8_TILE_FN(unit, 2, 1) Q8_TILE_FN(unit, 3, 1) Q8_TILE_FN(unit, 1, 4)            \
    Q8_TILE_FN(unit, 2, 4) Q8_TILE_FN(unit, 3, 4) Q8_TILE_FN(unit, 1, 8)
Q8_TILE_FNS(MADDWD)
Q8_TILE_FNS(DPBUSD_VEX)
Q8_TILE_FNS(DPBUSD_EVEX)

/* [unit][MR - 1][width]: width 0 takes one weight row, 1 four, 2 eight (m = 1). */
#define Q8_TILE_TABLE(unit)                                                                                  \
    {{q8_##unit##_1x1, q8_##unit##_1x4, q8_##unit##_1x8},                                                   \
     {q8_##unit##_2x1, q8_##unit##_2x4, NULL},                                                              \
     {q8_##unit##_3x1, q8_##unit##_3x4, NULL}}
static const pg_q8_fn Q8_TILES[3][3][3] = {Q8_TILE_TABLE(MADDWD), Q8_TILE_TABLE(DPBUSD_VEX),
                                           Q8_TILE_TABLE(DPBUSD_EVEX)};

PG_AVX2 void pg_gemm_q8_avx2(const int8_t *xq, const float *xs, const int8_t *q, const uint16_t *s, float *y,
                             int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1) {
    pg_q8_loop(Q8_TILES[UNIT_MADDWD], 3, xq, xs, q, s, y, ldy, m, k, n0, n1);
}

/* The same tiles with one VPDPBUSD for VPMADDUBSW + VPMADDWD: runs only where pg_has_avx_vnni(). */
PG_AVX2 void pg_gemm_q8_avx2_vnni(const int8_t *xq, const float *xs, const int8_t *q, const uint16_t *s, float *y,
                                  int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1) {
    pg_q8_loop(Q8_TILES[UNIT_DPBUSD_VEX], 3, xq, xs, q, s, y, ldy, m, k, n0, n1);
}

/* In EVEX form, for the tests: runs only where pg_has_avx512_vnni(). */
PG_AVX2 void pg_gemm_q8_avx2_vnni_evex(const int8_t *xq, const float *xs, const int8_t *q, const uint16_t *s,
                                       float *y, int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1) {
    pg_q8_loop(Q8_TILES[UNIT_DPBUSD_EVEX], 3, xq, xs, q, s, y, ldy, m, k, n0, n1);
}

/* ---- packed integer products (prefill; gemm_q8_packed.h) ---------------------------------------- */

#define Q8P_MR 3 /* rows of a tile: 6 int32 and 6 float accumulators, two weight vectors and a broadcast */

/* Whole panels (pg_q8p_pack_fn), 8 columns at a time: each row's next 32 bytes (DPBUSD: 8 groups of 4) or 16
 * bytes widened to 8 pairs (MADDWD) as one vector of 8 32-bit lanes, 8 rows transposed into 8 vectors of the
 * panel. */
static PG_AVX2 void q8p_pack(int unit, const int8_t *q, int64_t k, int64_t p0, int64_t span, void *bp) {
    const int per = unit == PG_Q8P_DPBUSD ? 4 : 2; /* k per 32-bit lane */
    for (int64_t h = 0; h < 2; h++) {
        const int8_t *q0 = q + h * 8 * k + p0;
        for (int64_t p = 0; p < span; p += 8 * per) {
            __m256 blk[8];
#pragma GCC unroll 8
            for (int rr = 0; rr < 8; rr++) {
                const int8_t *src = q0 + rr * k + p;
                blk[rr] = unit == PG_Q8P_DPBUSD
                              ? _mm256_castsi256_ps(_mm256_xor_si256(_mm256_loadu_si256((const __m256i *)src),
                                                                     _mm256_set1_epi8((char)0x80)))
                              : _mm256_castsi256_ps(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)src)));
            }
            pg_v8_transpose8(blk);
#pragma GCC unroll 8
            for (int t = 0; t < 8; t++) {
                _mm256_store_ps((float *)bp + (p / per + t) * 16 + h * 8, blk[t]);
            }
        }
    }
}

/* A tile of MR rows x 16 columns (two 8-lane halves) over kcb blocks; arguments as pg_q8p_fn. */
static ALWAYS_INLINE PG_AVX2 void q8p_tile(int unit, int MR, const void *a, int64_t lda, const float *xs,
                                           int64_t ldxs, const int32_t *corr, const void *bp, const float *sp,
                                           int64_t kcb, float *y, int64_t ldy, int64_t cols, int accumulate) {
    __m256 facc[3][2];
#pragma GCC unroll 3
    for (int r = 0; r < MR; r++) {
        facc[r][0] = facc[r][1] = _mm256_setzero_ps();
    }
    for (int64_t b = 0; b < kcb; b++) {
        __m256i iacc[3][2];
        if (unit != UNIT_MADDWD) {
            const int8_t *ab = (const int8_t *)a + b * PG_Q8_BLOCK;
            const uint8_t *bb = (const uint8_t *)bp + b * 8 * 16 * 4;
#pragma GCC unroll 3
            for (int r = 0; r < MR; r++) {
                iacc[r][0] = iacc[r][1] = _mm256_set1_epi32(corr[r * PG_Q8P_KCB_DPBUSD + b]);
            }
#pragma GCC unroll 8
            for (int g = 0; g < 8; g++) {
                const __m256i w0 = _mm256_load_si256((const __m256i *)(bb + g * 64));
                const __m256i w1 = _mm256_load_si256((const __m256i *)(bb + g * 64 + 32));
#pragma GCC unroll 3
                for (int r = 0; r < MR; r++) {
                    int32_t x4;
                    memcpy(&x4, ab + r * lda + 4 * g, 4);
                    const __m256i av = _mm256_set1_epi32(x4);
                    if (unit == UNIT_DPBUSD_VEX) {
                        PG_DPBUSD_VEX(iacc[r][0], w0, av);
                        PG_DPBUSD_VEX(iacc[r][1], w1, av);
                    } else {
                        PG_DPBUSD_EVEX(iacc[r][0], w0, av);
                        PG_DPBUSD_EVEX(iacc[r][1], w1, av);
                    }
                }
            }
        } else {
            const int16_t *ab = (const int16_t *)a + b * 16 * Q8P_MR * 2;
            const int16_t *bb = (const int16_t *)bp + b * 16 * 16 * 2;
#pragma GCC unroll 3
            for (int r = 0; r < MR; r++) {
                iacc[r][0] = iacc[r][1] = _mm256_setzero_si256();
            }
#pragma GCC unroll 16
            for (int g = 0; g < 16; g++) {
                const __m256i w0 = _mm256_load_si256((const __m256i *)(bb + g * 32));
                const __m256i w1 = _mm256_load_si256((const __m256i *)(bb + g * 32 + 16));
#pragma GCC unroll 3
                for (int r = 0; r < MR; r++) {
                    int32_t x2;
                    memcpy(&x2, ab + (g * Q8P_MR + r) * 2, 4);
                    const __m256i av = _mm256_set1_epi32(x2);
                    iacc[r][0] = _mm256_add_epi32(iacc[r][0], _mm256_madd_epi16(w0, av));
                    iacc[r][1] = _mm256_add_epi32(iacc[r][1], _mm256_madd_epi16(w1, av));
                    /* keeps each sum a chain: gcc otherwise reassociates the 16 adds into a tree whose
                     * partial products do not fit the registers (11 KB of spills) */
                    __asm__("" : "+x"(iacc[r][0]), "+x"(iacc[r][1]));
                }
            }
        }
        const __m256 s0 = _mm256_load_ps(sp + b * 16), s1 = _mm256_load_ps(sp + b * 16 + 8);
#pragma GCC unroll 3
        for (int r = 0; r < MR; r++) {
            const __m256 xv = _mm256_broadcast_ss(xs + r * ldxs + b);
            facc[r][0] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(iacc[r][0]), _mm256_mul_ps(s0, xv), facc[r][0]);
            facc[r][1] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(iacc[r][1]), _mm256_mul_ps(s1, xv), facc[r][1]);
        }
    }
#pragma GCC unroll 3
    for (int r = 0; r < MR; r++) {
        float *yr = y + r * ldy;
        if (cols == 16) {
            __m256 v0 = facc[r][0], v1 = facc[r][1];
            if (accumulate) {
                v0 = _mm256_add_ps(v0, _mm256_loadu_ps(yr));
                v1 = _mm256_add_ps(v1, _mm256_loadu_ps(yr + 8));
            }
            _mm256_storeu_ps(yr, v0);
            _mm256_storeu_ps(yr + 8, v1);
        } else {
            /* the last panel of the range: through a copy, so nothing past column cols is touched */
            float tmp[16] __attribute__((aligned(32)));
            _mm256_store_ps(tmp, facc[r][0]);
            _mm256_store_ps(tmp + 8, facc[r][1]);
            for (int64_t c = 0; c < cols; c++) {
                yr[c] = accumulate ? yr[c] + tmp[c] : tmp[c];
            }
        }
    }
}

#define Q8P_TILE_FN(unit, MR)                                                                              \
    static PG_AVX2 void q8p_##unit##_##MR(const void *a, int64_t lda, const float *xs, int64_t ldxs,      \
                                          const int32_t *corr, const void *bp, const float *sp,           \
                                          int64_t kcb, float *y, int64_t ldy, int64_t rows, int64_t cols, \
                                          int accumulate) {                                               \
        (void)rows; /* MR */                                                                               \
        q8p_tile(UNIT_##unit, MR, a, lda, xs, ldxs, corr, bp, sp, kcb, y, ldy, cols, accumulate);       \
    }

Q8P_TILE_FN(MADDWD, 1) Q8P_TILE_FN(MADDWD, 2) Q8P_TILE_FN(MADDWD, 3)
Q8P_TILE_FN(DPBUSD_VEX, 1) Q8P_TILE_FN(DPBUSD_VEX, 2) Q8P_TILE_FN(DPBUSD_VEX, 3)
Q8P_TILE_FN(DPBUSD_EVEX, 1) Q8P_TILE_FN(DPBUSD_EVEX, 2) Q8P_TILE_FN(DPBUSD_EVEX, 3)

static const pg_q8p_fn Q8P_MADDWD_TILES[3] = {q8p_MADDWD_1, q8p_MADDWD_2, q8p_MADDWD_3};
static const pg_q8p_fn Q8P_VEX_TILES[3] = {q8p_DPBUSD_VEX_1, q8p_DPBUSD_VEX_2, q8p_DPBUSD_VEX_3};
static const pg_q8p_fn Q8P_EVEX_TILES[3] = {q8p_DPBUSD_EVEX_1, q8p_DPBUSD_EVEX_2, q8p_DPBUSD_EVEX_3};

PG_AVX2 void pg_gemm_q8_avx2_packed(const int8_t *xq, const float *xs, const int8_t *q, const uint16_t *s,
                                    float *y, int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1) {
    pg_q8p_loop(PG_Q8P_MADDWD, 16, Q8P_MR, Q8P_MADDWD_TILES, q8p_pack, xq, xs, q, s, y, ldy, m, k, n0, n1);
}

/* Runs only where pg_has_avx_vnni(). */
PG_AVX2 void pg_gemm_q8_avx2_vnni_packed(const int8_t *xq, const float *xs, const int8_t *q, const uint16_t *s,
                                         float *y, int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1) {
    pg_q8p_loop(PG_Q8P_DPBUSD, 16, Q8P_MR, Q8P_VEX_TILES, q8p_pack, xq, xs, q, s, y, ldy, m, k, n0, n1);
}

/* The same template in EVEX form: runs only where pg_has_avx512_vnni() (AVX512-VL is implied there). */
PG_AVX2 void pg_gemm_q8_avx2_vnni_evex_packed(const int8_t *xq, const float *xs, const int8_t *q,
                                              const uint16_t *s, float *y, int64_t ldy, int64_t m, int64_t k,
                                              int64_t n0, int64_t n1) {
    pg_q8p_loop(PG_Q8P_DPBUSD, 16, Q8P_MR, Q8P_EVEX_TILES, q8p_pack, xq, xs, q, s, y, ldy, m, k, n0, n1);
}

/* ---- dequantization -------------------------------------------------------------------------- */

PG_AVX2 void pg_dequantize_q8_avx2(const int8_t *q, const uint16_t *s, int64_t k, int64_t r0, int64_t rows,
                                   float *out) {
    const int64_t kb = pg_q8_blocks(k);
    for (int64_t r = 0; r < rows; r++) {
        const int8_t *qr = q + (r0 + r) * k;
        const uint16_t *sr = s + (r0 + r) * kb;
        int64_t p = 0;
        for (; p + 8 <= k; p += 8) {
            _mm256_storeu_ps(out + r * k + p, pg_q8_load8(qr + p, sr + (p >> 5)));
        }
        /* the last k % 8: no byte-masked load in AVX2, and a copy would cost more than these few */
        for (; p < k; p++) {
            out[r * k + p] = pg_q8_value(qr + p, sr + (p >> 5));
        }
    }
}
