/*
 * pg_kernels.h: the only public header of paligemma-ffm's native kernels.
 *
 * A flat C ABI: pointers and sizes in, results written to caller-owned memory. No function
 * allocates, keeps state between calls (but for the one process-wide cap on the instruction set,
 * pg_isa_cap), or starts threads; the Java side owns every buffer and
 * splits work across threads itself (the GEMM kernels take an output-column range for that).
 * All matrices are row-major; "ld" arguments are row strides in elements.
 * bindings/regen.sh turns this file into bindings/.../pg_kernels_h.java with jextract;
 * a test checks that the two agree.
 */
#ifndef PG_KERNELS_H
#define PG_KERNELS_H

#include <stdint.h>

/* ---- info.c: what this build is and what the CPU offers ---------------------------------- */

#define PG_CPU_AVX512F     1
#define PG_CPU_AVX512_BF16 2
#define PG_CPU_AMX_BF16    4
#define PG_CPU_F16C        8
#define PG_CPU_AVX2        16 /* AVX2 with FMA and F16C */
#define PG_CPU_AVX512_VNNI 32

/* Instruction-set levels of the kernel variants. Every kernel family has a scalar path (any
 * x86-64), an AVX2 path (AVX2 + FMA + F16C) and an AVX-512 path (F/BW/DQ/VL); the dispatcher of each
 * public function takes the highest level the CPU supports, unless capped lower. */
#define PG_ISA_SCALAR 0
#define PG_ISA_AVX2   1
#define PG_ISA_AVX512 2

/* Kernel families, for pg_kernel_path. */
#define PG_FAMILY_SOFTMAX     0
#define PG_FAMILY_ROPE        1
#define PG_FAMILY_NORM        2
#define PG_FAMILY_ACT         3
#define PG_FAMILY_ELEMENTWISE 4
#define PG_FAMILY_CONVERT     5
#define PG_FAMILY_GEMM_HALF   6 /* pg_gemm_bf16 / pg_gemm_f16 / pg_gemm_f32 */
#define PG_FAMILY_GEMM_BF16_DP 7
#define PG_FAMILY_ROOFLINE    8
#define PG_FAMILY_COUNT       9

/* Compiler, version and flags the library was built with (a static string). */
const char *pg_build_info(void);
/* Bit set of PG_CPU_* features detected on this CPU (CPUID and OS support). */
int32_t pg_cpu_features(void);
/* Asks Linux for permission to use AMX tile data (arch_prctl ARCH_REQ_XCOMP_PERM); once per
 * process. Returns 1 when AMX may be used, 0 otherwise. */
int32_t pg_amx_request(void);
/* Highest PG_ISA_* level this CPU and OS support. */
int32_t pg_isa_supported(void);
/* The library's one process-wide setting: the highest level the dispatchers may use from now on,
 * for tests and benchmarks that force a path. A level above what the CPU supports is lowered to it;
 * a negative level removes the cap. Returns the level now in effect. The environment variable PG_ISA
 * (scalar, avx2 or avx512), read once when the library loads, sets the initial cap. Safe to call
 * from any thread; calls already running finish on the path they started on. */
int32_t pg_isa_cap(int32_t level);
/* The level the dispatchers use now: min(cap, pg_isa_supported()). */
int32_t pg_isa_in_use(void);
/* Name of the path a kernel family's dispatcher takes now (a static string such as "avx2" or
 * "avx512 (stream below PG_GEMM_PACKED_MIN_M rows, packed from it)"), or "unknown family". */
const char *pg_kernel_path(int32_t family);
/* Bytes of the calling thread's stack below this call's frame (to the lowest address the thread
 * library reports), or -1 when it cannot tell. A native stack overflow kills the process, so callers
 * check it before the kernels with large frames (PG_GEMM_STACK_BYTES, PG_GEMM_AMX_STACK_BYTES). */
int64_t pg_stack_headroom(void);

/* From this many rows of x on, pg_gemm_bf16 / pg_gemm_f16 take their packed path (register-blocked,
 * weight-reusing: it beats streaming each weight row once per 4 rows of x), whose stack frame is
 * PG_GEMM_STACK_BYTES. */
