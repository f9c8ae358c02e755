/*
 * roofline.c: probes of the machine's limits for the Java side to time: peak float32 FMA, AVX512-BF16,
 * AMX bf16 and int8 dot-product throughput (loops on registers only) and read bandwidth (one pass over a
 * buffer).
 * Each returns what it did (operations, a checksum), so no compiler can drop the work.
 */
#include <immintrin.h>
#include <string.h>

#include "pg_amx.h"
#include "pg_internal.h"

#define ALWAYS_INLINE_ROOF inline __attribute__((always_inline))

/* ---- multiply-add peaks -------------------------------------------------------------------- */

/* acc = acc * A + B converges to 1: no overflow and no subnormals however long it runs. */
#define CHAIN_A 0.999999f
#define CHAIN_B 1e-6f

static double fma_scalar(int64_t iterations) {
    float acc[8];
    for (int q = 0; q < 8; q++) {
        acc[q] = 0.1f * (float)q;
    }
    for (int64_t i = 0; i < iterations; i++) {
        for (int q = 0; q < 8; q++) {
            acc[q] = acc[q] * CHAIN_A + CHAIN_B;
        }
    }
    volatile float sink = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    (void)sink;
    return (double)iterations * 8 * 2;
}

/* Distinct starting values for the 16 chains of a register loop. */
static inline __attribute__((always_inline)) PG_AVX512 void chains_start(__m512 acc[16]) {
#pragma GCC unroll 16
    for (int q = 0; q < 16; q++) {
        acc[q] = _mm512_set1_ps(0.01f * (float)q);
    }
}

/* Folds the 16 chains into one value stored to a volatile, so no compiler can drop the loop. */
static inline __attribute__((always_inline)) PG_AVX512 void chains_keep(__m512 acc[16]) {
#pragma GCC unroll 8
    for (int q = 0; q < 8; q++) {
        acc[q] = _mm512_add_ps(acc[q], acc[q + 8]);
    }
    volatile float sink = _mm512_reduce_add_ps(
        _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3])),
                      _mm512_add_ps(_mm512_add_ps(acc[4], acc[5]), _mm512_add_ps(acc[6], acc[7]))));
    (void)sink;
}

/* 16 chains cover FMA latency x throughput (4 cycles x 2 ports) with room to spare. */
static PG_AVX512 double fma_avx512(int64_t iterations) {
    const __m512 a = _mm512_set1_ps(CHAIN_A), b = _mm512_set1_ps(CHAIN_B);
    __m512 acc[16];
    chains_start(acc);
    for (int64_t i = 0; i < iterations; i++) {
#pragma GCC unroll 16
        for (int q = 0; q < 16; q++) {
            acc[q] = _mm512_fmadd_ps(acc[q], a, b);
        }
    }
    chains_keep(acc);
    return (double)iterations * 16 * 16 * 2;
}

/* 12 chains cover FMA latency x throughput (4-5 cycles x 2 ports) and leave registers for a and b:
 * AVX2 has 16. */
static PG_AVX2 double fma_avx2(int64_t iterations) {
    const __m256 a = _mm256_set1_ps(CHAIN_A), b = _mm256_set1_ps(CHAIN_B);
    __m256 acc[12];
#pragma GCC unroll 12
    for (int q = 0; q < 12; q++) {
        acc[q] = _mm256_set1_ps(0.01f * (float)q);
    }
    for (int64_t i = 0; i < iterations; i++) {
#pragma GCC unroll 12
        for (int q = 0; q < 12; q++) {
            acc[q] = _mm256_fmadd_ps(acc[q], a, b);
        }
    }
#pragma GCC unroll 6
    for (int q = 0; q < 6; q++) {
        acc[q] = _mm256_add_ps(acc[q], acc[q + 6]);
    }
    __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])),
                             _mm256_add_ps(acc[4], acc[5]));
    float lanes[8];
    _mm256_storeu_ps(lanes, s);
    volatile float sink = lanes[0] + lanes[7];
    (void)sink;
    return (double)iterations * 12 * 8 * 2;
}

/* 16 chains of VDPBF16PS: per lane and instruction two bf16 products added to a float32
 * accumulator, 64 flops per 512-bit instruction. x pairs (1, 1) against w pairs (1, -1) add exactly
 * zero, so the accumulators never drift, however long it runs. */
