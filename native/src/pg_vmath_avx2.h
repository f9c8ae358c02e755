/*
 * pg_vmath_avx2.h: the AVX2 (+ FMA, F16C) twins of pg_vmath.h, 8 floats per vector: exp / expm1 /
 * tanh / gelu, tail masks and reductions for the *_avx2 kernels (private, header-only).
 *
 * Same algorithms and accuracy as the AVX-512 versions (Cody-Waite reduction, degree-8 Taylor
 * polynomial). AVX2 lacks what those lean on, so three things differ: 2^n is built from exponent bits
 * (no vscalefps), tails use vmaskmovps with a vector mask (no mask registers), and 16-bit tails go
 * through a small stack buffer (no 16-bit masked load or store).
 *
 * Unlike the AVX-512 kernels, the AVX2 ones do not mask every step: on the CPUs that run them
 * (Zen 2, Zen 3) a vmaskmovps store is microcoded and a masked load costs more than a plain one.
 * Each kernel puts its per-vector work in a PG_AVX2_STEP function taking m, the number of lanes to
 * access, and loads and stores through pg_v8_loadn / pg_v8_storen / pg_v8_load_u16 /
 * pg_v8_store_u16:
 *
 *     for (; i + 8 <= n; i += 8) step(..., 8);       m = 8, a constant: plain loads and stores
 *     if (i < n) step(..., pg_v8_rest(n - i));       once, 0 < m < 8: masks / the 16-bit buffer
 */
#ifndef PG_VMATH_AVX2_H
#define PG_VMATH_AVX2_H

#include <immintrin.h>

#include "pg_internal.h"

/* e^r - 1 for |r| <= ln2/2. */
static inline PG_AVX2 __m256 pg_v8_expm1_reduced(__m256 r) {
    __m256 p = _mm256_set1_ps(1.0f / 40320.0f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 5040.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    return _mm256_mul_ps(p, r);
}

/* Splits x = n ln2 + r as pg_v_reduce does. Returns r, stores n (an integer in float). */
static inline PG_AVX2 __m256 pg_v8_reduce(__m256 x, __m256 *n) {
    *n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                         _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(*n, _mm256_set1_ps(0.693359375f), x);
    return _mm256_fnmadd_ps(*n, _mm256_set1_ps(-2.12194440e-4f), r);
}

/* 2^n for integers -126 <= n <= 127 (normal floats only): n + 127 is the biased exponent. */
static inline PG_AVX2 __m256 pg_v8_pow2i(__m256i n) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(127)), 23));
}

/* e^x, the same clamps and results as pg_v_exp: +inf above ~88.72, through the subnormals to 0 below,
 * NaN stays NaN (max/min return their second operand when it is NaN; a NaN n converts to INT_MIN,
 * whose scale factors are finite, and NaN times them is NaN). */
static inline PG_AVX2 __m256 pg_v8_exp(__m256 x) {
    x = _mm256_max_ps(_mm256_set1_ps(-104.0f), x);
    x = _mm256_min_ps(_mm256_set1_ps(89.0f), x);
    __m256 n;
    __m256 r = pg_v8_reduce(x, &n);
    __m256 e = _mm256_add_ps(pg_v8_expm1_reduced(r), _mm256_set1_ps(1.0f));
    /* -150 <= n <= 128, so 2^n itself may be subnormal or overflow: scale by 2^n1 2^n2 with
     * n1 = n >> 1, both factors normal. e 2^n1 is exact and the second product rounds once, so the
     * result is that of scalef, subnormals and overflow included. */
    __m256i ni = _mm256_cvtps_epi32(n);
    __m256i n1 = _mm256_srai_epi32(ni, 1);
    __m256 t = _mm256_mul_ps(e, pg_v8_pow2i(n1));
    return _mm256_mul_ps(t, pg_v8_pow2i(_mm256_sub_epi32(ni, n1)));
}

/* e^y - 1 for 0 <= y <= 20: 2^n (e^r - 1) + (2^n - 1); here 0 <= n <= 29, so 2^n is one normal
 * factor. A NaN y gives a NaN e^r - 1, whatever 2^n comes out of its n. */
static inline PG_AVX2 __m256 pg_v8_expm1_nonneg(__m256 y) {
    __m256 n;
    __m256 r = pg_v8_reduce(y, &n);
    __m256 q = pg_v8_expm1_reduced(r);
    __m256 t = pg_v8_pow2i(_mm256_cvtps_epi32(n));
    return _mm256_fmadd_ps(t, q, _mm256_sub_ps(t, _mm256_set1_ps(1.0f)));
}

/* tanh(x) = sign(x) e/(e + 2) with e = expm1(2|x|); |x| >= 10 rounds to +-1 in float anyway. */
static inline PG_AVX2 __m256 pg_v8_tanh(__m256 x) {
    const __m256 sign_bit = _mm256_set1_ps(-0.0f);
    __m256 a = _mm256_andnot_ps(sign_bit, x);
    a = _mm256_min_ps(_mm256_set1_ps(10.0f), a);
    __m256 e = pg_v8_expm1_nonneg(_mm256_add_ps(a, a));
    __m256 t = _mm256_div_ps(e, _mm256_add_ps(e, _mm256_set1_ps(2.0f)));
    return _mm256_or_ps(t, _mm256_and_ps(x, sign_bit));
}

