/* test_gemm_q8.c: the Q8_0 kernels, every path the CPU supports (scalar, AVX2, AVX-512, AVX-512 with VNNI,
 * AMX-INT8 where the OS grants it, and the dispatchers under each cap), and the AMX-INT8 path on amx_model.h's
 * software tile unit on any AVX-512 CPU (its tile faults must be zero), against references written here from
 * pg_kernels.h's contracts:
 *   pg_quantize_q8    bit for bit: the formula in float32, zeros past k, all-zero blocks, ties at .5 (half to
 *                     even), NaN / inf blocks (xs NaN, xq 0), a subnormal amax, strided x with NaN in the gaps;
 *   pg_gemm_q8        against double sums over xq / xs / q / s (tolerance: a float32 sum of kb + 16 terms
 *                     relative to sum_b |s xs| sum_p |q xq|); non-finite xs rows give NaN; and, from
 *                     pg_quantize_q8's output, within the quantization error of the float product;
 *   pg_gemm_q8_f32    against double sums over the dequantized weights (tolerance as test_gemm.c);
 *   pg_dequantize_q8  bit for bit.
 * Every array ends where a PROT_NONE page begins, so reading or writing past the end of any of them (a
 * row's partial last block, the last scale, the last x column) kills the test; y keeps sentinels outside
 * the written range [n0, n1) and in its ldy gaps. */
#include "test_util.h"

#include <sys/mman.h>
#include <unistd.h>

#include "amx_model.h"

/* gemm_q8_amx.c once more, with its tile instructions on the model and its public name renamed */
#define pg_gemm_q8_amx pg_gemm_q8_amx_model
#include "../src/gemm_q8_amx.c"
#undef pg_gemm_q8_amx

typedef void (*quantize_fn)(const float *, int64_t, int64_t, int64_t, int8_t *, float *);
typedef void (*gemm_q8_fn)(const int8_t *, const float *, const int8_t *, const uint16_t *, float *, int64_t,
                           int64_t, int64_t, int64_t, int64_t);
typedef void (*gemm_q8_f32_fn)(const float *, int64_t, const int8_t *, const uint16_t *, float *, int64_t,
                               int64_t, int64_t, int64_t, int64_t);
typedef void (*dequantize_fn)(const int8_t *, const uint16_t *, int64_t, int64_t, int64_t, float *);

/* One row per variant: the functions it has (NULL: none), the level it needs, the VNNI it needs (1: AVX512-VNNI,
 * 2: AVX-VNNI), the cap the dispatcher runs under (-1: none), and its tiles (1: AMX-INT8 granted to this
 * process, 2: the tile model). */
static const struct {
    const char *name;
    quantize_fn quantize;
    gemm_q8_fn gemm;
    gemm_q8_f32_fn gemm_f32;
    dequantize_fn dequantize;
    int isa;
    int vnni;
    int cap;
    int amx;
} VARIANTS[] = {
    {"scalar", pg_quantize_q8_scalar, pg_gemm_q8_scalar, pg_gemm_q8_f32_scalar, pg_dequantize_q8_scalar,
     PG_ISA_SCALAR, 0, -1},
    {"avx2", pg_quantize_q8_avx2, pg_gemm_q8_avx2, pg_gemm_q8_f32_avx2_stream, pg_dequantize_q8_avx2, PG_ISA_AVX2,
     0, -1},
    {"avx2_packed", NULL, NULL, pg_gemm_q8_f32_avx2_packed, NULL, PG_ISA_AVX2, 0, -1},
    {"avx512", pg_quantize_q8_avx512, pg_gemm_q8_avx512, pg_gemm_q8_f32_avx512_stream, pg_dequantize_q8_avx512,
     PG_ISA_AVX512, 0, -1},
    {"avx512_packed", NULL, NULL, pg_gemm_q8_f32_avx512_packed, NULL, PG_ISA_AVX512, 0, -1},
    {"avx512_vnni", NULL, pg_gemm_q8_avx512_vnni, NULL, NULL, PG_ISA_AVX512, 1, -1},
    {"avx2_vnni (avx_vnni)", NULL, pg_gemm_q8_avx2_vnni, NULL, NULL, PG_ISA_AVX2, 2, -1},
    {"avx2_vnni_evex", NULL, pg_gemm_q8_avx2_vnni_evex, NULL, NULL, PG_ISA_AVX512, 1, -1},
    {"avx2_packed (vpmaddwd)", NULL, pg_gemm_q8_avx2_packed, NULL, NULL, PG_ISA_AVX2, 0, -1},
    {"avx2_vnni_packed (avx_vnni)", NULL, pg_gemm_q8_avx2_vnni_packed, NULL, NULL, PG_ISA_AVX2, 2, -1},
    {"avx2_vnni_evex_packed", NULL, pg_gemm_q8_avx2_vnni_evex_packed, NULL, NULL, PG_ISA_AVX512, 1, -1},
    {"avx512_packed (vpmaddwd)", NULL, pg_gemm_q8_avx512_packed, NULL, NULL, PG_ISA_AVX512, 0, -1},
    {"avx512_vnni_packed", NULL, pg_gemm_q8_avx512_vnni_packed, NULL, NULL, PG_ISA_AVX512, 1, -1},
    {"amx_int8 (hardware)", NULL, pg_gemm_q8_amx, NULL, NULL, PG_ISA_AVX512, 0, -1, 1},
    {"amx_int8 (tile model)", NULL, pg_gemm_q8_amx_model, NULL, NULL, PG_ISA_AVX512, 0, -1, 2},
    {"dispatch", pg_quantize_q8, pg_gemm_q8, pg_gemm_q8_f32, pg_dequantize_q8, PG_ISA_SCALAR, 0, -1},
    {"dispatch capped at scalar", pg_quantize_q8, pg_gemm_q8, pg_gemm_q8_f32, pg_dequantize_q8, PG_ISA_SCALAR, 0,
     PG_ISA_SCALAR},
    {"dispatch capped at avx2", pg_quantize_q8, pg_gemm_q8, pg_gemm_q8_f32, pg_dequantize_q8, PG_ISA_AVX2, 0,
     PG_ISA_AVX2},
    {"dispatch capped at avx512", pg_quantize_q8, pg_gemm_q8, pg_gemm_q8_f32, pg_dequantize_q8, PG_ISA_AVX512, 0,
     PG_ISA_AVX512},
};

