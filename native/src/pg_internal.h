/*
 * pg_internal.h: private to libpg_kernels and its C tests, never seen by the Java bindings.
 *
 * Every public kernel of pg_kernels.h is a thin dispatcher over the variants declared here:
 * <name>_scalar (portable x86-64), <name>_avx2 (AVX2 + FMA + F16C) and <name>_avx512
 * (AVX-512F/BW/DQ/VL + FMA), the SIMD ones compiled per function with a target attribute. The
 * dispatcher picks by pg_isa(). The tests call every variant the CPU supports directly, so each
 * path is checked on machines that would only ever dispatch to one of them.
 */
#ifndef PG_INTERNAL_H
#define PG_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "pg_kernels.h"

#define PG_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma")))
/* The same plus AVX512-BF16 (VDPBF16PS), for code run only when pg_has_avx512_bf16(). */
#define PG_AVX512_BF16 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512bf16,fma")))
/* The same plus AVX512-VNNI (VPDPBUSD), for code run only when pg_has_avx512_vnni(). */
#define PG_AVX512_VNNI __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512vnni,fma")))
/* AVX2 with FMA and F16C: every x86-64 CPU since Haswell (2013) and Zen 1 has all three. */
#define PG_AVX2 __attribute__((target("avx2,fma,f16c")))

/* True when the CPU and OS support every extension the *_avx512 variants are compiled for.
 * libgcc fills __cpu_model in a constructor at load time, so this is a cheap read. */
static inline int pg_has_avx512(void) {
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")
        && __builtin_cpu_supports("fma");
}

/* True when the CPU and OS support every extension the *_avx2 variants are compiled for. */
static inline int pg_has_avx2(void) {
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
        && __builtin_cpu_supports("f16c");
}

/* The CPU has AVX512-BF16 (VDPBF16PS) next to the extensions above. */
static inline int pg_has_avx512_bf16(void) {
    return pg_has_avx512() && __builtin_cpu_supports("avx512bf16");
}

/* The CPU has AVX512-VNNI (VPDPBUSD: 64 int8 products summed into 16 int32 lanes) next to AVX-512. */
static inline int pg_has_avx512_vnni(void) {
    return pg_has_avx512() && __builtin_cpu_supports("avx512vnni");
}

/* The CPU has AVX-VNNI (the VEX-encoded 256-bit VPDPBUSD) next to AVX2: cores without AVX-512 (Alder Lake and
 * later client cores, Sierra Forest); AVX-512 CPUs with AVX512-VNNI have the EVEX form instead. */
static inline int pg_has_avx_vnni(void) {
    return pg_has_avx2() && __builtin_cpu_supports("avxvnni");
}

/* The level every dispatcher uses: the best the CPU supports, lowered by pg_isa_cap (or by the
 * PG_ISA environment variable read once at load). One relaxed atomic load. */
int pg_isa(void);

#define PG_STR_(x) #x
#define PG_STR(x) PG_STR_(x)

/* 1 when this process already holds AMX tile-data permission (ARCH_GET_XCOMP_PERM; asks nothing),
 * so tile instructions will not fault. */
int pg_amx_permitted(void);

/* 1 when pg_gemm_q8 may run on AMX-INT8 tiles: pg_amx_request() was granted them on a CPU with AMX-INT8,
 * and the CPU has the AVX-512 that scales their sums (the dispatcher checks the level, too). */
int pg_has_amx_int8(void);

/* ---- scalar storage-format helpers (exact) ----------------------------------------------- */

static inline float pg_bits_to_f32(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static inline uint32_t pg_f32_to_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static inline float pg_bf16_to_f32_1(uint16_t h) {
    return pg_bits_to_f32((uint32_t)h << 16);
}

/* IEEE binary16 -> binary32. Signalling NaNs come out quiet, as vcvtph2ps does, so both paths agree. */
static inline float pg_f16_to_f32_1(uint16_t h) {
    uint32_t sign = (uint32_t)(h >> 15) << 31;
    uint32_t exp = (h >> 10) & 0x1f;
    uint32_t mant = h & 0x3ff;
    if (exp == 0) {
        /* zero or subnormal: mant * 2^-24 is exact in float */
        float v = (float)mant * 0x1p-24f;
        return pg_bits_to_f32(pg_f32_to_bits(v) | sign);
    }
    if (exp == 31) {
        return pg_bits_to_f32(sign | 0x7f800000u | (mant << 13) | (mant ? 0x00400000u : 0));
    }
    return pg_bits_to_f32(sign | ((exp + 112) << 23) | (mant << 13));
}

/* torch's round_to_nearest_even: every NaN becomes the canonical 0x7FC0. */
static inline uint16_t pg_f32_to_bf16_1(float f) {
    uint32_t u = pg_f32_to_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) {
        return 0x7fc0;
    }
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1)) >> 16);
}

