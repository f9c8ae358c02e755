/* convert.c: bfloat16 / IEEE half <-> float32. */
#include <immintrin.h>

#include "pg_internal.h"
#include "pg_vmath.h"
#include "pg_vmath_avx2.h"

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

/* The AVX2 steps cover m lanes: 8 in the main loops, n % 8 once at the end (see pg_vmath_avx2.h).
 * AVX2 has no 16-bit masked load or store: the 16-bit side of a tail goes through pg_v8_load_u16 /
 * pg_v8_store_u16, the 32-bit side through the usual lane mask. */
PG_AVX2_STEP void bf16_to_f32_step(float *out, const uint16_t *in, int64_t m) {
    __m256i h = _mm256_cvtepu16_epi32(pg_v8_load_u16(in, m));
    pg_v8_storen(out, m, _mm256_castsi256_ps(_mm256_slli_epi32(h, 16)));
}

PG_AVX2_STEP void f16_to_f32_step(float *out, const uint16_t *in, int64_t m) {
    pg_v8_storen(out, m, _mm256_cvtph_ps(pg_v8_load_u16(in, m)));
}

PG_AVX2_STEP void f32_to_bf16_step(uint16_t *out, const float *in, int64_t m) {
    const __m256i bias = _mm256_set1_epi32(0x7fff);
    const __m256i one = _mm256_set1_epi32(1);
    const __m256i qnan = _mm256_set1_epi32(0x7fc0);
    __m256 v = pg_v8_loadn(in, m);
    __m256i u = _mm256_castps_si256(v);
    __m256i odd = _mm256_and_si256(_mm256_srli_epi32(u, 16), one);
    __m256i r = _mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(u, bias), odd), 16);
    __m256i nan = _mm256_castps_si256(_mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    r = _mm256_blendv_epi8(r, qnan, nan);
    /* every lane is in [0, 0xffff], so the unsigned-saturating pack only narrows */
    __m128i h = _mm_packus_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1));
    pg_v8_store_u16(out, m, h);
}

PG_AVX2 void pg_bf16_to_f32_avx2(float *out, const uint16_t *in, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        bf16_to_f32_step(out + i, in + i, 8);
    }
    if (i < n) {
        bf16_to_f32_step(out + i, in + i, pg_v8_rest(n - i));
    }
}

PG_AVX2 void pg_f16_to_f32_avx2(float *out, const uint16_t *in, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        f16_to_f32_step(out + i, in + i, 8);
    }
    if (i < n) {
        f16_to_f32_step(out + i, in + i, pg_v8_rest(n - i));
    }
}

PG_AVX2 void pg_f32_to_bf16_avx2(uint16_t *out, const float *in, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        f32_to_bf16_step(out + i, in + i, 8);
    }
    if (i < n) {
        f32_to_bf16_step(out + i, in + i, pg_v8_rest(n - i));
    }
}

void pg_bf16_to_f32(float *out, const uint16_t *in, int64_t n) {
    int isa = pg_isa();
    if (isa >= PG_ISA_AVX512) {
        pg_bf16_to_f32_avx512(out, in, n);
    } else if (isa >= PG_ISA_AVX2) {
        pg_bf16_to_f32_avx2(out, in, n);
    } else {
        pg_bf16_to_f32_scalar(out, in, n);
    }
}

void pg_f16_to_f32(float *out, const uint16_t *in, int64_t n) {
    int isa = pg_isa();
    if (isa >= PG_ISA_AVX512) {
        pg_f16_to_f32_avx512(out, in, n);
    } else if (isa >= PG_ISA_AVX2) {
        pg_f16_to_f32_avx2(out, in, n);
    } else {
        pg_f16_to_f32_scalar(out, in, n);
    }
}

void pg_f32_to_bf16(uint16_t *out, const float *in, int64_t n) {
    int isa = pg_isa();
    if (isa >= PG_ISA_AVX512) {
        pg_f32_to_bf16_avx512(out, in, n);
    } else if (isa >= PG_ISA_AVX2) {
        pg_f32_to_bf16_avx2(out, in, n);
    } else {
        pg_f32_to_bf16_scalar(out, in, n);
    }
}
