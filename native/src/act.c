/* act.c: gelu_pytorch_tanh, GeGLU and tanh soft-capping. */
#include <math.h>

#include "pg_internal.h"
#include "pg_vmath.h"

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

void pg_gelu_tanh(float *out, const float *x, int64_t n) {
    if (pg_has_avx512()) {
        pg_gelu_tanh_avx512(out, x, n);
    } else {
        pg_gelu_tanh_scalar(out, x, n);
    }
}

void pg_geglu(float *out, const float *gate, const float *up, int64_t n) {
    if (pg_has_avx512()) {
        pg_geglu_avx512(out, gate, up, n);
    } else {
        pg_geglu_scalar(out, gate, up, n);
    }
}

void pg_softcap(float *x, int64_t n, float cap) {
    if (pg_has_avx512()) {
        pg_softcap_avx512(x, n, cap);
    } else {
        pg_softcap_scalar(x, n, cap);
    }
}