#define PG_GEMM_PACKED_MIN_M 32
/* Stack the 16-bit GEMM kernels use at most (gcc -fstack-usage, rounded up to KB): pg_gemm_bf16 /
 * pg_gemm_f16 (144,736 bytes from 32 rows on: converted panels and a copied x tile), and
 * pg_gemm_bf16_dp / pg_gemm_bf16_amx (231,488 bytes). */
#define PG_GEMM_STACK_BYTES 147456
#define PG_GEMM_AMX_STACK_BYTES 235520

/* ---- softmax.c: attention probabilities --------------------------------------------------- */

/* For each row r of x [rows, ld] (cols used): s = x * scale; if softcap > 0, s = tanh(s / softcap)
 * * softcap; keys outside [key_lo[r], key_hi[r]) are masked; then a float32 softmax over the
 * row, written in place. Masked entries become 0; a row with no allowed key becomes all 0. */
void pg_softmax_rows(float *x, int64_t rows, int64_t cols, int64_t ld, float scale, float softcap,
                     const int32_t *key_lo, const int32_t *key_hi);

/* ---- rope.c: rotary position embedding, Hugging Face rotate-half layout ------------------- */

/* x [tokens, token_stride] holds heads of head_dim floats each at the start of every token row.
 * cos, sin [tokens, head_dim / 2]: per-token tables (angle = position * inv_freq).
 * x1 = x[:d/2], x2 = x[d/2:]: out = (x1 cos - x2 sin, x2 cos + x1 sin), in place. */
void pg_rope_rotate_half(float *x, int64_t tokens, int64_t heads, int64_t head_dim,
                         int64_t token_stride, const float *cos, const float *sin);

/* ---- norm.c: normalisations over the last dimension --------------------------------------- */

/* Gemma RMSNorm: out = x * rsqrt(mean(x^2) + eps) * (1 + weight); x, out [rows, dim]. */
void pg_rms_norm(float *out, const float *x, const float *weight, int64_t rows, int64_t dim,
                 float eps);
/* LayerNorm with bias: out = (x - mean) / sqrt(var + eps) * weight + bias (biased variance). */
void pg_layer_norm(float *out, const float *x, const float *weight, const float *bias,
                   int64_t rows, int64_t dim, float eps);

/* ---- act.c: activations ------------------------------------------------------------------- */

/* gelu_pytorch_tanh: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). out may alias x. */
void pg_gelu_tanh(float *out, const float *x, int64_t n);
/* GeGLU: out = gelu_tanh(gate) * up. out may alias gate or up. */
void pg_geglu(float *out, const float *gate, const float *up, int64_t n);
/* Soft-capping: x = tanh(x / cap) * cap, in place. */
void pg_softcap(float *x, int64_t n, float cap);

/* ---- elementwise.c: residual add, scaling, bias ------------------------------------------- */

/* out = a + b. out may alias a or b. */
void pg_add(float *out, const float *a, const float *b, int64_t n);
/* x *= s, in place. */
void pg_scale(float *x, int64_t n, float s);
/* x[r, c] += bias[c] for x [rows, cols]. */
void pg_add_bias_rows(float *x, const float *bias, int64_t rows, int64_t cols);

/* ---- convert.c: storage formats ----------------------------------------------------------- */

/* bfloat16 -> float32 (exact). */
void pg_bf16_to_f32(float *out, const uint16_t *in, int64_t n);
/* IEEE half -> float32 (exact, subnormals included). */
void pg_f16_to_f32(float *out, const uint16_t *in, int64_t n);
/* float32 -> bfloat16, round to nearest even (NaN stays NaN), as torch's .to(bfloat16). */
void pg_f32_to_bf16(uint16_t *out, const float *in, int64_t n);

/* ---- gemm_half.c: products with 16-bit weights, computed in float32 ---------------------- */

/* y[i, j] = sum_p x[i, p] * w[j, p] for i < m and n0 <= j < n1, with w [n, k] row-major
 * (ldw = k) in bfloat16 (pg_gemm_bf16) or IEEE half (pg_gemm_f16); x [m, ldx], y [m, ldy].
 * Products and sums in float32, so results match an f32 GEMM over the converted weights to
 * rounding. Callers split [0, n) into ranges to run threads side by side. From PG_GEMM_PACKED_MIN_M
 * rows on they need PG_GEMM_STACK_BYTES of stack (four converted weight panels and a copied x tile). */
