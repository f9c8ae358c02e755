/* convert.c: bfloat16 / IEEE half <-> float32. */
#include <immintrin.h>

#include "pg_internal.h"
#include "pg_vmath.h"

void pg_bf16_to_f32_scalar(float *out, const uint16_t *in, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        out[i] = pg_bf16_to_f32_1(in[i]);
    }
}

void pg_f16_to_f32_scalar(float *out, const uint16_t *in, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        out[i] = pg_f16_to_f32_1(in[i]);
    }
}

void pg_f32_to_bf16_scalar(uint16_t *out, const float *in, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        out[i] = pg_f32_to_bf16_1(in[i]);
    }
}

PG_AVX512 void pg_bf16_to_f32_avx512(float *out, const uint16_t *in, int64_t n) {
    for (int64_t i = 0; i < n; i += 16) {
        __mmask16 k = pg_v_tail(n - i);
        __m512i h = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(k, in + i));
        _mm512_mask_storeu_ps(out + i, k, _mm512_castsi512_ps(_mm512_slli_epi32(h, 16)));
    }
}

PG_AVX512 void pg_f16_to_f32_avx512(float *out, const uint16_t *in, int64_t n) {
    for (int64_t i = 0; i < n; i += 16) {
        __mmask16 k = pg_v_tail(n - i);
        _mm512_mask_storeu_ps(out + i, k, _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(k, in + i)));
    }
}

PG_AVX512 void pg_f32_to_bf16_avx512(uint16_t *out, const float *in, int64_t n) {
    const __m512i bias = _mm512_set1_epi32(0x7fff);
    const __m512i one = _mm512_set1_epi32(1);
    const __m512i qnan = _mm512_set1_epi32(0x7fc0);
    for (int64_t i = 0; i < n; i += 16) {
        __mmask16 k = pg_v_tail(n - i);
        __m512 v = _mm512_maskz_loadu_ps(k, in + i);
        __m512i u = _mm512_castps_si512(v);
        __m512i odd = _mm512_and_si512(_mm512_srli_epi32(u, 16), one);
        __m512i r = _mm512_srli_epi32(_mm512_add_epi32(_mm512_add_epi32(u, bias), odd), 16);
        __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
        r = _mm512_mask_mov_epi32(r, nan, qnan);
        _mm256_mask_storeu_epi16(out + i, k, _mm512_cvtepi32_epi16(r));
    }
}

void pg_bf16_to_f32(float *out, const uint16_t *in, int64_t n) {
    if (pg_has_avx512()) {
        pg_bf16_to_f32_avx512(out, in, n);
    } else {
        pg_bf16_to_f32_scalar(out, in, n);
    }
}

void pg_f16_to_f32(float *out, const uint16_t *in, int64_t n) {
    if (pg_has_avx512()) {
        pg_f16_to_f32_avx512(out, in, n);
    } else {
        pg_f16_to_f32_scalar(out, in, n);
    }
}

void pg_f32_to_bf16(uint16_t *out, const float *in, int64_t n) {
    if (pg_has_avx512()) {
        pg_f32_to_bf16_avx512(out, in, n);
    } else {
        pg_f32_to_bf16_scalar(out, in, n);
    }
}
