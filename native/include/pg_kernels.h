/*
 * pg_kernels.h: the only public header of paligemma-ffm's native kernels.
 *
 * A flat C ABI: pointers and sizes in, results written to caller-owned memory. No function
 * allocates, keeps state between calls (but for the one process-wide cap on the instruction set,
 * pg_isa_cap, and the AMX grant pg_amx_request records), or starts threads; the Java side owns
 * every buffer and splits work across threads itself (the GEMM kernels take an output-column range
 * for that).
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
#define PG_CPU_AVX_VNNI    64 /* the VEX 256-bit VPDPBUSD (AVX-VNNI) */
#define PG_CPU_AMX_INT8    128 /* AMX tiles with TDPBSSD (int8 x int8 -> int32); usable once pg_amx_request() == 1 */

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
#define PG_FAMILY_GEMM_Q8     9 /* pg_gemm_q8 / pg_gemm_q8_f32 / pg_quantize_q8 / pg_dequantize_q8 */
#define PG_FAMILY_COUNT       10

/* Compiler, version and flags the library was built with (a static string). */
const char *pg_build_info(void);
/* Bit set of PG_CPU_* features detected on this CPU (CPUID and OS support). */
int32_t pg_cpu_features(void);
/* Asks Linux for permission to use AMX tile data (arch_prctl ARCH_REQ_XCOMP_PERM) when the CPU has
 * AMX-BF16; once per process. Returns 1 when AMX may be used, 0 otherwise. A grant on a CPU that has
 * AMX-INT8 too (every AMX CPU so far) is recorded: from then on pg_gemm_q8 runs its packed path on int8
 * tiles (at the AVX-512 level; a lower cap turns them off). Without the call it never uses tiles. */
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
/* Stack the GEMM kernels use at most (gcc -fstack-usage, rounded up to KB): pg_gemm_bf16 /
 * pg_gemm_f16 / pg_gemm_f32 (144,736 bytes from 32 rows on: converted panels and a copied x tile;
 * 68,016 below: the stream path's partial sums; pg_gemm_q8_f32 145,504), pg_gemm_q8 from
 * PG_GEMM_Q8_PACKED_MIN_M rows (107,872 bytes; 124,384 on AMX-INT8 tiles), and pg_gemm_bf16_dp /
 * pg_gemm_bf16_amx (231,488 bytes). */
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
 * rounding. Callers split [0, n) into ranges to run threads side by side. They need PG_GEMM_STACK_BYTES
 * of stack (from PG_GEMM_PACKED_MIN_M rows on four converted weight panels and a copied x tile, below it
 * the stream path's partial sums). Each row of an m-row call below PG_GEMM_PACKED_MIN_M holds, bit for
 * bit, what the row gives alone (m = 1). */
void pg_gemm_bf16(const float *x, int64_t ldx, const uint16_t *w, float *y, int64_t ldy,
                  int64_t m, int64_t k, int64_t n0, int64_t n1);
void pg_gemm_f16(const float *x, int64_t ldx, const uint16_t *w, float *y, int64_t ldy,
                 int64_t m, int64_t k, int64_t n0, int64_t n1);
/* The same contract with float32 weights: our own kernels, not OpenBLAS, because at decode (few rows)
 * they stream the weights faster than cblas_sgemv (see DESIGN.md). */
void pg_gemm_f32(const float *x, int64_t ldx, const float *w, float *y, int64_t ldy,
                 int64_t m, int64_t k, int64_t n0, int64_t n1);

/* ---- gemm_q8.c: products with int8 weights ------------------------------------------------ */

/* Q8_0 layout: a weight matrix w [n, k] is stored as int8 values q [n, k] (row-major, ldw = k, values in
 * [-127, 127]) and IEEE-half scales s [n, kb], kb = ceil(k / 32): w[j, p] = s[j, p / 32] * q[j, p]. The last
 * block of a row may be partial (k % 32 != 0); nothing of q past a row's k values and nothing of s past its kb
 * values is ever read (the matrix may end at the end of a mapping). */
#define PG_Q8_BLOCK 32

/* Activations quantized per block of 32 along k, for x [m, ldx] (the first k columns used), into xq [m, ldq]
 * with ldq = kb * 32 (whole blocks) and xs [m, kb]. For row i and block b (columns p with 32 b <= p < 32 b + 32
 * and p < k), every step a float32 operation under the default rounding mode (to nearest, ties to even):
 *   if every x[i, p] of the block is finite:
 *     amax = max |x[i, p]| over the block (exact)
 *     xs[i * kb + b] = amax / 127.0f
 *     id = amax > 0 ? 127.0f / amax : 0.0f      (one division)
 *     v = x[i, p] * id
 *     xq[i * ldq + p] = v is NaN ? 0 : (int8) rint(min(max(v, -127), 127))   (rint: ties to even)
 *   else (a NaN or an infinity in the block):
 *     xs[i * kb + b] = the quiet NaN 0x7fc00000 (Java's Float.NaN), xq[i * ldq + p] = 0
 * and xq[i * ldq + p] = 0 for k <= p < ldq. An all-zero block gives xs = 0 and xq = 0. A non-finite block makes
 * every output of row i in pg_gemm_q8 NaN (NaN scale times a zero sum), as a float product would be NaN or
 * infinite. A subnormal amax can overflow id to +inf: the block's nonzero elements become +-127 and its zeros
 * 0 (0 * inf is NaN, then 0). Every path writes the same bits. Nothing of x past column k of a row is read. */
void pg_quantize_q8(const float *x, int64_t ldx, int64_t m, int64_t k, int8_t *xq, float *xs);

/* Integer products (prefill and decode): for i < m and n0 <= j < n1,
 *   y[i * ldy + j] = sum_b (s[j, b] * xs[i, b]) * isum(i, j, b),  isum = sum_{p in block b} q[j, p] * xq[i, p]
 * with xq [m, kb * 32] and xs [m, kb] from pg_quantize_q8, and q, s a Q8_0 matrix as above. isum is exact
 * integer arithmetic, s * xs a float32 product (s converted exactly), the sum over blocks float32 in an
 * unspecified order. The SIMD paths split each isum into exact partial sums over fixed groups of the block's
 * elements (their int32 lanes: 8 groups of 4) and scale and add those, so the error bound is that of a float32
 * sum of about kb + 16 terms relative to sum_b |s[j, b] xs[i, b]| * sum_p |q[j, p] xq[i, p]|. Below
 * PG_GEMM_Q8_PACKED_MIN_M rows (decode: memory-bound) the weights stream from memory once per call, in
 * 4096-column blocks that stay in cache while the x rows pass over them a few at a time; from there on
 * (prefill: compute-bound) they are packed into panels that every x row reuses, and the block sums run on
 * VPDPBUSD where the CPU has VNNI, or on AMX-INT8 tiles (TDPBSSD: one exact int32 tile of block sums per
 * 32 columns) once pg_amx_request() granted them. k = 0 writes zeros. */
/* From this many rows of x on, pg_gemm_q8 takes its packed path (weight panels reused by every x row, integer
 * units compute-bound; on AMX-INT8 tiles too) and needs PG_GEMM_STACK_BYTES of stack. */
#define PG_GEMM_Q8_PACKED_MIN_M 32
void pg_gemm_q8(const int8_t *xq, const float *xs, const int8_t *q, const uint16_t *s, float *y, int64_t ldy,
                int64_t m, int64_t k, int64_t n0, int64_t n1);

/* Float products over the dequantized weights (float32 activations, no quantization; the engine computes int8
 * products through pg_gemm_q8 and keeps this as the float baseline bench_gemm compares with): y[i, j] = sum_p x[i, p] * (s[j, p / 32] *
 * q[j, p]) for i < m, n0 <= j < n1, x [m, ldx], in float32 like pg_gemm_f32 over the dequantized matrix (each
 * weight converts to float exactly: a half times an int8 fits float32's significand). The paths of pg_gemm_bf16
 * (gemm_half.c's, with the weights widened from int8 and scaled in registers): stream below PG_GEMM_PACKED_MIN_M
 * rows, packed from there with the same stack need (PG_GEMM_STACK_BYTES). */
void pg_gemm_q8_f32(const float *x, int64_t ldx, const int8_t *q, const uint16_t *s, float *y, int64_t ldy,
                    int64_t m, int64_t k, int64_t n0, int64_t n1);

/* out[r * k + p] = s[r0 + r, p / 32] * q[r0 + r, p] for r < rows, p < k (float32, exact): rows r0.. of a
 * Q8_0 matrix with k columns, for embedding lookups. */
void pg_dequantize_q8(const int8_t *q, const uint16_t *s, int64_t k, int64_t r0, int64_t rows, float *out);

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
/* The int8 dot product of pg_gemm_q8's compute-bound (packed) path on the level in use (not its AMX-INT8 tiles:
 * where those run, this stays the VNNI / MADDWD unit's peak, below theirs; pg_roofline_amx_i8 is theirs), on registers; returns
 * the multiply-adds it performed times 2 (integer operations, counted like flops). AVX-512 with AVX512-VNNI:
 * 16 chains of 512-bit VPDPBUSD, 16 * 64 * 2 = 2048 per iteration; AVX-512 without VNNI: 16 chains of 512-bit
 * VPMADDWD + VPADDD, 1024; AVX2 with AVX-VNNI: 12 chains of 256-bit VPDPBUSD, 768; AVX2: 12 chains of
 * VPMADDWD + VPADDD, 384; scalar: 8 chains of integer multiply-adds, 16. */
double pg_roofline_dot_i8(int64_t iterations);
/* The AMX-INT8 tiles' peak, where pg_gemm_q8's packed path runs on them (pg_has_amx_int8: granted by
 * pg_amx_request()): four independent TDPBSSD tile products per iteration, 4 * 16 * 16 * 64 * 2 = 131072;
 * elsewhere the scalar loop of pg_roofline_dot_i8, 16 per iteration. */
double pg_roofline_amx_i8(int64_t iterations);
/* Reads bytes of buf once, in one sequential stream with the widest loads of the level in use (any
 * alignment). Returns the sum modulo 2^64 of buf read as little-endian 64-bit
 * words, the last one zero-padded, as a double: a checksum that keeps the loads alive. */
double pg_read_bandwidth(const void *buf, int64_t bytes);

#endif /* PG_KERNELS_H */