#define NVAR (sizeof VARIANTS / sizeof VARIANTS[0])

static int runs(size_t v) {
    return isa_ok(VARIANTS[v].isa) && (VARIANTS[v].vnni != 1 || pg_has_avx512_vnni()) &&
           (VARIANTS[v].vnni != 2 || pg_has_avx_vnni()) && (VARIANTS[v].amx != 1 || pg_has_amx_int8());
}

/* The calls on the tile model: every use the hardware would fault on is a failure. */
static void check_tile_faults(size_t v, int64_t m, int64_t k, int64_t n0, int64_t n1) {
    if (VARIANTS[v].amx != 2) {
        return;
    }
    g_checks++;
    if (amx_model_faults != 0) {
        FAIL("gemm_q8 %s m=%ld k=%ld n=[%ld,%ld): %d tile faults", VARIANTS[v].name, (long)m, (long)k, (long)n0,
             (long)n1, amx_model_faults);
    }
    amx_model_faults = 0;
}

static double g_worst_q8;  /* largest |error| / sum |s xs q xq| of pg_gemm_q8 */
static double g_worst_q8_amx; /* the same for the AMX-INT8 path (hardware or model) alone */
static double g_worst_f32; /* largest |error| / sum |x w| of pg_gemm_q8_f32 */
static double g_worst_e2e; /* largest |y_q8 - x.w| / its bound */

/* ---- memory that ends at a PROT_NONE page ---------------------------------------------------- */

#define MAX_GUARDED 16
static struct {
    void *base;
    size_t len;
} g_guarded[MAX_GUARDED];
static int g_nguarded;

/* bytes of fresh memory whose last byte is followed by an inaccessible page */
static void *guarded(size_t bytes) {
    const size_t page = (size_t)sysconf(_SC_PAGESIZE);
    const size_t data = (bytes + page - 1) / page * page;
    char *base = mmap(NULL, data + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED || mprotect(base + data, page, PROT_NONE) != 0 || g_nguarded == MAX_GUARDED) {
        fprintf(stderr, "mmap / mprotect failed\n");
        exit(2);
    }
    g_guarded[g_nguarded].base = base;
    g_guarded[g_nguarded++].len = data + page;
    return base + (data - bytes);
}

static void free_guarded(void) {
    while (g_nguarded > 0) {
        g_nguarded--;
        munmap(g_guarded[g_nguarded].base, g_guarded[g_nguarded].len);
    }
}

/* ---- references, from the contracts ---------------------------------------------------------- */

/* binary16 by its definition (finite values only here) */
static double f16_value(uint16_t h) {
    int sign = h >> 15, exp = (h >> 10) & 31, frac = h & 1023;
    double mag = exp == 0 ? ldexp(frac, -24) : ldexp(1024 + frac, exp - 25);
    return sign ? -mag : mag;
}

static int64_t blocks(int64_t k) {
    return (k + 31) / 32;
}

