/* elementwise.c: residual add, scaling, bias. */
#include <immintrin.h>

#include "pg_internal.h"
#include "pg_vmath.h"
#include "pg_vmath_avx2.h"

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

/* The AVX2 steps cover m lanes: 8 in the main loops, n % 8 once at the end (pg_vmath_avx2.h). */
PG_AVX2_STEP void add_step(float *out, const float *a, const float *b, int64_t m) {
    pg_v8_storen(out, m, _mm256_add_ps(pg_v8_loadn(a, m), pg_v8_loadn(b, m)));
}

PG_AVX2_STEP void scale_step(float *x, int64_t m, __m256 vs) {
    pg_v8_storen(x, m, _mm256_mul_ps(pg_v8_loadn(x, m), vs));
}

PG_AVX2 void pg_add_avx2(float *out, const float *a, const float *b, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        add_step(out + i, a + i, b + i, 8);
    }
    if (i < n) {
        add_step(out + i, a + i, b + i, pg_v8_rest(n - i));
    }
}

PG_AVX2 void pg_scale_avx2(float *x, int64_t n, float s) {
    const __m256 vs = _mm256_set1_ps(s);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        scale_step(x + i, 8, vs);
    }
    if (i < n) {
        scale_step(x + i, pg_v8_rest(n - i), vs);
    }
}

PG_AVX2 void pg_add_bias_rows_avx2(float *x, const float *bias, int64_t rows, int64_t cols) {
    for (int64_t r = 0; r < rows; r++) {
        float *row = x + r * cols;
        int64_t c = 0;
        for (; c + 8 <= cols; c += 8) {
            add_step(row + c, row + c, bias + c, 8);
        }
        if (c < cols) {
            add_step(row + c, row + c, bias + c, pg_v8_rest(cols - c));
        }
    }
}

void pg_add(float *out, const float *a, const float *b, int64_t n) {
    int isa = pg_isa();
    if (isa >= PG_ISA_AVX512) {
        pg_add_avx512(out, a, b, n);
    } else if (isa >= PG_ISA_AVX2) {
        pg_add_avx2(out, a, b, n);
    } else {
        pg_add_scalar(out, a, b, n);
    }
}

void pg_scale(float *x, int64_t n, float s) {
    int isa = pg_isa();
    if (isa >= PG_ISA_AVX512) {
        pg_scale_avx512(x, n, s);
    } else if (isa >= PG_ISA_AVX2) {
        pg_scale_avx2(x, n, s);
    } else {
        pg_scale_scalar(x, n, s);
    }
}

void pg_add_bias_rows(float *x, const float *bias, int64_t rows, int64_t cols) {
    int isa = pg_isa();
    if (isa >= PG_ISA_AVX512) {
        pg_add_bias_rows_avx512(x, bias, rows, cols);
    } else if (isa >= PG_ISA_AVX2) {
        pg_add_bias_rows_avx2(x, bias, rows, cols);
    } else {
        pg_add_bias_rows_scalar(x, bias, rows, cols);
    }
}
