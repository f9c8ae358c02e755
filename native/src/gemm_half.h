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

/* A stream-path tile: y[r, c] (+)= sum_p x[r, p] w[c, p] for its MR x rows and NR weight rows over kc
 * columns (x, w, s, y already offset; accumulate: add to y, else overwrite). */
typedef void (*pg_dot_fn)(const float *x, int64_t ldx, const void *w, const uint16_t *s, int64_t ldw,
                          int64_t kc, float *y, int64_t ldy, int accumulate);

/*
 * The stream path's loop, shared by the AVX2 and AVX-512 variants (it runs no vector code itself):
 * k-blocks of KC_STREAM outermost, then weight rows in tiles of nr_wide (8 for one x row, whose four FMA
 * chains alone could not hide the latency; 4 otherwise), then x rows in tiles of up to mr_max. tiles[mr -
 * 1][width] is the tile of mr x rows for width 0 (one weight row: the last rows of [n0, n1)), 1 (four)
 * or 2 (eight; m = 1 only). k = 0 still runs one (empty) block so that y is written with zeros.
 */
static ALWAYS_INLINE void pg_stream_loop(int kind, const pg_dot_fn (*tiles)[3], int64_t mr_max, const float *x,
                                         int64_t ldx, const void *w, const uint16_t *s, float *y, int64_t ldy,
                                         int64_t m, int64_t k, int64_t n0, int64_t n1) {
    const int64_t nr_wide = m == 1 ? 8 : 4;
    const int width = m == 1 ? 2 : 1;
    for (int64_t kb = 0; kb < k || kb == 0; kb += KC_STREAM) {
        int64_t kc = k - kb < KC_STREAM ? k - kb : KC_STREAM;
        for (int64_t j = n0; j < n1;) {
            int wide = n1 - j >= nr_wide;
            for (int64_t i = 0; i < m; i += mr_max) {
                int64_t mr = m - i < mr_max ? m - i : mr_max;
                tiles[mr - 1][wide ? width : 0](x + i * ldx + kb, ldx, pg_w_at(kind, w, j * k + kb),
                                                pg_s_at(kind, s, k, j, kb), k, kc, y + i * ldy + j, ldy, kb > 0);
            }
            j += wide ? nr_wide : 1;
        }
        if (k <= 0) {
            break;
        }
    }
}

#endif /* PG_GEMM_HALF_H */