/* pg_kernels.h's quantization formula, step by step in float32 */
static void ref_quantize(const float *x, int64_t ldx, int64_t m, int64_t k, int8_t *xq, float *xs) {
    const int64_t kb = blocks(k);
    for (int64_t i = 0; i < m; i++) {
        for (int64_t b = 0; b < kb; b++) {
            float amax = 0.0f;
            int finite = 1;
            for (int64_t p = 32 * b; p < 32 * b + 32 && p < k; p++) {
                float a = fabsf(x[i * ldx + p]);
                if (!isfinite(a)) {
                    finite = 0;
                } else if (a > amax) {
                    amax = a;
                }
            }
            float id = 0.0f;
            if (!finite) {
                xs[i * kb + b] = pg_bits_to_f32(0x7fc00000u);
            } else {
                xs[i * kb + b] = amax / 127.0f;
                id = amax > 0.0f ? 127.0f / amax : 0.0f;
            }
            for (int64_t p = 32 * b; p < 32 * b + 32; p++) {
                int8_t qv = 0;
                if (p < k && finite) {
                    float v = x[i * ldx + p] * id;
                    if (!isnan(v)) {
                        v = fminf(fmaxf(v, -127.0f), 127.0f);
                        qv = (int8_t)rint((double)v); /* the default mode: ties to even */
                    }
                }
                xq[i * kb * 32 + p] = qv;
            }
        }
    }
}

/* ---- inputs ---------------------------------------------------------------------------------- */

/* a finite half scale: mostly normal of either sign with |s| < 4, a few subnormal, a few zero */
static uint16_t random_scale(void) {
    uint32_t r = rng_u32();
    if (r % 61 == 0) {
        return (uint16_t)(r & 0x8000);
    }
    if (r % 37 == 0) {
        return (uint16_t)((r >> 8) & 0x83ff); /* subnormal */
    }
    uint16_t h;
    do {
        h = (uint16_t)rng_u32();
    } while (((h >> 10) & 31) == 0 || ((h >> 10) & 31) > 16);
    return h;
}

static int8_t random_q(void) {
    return (int8_t)((int)(rng_u32() % 255) - 127);
}

/* ---- pg_quantize_q8 ---------------------------------------------------------------------------- */

/* Every variant on x [m, ldx] (k used) against ref_quantize, bit for bit; xq, xs end at guard pages and
 * carry a byte pattern that every element must overwrite. */
static void check_quantize(const char *what, const float *x, int64_t ldx, int64_t m, int64_t k) {
    const int64_t kb = blocks(k), ldq = kb * 32;
    int8_t *want_q = malloc((size_t)(m * ldq + 1));
    float *want_s = alloc_f32((size_t)(m * kb));
    ref_quantize(x, ldx, m, k, want_q, want_s);
    int8_t *xq = guarded((size_t)(m * ldq));
    float *xs = guarded((size_t)(m * kb) * sizeof(float));
    for (size_t v = 0; v < NVAR; v++) {
        if (!runs(v) || !VARIANTS[v].quantize) {
            continue;
        }
        memset(xq, 0x5a, (size_t)(m * ldq));
        memset(xs, 0x5a, (size_t)(m * kb) * sizeof(float));
        pg_isa_cap(VARIANTS[v].cap);
        VARIANTS[v].quantize(x, ldx, m, k, xq, xs);
        pg_isa_cap(-1);
        for (int64_t i = 0; i < m * kb; i++) {
            g_checks++;
            if (pg_f32_to_bits(xs[i]) != pg_f32_to_bits(want_s[i])) {
                FAIL("quantize_q8 %s %s m=%ld k=%ld: xs[%ld, %ld] = %.9g (0x%08x), want %.9g (0x%08x)", VARIANTS[v].name,
                     what, (long)m, (long)k, (long)(i / kb), (long)(i % kb), xs[i], pg_f32_to_bits(xs[i]), want_s[i],
                     pg_f32_to_bits(want_s[i]));
            }
        }
        for (int64_t i = 0; i < m * ldq; i++) {
            g_checks++;
            if (xq[i] != want_q[i]) {
                FAIL("quantize_q8 %s %s m=%ld k=%ld: xq[%ld, %ld] = %d, want %d (x = %.9g)", VARIANTS[v].name, what,
                     (long)m, (long)k, (long)(i / ldq), (long)(i % ldq), xq[i], want_q[i],
                     i % ldq < k ? x[i / ldq * ldx + i % ldq] : 0.0);
            }
        }
    }
    free(want_q);
    free(want_s);
}

