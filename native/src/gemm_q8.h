/*
 * gemm_q8.h: the Q8_0 layout as every kernel reads it (private, header-only): the scale stride, a weight
 * widened to float (one, 8 or 16 at a time) and pg_quantize_q8's per-block formula. Shared by gemm_q8.c and
 * gemm_q8_avx2.c (pg_quantize_q8, pg_gemm_q8, pg_dequantize_q8) and by gemm_half.c / gemm_half_avx2.c, whose
 * float32 paths read W_Q8 weights through these for pg_gemm_q8_f32.
 *
 * A Q8_0 matrix: q [n, ldw] int8 and s [n, pg_q8_blocks(ldw)] IEEE halves, w[row, col] = s[row, col / 32] *
 * q[row, col]. The product is exact in float32 (an 11-bit half significand times a 7-bit integer), so every
 * path widens to the same float.
 */
#ifndef PG_GEMM_Q8_H
#define PG_GEMM_Q8_H

#include <immintrin.h>
#include <math.h>

#include "pg_internal.h"

/* Columns per k-block of pg_gemm_q8's SIMD paths (128 blocks): an x row's block is 4 KB, so a tile's few x
 * rows stay in L1 while its weight rows stream by. A multiple of 8 blocks, so that the tiles' groups of 8
 * scales never straddle two k-blocks. */
#define PG_Q8_KC 4096
#define PG_Q8_KB (PG_Q8_KC / PG_Q8_BLOCK)

/* Scale blocks per row of k columns (the row stride of s): ceil(k / 32), 0 for k <= 0. */
static inline __attribute__((always_inline)) int64_t pg_q8_blocks(int64_t k) {
    return k > 0 ? (k + PG_Q8_BLOCK - 1) >> 5 : 0;
}

/* A weight as a float (exact), from its int8 value and its block's scale. */
static inline __attribute__((always_inline)) float pg_q8_value(const int8_t *q, const uint16_t *sp) {
    return pg_f16_to_f32_1(*sp) * (float)*q;
}

/* 16 weights of one block as floats: q points at them, sp at their scale (so the first of the 16 must
 * sit at a multiple of 16 in the row). The _mask form reads only the lanes of km and zeroes the others: a
 * masked byte load does not fault on what it skips. */
static inline __attribute__((always_inline)) PG_AVX512 __m512 pg_q8_widen16(__m128i b, const uint16_t *sp) {
    __m512 sc = _mm512_cvtph_ps(_mm256_set1_epi16((short)*sp));
    return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(b)), sc);
}

static inline __attribute__((always_inline)) PG_AVX512 __m512 pg_q8_load16(const int8_t *q, const uint16_t *sp) {
    return pg_q8_widen16(_mm_loadu_si128((const __m128i *)q), sp);
}

static inline __attribute__((always_inline)) PG_AVX512 __m512 pg_q8_load16_mask(__mmask16 km, const int8_t *q,
                                                                                 const uint16_t *sp) {
    return pg_q8_widen16(_mm_maskz_loadu_epi8(km, q), sp);
}

/* 8 weights of one block as floats (the first at a multiple of 8 in the row); all 8 must exist: AVX2 has
 * no byte-masked load. */
static inline __attribute__((always_inline)) PG_AVX2 __m256 pg_q8_load8(const int8_t *q, const uint16_t *sp) {
    __m256 sc = _mm256_cvtph_ps(_mm_set1_epi16((short)*sp));
    return _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)q))), sc);
}

/* ---- pg_quantize_q8's formula (see pg_kernels.h), shared so that every path writes the same bits ---- */

/* A block's xs from its largest magnitude amax (exact, order-free: ignored when the block is not finite)
 * and whether the block holds a NaN or an infinity (SIMD max does not propagate NaN reliably, so the paths
 * detect it apart); *id is the multiplier of its elements, 0 for a non-finite block, whose elements all
 * become 0 by pg_q8_quantize_1 (x * 0 is 0, or NaN for a non-finite x). */
static inline __attribute__((always_inline)) float pg_q8_block_scale(float amax, int nonfinite, float *id) {
    if (nonfinite) {
        *id = 0.0f;
        return pg_bits_to_f32(0x7fc00000u);
    }
    *id = amax > 0.0f ? 127.0f / amax : 0.0f;
    return amax / 127.0f;
}

/* One element: v = x * id, NaN -> 0 (x NaN or inf times 0, or 0 * an infinite id), then clamped and rounded half
 * to even (lrintf follows the rounding mode, as cvtps2dq in the SIMD paths does: the default, to nearest
 * even). Clamping first keeps the conversion defined for every v. */
static inline __attribute__((always_inline)) int8_t pg_q8_quantize_1(float x, float id) {
    float v = x * id;
    if (v != v) {
        return 0;
    }
    v = v < -127.0f ? -127.0f : (v > 127.0f ? 127.0f : v);
    return (int8_t)lrintf(v);
}

/* A decode tile of pg_gemm_q8: MR quantized x rows (xq, ldq; xs, ldxs) against NR int8 weight rows (q, ldw;
 * their scales s, ldw's blocks apart) over nb whole blocks plus a partial block of `tail` columns; y (+)= the
 * scaled block sums. */
typedef void (*pg_q8_fn)(const int8_t *xq, int64_t ldq, const float *xs, int64_t ldxs, const int8_t *q,
                         int64_t ldw, const uint16_t *s, int64_t nb, int64_t tail, float *y, int64_t ldy,
                         int accumulate);

/*
 * The loop of pg_gemm_q8, shared by the AVX2 and AVX-512 variants (it runs no vector code itself): blocks of
 * PG_Q8_KB along k outermost, weight rows in tiles of nr_wide (8 for one x row, else 4), x rows in tiles of up
 * to mr_max; tiles[mr - 1][width] as in gemm_half.h's pg_stream_loop. k = 0 still runs one (empty) block so
 * that y is written with zeros.
 */
static inline __attribute__((always_inline)) void pg_q8_loop(const pg_q8_fn (*tiles)[3], int64_t mr_max,
                                                             const int8_t *xq, const float *xs, const int8_t *q,
                                                             const uint16_t *s, float *y, int64_t ldy, int64_t m,
                                                             int64_t k, int64_t n0, int64_t n1) {
    const int64_t kb = pg_q8_blocks(k), ldq = kb * PG_Q8_BLOCK;
    const int64_t nr_wide = m == 1 ? 8 : 4;
    const int width = m == 1 ? 2 : 1;
    for (int64_t b0 = 0; b0 < kb || b0 == 0; b0 += PG_Q8_KB) {
        const int64_t nbt = kb - b0 < PG_Q8_KB ? kb - b0 : PG_Q8_KB;
        const int64_t tail = b0 + nbt == kb ? k % PG_Q8_BLOCK : 0;
        const int64_t nb = nbt - (tail > 0);
        for (int64_t j = n0; j < n1;) {
            const int wide = n1 - j >= nr_wide;
            for (int64_t i = 0; i < m; i += mr_max) {
                const int64_t mr = m - i < mr_max ? m - i : mr_max;
                tiles[mr - 1][wide ? width : 0](xq + i * ldq + b0 * PG_Q8_BLOCK, ldq, xs + i * kb + b0, kb,
                                                q + j * k + b0 * PG_Q8_BLOCK, k, s + j * kb + b0, nb, tail,
                                                y + i * ldy + j, ldy, b0 > 0);
            }
            j += wide ? nr_wide : 1;
        }
        if (kb == 0) {
            break;
        }
    }
}

#endif /* PG_GEMM_Q8_H */
