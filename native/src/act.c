/* act.c: gelu_pytorch_tanh, GeGLU and tanh soft-capping. */
#include <math.h>

#include "pg_internal.h"
#include "pg_vmath.h"
#include "pg_vmath_avx2.h"

/* gelu as x * sigmoid(2u), the same split as pg_v_gelu_tanh: exp(-2|u|) cannot overflow. */
static inline float gelu_tanh_1(float x) {
    const float c = 0.7978845608028654f;
    const float c3 = 0.7978845608028654f * 0.044715f;
    float u = x * (c3 * (x * x) + c);
    float e = expf(-2.0f * fabsf(u));
    return (u < 0.0f ? x * e : x) / (1.0f + e);
}

void pg_gelu_tanh_scalar(float *out, const float *x, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        out[i] = gelu_tanh_1(x[i]);
    }
}

void pg_geglu_scalar(float *out, const float *gate, const float *up, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        out[i] = gelu_tanh_1(gate[i]) * up[i];
    }
}

void pg_softcap_scalar(float *x, int64_t n, float cap) {
    for (int64_t i = 0; i < n; i++) {
        x[i] = tanhf(x[i] / cap) * cap;
    }
}

PG_AVX512 void pg_gelu_tanh_avx512(float *out, const float *x, int64_t n) {
    for (int64_t i = 0; i < n; i += 16) {
        __mmask16 k = pg_v_tail(n - i);
        __m512 v = _mm512_maskz_loadu_ps(k, x + i);
        _mm512_mask_storeu_ps(out + i, k, pg_v_gelu_tanh(v));
    }
}

PG_AVX512 void pg_geglu_avx512(float *out, const float *gate, const float *up, int64_t n) {
    for (int64_t i = 0; i < n; i += 16) {
        __mmask16 k = pg_v_tail(n - i);
        __m512 g = _mm512_maskz_loadu_ps(k, gate + i);
        __m512 u = _mm512_maskz_loadu_ps(k, up + i);
        _mm512_mask_storeu_ps(out + i, k, _mm512_mul_ps(pg_v_gelu_tanh(g), u));
    }
}

PG_AVX512 void pg_softcap_avx512(float *x, int64_t n, float cap) {
    const __m512 vcap = _mm512_set1_ps(cap);
    for (int64_t i = 0; i < n; i += 16) {
        __mmask16 k = pg_v_tail(n - i);
        __m512 v = _mm512_maskz_loadu_ps(k, x + i);
        /* a true division, like Hugging Face's x / cap, not a multiply by 1/cap */
        __m512 t = pg_v_tanh(_mm512_div_ps(v, vcap));
        _mm512_mask_storeu_ps(x + i, k, _mm512_mul_ps(t, vcap));
    }
}

/* The AVX2 steps cover m lanes: 8 in the main loops, n % 8 once at the end (pg_vmath_avx2.h). */
PG_AVX2_STEP void gelu_tanh_step(float *out, const float *x, int64_t m) {
    pg_v8_storen(out, m, pg_v8_gelu_tanh(pg_v8_loadn(x, m)));
}

PG_AVX2_STEP void geglu_step(float *out, const float *gate, const float *up, int64_t m) {
    __m256 g = pg_v8_loadn(gate, m);
    __m256 u = pg_v8_loadn(up, m);
    pg_v8_storen(out, m, _mm256_mul_ps(pg_v8_gelu_tanh(g), u));
}

PG_AVX2_STEP void softcap_step(float *x, int64_t m, __m256 vcap) {
    /* a true division, as in pg_softcap_avx512 */
    __m256 t = pg_v8_tanh(_mm256_div_ps(pg_v8_loadn(x, m), vcap));
    pg_v8_storen(x, m, _mm256_mul_ps(t, vcap));
}

PG_AVX2 void pg_gelu_tanh_avx2(float *out, const float *x, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        gelu_tanh_step(out + i, x + i, 8);
    }
    if (i < n) {
        gelu_tanh_step(out + i, x + i, pg_v8_rest(n - i));
    }
}

PG_AVX2 void pg_geglu_avx2(float *out, const float *gate, const float *up, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        geglu_step(out + i, gate + i, up + i, 8);
    }
    if (i < n) {
        geglu_step(out + i, gate + i, up + i, pg_v8_rest(n - i));
    }
}

PG_AVX2 void pg_softcap_avx2(float *x, int64_t n, float cap) {
    const __m256 vcap = _mm256_set1_ps(cap);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        softcap_step(x + i, 8, vcap);
    }
    if (i < n) {
        softcap_step(x + i, pg_v8_rest(n - i), vcap);
    }
}

void pg_gelu_tanh(float *out, const float *x, int64_t n) {
    int isa = pg_isa();
    if (isa >= PG_ISA_AVX512) {
        pg_gelu_tanh_avx512(out, x, n);
    } else if (isa >= PG_ISA_AVX2) {
        pg_gelu_tanh_avx2(out, x, n);
    } else {
        pg_gelu_tanh_scalar(out, x, n);
    }
}

void pg_geglu(float *out, const float *gate, const float *up, int64_t n) {
    int isa = pg_isa();
    if (isa >= PG_ISA_AVX512) {
        pg_geglu_avx512(out, gate, up, n);
    } else if (isa >= PG_ISA_AVX2) {
        pg_geglu_avx2(out, gate, up, n);
    } else {
        pg_geglu_scalar(out, gate, up, n);
    }
}

void pg_softcap(float *x, int64_t n, float cap) {
    int isa = pg_isa();
    if (isa >= PG_ISA_AVX512) {
        pg_softcap_avx512(x, n, cap);
    } else if (isa >= PG_ISA_AVX2) {
        pg_softcap_avx2(x, n, cap);
    } else {
        pg_softcap_scalar(x, n, cap);
    }
}