static void test_quantize(void) {
    static const int64_t KS[] = {1, 5, 16, 31, 32, 33, 63, 64, 100, 2065};
    for (size_t ki = 0; ki < sizeof KS / sizeof KS[0]; ki++) {
        for (int64_t m = 1; m <= 3; m++) {
            const int64_t k = KS[ki], ldx = k + 3;
            float *x = guarded((size_t)(m * ldx - 3) * sizeof(float));
            /* the last row ends at the guard: no gap after it, NaN in the gaps of the others */
            for (int64_t i = 0; i < m * ldx - 3; i++) {
                x[i] = i % ldx < k ? rng_normal(i % 7 == 0 ? 30.0f : 1.0f) : NAN;
            }
            check_quantize("random", x, ldx, m, k);
            free_guarded();
        }
    }

    /* ties: with 127 in the block, id = 1 and x * id = x exactly, so these are the .5 cases of rint */
    {
        static const float TIES[] = {0.5f, 1.5f, 2.5f, 3.5f, -0.5f, -1.5f, -2.5f, 126.5f, -126.5f, 125.5f, 4.5f,
                                     -4.5f, 0.49999997f, 0.50000006f, 1.0f, -0.0f};
        static const int8_t WANT[] = {0, 2, 2, 4, 0, -2, -2, 126, -126, 126, 4, -4, 0, 1, 1, 0};
        const int64_t n = sizeof TIES / sizeof TIES[0];
        float *x = guarded(33 * sizeof(float));
        x[0] = 127.0f;
        for (int64_t p = 1; p < 33; p++) {
            x[p] = p - 1 < n ? TIES[p - 1] : (float)(p - n) - 0.5f; /* more ties up to 16.5 */
        }
        check_quantize("ties", x, 33, 1, 33);
        int8_t *xq = guarded(64);
        float *xs = guarded(2 * sizeof(float));
        for (size_t v = 0; v < NVAR; v++) {
            if (!runs(v) || !VARIANTS[v].quantize) {
                continue;
            }
            pg_isa_cap(VARIANTS[v].cap);
            VARIANTS[v].quantize(x, 33, 1, 33, xq, xs);
            pg_isa_cap(-1);
            for (int64_t p = 0; p < n; p++) {
                g_checks++;
                if (xq[p + 1] != WANT[p]) {
                    FAIL("quantize_q8 %s: %.9g -> %d, want %d (half to even)", VARIANTS[v].name, TIES[p], xq[p + 1],
                         WANT[p]);
                }
            }
            g_checks++;
            if (xs[0] != 1.0f || xq[0] != 127) {
                FAIL("quantize_q8 %s: the 127 block has xs %.9g, xq %d; want 1, 127", VARIANTS[v].name, xs[0], xq[0]);
            }
        }
        free_guarded();
    }

    /* special blocks, one per block of a row of 9 blocks: zeros, -0, NaN and inf, +inf, -inf, a subnormal
     * amax (id overflows to inf), the largest floats, a single element, and a normal block */
    {
        const int64_t k = 9 * 32 - 7; /* the last block partial */
        float *x = guarded((size_t)k * sizeof(float));
        for (int64_t p = 0; p < k; p++) {
            x[p] = rng_normal(1.0f);
        }
        for (int64_t p = 0; p < 32; p++) {
            x[p] = 0.0f;
            x[32 + p] = p % 3 == 0 ? -0.0f : 0.0f;
            x[160 + p] = (float)(p % 5) * 1e-45f * (p % 2 ? -1.0f : 1.0f); /* subnormal: 0 .. 4 * 2^-149 */
            x[192 + p] = p % 2 ? 3.4e38f : -3.3e38f + (float)p * 1e36f;
            x[224 + p] = p == 17 ? -2.0f : 0.0f;
        }
        x[64 + 5] = NAN;
        x[64 + 6] = INFINITY;
        x[96 + 31] = INFINITY;
        x[128 + 0] = -INFINITY;
        check_quantize("special", x, k, 1, k);
        /* and by hand, apart from ref_quantize: non-finite blocks give Float.NaN and zeros; the subnormal
         * block gives +-127 and 0; the zero blocks 0 */
        int8_t *xq = guarded(9 * 32);
        float *xs = guarded(9 * sizeof(float));
        for (size_t v = 0; v < NVAR; v++) {
            if (!runs(v) || !VARIANTS[v].quantize) {
                continue;
            }
            pg_isa_cap(VARIANTS[v].cap);
            VARIANTS[v].quantize(x, k, 1, k, xq, xs);
            pg_isa_cap(-1);
            for (int64_t b = 0; b < 6; b++) {
                const uint32_t want = b == 0 || b == 1 ? 0u : (b == 5 ? pg_f32_to_bits(4.0f * 0x1p-149f / 127.0f) : 0x7fc00000u);
                g_checks++;
                if (pg_f32_to_bits(xs[b]) != want) {
                    FAIL("quantize_q8 %s special: xs[%ld] = 0x%08x, want 0x%08x", VARIANTS[v].name, (long)b,
                         pg_f32_to_bits(xs[b]), want);
                }
                for (int64_t p = 0; p < 32; p++) {
                    const float xv = x[32 * b + p];
                    const int want_q = b == 5 && xv != 0.0f ? (xv > 0 ? 127 : -127) : 0;
                    g_checks++;
                    if (xq[32 * b + p] != want_q) {
                        FAIL("quantize_q8 %s special: xq[%ld] = %d, want %d", VARIANTS[v].name, (long)(32 * b + p),
                             xq[32 * b + p], want_q);
                    }
                }
            }
        }
        free_guarded();
    }
    /* k = 0: nothing to write (xq, xs empty); only checks that nothing is touched */
    {
        float x[4] = {1, 2, 3, 4};
        for (size_t v = 0; v < NVAR; v++) {
            if (runs(v) && VARIANTS[v].quantize) {
                pg_isa_cap(VARIANTS[v].cap);
                int8_t xq[4] = {9, 9, 9, 9};
                float xs[1] = {SENTINEL};
                VARIANTS[v].quantize(x, 4, 1, 0, xq, xs);
                pg_isa_cap(-1);
                g_checks++;
                if (xq[0] != 9 || !is_sentinel(xs[0])) {
                    FAIL("quantize_q8 %s k=0 wrote something", VARIANTS[v].name);
                }
            }
        }
    }
}

