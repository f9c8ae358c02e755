/*
 * gemm_half.h: what gemm_half.c (scalar and AVX-512 paths) and gemm_half_avx2.c (AVX2 paths) share:
 * the weight types and element access by type. Private to those two files (gemm_q8.c reads Q8_0 through
 * gemm_q8.h, which this includes for the W_Q8 kind).
 */
#ifndef PG_GEMM_HALF_H
#define PG_GEMM_HALF_H

#include <stdint.h>

#include "gemm_q8.h"
#include "pg_internal.h"

#define ALWAYS_INLINE inline __attribute__((always_inline))

/* Weight element types: the kernels are written once over `const void *w` and specialised per type
 * by constant propagation of `kind` (every caller passes a literal). W_Q8 (pg_gemm_q8_f32) is int8 values
 * with a half scale per 32 columns in a second array s (gemm_q8.h); the other kinds ignore s. Elements are
 * addressed by a flat index into w, which the loops strength-reduce, plus for W_Q8 a pointer to the scale,
 * found from the row and column by pg_s_at (dead code for the other kinds, whose code stays as it was). */
enum { HALF_BF16 = 0, HALF_F16 = 1, W_F32 = 2, W_Q8 = 3 };

/* k-block of the stream paths: x [m, KC_STREAM] stays in L2 while every weight row streams by. A multiple
 * of 32, so that a W_Q8 tile's scales start at a block. */
#define KC_STREAM 2048

/* Address of element i of w. */
static ALWAYS_INLINE const void *pg_w_at(int kind, const void *w, int64_t i) {
    if (kind == W_F32) {
        return (const float *)w + i;
    }
    return kind == W_Q8 ? (const void *)((const int8_t *)w + i) : (const void *)((const uint16_t *)w + i);
}

/* For W_Q8, the address of the scale of w[row, col] in rows of ldw columns (a shift, no division); s for
 * the other kinds, which never read it. */
static ALWAYS_INLINE const uint16_t *pg_s_at(int kind, const uint16_t *s, int64_t ldw, int64_t row, int64_t col) {
    return kind == W_Q8 ? s + row * pg_q8_blocks(ldw) + (col >> 5) : s;
}

/* Element i of w as a float (exact); sp: its scale, for W_Q8. */
static ALWAYS_INLINE float pg_w_value(int kind, const void *w, int64_t i, const uint16_t *sp) {
    if (kind == W_Q8) {
        return pg_q8_value((const int8_t *)w + i, sp);
    }
    if (kind == W_F32) {
        return ((const float *)w)[i];
    }
    uint16_t h = ((const uint16_t *)w)[i];
    return kind == HALF_BF16 ? pg_bf16_to_f32_1(h) : pg_f16_to_f32_1(h);
}

#endif /* PG_GEMM_HALF_H */