/* ---- per-variant entry points (same contracts as pg_kernels.h) --------------------------- */

void pg_softmax_rows_scalar(float *x, int64_t rows, int64_t cols, int64_t ld, float scale,
                            float softcap, const int32_t *key_lo, const int32_t *key_hi);
void pg_softmax_rows_avx512(float *x, int64_t rows, int64_t cols, int64_t ld, float scale,
                            float softcap, const int32_t *key_lo, const int32_t *key_hi);
void pg_softmax_rows_avx2(float *x, int64_t rows, int64_t cols, int64_t ld, float scale,
                          float softcap, const int32_t *key_lo, const int32_t *key_hi);

void pg_rope_rotate_half_scalar(float *x, int64_t tokens, int64_t heads, int64_t head_dim,
                                int64_t token_stride, const float *cos, const float *sin);
void pg_rope_rotate_half_avx512(float *x, int64_t tokens, int64_t heads, int64_t head_dim,
                                int64_t token_stride, const float *cos, const float *sin);
void pg_rope_rotate_half_avx2(float *x, int64_t tokens, int64_t heads, int64_t head_dim,
                              int64_t token_stride, const float *cos, const float *sin);

void pg_rms_norm_scalar(float *out, const float *x, const float *weight, int64_t rows, int64_t dim,
                        float eps);
void pg_rms_norm_avx512(float *out, const float *x, const float *weight, int64_t rows, int64_t dim,
                        float eps);
void pg_rms_norm_avx2(float *out, const float *x, const float *weight, int64_t rows, int64_t dim,
                      float eps);
void pg_layer_norm_scalar(float *out, const float *x, const float *weight, const float *bias,
                          int64_t rows, int64_t dim, float eps);
void pg_layer_norm_avx512(float *out, const float *x, const float *weight, const float *bias,
                          int64_t rows, int64_t dim, float eps);
void pg_layer_norm_avx2(float *out, const float *x, const float *weight, const float *bias,
                        int64_t rows, int64_t dim, float eps);

void pg_gelu_tanh_scalar(float *out, const float *x, int64_t n);
void pg_gelu_tanh_avx512(float *out, const float *x, int64_t n);
void pg_gelu_tanh_avx2(float *out, const float *x, int64_t n);
void pg_geglu_scalar(float *out, const float *gate, const float *up, int64_t n);
void pg_geglu_avx512(float *out, const float *gate, const float *up, int64_t n);
void pg_geglu_avx2(float *out, const float *gate, const float *up, int64_t n);
void pg_softcap_scalar(float *x, int64_t n, float cap);
void pg_softcap_avx512(float *x, int64_t n, float cap);
void pg_softcap_avx2(float *x, int64_t n, float cap);

void pg_add_scalar(float *out, const float *a, const float *b, int64_t n);
void pg_add_avx512(float *out, const float *a, const float *b, int64_t n);
void pg_add_avx2(float *out, const float *a, const float *b, int64_t n);
void pg_scale_scalar(float *x, int64_t n, float s);
void pg_scale_avx512(float *x, int64_t n, float s);
void pg_scale_avx2(float *x, int64_t n, float s);
void pg_add_bias_rows_scalar(float *x, const float *bias, int64_t rows, int64_t cols);
void pg_add_bias_rows_avx512(float *x, const float *bias, int64_t rows, int64_t cols);
void pg_add_bias_rows_avx2(float *x, const float *bias, int64_t rows, int64_t cols);