static PG_AVX512_BF16 double dp_bf16_avx512(int64_t iterations) {
    const __m512bh x = (__m512bh)_mm512_set1_epi32(0x3f803f80);
    const __m512bh w = (__m512bh)_mm512_set1_epi32((int)0xbf803f80u);
    __m512 acc[16];
    chains_start(acc);
    for (int64_t i = 0; i < iterations; i++) {
#pragma GCC unroll 16
        for (int q = 0; q < 16; q++) {
            acc[q] = _mm512_dpbf16_ps(acc[q], x, w);
        }
    }
    chains_keep(acc);
    return (double)iterations * 16 * 16 * 2 * 2;
}

/* Four independent 16 x 16 accumulators (tmm0-3) fed by two x and two w tiles whose 16-bit words are all
 * `fill`: TDPBF16PS on bf16 ones (int8 = 0), or TDPBSSD on int8 zeros (int8 = 1: its time does not depend on
 * the values, and zeros keep the int32 sums at zero however long it runs). Returns the operations done. */
static ALWAYS_INLINE_ROOF double amx_tile_loop(int int8, uint16_t fill, int64_t iterations) {
    uint16_t tile[16 * 32] __attribute__((aligned(64)));
    uint16_t out[16 * 32] __attribute__((aligned(64)));
    for (int i = 0; i < 16 * 32; i++) {
        tile[i] = fill;
    }
    pg_tile_config cfg = pg_tile_config_full(8);
    PG_TILE_CONFIG(&cfg);
    PG_TILE_LOAD(4, tile, 64);
    PG_TILE_LOAD(5, tile, 64);
    PG_TILE_LOAD(6, tile, 64);
    PG_TILE_LOAD(7, tile, 64);
    PG_TILE_ZERO(0);
    PG_TILE_ZERO(1);
    PG_TILE_ZERO(2);
    PG_TILE_ZERO(3);
    for (int64_t i = 0; i < iterations; i++) {
        if (int8) {
            PG_TILE_DPBSSD(0, 4, 6);
            PG_TILE_DPBSSD(1, 4, 7);
            PG_TILE_DPBSSD(2, 5, 6);
            PG_TILE_DPBSSD(3, 5, 7);
        } else {
            PG_TILE_DP(0, 4, 6);
            PG_TILE_DP(1, 4, 7);
            PG_TILE_DP(2, 5, 6);
            PG_TILE_DP(3, 5, 7);
        }
    }
    PG_TILE_STORE(0, out, 64);
    PG_TILE_RELEASE();
    volatile uint16_t sink = out[0];
    (void)sink;
    /* a tile row is 64 bytes: 32 bf16 or 64 int8 products per accumulator element */
    return (double)iterations * 4 * 16 * 16 * (int8 ? 64 : 32) * 2;
}

static PG_AMX_TARGET double amx_loop(int64_t iterations) {
    return amx_tile_loop(0, 0x3f80, iterations);
}

static PG_AMX_INT8_TARGET double amx_i8_loop(int64_t iterations) {
    return amx_tile_loop(1, 0, iterations);
}

/* ---- int8 dot products: pg_gemm_q8's instructions ------------------------------------------ */

/* 8 chains of 32-bit multiply-adds, unsigned so that wrapping is defined: the portable stand-in. A
 * multiplication chain (not acc += c) so that no compiler can fold the loop into a closed form. */
static double dot_i8_scalar(int64_t iterations) {
    uint32_t acc[8];
    for (int q = 0; q < 8; q++) {
        acc[q] = 0x9e3779b9u * (uint32_t)(q + 1);
    }
    for (int64_t i = 0; i < iterations; i++) {
        for (int q = 0; q < 8; q++) {
            acc[q] = acc[q] * 0x01000193u + 0x7fu;
        }
    }
    volatile uint32_t sink = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    (void)sink;
    return (double)iterations * 8 * 2;
}

/* Without VNNI the compute-bound (packed) kernel runs VPMADDWD + VPADDD: each chain's lanes feed the next
 * VPMADDWD, so the steps depend on each other and cannot be hoisted; the values wrap, which is defined and
 * irrelevant here. */
static ALWAYS_INLINE_ROOF PG_AVX512 __m512i maddwd_chain512(__m512i acc, __m512i v) {
    return _mm512_add_epi32(acc, _mm512_madd_epi16(acc, v));
}

/* 16 chains of VPDPBUSD (64 u8 x s8 products into 16 int32 lanes) cover its latency x throughput (Zen 4:
 * 4-5 cycles x 2 pipes), or of VPMADDWD + VPADDD (32 s16 x s16 products). */
