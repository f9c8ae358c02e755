/*
 * gemm_half.h: what gemm_half.c (scalar and AVX-512 paths) and gemm_half_avx2.c (AVX2 paths) share:
 * the weight types and element access by type. Private to those two files.
 */
#ifndef PG_GEMM_HALF_H
#define PG_GEMM_HALF_H

#include <stdint.h>

#include "pg_internal.h"

#define ALWAYS_INLINE inline __attribute__((always_inline))

/* Weight element types: the kernels are written once over `const void *w` and specialised per type
 * by constant propagation of `kind` (every caller passes a literal). */
enum { HALF_BF16 = 0, HALF_F16 = 1, W_F32 = 2 };

/* k-block of the stream paths: x [m, KC_STREAM] stays in L2 while every weight row streams by. */
#define KC_STREAM 2048

/* Address of element i of w. */
static ALWAYS_INLINE const void *pg_w_at(int kind, const void *w, int64_t i) {
    return kind == W_F32 ? (const void *)((const float *)w + i) : (const void *)((const uint16_t *)w + i);
}

/* Element i of w as a float (exact). */
static ALWAYS_INLINE float pg_w_value(int kind, const void *w, int64_t i) {
    if (kind == W_F32) {
        return ((const float *)w)[i];
    }
    uint16_t h = ((const uint16_t *)w)[i];
    return kind == HALF_BF16 ? pg_bf16_to_f32_1(h) : pg_f16_to_f32_1(h);
}

#endif /* PG_GEMM_HALF_H */