void pg_bf16_to_f32_scalar(float *out, const uint16_t *in, int64_t n);
void pg_bf16_to_f32_avx512(float *out, const uint16_t *in, int64_t n);
void pg_bf16_to_f32_avx2(float *out, const uint16_t *in, int64_t n);
void pg_f16_to_f32_scalar(float *out, const uint16_t *in, int64_t n);
void pg_f16_to_f32_avx512(float *out, const uint16_t *in, int64_t n);
void pg_f16_to_f32_avx2(float *out, const uint16_t *in, int64_t n);
void pg_f32_to_bf16_scalar(uint16_t *out, const float *in, int64_t n);
void pg_f32_to_bf16_avx512(uint16_t *out, const float *in, int64_t n);
void pg_f32_to_bf16_avx2(uint16_t *out, const float *in, int64_t n);

void pg_gemm_bf16_scalar(const float *x, int64_t ldx, const uint16_t *w, float *y, int64_t ldy,
                         int64_t m, int64_t k, int64_t n0, int64_t n1);
void pg_gemm_f16_scalar(const float *x, int64_t ldx, const uint16_t *w, float *y, int64_t ldy,
                        int64_t m, int64_t k, int64_t n0, int64_t n1);
void pg_gemm_f32_scalar(const float *x, int64_t ldx, const float *w, float *y, int64_t ldy,
                        int64_t m, int64_t k, int64_t n0, int64_t n1);
/* The SIMD GEMMs have two strategies each; the dispatcher picks by m (PG_GEMM_PACKED_MIN_M). All are
 * exposed so the tests can run each one on every shape. */
void pg_gemm_bf16_avx512_stream(const float *x, int64_t ldx, const uint16_t *w, float *y,
                                int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1);
void pg_gemm_bf16_avx512_packed(const float *x, int64_t ldx, const uint16_t *w, float *y,
                                int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1);
void pg_gemm_f16_avx512_stream(const float *x, int64_t ldx, const uint16_t *w, float *y,
                               int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1);
void pg_gemm_f16_avx512_packed(const float *x, int64_t ldx, const uint16_t *w, float *y,
                               int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1);

void pg_gemm_f32_avx512_stream(const float *x, int64_t ldx, const float *w, float *y, int64_t ldy,
                               int64_t m, int64_t k, int64_t n0, int64_t n1);
void pg_gemm_f32_avx512_packed(const float *x, int64_t ldx, const float *w, float *y, int64_t ldy,
                               int64_t m, int64_t k, int64_t n0, int64_t n1);
void pg_gemm_bf16_avx2_stream(const float *x, int64_t ldx, const uint16_t *w, float *y, int64_t ldy,
                              int64_t m, int64_t k, int64_t n0, int64_t n1);
void pg_gemm_bf16_avx2_packed(const float *x, int64_t ldx, const uint16_t *w, float *y, int64_t ldy,
                              int64_t m, int64_t k, int64_t n0, int64_t n1);
void pg_gemm_f16_avx2_stream(const float *x, int64_t ldx, const uint16_t *w, float *y, int64_t ldy,
                             int64_t m, int64_t k, int64_t n0, int64_t n1);
void pg_gemm_f16_avx2_packed(const float *x, int64_t ldx, const uint16_t *w, float *y, int64_t ldy,
                             int64_t m, int64_t k, int64_t n0, int64_t n1);
void pg_gemm_f32_avx2_stream(const float *x, int64_t ldx, const float *w, float *y, int64_t ldy,
                             int64_t m, int64_t k, int64_t n0, int64_t n1);
void pg_gemm_f32_avx2_packed(const float *x, int64_t ldx, const float *w, float *y, int64_t ldy,
                             int64_t m, int64_t k, int64_t n0, int64_t n1);

/* Q8_0 weights (gemm_q8.c, gemm_q8_avx2.c). pg_gemm_q8 at AVX-512 has two variants: VPDPBUSD where the CPU
 * has AVX512-VNNI (the dispatcher's choice there), 512-bit VPMADDUBSW + VPMADDWD otherwise. */
void pg_quantize_q8_scalar(const float *x, int64_t ldx, int64_t m, int64_t k, int8_t *xq, float *xs);
void pg_quantize_q8_avx2(const float *x, int64_t ldx, int64_t m, int64_t k, int8_t *xq, float *xs);
void pg_quantize_q8_avx512(const float *x, int64_t ldx, int64_t m, int64_t k, int8_t *xq, float *xs);
void pg_gemm_q8_scalar(const int8_t *xq, const float *xs, const int8_t *q, const uint16_t *s, float *y,
                       int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1);