static PG_AVX512 double dot_i8_avx512(int64_t iterations, int vnni) {
    const __m512i v = _mm512_set1_epi8(3);
    __m512i acc[16];
#pragma GCC unroll 16
    for (int q = 0; q < 16; q++) {
        acc[q] = _mm512_set1_epi32(q + 1);
    }
    if (vnni) {
        for (int64_t i = 0; i < iterations; i++) {
#pragma GCC unroll 16
            for (int q = 0; q < 16; q++) {
                __asm__("vpdpbusd %[v], %[v], %[acc]" : [acc] "+v"(acc[q]) : [v] "v"(v));
            }
        }
    } else {
        for (int64_t i = 0; i < iterations; i++) {
#pragma GCC unroll 16
            for (int q = 0; q < 16; q++) {
                acc[q] = maddwd_chain512(acc[q], v);
            }
        }
    }
#pragma GCC unroll 8
    for (int q = 0; q < 8; q++) {
        acc[q] = _mm512_add_epi32(acc[q], acc[q + 8]);
    }
    __m512i s = _mm512_add_epi32(_mm512_add_epi32(_mm512_add_epi32(acc[0], acc[1]), _mm512_add_epi32(acc[2], acc[3])),
                                 _mm512_add_epi32(_mm512_add_epi32(acc[4], acc[5]), _mm512_add_epi32(acc[6], acc[7])));
    /* folded as unsigned: the sums wrap, and _mm512_reduce_add_epi32 adds as signed int (UB on overflow) */
    uint32_t lanes[16];
    _mm512_storeu_si512(lanes, s);
    volatile uint32_t sink = lanes[0] + lanes[15];
    (void)sink;
    return (double)iterations * 16 * (vnni ? 64 : 32) * 2;
}

/* 12 chains of VPMADDWD + VPADDD (the packed AVX2 kernel's pair), or of VEX VPDPBUSD with AVX-VNNI: 12 chains
 * and a constant fit AVX2's 16 registers. */
static PG_AVX2 double dot_i8_avx2(int64_t iterations, int vnni) {
    const __m256i v = _mm256_set1_epi8(3);
    __m256i acc[12];
#pragma GCC unroll 12
    for (int q = 0; q < 12; q++) {
        acc[q] = _mm256_set1_epi32(q + 1);
    }
    if (vnni) {
        for (int64_t i = 0; i < iterations; i++) {
#pragma GCC unroll 12
            for (int q = 0; q < 12; q++) {
                __asm__("%{vex%} vpdpbusd %[v], %[v], %[acc]" : [acc] "+x"(acc[q]) : [v] "x"(v));
            }
        }
    } else {
        for (int64_t i = 0; i < iterations; i++) {
#pragma GCC unroll 12
            for (int q = 0; q < 12; q++) {
                acc[q] = _mm256_add_epi32(acc[q], _mm256_madd_epi16(acc[q], v));
            }
        }
    }
#pragma GCC unroll 6
    for (int q = 0; q < 6; q++) {
        acc[q] = _mm256_add_epi32(acc[q], acc[q + 6]);
    }
    __m256i s = _mm256_add_epi32(_mm256_add_epi32(_mm256_add_epi32(acc[0], acc[1]), _mm256_add_epi32(acc[2], acc[3])),
                                 _mm256_add_epi32(acc[4], acc[5]));
    uint32_t lanes[8];
    _mm256_storeu_si256((__m256i *)lanes, s);
    volatile uint32_t sink = lanes[0] + lanes[7];
    (void)sink;
    return (double)iterations * 12 * (vnni ? 32 : 16) * 2;
}

double pg_roofline_amx_i8(int64_t iterations) {
    if (iterations <= 0) {
        return 0.0;
    }
    return pg_has_amx_int8() ? amx_i8_loop(iterations) : dot_i8_scalar(iterations);
}

double pg_roofline_dot_i8(int64_t iterations) {
    if (iterations <= 0) {
        return 0.0;
    }
    switch (pg_isa()) {
    case PG_ISA_AVX512:
        return dot_i8_avx512(iterations, pg_has_avx512_vnni());
    case PG_ISA_AVX2:
        return dot_i8_avx2(iterations, pg_has_avx_vnni());
    default:
        return dot_i8_scalar(iterations);
    }
}

double pg_roofline_fma_f32(int64_t iterations) {
    if (iterations <= 0) {
        return 0.0;
    }
    switch (pg_isa()) {
    case PG_ISA_AVX512:
        return fma_avx512(iterations);
    case PG_ISA_AVX2:
        return fma_avx2(iterations);
    default:
        return fma_scalar(iterations);
    }
}

