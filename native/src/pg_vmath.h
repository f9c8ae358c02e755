/*
 * pg_vmath.h: AVX-512 exp / expm1 / tanh / gelu, tail masks and a 16 x 16 transpose for the kernels
 * (private, header-only).
 *
 * The model must match Hugging Face float32 to 1e-4, so these stay within ~2 ulp instead of the
 * usual fast approximations: Cody-Waite reduction x = n ln2 + r with |r| <= ln2/2, then a degree-8
 * Taylor polynomial for e^r - 1 (truncation < 1e-9 relative on that interval).
 */
#ifndef PG_VMATH_H
#define PG_VMATH_H

#include <immintrin.h>

#include "pg_internal.h"

/* e^r - 1 for |r| <= ln2/2. */
static inline PG_AVX512 __m512 pg_v_expm1_reduced(__m512 r) {
    __m512 p = _mm512_set1_ps(1.0f / 40320.0f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 5040.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    return _mm512_mul_ps(p, r);
}

/* Splits x = n ln2 + r; ln2 in two parts (the high one with 9 significant bits) keeps r exact to
 * ~1e-9 for |n| <= 150. Returns r, stores n. */
static inline PG_AVX512 __m512 pg_v_reduce(__m512 x, __m512 *n) {
    *n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                              _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(*n, _mm512_set1_ps(0.693359375f), x);
    return _mm512_fnmadd_ps(*n, _mm512_set1_ps(-2.12194440e-4f), r);
}

/* e^x. Overflows to +inf above ~88.72, underflows through the subnormals to 0; NaN stays NaN
 * (max/min return their second operand when it is NaN). */
static inline PG_AVX512 __m512 pg_v_exp(__m512 x) {
    x = _mm512_max_ps(_mm512_set1_ps(-104.0f), x);
    x = _mm512_min_ps(_mm512_set1_ps(89.0f), x);
    __m512 n;
    __m512 r = pg_v_reduce(x, &n);
    __m512 e = _mm512_add_ps(pg_v_expm1_reduced(r), _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(e, n); /* e * 2^n with one rounding, subnormals included */
}

/* e^y - 1 for 0 <= y <= 20: 2^n (e^r - 1) + (2^n - 1), free of cancellation for small y. */
static inline PG_AVX512 __m512 pg_v_expm1_nonneg(__m512 y) {
    __m512 n;
    __m512 r = pg_v_reduce(y, &n);
    __m512 q = pg_v_expm1_reduced(r);
    __m512 t = _mm512_scalef_ps(_mm512_set1_ps(1.0f), n);
    return _mm512_fmadd_ps(t, q, _mm512_sub_ps(t, _mm512_set1_ps(1.0f)));
}

/* tanh(x) = sign(x) e/(e + 2) with e = expm1(2|x|); |x| >= 10 rounds to +-1 in float anyway. */
static inline PG_AVX512 __m512 pg_v_tanh(__m512 x) {
    const __m512i sign_bit = _mm512_set1_epi32((int)0x80000000u);
    __m512 a = _mm512_abs_ps(x);
    a = _mm512_min_ps(_mm512_set1_ps(10.0f), a);
    __m512 e = pg_v_expm1_nonneg(_mm512_add_ps(a, a));
    __m512 t = _mm512_div_ps(e, _mm512_add_ps(e, _mm512_set1_ps(2.0f)));
    __m512i s = _mm512_and_si512(_mm512_castps_si512(x), sign_bit);
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(t), s));
}

/* gelu_pytorch_tanh written as x * sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3): the same
 * function as 0.5 x (1 + tanh u) without the cancellation of 1 + tanh u for negative x. With
 * e = exp(-2|u|) <= 1 (never overflows): sigmoid(2u) = 1 / (1 + e) for u >= 0, e / (1 + e) below. */
static inline PG_AVX512 __m512 pg_v_gelu_tanh(__m512 x) {
    const __m512 c = _mm512_set1_ps(0.7978845608028654f);
    const __m512 c3 = _mm512_set1_ps(0.7978845608028654f * 0.044715f);
    __m512 u = _mm512_mul_ps(x, _mm512_fmadd_ps(c3, _mm512_mul_ps(x, x), c));
    __m512 e = pg_v_exp(_mm512_mul_ps(_mm512_abs_ps(u), _mm512_set1_ps(-2.0f)));
    __mmask16 neg = _mm512_cmp_ps_mask(u, _mm512_setzero_ps(), _CMP_LT_OQ);
    __m512 num = _mm512_mask_mul_ps(x, neg, x, e);
    return _mm512_div_ps(num, _mm512_add_ps(_mm512_set1_ps(1.0f), e));
}

/* Mask of the first n lanes (none for n <= 0, all for n >= 16). */
static inline PG_AVX512 __mmask16 pg_v_tail(int64_t n) {
    if (n <= 0) {
        return 0;
    }
    return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1u);
}

/* In-register transpose: on return r[c] holds column c of the 16 x 16 block the rows r[] held
 * (32-bit elements of any type: the packers use it for floats and for pairs of bfloat16). */
static inline __attribute__((always_inline)) PG_AVX512 void pg_v_transpose16(__m512 r[16]) {
    __m512 t[16];
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    /* r[4q + c] now: rows 4q..4q+3 of columns c, c+4, c+8, c+12 (one per 128-bit lane) */
#pragma GCC unroll 4
    for (int q = 0; q < 4; q++) {
        __m512d a = _mm512_castps_pd(t[4 * q]), b = _mm512_castps_pd(t[4 * q + 1]);
        __m512d c = _mm512_castps_pd(t[4 * q + 2]), d = _mm512_castps_pd(t[4 * q + 3]);
        r[4 * q + 0] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
        r[4 * q + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
        r[4 * q + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
        r[4 * q + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
    }
#pragma GCC unroll 4
    for (int c = 0; c < 4; c++) {
        __m512 a = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x88);      /* cols c, c+8; rows 0-7 */
        __m512 b = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xdd);      /* cols c+4, c+12; rows 0-7 */
        __m512 e = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x88); /* cols c, c+8; rows 8-15 */
        __m512 f = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xdd); /* cols c+4, c+12; rows 8-15 */
        t[c] = _mm512_shuffle_f32x4(a, e, 0x88);
        t[c + 8] = _mm512_shuffle_f32x4(a, e, 0xdd);
        t[c + 4] = _mm512_shuffle_f32x4(b, f, 0x88);
        t[c + 12] = _mm512_shuffle_f32x4(b, f, 0xdd);
    }
#pragma GCC unroll 16
    for (int i = 0; i < 16; i++) {
        r[i] = t[i];
    }
}

#endif /* PG_VMATH_H */
