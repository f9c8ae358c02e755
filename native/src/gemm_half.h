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

/*
 * The stream paths (m < PG_GEMM_PACKED_MIN_M: decode) keep one vector of lane-wise partial sums per (x row,
 * weight row) over the whole of k and reduce it horizontally once at the end. Between k-blocks the vectors
 * wait in a partial-sum buffer, so the blocking changes no arithmetic: y[r, c] is the same float for every
 * m, every k-block length and every tile shape, which is what lets the scheduler decode a sequence beside
 * others with the result it has alone. The block length is then free to follow m:
 *   m <= STREAM_UNBLOCKED_M   one block of all k: few x rows (<= 256 KB at k = 16384) stay in L2, and
 *                              every weight row streams from memory once, start to end (one row at
 *                              k = 16384: 19.5 -> 24-25 GB/s against 2048-column blocks).
 *   larger m                  blocks of KC_STREAM columns (4 KB of each bf16 weight row at a time, the
 *                              x block [mg, KC_STREAM] in L2), within chunks of NB_STREAM weight rows;
 *                              each weight tile is read from memory once and from L1 by every x tile.
 * Every tile prefetches the next tile's weight rows (the hardware prefetchers alone left 4-8 row decode
 * latency-bound: 45-65 GFLOP/s from memory on one Zen 4 core, 70-90 with the prefetches). Tried and
 * dropped: 512-column blocks with the x tile held over the chunk, faster with the weights in L3 but 25 %
 * slower from memory (32 rows of 1 KB pieces per block defeat the streaming).
 */
#define STREAM_UNBLOCKED_M 4
#define KC_STREAM 2048 /* a multiple of 32, so that a W_Q8 tile's scales start at a block */
#define NB_STREAM 32  /* weight rows per chunk */
#define MG_STREAM 32  /* x rows per group: the partial-sum buffer holds MG_STREAM x NB_STREAM vectors */
#define STREAM_VL_MAX 16

/* Phase of a tile's k-block: the first starts its accumulators at zero, the last reduces them into y. */
enum { STREAM_FIRST = 1, STREAM_LAST = 2 };

/* A stream-path tile over one k-block, for its MR x rows and NR weight rows (x, w, s, y already offset):
 * acc[r][c] += x[r, p] w[c, p] lane-wise over the kc columns, starting from zero (STREAM_FIRST) or from the
 * vector at part + r * ldp + c * VL, and ending reduced into y[r, c] (STREAM_LAST) or stored back there. */
typedef void (*pg_dot_fn)(const float *x, int64_t ldx, const void *w, const uint16_t *s, int64_t ldw,
                          int64_t kc, float *part, int64_t ldp, int phase, float *y, int64_t ldy);

/*
 * The stream path's loop, shared by the AVX2 and AVX-512 variants (it runs no vector code itself; vl is
 * their vector length): x rows in groups of MG_STREAM, weight rows in chunks of NB_STREAM, k-blocks (see
 * above), then weight rows in tiles of nr_wide (8 for one x row, whose four FMA chains alone could not hide
 * the latency; 4 otherwise), then x rows in tiles of up to mr_max. tiles[mr - 1][width] is the tile of mr x
 * rows for width 0 (one weight row: a chunk's last rows), 1 (four) or 2 (eight; m = 1 only). k = 0 still
 * runs one (empty) block so that y is written with zeros.
 */
static ALWAYS_INLINE void pg_stream_loop(int kind, const pg_dot_fn (*tiles)[3], int64_t mr_max, int64_t vl,
                                         const float *x, int64_t ldx, const void *w, const uint16_t *s,
                                         float *y, int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1) {
    float part[MG_STREAM * (NB_STREAM * STREAM_VL_MAX + 16)] __attribute__((aligned(64)));
    const int64_t nr_wide = m == 1 ? 8 : 4;
    const int width = m == 1 ? 2 : 1;
    const int64_t kc_max = m <= STREAM_UNBLOCKED_M ? k : KC_STREAM;
    const int64_t ldp = NB_STREAM * vl + 16;
    for (int64_t ig = 0; ig < m; ig += MG_STREAM) {
        const int64_t ie = m - ig < MG_STREAM ? m : ig + MG_STREAM;
        for (int64_t jb = n0; jb < n1; jb += NB_STREAM) {
            const int64_t je = n1 - jb < NB_STREAM ? n1 : jb + NB_STREAM;
            for (int64_t kb = 0; kb < k || kb == 0; kb += kc_max) {
                const int64_t kc = k - kb < kc_max ? k - kb : kc_max;
                const int phase = (kb == 0 ? STREAM_FIRST : 0) | (kb + kc >= k ? STREAM_LAST : 0);
                for (int64_t j = jb; j < je;) {
                    const int wide = je - j >= nr_wide;
                    for (int64_t i = ig; i < ie; i += mr_max) {
                        const int64_t mr = ie - i < mr_max ? ie - i : mr_max;
                        tiles[mr - 1][wide ? width : 0](x + i * ldx + kb, ldx, pg_w_at(kind, w, j * k + kb),
                                                        pg_s_at(kind, s, k, j, kb), k, kc,
                                                        part + (i - ig) * ldp + (j - jb) * vl, ldp, phase,
                                                        y + i * ldy + j, ldy);
                    }
                    j += wide ? nr_wide : 1;
                }
                if (k <= 0) {
                    break;
                }
            }
        }
    }
}

#endif /* PG_GEMM_HALF_H */