void pg_gemm_bf16(const float *x, int64_t ldx, const uint16_t *w, float *y, int64_t ldy,
                  int64_t m, int64_t k, int64_t n0, int64_t n1);
void pg_gemm_f16(const float *x, int64_t ldx, const uint16_t *w, float *y, int64_t ldy,
                 int64_t m, int64_t k, int64_t n0, int64_t n1);
/* The same contract with float32 weights: our own kernels, not OpenBLAS, because at decode (few rows)
 * they stream the weights faster than cblas_sgemv (see DESIGN.md). */
void pg_gemm_f32(const float *x, int64_t ldx, const float *w, float *y, int64_t ldy,
                 int64_t m, int64_t k, int64_t n0, int64_t n1);

/* ---- gemm_amx.c: products with bfloat16 weights on bf16 dot-product units ---------------- */

/* Same contract as pg_gemm_bf16, computed on bf16 x bf16 -> float32 hardware: each x is split into
 * `terms` bf16 parts (hi = bf16(x), mid = bf16(x - hi), lo = bf16(x - hi - mid)), each part times
 * the bf16 weight is exact, sums are float32. terms = 3: x is represented exactly, results match an
 * f32 GEMM to rounding (the engine's setting); 2: |x error| <= 2^-16 |x|; 1: bf16 activations,
 * 2^-8 |x|. terms is clamped to [1, 3]. NaN propagates; |x| >= 3.39e38 rounds to infinity.
 * Each 32 weight rows are repacked per call and per block of up to 240 x rows, so use these from
 * m >= 16 on; below that pg_gemm_bf16 streams the weights faster. terms multiplies the unit's work:
 * where VDPBF16PS runs at the FMA rate (Zen 4), pg_gemm_bf16_dp with terms = 3 is no faster than
 * pg_gemm_bf16. Both use ~226 KB of stack.
 *
 * pg_gemm_bf16_amx runs on AMX tiles and needs AMX-BF16 and AVX-512: it faults (SIGILL) unless the
 * process was granted AMX by pg_amx_request() == 1 first; callers must check. It loads its own
 * tile configuration and releases the tiles on return, so threads may call it independently.
 * pg_gemm_bf16_dp uses AVX512-BF16 (VDPBF16PS); without it, it runs pg_gemm_bf16. */
void pg_gemm_bf16_amx(const float *x, int64_t ldx, const uint16_t *w, float *y, int64_t ldy,
                      int64_t m, int64_t k, int64_t n0, int64_t n1, int32_t terms);
void pg_gemm_bf16_dp(const float *x, int64_t ldx, const uint16_t *w, float *y, int64_t ldy,
                     int64_t m, int64_t k, int64_t n0, int64_t n1, int32_t terms);

/* ---- roofline.c: machine limits, for the caller to time ---------------------------------- */

/* Register-only multiply-add loops; each returns the floating-point operations it performed
 * (a multiply-add counts 2). pg_roofline_fma_f32, on the level in use: 16 independent chains of
 * 16-lane AVX-512 FMAs, 512 per iteration; 12 chains of 8-lane AVX2 FMAs, 192 per iteration; 8
 * scalar chains, 16 per iteration. pg_roofline_dp_bf16: 16 chains of 512-bit VDPBF16PS (AVX512-BF16), each two
 * bf16 products per lane, 16 * 16 * 2 * 2 = 1024 per iteration. pg_roofline_amx_bf16: four
 * independent TDPBF16PS tile products per iteration, 4 * 16 * 16 * 32 * 2 = 65536; it needs AMX
 * permission (pg_amx_request() == 1). Without the ISA (or the permission) each runs the portable
 * loop instead: 8 scalar chains, 16 per iteration. */
double pg_roofline_fma_f32(int64_t iterations);
double pg_roofline_dp_bf16(int64_t iterations);
double pg_roofline_amx_bf16(int64_t iterations);
/* Reads bytes of buf once, in one sequential stream with the widest loads of the level in use (any
 * alignment). Returns the sum modulo 2^64 of buf read as little-endian 64-bit
 * words, the last one zero-padded, as a double: a checksum that keeps the loads alive. */
double pg_read_bandwidth(const void *buf, int64_t bytes);

#endif /* PG_KERNELS_H */