/* ---- products ---------------------------------------------------------------------------------- */

/* y's sentinels outside [n0, n1) and in the ldy gaps must survive; the rest is checked by the caller. */
static int outside_kept(const char *fn, const char *variant, const float *y, int64_t ldy, int64_t m, int64_t k,
                        int64_t n0, int64_t n1) {
    for (int64_t i = 0; i < m; i++) {
        for (int64_t j = 0; j < ldy; j++) {
            if ((j < n0 || j >= n1) && (g_checks++, !is_sentinel(y[i * ldy + j]))) {
                FAIL("%s %s m=%ld k=%ld n=[%ld,%ld) ldy=%ld: wrote y[%ld,%ld] outside the range", fn, variant, (long)m,
                     (long)k, (long)n0, (long)n1, (long)ldy, (long)i, (long)j);
                return 0;
            }
        }
    }
    return 1;
}

/*
 * One shape: weights q [n, k], s [n, kb]; x [m, ldx] (NaN in the gaps); xq, xs random (not from the
 * quantizer: its output is tested above), plus xq2, xs2 = pg_quantize_q8(x) for the end-to-end check.
 * nonfinite: row 0 of xs gets an infinite and row m - 1 a NaN scale on a zero block, so their outputs are NaN.
 */
static void run_case(int64_t m, int64_t k, int64_t n, int64_t n0, int64_t n1, int64_t ldx, int64_t ldy,
                     int nonfinite) {
    const int64_t kb = blocks(k), ldq = kb * 32;
    int8_t *q = guarded((size_t)(n * k));
    uint16_t *s = guarded((size_t)(n * kb) * sizeof(uint16_t));
    float *x = guarded((size_t)(m * ldx) * sizeof(float));
    int8_t *xq = guarded((size_t)(m * ldq));
    float *xs = guarded((size_t)(m * kb) * sizeof(float));
    int8_t *xq2 = guarded((size_t)(m * ldq));
    float *xs2 = guarded((size_t)(m * kb) * sizeof(float));
    float *y = guarded((size_t)(m * ldy) * sizeof(float));
    float *deq = guarded((size_t)(n * k) * sizeof(float));
    double *wd = malloc((size_t)(n * k + 1) * sizeof(double));
    for (int64_t i = 0; i < n * k; i++) {
        q[i] = random_q();
    }
    for (int64_t i = 0; i < n * kb; i++) {
        s[i] = random_scale();
    }
    for (int64_t j = 0; j < n; j++) {
        for (int64_t p = 0; p < k; p++) {
            wd[j * k + p] = f16_value(s[j * kb + p / 32]) * q[j * k + p];
        }
    }
    for (int64_t i = 0; i < m * ldx; i++) {
        x[i] = (i % ldx) < k ? rng_normal(1.0f) : NAN;
    }
    for (int64_t i = 0; i < m; i++) {
        for (int64_t p = 0; p < ldq; p++) {
            xq[i * ldq + p] = p < k ? random_q() : 0;
        }
        for (int64_t b = 0; b < kb; b++) {
            xs[i * kb + b] = rng_uniform(0.0f, 0.05f);
        }
    }
    if (nonfinite && kb > 0) {
        const int64_t b = kb / 2;
        memset(xq + b * 32, 0, 32);
        xs[b] = INFINITY;
        memset(xq + (m - 1) * ldq + b * 32, 0, 32);
        xs[(m - 1) * kb + b] = NAN;
    }
    ref_quantize(x, ldx, m, k, xq2, xs2);

    for (size_t v = 0; v < NVAR; v++) {
        if (!runs(v)) {
            continue;
        }
        const char *name = VARIANTS[v].name;
        if (VARIANTS[v].gemm) {
            /* integer products on the random xq, xs */
            fill_sentinel(y, (size_t)(m * ldy));
            pg_isa_cap(VARIANTS[v].cap);
            VARIANTS[v].gemm(xq, xs, q, s, y, ldy, m, k, n0, n1);
            pg_isa_cap(-1);
            check_tile_faults(v, m, k, n0, n1);
            if (outside_kept("gemm_q8", name, y, ldy, m, k, n0, n1)) {
                for (int64_t i = 0; i < m; i++) {
                    for (int64_t j = n0; j < n1; j++) {
                        double want = 0, mag = 0;
                        for (int64_t b = 0; b < kb; b++) {
                            int64_t isum = 0, iabs = 0;
                            for (int64_t p = 32 * b; p < 32 * b + 32 && p < k; p++) {
                                int64_t t = (int64_t)q[j * k + p] * xq[i * ldq + p];
                                isum += t;
                                iabs += t < 0 ? -t : t;
                            }
                            double sc = f16_value(s[j * kb + b]) * (double)xs[i * kb + b];
                            want += sc * (double)isum;
                            mag += fabs(sc) * (double)iabs;
                        }
                        double tol = (double)(kb + 16) * (FLT_EPSILON / 2) * mag + 2 * FLT_TRUE_MIN;
                        float got = y[i * ldy + j];
                        if (!close_enough(got, want, tol)) {
                            FAIL("gemm_q8 %s m=%ld k=%ld n=[%ld,%ld) ldy=%ld: y[%ld,%ld] = %.9g, want %.9g (tol %.3g)",
                                 name, (long)m, (long)k, (long)n0, (long)n1, (long)ldy, (long)i, (long)j, got, want,
                                 tol);
                        } else if (mag > 0) {
                            const double rel = fabs(got - want) / mag;
                            g_worst_q8 = rel > g_worst_q8 ? rel : g_worst_q8;
                            if (VARIANTS[v].amx && rel > g_worst_q8_amx) {
                                g_worst_q8_amx = rel;
                            }
                        }
                    }
                }
            }
            /* end to end: on pg_quantize_q8's output, y is x.w up to the quantization error, |x - xs xq| <=
             * xs / 2 per element (rint; 0.5001 covers xs's own rounding against 1 / id), plus float rounding
             * relative to sum |w| |xs xq|, where |xs xq| <= |x| + xs / 2 */
            if (!nonfinite) {
                fill_sentinel(y, (size_t)(m * ldy));
                pg_isa_cap(VARIANTS[v].cap);
                VARIANTS[v].gemm(xq2, xs2, q, s, y, ldy, m, k, n0, n1);
                pg_isa_cap(-1);
                check_tile_faults(v, m, k, n0, n1);
                for (int64_t i = 0; i < m; i++) {
                    for (int64_t j = n0; j < n1; j++) {
                        double exact = 0, bound = 0, mag = 0;
                        for (int64_t p = 0; p < k; p++) {
                            exact += (double)x[i * ldx + p] * wd[j * k + p];
                            bound += (double)xs2[i * kb + p / 32] * 0.5001 * fabs(wd[j * k + p]);
                            mag += fabs(wd[j * k + p]) * (fabs((double)x[i * ldx + p]) + 0.51 * xs2[i * kb + p / 32]);
                        }
                        bound += (double)(kb + 16) * FLT_EPSILON * mag + 2 * FLT_TRUE_MIN;
                        float got = y[i * ldy + j];
                        if (!close_enough(got, exact, bound)) {
                            FAIL("gemm_q8 %s m=%ld k=%ld: quantized y[%ld,%ld] = %.9g, x.w = %.9g, beyond the "
                                 "quantization bound %.3g",
                                 name, (long)m, (long)k, (long)i, (long)j, got, exact, bound);
                        } else if (bound > 0 && fabs(got - exact) / bound > g_worst_e2e) {
                            g_worst_e2e = fabs(got - exact) / bound;
                        }
                    }
                }
            }
        }
        if (VARIANTS[v].gemm_f32) {
            fill_sentinel(y, (size_t)(m * ldy));
            pg_isa_cap(VARIANTS[v].cap);
            VARIANTS[v].gemm_f32(x, ldx, q, s, y, ldy, m, k, n0, n1);
            pg_isa_cap(-1);
            if (outside_kept("gemm_q8_f32", name, y, ldy, m, k, n0, n1)) {
                for (int64_t i = 0; i < m; i++) {
                    for (int64_t j = n0; j < n1; j++) {
                        double want = 0, mag = 0;
                        for (int64_t p = 0; p < k; p++) {
                            double t = (double)x[i * ldx + p] * wd[j * k + p];
                            want += t;
                            mag += fabs(t);
                        }
                        double tol = (double)(k + 16) * (FLT_EPSILON / 2) * mag + 2 * FLT_TRUE_MIN;
                        float got = y[i * ldy + j];
                        if (!close_enough(got, want, tol)) {
                            FAIL("gemm_q8_f32 %s m=%ld k=%ld n=[%ld,%ld) ldx=%ld ldy=%ld: y[%ld,%ld] = %.9g, want %.9g",
                                 name, (long)m, (long)k, (long)n0, (long)n1, (long)ldx, (long)ldy, (long)i, (long)j,
                                 got, want);
                        } else if (mag > 0 && fabs(got - want) / mag > g_worst_f32) {
                            g_worst_f32 = fabs(got - want) / mag;
                        }
                    }
                }
            }
        }
        if (VARIANTS[v].dequantize && n1 > n0) {
            /* rows n0 .. n1 - 1, which end with the matrix when n1 == n */
            const int64_t rows = n1 - n0;
            float *out = deq + (n - rows) * k; /* the output, too, ends at its guard */
            fill_sentinel(deq, (size_t)(n * k));
            pg_isa_cap(VARIANTS[v].cap);
            VARIANTS[v].dequantize(q, s, k, n0, rows, out);
            pg_isa_cap(-1);
            for (int64_t r = 0; r < rows; r++) {
                for (int64_t p = 0; p < k; p++) {
                    g_checks++;
                    if (pg_f32_to_bits(out[r * k + p]) != pg_f32_to_bits((float)wd[(n0 + r) * k + p])) {
                        FAIL("dequantize_q8 %s k=%ld r0=%ld: out[%ld, %ld] = %.9g, want %.9g", name, (long)k, (long)n0,
                             (long)r, (long)p, out[r * k + p], wd[(n0 + r) * k + p]);
                    }
                }
            }
            for (int64_t i = 0; i < (n - rows) * k; i++) {
                g_checks++;
                if (!is_sentinel(deq[i])) {
                    FAIL("dequantize_q8 %s k=%ld: wrote before its output", name, (long)k);
                    break;
                }
            }
        }
    }
    free(wd);
    free_guarded();
}

