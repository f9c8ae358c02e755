/* elementwise.c: residual add, scaling, bias. */
#include <immintrin.h>

#include "pg_internal.h"
#include "pg_vmath.h"

void pg_add_scalar(float *out, const float *a, const float *b, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        out[i] = a[i] + b[i];
    }
}

void pg_scale_scalar(float *x, int64_t n, float s) {
    for (int64_t i = 0; i < n; i++) {
        x[i] *= s;
    }
}

void pg_add_bias_rows_scalar(float *x, const float *bias, int64_t rows, int64_t cols) {
    for (int64_t r = 0; r < rows; r++) {
        float *row = x + r * cols;
        for (int64_t c = 0; c < cols; c++) {
            row[c] += bias[c];
        }
    }
}

PG_AVX512 void pg_add_avx512(float *out, const float *a, const float *b, int64_t n) {
    for (int64_t i = 0; i < n; i += 16) {
        __mmask16 k = pg_v_tail(n - i);
        __m512 va = _mm512_maskz_loadu_ps(k, a + i);
        __m512 vb = _mm512_maskz_loadu_ps(k, b + i);
        _mm512_mask_storeu_ps(out + i, k, _mm512_add_ps(va, vb));
    }
}

PG_AVX512 void pg_scale_avx512(float *x, int64_t n, float s) {
    const __m512 vs = _mm512_set1_ps(s);
    for (int64_t i = 0; i < n; i += 16) {
        __mmask16 k = pg_v_tail(n - i);
        _mm512_mask_storeu_ps(x + i, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, x + i), vs));
    }
}

PG_AVX512 void pg_add_bias_rows_avx512(float *x, const float *bias, int64_t rows, int64_t cols) {
    for (int64_t r = 0; r < rows; r++) {
        float *row = x + r * cols;
        for (int64_t c = 0; c < cols; c += 16) {
            __mmask16 k = pg_v_tail(cols - c);
            __m512 v = _mm512_maskz_loadu_ps(k, row + c);
            _mm512_mask_storeu_ps(row + c, k, _mm512_add_ps(v, _mm512_maskz_loadu_ps(k, bias + c)));
        }
    }
}

void pg_add(float *out, const float *a, const float *b, int64_t n) {
    if (pg_has_avx512()) {
        pg_add_avx512(out, a, b, n);
    } else {
        pg_add_scalar(out, a, b, n);
    }
}

void pg_scale(float *x, int64_t n, float s) {
    if (pg_has_avx512()) {
        pg_scale_avx512(x, n, s);
    } else {
        pg_scale_scalar(x, n, s);
    }
}

void pg_add_bias_rows(float *x, const float *bias, int64_t rows, int64_t cols) {
    if (pg_has_avx512()) {
        pg_add_bias_rows_avx512(x, bias, rows, cols);
    } else {
        pg_add_bias_rows_scalar(x, bias, rows, cols);
    }
}
