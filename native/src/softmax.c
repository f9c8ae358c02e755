/* softmax.c: attention probabilities, one row at a time, in place.
 * Per row: s = x * scale, optional tanh soft-cap, keys outside [lo, hi) set to exactly 0, then
 * exp(s - max) normalised by a sum kept in double. A row with no allowed key (or whose allowed
 * scores are all -inf) becomes all zeros instead of 0/0. */
#include <math.h>
#include <immintrin.h>

#include "pg_internal.h"
#include "pg_vmath.h"
#include "pg_vmath_avx2.h"

static inline void zero(float *p, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        p[i] = 0.0f;
    }
}

/* Row r's visible keys [lo, hi), with the keys outside them set to 0; returns 0 when none is visible
 * (the whole row is then 0). NULL bounds mean "no bound"; out-of-range bounds are clamped to the row. */
static inline int visible_keys(float *row, const int32_t *key_lo, const int32_t *key_hi, int64_t r,
                               int64_t cols, int64_t *lo, int64_t *hi) {
    int64_t a = key_lo ? key_lo[r] : 0;
    int64_t b = key_hi ? key_hi[r] : cols;
    *lo = a < 0 ? 0 : (a > cols ? cols : a);
    *hi = b < 0 ? 0 : (b > cols ? cols : b);
    if (*lo >= *hi) {
        zero(row, cols);
        return 0;
    }
    zero(row, *lo);
    zero(row + *hi, cols - *hi);
    return 1;
}

void pg_softmax_rows_scalar(float *x, int64_t rows, int64_t cols, int64_t ld, float scale,
                            float softcap, const int32_t *key_lo, const int32_t *key_hi) {
    for (int64_t r = 0; r < rows; r++) {
        float *row = x + r * ld;
        int64_t lo, hi;
        if (!visible_keys(row, key_lo, key_hi, r, cols, &lo, &hi)) {
            continue;
        }
        float mx = -INFINITY;
        for (int64_t c = lo; c < hi; c++) {
            float s = row[c] * scale;
            if (softcap > 0.0f) {
                s = tanhf(s / softcap) * softcap;
            }
            row[c] = s;
            mx = s > mx ? s : mx;
        }
        if (mx == -INFINITY) {
            zero(row + lo, hi - lo);
            continue;
        }
        double sum = 0.0;
        for (int64_t c = lo; c < hi; c++) {
            float e = expf(row[c] - mx);
            row[c] = e;
            sum += e;
        }
        float inv = (float)(1.0 / sum);
        for (int64_t c = lo; c < hi; c++) {
            row[c] *= inv;
        }
    }
}

PG_AVX512 void pg_softmax_rows_avx512(float *x, int64_t rows, int64_t cols, int64_t ld, float scale,
                                      float softcap, const int32_t *key_lo, const int32_t *key_hi) {
    const __m512 vscale = _mm512_set1_ps(scale);
    const __m512 vcap = _mm512_set1_ps(softcap);
    for (int64_t r = 0; r < rows; r++) {
        float *row = x + r * ld;
        int64_t lo, hi;
        if (!visible_keys(row, key_lo, key_hi, r, cols, &lo, &hi)) {
            continue;
        }

        __m512 vmax = _mm512_set1_ps(-INFINITY);
        for (int64_t c = lo; c < hi; c += 16) {
            __mmask16 k = pg_v_tail(hi - c);
            __m512 s = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, row + c), vscale);
            if (softcap > 0.0f) {
                s = _mm512_mul_ps(pg_v_tanh(_mm512_div_ps(s, vcap)), vcap);
            }
            _mm512_mask_storeu_ps(row + c, k, s);
            vmax = _mm512_mask_max_ps(vmax, k, vmax, s);
        }
        float mx = _mm512_reduce_max_ps(vmax);
        if (mx == -INFINITY) {
            zero(row + lo, hi - lo);
            continue;
        }

        const __m512 vmx = _mm512_set1_ps(mx);
        __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
        for (int64_t c = lo; c < hi; c += 16) {
            __mmask16 k = pg_v_tail(hi - c);
            __m512 e = pg_v_exp(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, row + c), vmx));
            e = _mm512_maskz_mov_ps(k, e);
            _mm512_mask_storeu_ps(row + c, k, e);
            s0 = _mm512_add_pd(s0, _mm512_cvtps_pd(_mm512_castps512_ps256(e)));
            s1 = _mm512_add_pd(s1, _mm512_cvtps_pd(_mm512_extractf32x8_ps(e, 1)));
        }
        const __m512 inv = _mm512_set1_ps((float)(1.0 / _mm512_reduce_add_pd(_mm512_add_pd(s0, s1))));
        for (int64_t c = lo; c < hi; c += 16) {
            __mmask16 k = pg_v_tail(hi - c);
            _mm512_mask_storeu_ps(row + c, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, row + c), inv));
        }
    }
}