/* The model's TDPBSSD by itself against int64 sums wrapped to int32 (the SDM's adds do not saturate): random
 * bytes with -128 and starting sums near the int32 limits, at the full shape (K = 64 bytes) and at the kernel's
 * (A 16 x 32 bytes, B 8 x 64). */
static void test_tile_model(void) {
    static const int KBYTES[] = {64, 32};
    for (int shape = 0; shape < 2; shape++) {
        const int kbytes = KBYTES[shape];
        pg_tile_config cfg = pg_tile_config_full(8);
        cfg.colsb[4] = (uint16_t)kbytes;
        cfg.rows[6] = (uint8_t)(kbytes / 4);
        _Alignas(64) int8_t a[16][64], b[16][64];
        _Alignas(64) int32_t c[16][16], got[16][16];
        for (int r = 0; r < 16; r++) {
            for (int e = 0; e < 64; e++) {
                a[r][e] = (int8_t)(rng_u32() % 7 == 0 ? -128 : rng_u32());
                b[r][e] = (int8_t)(rng_u32() % 7 == 0 ? 127 : rng_u32());
            }
            for (int n = 0; n < 16; n++) {
                const uint32_t u = rng_u32();
                c[r][n] = (int32_t)(u % 3 == 0 ? 0x7fffffffu - (u >> 20) : (u % 3 == 1 ? 0x80000000u + (u >> 20) : u));
            }
        }
        amx_model_faults = 0;
        PG_TILE_CONFIG(&cfg);
        PG_TILE_LOAD(0, c, 64);
        PG_TILE_LOAD(4, a, 64);
        PG_TILE_LOAD(6, b, 64);
        PG_TILE_DPBSSD(0, 4, 6);
        PG_TILE_STORE(0, got, 64);
        PG_TILE_RELEASE();
        g_checks++;
        if (amx_model_faults != 0) {
            FAIL("tile model: %d faults on a valid TDPBSSD (K = %d bytes)", amx_model_faults, kbytes);
        }
        int wrapped = 0;
        for (int m = 0; m < 16; m++) {
            for (int n = 0; n < 16; n++) {
                int64_t want = c[m][n];
                for (int p = 0; p < kbytes; p++) {
                    want += (int64_t)a[m][p] * b[p / 4][4 * n + p % 4];
                }
                wrapped += want != (int32_t)(uint32_t)(uint64_t)want;
                g_checks++;
                if (got[m][n] != (int32_t)(uint32_t)(uint64_t)want) {
                    FAIL("tile model TDPBSSD (K = %d bytes): c[%d][%d] = %d, want %lld mod 2^32", kbytes, m, n,
                         got[m][n], (long long)want);
                }
            }
        }
        g_checks++;
        if (wrapped == 0) {
            FAIL("tile model test: no sum wrapped around (the inputs do not test it)");
        }
    }
    /* a B tile whose rows do not match A's dwords is a fault, as on the hardware */
    fprintf(stderr, "tile model: the fault reported next is expected (A of 8 dwords, B of 16 rows)\n");
    pg_tile_config bad = pg_tile_config_full(8);
    bad.colsb[4] = 32;
    amx_model_faults = 0;
    PG_TILE_CONFIG(&bad);
    PG_TILE_ZERO(0);
    PG_TILE_DPBSSD(0, 4, 6);
    PG_TILE_RELEASE();
    g_checks++;
    if (amx_model_faults != 1) {
        FAIL("tile model: A of 8 dwords with B of 16 rows gave %d faults, want 1", amx_model_faults);
    }
    amx_model_faults = 0;
}