void pg_gemm_q8_avx2(const int8_t *xq, const float *xs, const int8_t *q, const uint16_t *s, float *y,
                     int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1);
void pg_gemm_q8_avx2_vnni(const int8_t *xq, const float *xs, const int8_t *q, const uint16_t *s, float *y,
                          int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1);
void pg_gemm_q8_avx2_vnni_evex(const int8_t *xq, const float *xs, const int8_t *q, const uint16_t *s, float *y,
                               int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1);
void pg_gemm_q8_avx512(const int8_t *xq, const float *xs, const int8_t *q, const uint16_t *s, float *y,
                       int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1);
void pg_gemm_q8_avx512_vnni(const int8_t *xq, const float *xs, const int8_t *q, const uint16_t *s, float *y,
                            int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1);
/* pg_gemm_q8's packed path (gemm_q8_packed.h), from PG_GEMM_Q8_PACKED_MIN_M rows: VPDPBUSD where the level's
 * VNNI exists, VPMADDWD otherwise; the _evex variant is the AVX2 VNNI template in its EVEX encoding (tests). */
void pg_gemm_q8_avx2_packed(const int8_t *xq, const float *xs, const int8_t *q, const uint16_t *s, float *y,
                            int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1);
void pg_gemm_q8_avx2_vnni_packed(const int8_t *xq, const float *xs, const int8_t *q, const uint16_t *s, float *y,
                                 int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1);
void pg_gemm_q8_avx2_vnni_evex_packed(const int8_t *xq, const float *xs, const int8_t *q, const uint16_t *s,
                                      float *y, int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1);
void pg_gemm_q8_avx512_packed(const int8_t *xq, const float *xs, const int8_t *q, const uint16_t *s, float *y,
                              int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1);
void pg_gemm_q8_avx512_vnni_packed(const int8_t *xq, const float *xs, const int8_t *q, const uint16_t *s,
                                   float *y, int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1);
/* The packed path on AMX-INT8 tiles (gemm_q8_amx.c): runs only where pg_has_amx_int8(), else it faults. */
void pg_gemm_q8_amx(const int8_t *xq, const float *xs, const int8_t *q, const uint16_t *s, float *y, int64_t ldy,
                    int64_t m, int64_t k, int64_t n0, int64_t n1);
/* The AVX-512 whole-panel packing of gemm_q8_packed.h's layouts (a pg_q8p_pack_fn), shared by the AVX-512 and
 * the AMX packed paths. */
void pg_q8p_pack_avx512(int unit, const int8_t *q, int64_t k, int64_t p0, int64_t span, void *bp);
void pg_dequantize_q8_scalar(const int8_t *q, const uint16_t *s, int64_t k, int64_t r0, int64_t rows, float *out);
void pg_dequantize_q8_avx2(const int8_t *q, const uint16_t *s, int64_t k, int64_t r0, int64_t rows, float *out);
void pg_dequantize_q8_avx512(const int8_t *q, const uint16_t *s, int64_t k, int64_t r0, int64_t rows, float *out);
/* pg_gemm_q8_f32: the W_Q8 instances of gemm_half.c's and gemm_half_avx2.c's float32 paths. */
void pg_gemm_q8_f32_scalar(const float *x, int64_t ldx, const int8_t *q, const uint16_t *s, float *y,
                           int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1);
void pg_gemm_q8_f32_avx2_stream(const float *x, int64_t ldx, const int8_t *q, const uint16_t *s, float *y,
                                int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1);
void pg_gemm_q8_f32_avx2_packed(const float *x, int64_t ldx, const int8_t *q, const uint16_t *s, float *y,
                                int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1);
void pg_gemm_q8_f32_avx512_stream(const float *x, int64_t ldx, const int8_t *q, const uint16_t *s, float *y,
                                  int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1);
void pg_gemm_q8_f32_avx512_packed(const float *x, int64_t ldx, const int8_t *q, const uint16_t *s, float *y,
                                  int64_t ldy, int64_t m, int64_t k, int64_t n0, int64_t n1);

#endif /* PG_INTERNAL_H */
