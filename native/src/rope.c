/* rope.c: rotary position embedding in Hugging Face's rotate-half layout. */
#include <immintrin.h>

#include "pg_internal.h"
#include "pg_vmath.h"
#include "pg_vmath_avx2.h"

/* An odd head_dim has no rotate-half pairing; its last element is left as it is. */
void pg_rope_rotate_half_scalar(float *x, int64_t tokens, int64_t heads, int64_t head_dim,
                                int64_t token_stride, const float *cos, const float *sin) {
    int64_t half = head_dim / 2;
    for (int64_t t = 0; t < tokens; t++) {
        const float *c = cos + t * half;
        const float *s = sin + t * half;
        for (int64_t h = 0; h < heads; h++) {
            float *x1 = x + t * token_stride + h * head_dim;
            float *x2 = x1 + half;
            for (int64_t i = 0; i < half; i++) {
                float a = x1[i], b = x2[i];
                x1[i] = a * c[i] - b * s[i];
                x2[i] = b * c[i] + a * s[i];
            }
        }
    }
}

PG_AVX512 void pg_rope_rotate_half_avx512(float *x, int64_t tokens, int64_t heads, int64_t head_dim,
                                          int64_t token_stride, const float *cos, const float *sin) {
    int64_t half = head_dim / 2;
    for (int64_t t = 0; t < tokens; t++) {
        const float *c = cos + t * half;
        const float *s = sin + t * half;
        for (int64_t i = 0; i < half; i += 16) {
            __mmask16 k = pg_v_tail(half - i);
            __m512 vc = _mm512_maskz_loadu_ps(k, c + i);
            __m512 vs = _mm512_maskz_loadu_ps(k, s + i);
            for (int64_t h = 0; h < heads; h++) {
                float *x1 = x + t * token_stride + h * head_dim + i;
                float *x2 = x1 + half;
                __m512 a = _mm512_maskz_loadu_ps(k, x1);
                __m512 b = _mm512_maskz_loadu_ps(k, x2);
                _mm512_mask_storeu_ps(x1, k, _mm512_fmsub_ps(a, vc, _mm512_mul_ps(b, vs)));
                _mm512_mask_storeu_ps(x2, k, _mm512_fmadd_ps(b, vc, _mm512_mul_ps(a, vs)));
            }
        }
    }
}

/* m lanes (8, or half % 8 for the tail; see pg_vmath_avx2.h) of one token, every head: x points at
 * the first head's x1 + i, c and s at the token's cos and sin + i. */
PG_AVX2_STEP void rope_step(float *x, int64_t heads, int64_t head_dim, int64_t half, const float *c,
                            const float *s, int64_t m) {
    __m256 vc = pg_v8_loadn(c, m);
    __m256 vs = pg_v8_loadn(s, m);
    for (int64_t h = 0; h < heads; h++) {
        float *x1 = x + h * head_dim;
        float *x2 = x1 + half;
        __m256 a = pg_v8_loadn(x1, m);
        __m256 b = pg_v8_loadn(x2, m);
        pg_v8_storen(x1, m, _mm256_fmsub_ps(a, vc, _mm256_mul_ps(b, vs)));
        pg_v8_storen(x2, m, _mm256_fmadd_ps(b, vc, _mm256_mul_ps(a, vs)));
    }
}

PG_AVX2 void pg_rope_rotate_half_avx2(float *x, int64_t tokens, int64_t heads, int64_t head_dim,
                                        int64_t token_stride, const float *cos, const float *sin) {
    int64_t half = head_dim / 2;
    for (int64_t t = 0; t < tokens; t++) {
        float *xt = x + t * token_stride;
        const float *c = cos + t * half;
        const float *s = sin + t * half;
        int64_t i = 0;
        for (; i + 8 <= half; i += 8) {
            rope_step(xt + i, heads, head_dim, half, c + i, s + i, 8);
        }
        if (i < half) {
            rope_step(xt + i, heads, head_dim, half, c + i, s + i, pg_v8_rest(half - i));
        }
    }
}

void pg_rope_rotate_half(float *x, int64_t tokens, int64_t heads, int64_t head_dim,
                         int64_t token_stride, const float *cos, const float *sin) {
    int isa = pg_isa();
    if (isa >= PG_ISA_AVX512) {
        pg_rope_rotate_half_avx512(x, tokens, heads, head_dim, token_stride, cos, sin);
    } else if (isa >= PG_ISA_AVX2) {
        pg_rope_rotate_half_avx2(x, tokens, heads, head_dim, token_stride, cos, sin);
    } else {
        pg_rope_rotate_half_scalar(x, tokens, heads, head_dim, token_stride, cos, sin);
    }
}
