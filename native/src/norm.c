/* norm.c: Gemma RMSNorm and LayerNorm over the last dimension.
 * Row statistics are accumulated in double so that long rows do not lose digits; the outputs are
 * rounded to float once per element. out may alias x: each element is read before it is written. */
#include <math.h>
#include <immintrin.h>

#include "pg_internal.h"
#include "pg_vmath.h"
#include "pg_vmath_avx2.h"

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

/* lo_pd / hi_pd for an 8-float AVX2 vector. */
static inline PG_AVX2 __m256d lo4_pd(__m256 v) {
    return _mm256_cvtps_pd(_mm256_castps256_ps128(v));
}

static inline PG_AVX2 __m256d hi4_pd(__m256 v) {
    return _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
}

/* The AVX2 steps cover m lanes: 8 in the main loops, dim % 8 once at the end of a row (see
 * pg_vmath_avx2.h). Lanes past m load as 0, which adds nothing to the sums of x and x^2. */
PG_AVX2_STEP void sum_sq_step(const float *x, int64_t m, __m256d *s0, __m256d *s1) {
    __m256 v = pg_v8_loadn(x, m);
    __m256d a = lo4_pd(v), b = hi4_pd(v);
    *s0 = _mm256_fmadd_pd(a, a, *s0);
    *s1 = _mm256_fmadd_pd(b, b, *s1);
}

PG_AVX2_STEP void rms_out_step(float *o, const float *x, const float *weight, int64_t m,
                               __m256 inv) {
    __m256 w = _mm256_add_ps(_mm256_set1_ps(1.0f), pg_v8_loadn(weight, m));
    pg_v8_storen(o, m, _mm256_mul_ps(_mm256_mul_ps(pg_v8_loadn(x, m), inv), w));
}

PG_AVX2_STEP void sum_step(const float *x, int64_t m, __m256d *s0, __m256d *s1) {
    __m256 v = pg_v8_loadn(x, m);
    *s0 = _mm256_add_pd(*s0, lo4_pd(v));
    *s1 = _mm256_add_pd(*s1, hi4_pd(v));
}

PG_AVX2_STEP void sum_dev_sq_step(const float *x, int64_t m, __m256d vmean, __m256d *s0,
                                  __m256d *s1) {
    __m256 v = pg_v8_loadn(x, m);
    __m256d a = _mm256_sub_pd(lo4_pd(v), vmean);
    __m256d b = _mm256_sub_pd(hi4_pd(v), vmean);
    if (m < 8) {
        /* lanes past the row end would add mean^2: zero them after the subtraction, with the
         * 32-bit lane mask widened to the 64-bit lanes of each half */
        __m256i k = pg_v8_tail(m);
        __m256d ka = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(k)));
        __m256d kb = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm256_extracti128_si256(k, 1)));
        a = _mm256_and_pd(ka, a);
        b = _mm256_and_pd(kb, b);
    }
    *s0 = _mm256_fmadd_pd(a, a, *s0);
    *s1 = _mm256_fmadd_pd(b, b, *s1);
}

PG_AVX2_STEP void layer_out_step(float *o, const float *x, const float *weight, const float *bias,
                                 int64_t m, __m256d vmean, __m256d rstd) {
    __m256 v = pg_v8_loadn(x, m);
    __m128 tl = _mm256_cvtpd_ps(_mm256_mul_pd(_mm256_sub_pd(lo4_pd(v), vmean), rstd));
    __m128 th = _mm256_cvtpd_ps(_mm256_mul_pd(_mm256_sub_pd(hi4_pd(v), vmean), rstd));
    __m256 t = _mm256_set_m128(th, tl);
    pg_v8_storen(o, m, _mm256_fmadd_ps(t, pg_v8_loadn(weight, m), pg_v8_loadn(bias, m)));
}

PG_AVX2 void pg_rms_norm_avx2(float *out, const float *x, const float *weight, int64_t rows,
                              int64_t dim, float eps) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * dim;
        float *o = out + r * dim;
        __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
        int64_t i = 0;
        for (; i + 8 <= dim; i += 8) {
            sum_sq_step(xr + i, 8, &s0, &s1);
        }
        if (i < dim) {
            sum_sq_step(xr + i, pg_v8_rest(dim - i), &s0, &s1);
        }
        double ss = pg_v8_reduce_add_pd(_mm256_add_pd(s0, s1));
        __m256 inv = _mm256_set1_ps((float)(1.0 / sqrt(ss / (double)dim + (double)eps)));
        for (i = 0; i + 8 <= dim; i += 8) {
            rms_out_step(o + i, xr + i, weight + i, 8, inv);
        }
        if (i < dim) {
            rms_out_step(o + i, xr + i, weight + i, pg_v8_rest(dim - i), inv);
        }
    }
}

PG_AVX2 void pg_layer_norm_avx2(float *out, const float *x, const float *weight, const float *bias,
                                int64_t rows, int64_t dim, float eps) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * dim;
        float *o = out + r * dim;
        __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
        int64_t i = 0;
        for (; i + 8 <= dim; i += 8) {
            sum_step(xr + i, 8, &s0, &s1);
        }
        if (i < dim) {
            sum_step(xr + i, pg_v8_rest(dim - i), &s0, &s1);
        }
        double mean = pg_v8_reduce_add_pd(_mm256_add_pd(s0, s1)) / (double)dim;
        const __m256d vmean = _mm256_set1_pd(mean);
        s0 = _mm256_setzero_pd();
        s1 = _mm256_setzero_pd();
        for (i = 0; i + 8 <= dim; i += 8) {
            sum_dev_sq_step(xr + i, 8, vmean, &s0, &s1);
        }
        if (i < dim) {
            sum_dev_sq_step(xr + i, pg_v8_rest(dim - i), vmean, &s0, &s1);
        }
        double var = pg_v8_reduce_add_pd(_mm256_add_pd(s0, s1)) / (double)dim;
        const __m256d rstd = _mm256_set1_pd(1.0 / sqrt(var + (double)eps));
        for (i = 0; i + 8 <= dim; i += 8) {
            layer_out_step(o + i, xr + i, weight + i, bias + i, 8, vmean, rstd);
        }
        if (i < dim) {
            layer_out_step(o + i, xr + i, weight + i, bias + i, pg_v8_rest(dim - i), vmean, rstd);
        }
    }
}

void pg_rms_norm(float *out, const float *x, const float *weight, int64_t rows, int64_t dim,
                 float eps) {
    int isa = pg_isa();
    if (isa >= PG_ISA_AVX512) {
        pg_rms_norm_avx512(out, x, weight, rows, dim, eps);
    } else if (isa >= PG_ISA_AVX2) {
        pg_rms_norm_avx2(out, x, weight, rows, dim, eps);
    } else {
        pg_rms_norm_scalar(out, x, weight, rows, dim, eps);
    }
}

void pg_layer_norm(float *out, const float *x, const float *weight, const float *bias,
                   int64_t rows, int64_t dim, float eps) {
    int isa = pg_isa();
    if (isa >= PG_ISA_AVX512) {
        pg_layer_norm_avx512(out, x, weight, bias, rows, dim, eps);
    } else if (isa >= PG_ISA_AVX2) {
        pg_layer_norm_avx2(out, x, weight, bias, rows, dim, eps);
    } else {
        pg_layer_norm_scalar(out, x, weight, bias, rows, dim, eps);
    }
}