double pg_roofline_dp_bf16(int64_t iterations) {
    if (iterations <= 0) {
        return 0.0;
    }
    return pg_isa() >= PG_ISA_AVX512 && pg_has_avx512_bf16() ? dp_bf16_avx512(iterations)
                                                             : fma_scalar(iterations);
}

double pg_roofline_amx_bf16(int64_t iterations) {
    if (iterations <= 0) {
        return 0.0;
    }
    if ((pg_cpu_features() & PG_CPU_AMX_BF16) && pg_has_avx512() && pg_amx_permitted()) {
        return amx_loop(iterations);
    }
    return fma_scalar(iterations);
}

/* ---- read bandwidth ------------------------------------------------------------------------ */

/* One sequential stream with eight independent sums: measured against 2 and 4 interleaved streams per
 * thread (Zen 4, 512 MB, transparent huge pages): one stream 34-35 GB/s, two 20-24, four 31-35, so
 * the prefetchers want one stream here (DESIGN.md, "The roofline"). */

static uint64_t word_sum_scalar(const unsigned char *p, int64_t bytes) {
    uint64_t s = 0;
    int64_t i = 0;
    for (; i + 8 <= bytes; i += 8) {
        uint64_t v;
        memcpy(&v, p + i, sizeof v);
        s += v;
    }
    if (i < bytes) {
        uint64_t v = 0;
        memcpy(&v, p + i, (size_t)(bytes - i));
        s += v;
    }
    return s;
}

/* Sums the 64-bit words of the first *covered bytes (whole 512-byte blocks); the caller adds the
 * rest, so both variants return the same checksum. */
static PG_AVX512 uint64_t word_sum_avx512(const unsigned char *p, int64_t bytes, int64_t *covered) {
    __m512i acc[8];
#pragma GCC unroll 8
    for (int q = 0; q < 8; q++) {
        acc[q] = _mm512_setzero_si512();
    }
    int64_t i = 0;
    for (; i + 512 <= bytes; i += 512) {
#pragma GCC unroll 8
        for (int q = 0; q < 8; q++) {
            acc[q] = _mm512_add_epi64(acc[q], _mm512_loadu_si512(p + i + 64 * q));
        }
    }
    *covered = i;
#pragma GCC unroll 4
    for (int q = 0; q < 4; q++) {
        acc[q] = _mm512_add_epi64(acc[q], acc[q + 4]);
    }
    __m512i s = _mm512_add_epi64(_mm512_add_epi64(acc[0], acc[1]), _mm512_add_epi64(acc[2], acc[3]));
    /* folded as unsigned: _mm512_reduce_add_epi64 adds signed lanes, and the checksum wraps */
    uint64_t w[8];
    _mm512_storeu_si512(w, s);
    return ((w[0] + w[1]) + (w[2] + w[3])) + ((w[4] + w[5]) + (w[6] + w[7]));
}

static PG_AVX2 uint64_t word_sum_avx2(const unsigned char *p, int64_t bytes, int64_t *covered) {
    __m256i acc[8];
#pragma GCC unroll 8
    for (int q = 0; q < 8; q++) {
        acc[q] = _mm256_setzero_si256();
    }
    int64_t i = 0;
    for (; i + 256 <= bytes; i += 256) {
#pragma GCC unroll 8
        for (int q = 0; q < 8; q++) {
            acc[q] = _mm256_add_epi64(acc[q], _mm256_loadu_si256((const __m256i *)(p + i + 32 * q)));
        }
    }
    *covered = i;
#pragma GCC unroll 4
    for (int q = 0; q < 4; q++) {
        acc[q] = _mm256_add_epi64(acc[q], acc[q + 4]);
    }
    __m256i s = _mm256_add_epi64(_mm256_add_epi64(acc[0], acc[1]), _mm256_add_epi64(acc[2], acc[3]));
    uint64_t w[4];
    _mm256_storeu_si256((__m256i *)w, s);
    return w[0] + w[1] + w[2] + w[3];
}

double pg_read_bandwidth(const void *buf, int64_t bytes) {
    if (bytes <= 0) {
        return 0.0;
    }
    const unsigned char *p = buf;
    int64_t covered = 0;
    uint64_t s = 0;
    switch (pg_isa()) {
    case PG_ISA_AVX512:
        s = word_sum_avx512(p, bytes, &covered);
        break;
    case PG_ISA_AVX2:
        s = word_sum_avx2(p, bytes, &covered);
        break;
    default:
        break;
    }
    /* covered is a multiple of 8, so the zero-padded last word is the same word in every variant */
    return (double)(s + word_sum_scalar(p + covered, bytes - covered));
}
