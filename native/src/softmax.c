/* softmax.c: attention probabilities, one row at a time, in place.
 * Per row: s = x * scale, optional tanh soft-cap, keys outside [lo, hi) set to exactly 0, then
 * exp(s - max) normalised by a sum kept in double. A row with no allowed key (or whose allowed
 * scores are all -inf) becomes all zeros instead of 0/0. */
#include <math.h>
#include <immintrin.h>

#include "pg_internal.h"
#include "pg_vmath.h"

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

void pg_softmax_rows(float *x, int64_t rows, int64_t cols, int64_t ld, float scale, float softcap,
                     const int32_t *key_lo, const int32_t *key_hi) {
    if (pg_has_avx512()) {
        pg_softmax_rows_avx512(x, rows, cols, ld, scale, softcap, key_lo, key_hi);
    } else {
        pg_softmax_rows_scalar(x, rows, cols, ld, scale, softcap, key_lo, key_hi);
    }
}
