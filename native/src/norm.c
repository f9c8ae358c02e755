/* norm.c: Gemma RMSNorm and LayerNorm over the last dimension.
 * Row statistics are accumulated in double so that long rows do not lose digits; the outputs are
 * rounded to float once per element. out may alias x: each element is read before it is written. */
#include <math.h>
#include <immintrin.h>

#include "pg_internal.h"
#include "pg_vmath.h"

void pg_rms_norm_scalar(float *out, const float *x, const float *weight, int64_t rows, int64_t dim,
                        float eps) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * dim;
        float *o = out + r * dim;
        double ss = 0.0;
        for (int64_t i = 0; i < dim; i++) {
            ss += (double)xr[i] * xr[i];
        }
        float inv = (float)(1.0 / sqrt(ss / (double)dim + (double)eps));
        for (int64_t i = 0; i < dim; i++) {
            o[i] = (xr[i] * inv) * (1.0f + weight[i]);
        }
    }
}

void pg_layer_norm_scalar(float *out, const float *x, const float *weight, const float *bias,
                          int64_t rows, int64_t dim, float eps) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * dim;
        float *o = out + r * dim;
        double sum = 0.0;
        for (int64_t i = 0; i < dim; i++) {
            sum += xr[i];
        }
        double mean = sum / (double)dim;
        double var = 0.0;
        for (int64_t i = 0; i < dim; i++) {
            double d = xr[i] - mean;
            var += d * d;
        }
        double rstd = 1.0 / sqrt(var / (double)dim + (double)eps);
        for (int64_t i = 0; i < dim; i++) {
            float t = (float)((xr[i] - mean) * rstd);
            o[i] = t * weight[i] + bias[i];
        }
    }
}

/* The two halves of a float vector widened to double. */
static inline PG_AVX512 __m512d lo_pd(__m512 v) {
    return _mm512_cvtps_pd(_mm512_castps512_ps256(v));
}

static inline PG_AVX512 __m512d hi_pd(__m512 v) {
    return _mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1));
}

PG_AVX512 void pg_rms_norm_avx512(float *out, const float *x, const float *weight, int64_t rows,
                                  int64_t dim, float eps) {
    const __m512 one = _mm512_set1_ps(1.0f);
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * dim;
        float *o = out + r * dim;
        __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
        for (int64_t i = 0; i < dim; i += 16) {
            __m512 v = _mm512_maskz_loadu_ps(pg_v_tail(dim - i), xr + i);
            __m512d a = lo_pd(v), b = hi_pd(v);
            s0 = _mm512_fmadd_pd(a, a, s0);
            s1 = _mm512_fmadd_pd(b, b, s1);
        }
        double ss = _mm512_reduce_add_pd(_mm512_add_pd(s0, s1));
        __m512 inv = _mm512_set1_ps((float)(1.0 / sqrt(ss / (double)dim + (double)eps)));
        for (int64_t i = 0; i < dim; i += 16) {
            __mmask16 k = pg_v_tail(dim - i);
            __m512 v = _mm512_maskz_loadu_ps(k, xr + i);
            __m512 w = _mm512_add_ps(one, _mm512_maskz_loadu_ps(k, weight + i));
            _mm512_mask_storeu_ps(o + i, k, _mm512_mul_ps(_mm512_mul_ps(v, inv), w));
        }
    }
}

PG_AVX512 void pg_layer_norm_avx512(float *out, const float *x, const float *weight,
                                    const float *bias, int64_t rows, int64_t dim, float eps) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * dim;
        float *o = out + r * dim;
        __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
        for (int64_t i = 0; i < dim; i += 16) {
            __m512 v = _mm512_maskz_loadu_ps(pg_v_tail(dim - i), xr + i);
            s0 = _mm512_add_pd(s0, lo_pd(v));
            s1 = _mm512_add_pd(s1, hi_pd(v));
        }
        double mean = _mm512_reduce_add_pd(_mm512_add_pd(s0, s1)) / (double)dim;
        const __m512d vmean = _mm512_set1_pd(mean);
        s0 = _mm512_setzero_pd();
        s1 = _mm512_setzero_pd();
        for (int64_t i = 0; i < dim; i += 16) {
            __mmask16 k = pg_v_tail(dim - i);
            __m512 v = _mm512_maskz_loadu_ps(k, xr + i);
            /* lanes past the row end would add mean^2: zero them after the subtraction */
            __m512d a = _mm512_maskz_sub_pd((__mmask8)k, lo_pd(v), vmean);
            __m512d b = _mm512_maskz_sub_pd((__mmask8)(k >> 8), hi_pd(v), vmean);
            s0 = _mm512_fmadd_pd(a, a, s0);
            s1 = _mm512_fmadd_pd(b, b, s1);
        }
        double var = _mm512_reduce_add_pd(_mm512_add_pd(s0, s1)) / (double)dim;
        const __m512d rstd = _mm512_set1_pd(1.0 / sqrt(var + (double)eps));
        for (int64_t i = 0; i < dim; i += 16) {
            __mmask16 k = pg_v_tail(dim - i);
            __m512 v = _mm512_maskz_loadu_ps(k, xr + i);
            __m256 tl = _mm512_cvtpd_ps(_mm512_mul_pd(_mm512_sub_pd(lo_pd(v), vmean), rstd));
            __m256 th = _mm512_cvtpd_ps(_mm512_mul_pd(_mm512_sub_pd(hi_pd(v), vmean), rstd));
            __m512 t = _mm512_insertf32x8(_mm512_castps256_ps512(tl), th, 1);
            __m512 w = _mm512_maskz_loadu_ps(k, weight + i);
            __m512 b = _mm512_maskz_loadu_ps(k, bias + i);
            _mm512_mask_storeu_ps(o + i, k, _mm512_fmadd_ps(t, w, b));
        }
    }
}

void pg_rms_norm(float *out, const float *x, const float *weight, int64_t rows, int64_t dim,
                 float eps) {
    if (pg_has_avx512()) {
        pg_rms_norm_avx512(out, x, weight, rows, dim, eps);
    } else {
        pg_rms_norm_scalar(out, x, weight, rows, dim, eps);
    }
}

void pg_layer_norm(float *out, const float *x, const float *weight, const float *bias,
                   int64_t rows, int64_t dim, float eps) {
    if (pg_has_avx512()) {
        pg_layer_norm_avx512(out, x, weight, bias, rows, dim, eps);
    } else {
        pg_layer_norm_scalar(out, x, weight, bias, rows, dim, eps);
    }
}