/* The AVX2 steps cover m lanes: 8 in the main loops, the row's (hi - lo) % 8 once at its end (see
 * pg_vmath_avx2.h). Scale (and cap) m scores in place; returns vmax raised by them. */
PG_AVX2_STEP __m256 scores_step(float *p, int64_t m, __m256 vscale, float softcap, __m256 vcap,
                                __m256 vmax) {
    __m256 s = _mm256_mul_ps(pg_v8_loadn(p, m), vscale);
    if (softcap > 0.0f) {
        s = _mm256_mul_ps(pg_v8_tanh(_mm256_div_ps(s, vcap)), vcap);
    }
    pg_v8_storen(p, m, s);
    if (m >= 8) {
        return _mm256_max_ps(vmax, s);
    }
    /* the 0 in lanes past hi must not raise the maximum */
    return _mm256_blendv_ps(vmax, _mm256_max_ps(vmax, s), _mm256_castsi256_ps(pg_v8_tail(m)));
}

/* e = exp(s - max) for m scores, in place, added to the double sums. */
PG_AVX2_STEP void exp_step(float *p, int64_t m, __m256 vmx, __m256d *s0, __m256d *s1) {
    __m256 e = pg_v8_exp(_mm256_sub_ps(pg_v8_loadn(p, m), vmx));
    if (m < 8) {
        /* lanes past hi hold exp(-max), which must not enter the sum */
        e = _mm256_and_ps(e, _mm256_castsi256_ps(pg_v8_tail(m)));
    }
    pg_v8_storen(p, m, e);
    *s0 = _mm256_add_pd(*s0, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
    *s1 = _mm256_add_pd(*s1, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
}

PG_AVX2_STEP void normalize_step(float *p, int64_t m, __m256 inv) {
    pg_v8_storen(p, m, _mm256_mul_ps(pg_v8_loadn(p, m), inv));
}

PG_AVX2 void pg_softmax_rows_avx2(float *x, int64_t rows, int64_t cols, int64_t ld, float scale,
                                    float softcap, const int32_t *key_lo, const int32_t *key_hi) {
    const __m256 vscale = _mm256_set1_ps(scale);
    const __m256 vcap = _mm256_set1_ps(softcap);
    for (int64_t r = 0; r < rows; r++) {
        float *row = x + r * ld;
        int64_t lo, hi;
        if (!visible_keys(row, key_lo, key_hi, r, cols, &lo, &hi)) {
            continue;
        }

        __m256 vmax = _mm256_set1_ps(-INFINITY);
        int64_t c = lo;
        for (; c + 8 <= hi; c += 8) {
            vmax = scores_step(row + c, 8, vscale, softcap, vcap, vmax);
        }
        if (c < hi) {
            vmax = scores_step(row + c, pg_v8_rest(hi - c), vscale, softcap, vcap, vmax);
        }
        float mx = pg_v8_reduce_max_ps(vmax);
        if (mx == -INFINITY) {
            zero(row + lo, hi - lo);
            continue;
        }

        const __m256 vmx = _mm256_set1_ps(mx);
        __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
        for (c = lo; c + 8 <= hi; c += 8) {
            exp_step(row + c, 8, vmx, &s0, &s1);
        }
        if (c < hi) {
            exp_step(row + c, pg_v8_rest(hi - c), vmx, &s0, &s1);
        }
        const __m256 inv = _mm256_set1_ps((float)(1.0 / pg_v8_reduce_add_pd(_mm256_add_pd(s0, s1))));
        for (c = lo; c + 8 <= hi; c += 8) {
            normalize_step(row + c, 8, inv);
        }
        if (c < hi) {
            normalize_step(row + c, pg_v8_rest(hi - c), inv);
        }
    }
}

void pg_softmax_rows(float *x, int64_t rows, int64_t cols, int64_t ld, float scale, float softcap,
                     const int32_t *key_lo, const int32_t *key_hi) {
    int isa = pg_isa();
    if (isa >= PG_ISA_AVX512) {
        pg_softmax_rows_avx512(x, rows, cols, ld, scale, softcap, key_lo, key_hi);
    } else if (isa >= PG_ISA_AVX2) {
        pg_softmax_rows_avx2(x, rows, cols, ld, scale, softcap, key_lo, key_hi);
    } else {
        pg_softmax_rows_scalar(x, rows, cols, ld, scale, softcap, key_lo, key_hi);
    }
}