/* gelu_pytorch_tanh as x * sigmoid(2u), split as in pg_v_gelu_tanh so that exp(-2|u|) <= 1. */
static inline PG_AVX2 __m256 pg_v8_gelu_tanh(__m256 x) {
    const __m256 c = _mm256_set1_ps(0.7978845608028654f);
    const __m256 c3 = _mm256_set1_ps(0.7978845608028654f * 0.044715f);
    __m256 u = _mm256_mul_ps(x, _mm256_fmadd_ps(c3, _mm256_mul_ps(x, x), c));
    __m256 au = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), u);
    __m256 e = pg_v8_exp(_mm256_mul_ps(au, _mm256_set1_ps(-2.0f)));
    __m256 neg = _mm256_cmp_ps(u, _mm256_setzero_ps(), _CMP_LT_OQ);
    __m256 num = _mm256_blendv_ps(x, _mm256_mul_ps(x, e), neg);
    return _mm256_div_ps(num, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}

/* A kernel's per-vector step: always inlined, so that a constant lane count folds the helpers below
 * to plain loads and stores in the main loop. */
#define PG_AVX2_STEP static inline __attribute__((always_inline)) PG_AVX2

/* The lane count of the tail step, 0 < m < 8 after the main loop. The & 7 leaves it as it is but
 * tells the compiler that m < 8, so that it drops the helpers' full-vector branch from the tail. */
PG_AVX2_STEP int64_t pg_v8_rest(int64_t m) {
    return m & 7;
}

/* Mask of the first n lanes (none for n <= 0, all for n >= 8), as _mm256_maskload_ps /
 * _mm256_maskstore_ps take it: all ones in a lane to access it. Masked-out lanes are not accessed
 * (no fault either), loads give 0 there. */
PG_AVX2_STEP __m256i pg_v8_tail(int64_t n) {
    int k = n <= 0 ? 0 : (n >= 8 ? 8 : (int)n);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(k), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* The first n (clamped to 0..8) floats at p, zero in the other lanes; nothing past them is read.
 * A full vector is one plain load, a tail one masked load. */
PG_AVX2_STEP __m256 pg_v8_loadn(const float *p, int64_t n) {
    return n >= 8 ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, pg_v8_tail(n));
}

/* Stores the first n (clamped to 0..8) lanes of v at p; nothing past them is written. */
PG_AVX2_STEP void pg_v8_storen(float *p, int64_t n, __m256 v) {
    if (n >= 8) {
        _mm256_storeu_ps(p, v);
    } else {
        _mm256_maskstore_ps(p, pg_v8_tail(n), v);
    }
}

/* The first n (clamped to 0..8) 16-bit values at p, zero in the other lanes; nothing past them is
 * read. A full vector is one plain load; a tail is copied to a zeroed buffer first. */
PG_AVX2_STEP __m128i pg_v8_load_u16(const uint16_t *p, int64_t n) {
    if (n >= 8) {
        return _mm_loadu_si128((const __m128i *)p);
    }
    uint16_t buf[8] = {0};
    memcpy(buf, p, (size_t)(n > 0 ? n : 0) * sizeof buf[0]);
    return _mm_loadu_si128((const __m128i *)buf);
}

/* Stores the first n (clamped to 0..8) 16-bit lanes of v at p; nothing past them is written. */
PG_AVX2_STEP void pg_v8_store_u16(uint16_t *p, int64_t n, __m128i v) {
    if (n >= 8) {
        _mm_storeu_si128((__m128i *)p, v);
        return;
    }
    uint16_t buf[8];
    _mm_storeu_si128((__m128i *)buf, v);
    memcpy(p, buf, (size_t)(n > 0 ? n : 0) * sizeof buf[0]);
}

/* The largest of the 8 lanes (the horizontal step of _mm512_reduce_max_ps). */
/* In-register transpose: on return r[c] holds column c of the 8 x 8 block the rows r[] held. */
static inline __attribute__((always_inline)) PG_AVX2 void pg_v8_transpose8(__m256 r[8]) {
    __m256 t[8], u[8];
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    /* t[4h + 2q + s]: rows 4h.. of the column pairs; gather four rows of one column per 128 bits */
#pragma GCC unroll 2
    for (int h = 0; h < 2; h++) {
        u[4 * h + 0] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0x44);
        u[4 * h + 1] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0xee);
        u[4 * h + 2] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0x44);
        u[4 * h + 3] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0xee);
    }
#pragma GCC unroll 4
    for (int c = 0; c < 4; c++) {
        r[c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x20);
        r[c + 4] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x31);
    }
}

static inline PG_AVX2 float pg_v8_reduce_max_ps(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

/* The sum of the 8 lanes, as ((0+4)+(2+6)) + ((1+5)+(3+7)). */
static inline PG_AVX2 float pg_v8_reduce_add_ps(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* The sum of the 4 double lanes. */
static inline PG_AVX2 double pg_v8_reduce_add_pd(__m256d v) {
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

#endif /* PG_VMATH_AVX2_H */