int main(void) {
    test_tile_model();
    /* the tiles, where the CPU has AMX-INT8 and the OS grants them; from here on the dispatcher takes them too */
    pg_amx_request();
    if (!pg_has_amx_int8()) {
        printf("SKIP: amx_int8 (hardware): no AMX-INT8 / AVX-512 on this CPU or no OS permission\n");
    }
    if (!pg_has_avx512()) {
        printf("SKIP: amx_int8 (tile model): the packing and scaling need AVX-512\n");
    }
    test_quantize();

    static const int64_t MS[] = {1, 2, 3, 4, 5, 15, 16, 17, 31, 32, 33, 40};
    static const int64_t KS[] = {1, 31, 32, 33, 64, 100, 2048 + 17};
    static const int64_t NS[] = {1, 7, 9, 33, 70};
    for (size_t mi = 0; mi < sizeof MS / sizeof MS[0]; mi++) {
        for (size_t ki = 0; ki < sizeof KS / sizeof KS[0]; ki++) {
            for (size_t ni = 0; ni < sizeof NS / sizeof NS[0]; ni++) {
                const int64_t m = MS[mi], k = KS[ki], n = NS[ni];
                /* full range, dense; then a sub-range with padded strides and non-finite scales */
                run_case(m, k, n, 0, n, k, n, 0);
                if (n > 4) {
                    run_case(m, k, n, 3, n - 1, k + 5, n + 3, m > 1);
                }
            }
        }
    }
    /* past pg_gemm_q8's 4096-column k-block (with and without a partial block at the end); decode shapes
     * with wide n; k = 0 writes zeros; empty ranges touch nothing */
    run_case(1, 4096 + 64 + 5, 37, 0, 37, 4096 + 64 + 5, 37, 0);
    run_case(3, 8192 + 32, 10, 1, 10, 8192 + 35, 12, 1);
    run_case(2, 4096, 9, 0, 9, 4096, 9, 0);
    run_case(1, 64, 301, 0, 301, 64, 301, 0);
    run_case(37, 1024, 300, 5, 300, 1030, 303, 0);
    /* the packed path: more rows than its 384-row block, several k-chunks (512 and 128 columns), a partial
     * block at the end, panels cut at n1 */
    run_case(400, 600 + 7, 70, 3, 69, 600 + 9, 71, 1);
    run_case(390, 1024, 33, 0, 33, 1024, 33, 0);
    run_case(5, 0, 6, 0, 6, 1, 6, 0);
    run_case(40, 0, 6, 1, 5, 1, 6, 0);
    run_case(5, 16, 6, 4, 4, 16, 6, 0);

    printf("gemm_q8 on AMX-INT8 tiles: worst |error| / sum|s xs q xq| = %.3g\n", g_worst_q8_amx);
    printf("gemm_q8: worst |error| / sum|s xs q xq| = %.3g; gemm_q8_f32: worst |error| / sum|x w| = %.3g "
           "(float32 epsilon %.3g); quantized product: worst |y - x.w| / bound = %.3g\n",
           g_worst_q8, g_worst_f32, (double)FLT_EPSILON, g_worst_e2e);
    return test_summary("test_gemm_q8");
}
