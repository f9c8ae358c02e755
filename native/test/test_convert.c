/* test_convert.c: bf16 -> f32 and f16 -> f32 over all 65536 inputs, f32 -> bf16 over special values
 * and a million random bit patterns, each against a reference written from the format definitions. */
#include "test_util.h"

typedef void (*to_f32_fn)(float *, const uint16_t *, int64_t);
typedef void (*to_bf16_fn)(uint16_t *, const float *, int64_t);

static const struct {
    const char *name;
    to_f32_fn bf16_to_f32;
    to_f32_fn f16_to_f32;
    to_bf16_fn f32_to_bf16;
    int isa; /* the PG_ISA_* level the variant needs */
} VARIANTS[] = {
    {"scalar", pg_bf16_to_f32_scalar, pg_f16_to_f32_scalar, pg_f32_to_bf16_scalar, PG_ISA_SCALAR},
    {"avx2", pg_bf16_to_f32_avx2, pg_f16_to_f32_avx2, pg_f32_to_bf16_avx2, PG_ISA_AVX2},
    {"avx512", pg_bf16_to_f32_avx512, pg_f16_to_f32_avx512, pg_f32_to_bf16_avx512, PG_ISA_AVX512},
    {"dispatch", pg_bf16_to_f32, pg_f16_to_f32, pg_f32_to_bf16, PG_ISA_SCALAR},
};

#define NVAR (sizeof VARIANTS / sizeof VARIANTS[0])

/* binary16: sign, 5-bit exponent (bias 15), 10-bit fraction, by the definition in double */
static double f16_value(uint16_t h) {
    int sign = h >> 15, exp = (h >> 10) & 31, frac = h & 1023;
    double mag;
    if (exp == 31) {
        mag = frac ? NAN : INFINITY;
    } else if (exp == 0) {
        mag = ldexp(frac, -24);
    } else {
        mag = ldexp(1024 + frac, exp - 25);
    }
    return sign ? -mag : mag;
}

/* round to nearest even on the 16 dropped bits; every NaN becomes 0x7FC0 like torch */
static uint16_t bf16_ref(float f) {
    uint32_t u = pg_f32_to_bits(f);
    if (isnan(f)) {
        return 0x7fc0;
    }
    uint32_t hi = u >> 16, lo = u & 0xffff;
    if (lo > 0x8000 || (lo == 0x8000 && (hi & 1))) {
        hi++;
    }
    return (uint16_t)hi;
}

static void test_to_f32(void) {
    const int64_t n = 65536;
    uint16_t *in = alloc_u16((size_t)n);
    float *out = alloc_f32((size_t)n + 16);
    for (int64_t i = 0; i < n; i++) {
        in[i] = (uint16_t)i;
    }
    for (size_t v = 0; v < NVAR; v++) {
        if (!isa_ok(VARIANTS[v].isa)) {
            continue;
        }
        fill_sentinel(out, (size_t)n + 16);
        VARIANTS[v].bf16_to_f32(out, in, n);
        for (int64_t i = 0; i < n; i++) {
            g_checks++;
            if (pg_f32_to_bits(out[i]) != (uint32_t)i << 16) {
                FAIL("bf16_to_f32 %s: 0x%04lx -> 0x%08x", VARIANTS[v].name, (long)i, pg_f32_to_bits(out[i]));
            }
        }
        fill_sentinel(out, (size_t)n + 16);
        VARIANTS[v].f16_to_f32(out, in, n);
        for (int64_t i = 0; i < n; i++) {
            double want = f16_value((uint16_t)i);
            g_checks++;
            if (isnan(want)) {
                /* NaN: quiet, sign and payload kept */
                uint32_t bits = pg_f32_to_bits(out[i]);
                uint32_t expect = ((uint32_t)(i >> 15) << 31) | 0x7fc00000u | ((uint32_t)(i & 1023) << 13);
                if (!isnan(out[i]) || bits != expect) {
                    FAIL("f16_to_f32 %s: NaN 0x%04lx -> 0x%08x, want 0x%08x", VARIANTS[v].name, (long)i, bits,
                         expect);
                }
            } else if (pg_f32_to_bits(out[i]) != pg_f32_to_bits((float)want)) {
                FAIL("f16_to_f32 %s: 0x%04lx -> %.9g, want %.9g", VARIANTS[v].name, (long)i, out[i], want);
            }
        }
        /* short lengths: nothing past n */
        for (int64_t len = 0; len <= 17; len++) {
            fill_sentinel(out, 40);
            VARIANTS[v].bf16_to_f32(out, in + 0x3f80, len);
            VARIANTS[v].f16_to_f32(out + 20, in + 0x3c00, len < 17 ? len : 17);
            for (int64_t i = len; i < 20; i++) {
                g_checks++;
                if (!is_sentinel(out[i]) || (i + 20 < 40 && !is_sentinel(out[i + 20]))) {
                    FAIL("to_f32 %s n=%ld: wrote past the end", VARIANTS[v].name, (long)len);
                }
            }
        }
    }
    free(in);
    free(out);
}

static void test_to_bf16(void) {
    static const float SPECIAL[] = {0.0f, -0.0f, 1.0f, -1.0f, FLT_MAX, -FLT_MAX, FLT_MIN, FLT_TRUE_MIN,
                                    -FLT_TRUE_MIN, INFINITY, -INFINITY, NAN, -NAN, 3.0e38f, 1e-40f};
    const int64_t nspec = sizeof SPECIAL / sizeof SPECIAL[0];
    const int64_t n = 1000000 + nspec + 8;
    float *in = alloc_f32((size_t)n);
    memcpy(in, SPECIAL, sizeof SPECIAL);
    /* exact ties (low half 0x8000) with even and odd kept bits, and one bit either side */
    in[nspec + 0] = pg_bits_to_f32(0x3f808000u);
    in[nspec + 1] = pg_bits_to_f32(0x3f818000u);
    in[nspec + 2] = pg_bits_to_f32(0x3f808001u);
    in[nspec + 3] = pg_bits_to_f32(0x3f807fffu);
    in[nspec + 4] = pg_bits_to_f32(0x7f7f8000u); /* rounds up to infinity */
    in[nspec + 5] = pg_bits_to_f32(0x7f800001u); /* signalling NaN */
    in[nspec + 6] = pg_bits_to_f32(0xffc12345u); /* negative NaN with payload */
    in[nspec + 7] = pg_bits_to_f32(0x00008000u); /* subnormal tie */
    for (int64_t i = nspec + 8; i < n; i++) {
        in[i] = pg_bits_to_f32(rng_u32());
    }
    uint16_t *out = alloc_u16((size_t)n + 16);
    for (size_t v = 0; v < NVAR; v++) {
        if (!isa_ok(VARIANTS[v].isa)) {
            continue;
        }
        for (int64_t i = 0; i < n + 16; i++) {
            out[i] = 0xabcd;
        }
        VARIANTS[v].f32_to_bf16(out, in, n);
        for (int64_t i = 0; i < n; i++) {
            g_checks++;
            uint16_t want = bf16_ref(in[i]);
            if (out[i] != want) {
                FAIL("f32_to_bf16 %s: 0x%08x -> 0x%04x, want 0x%04x", VARIANTS[v].name, pg_f32_to_bits(in[i]),
                     out[i], want);
            }
        }
        for (int64_t i = n; i < n + 16; i++) {
            g_checks++;
            if (out[i] != 0xabcd) {
                FAIL("f32_to_bf16 %s: wrote past the end", VARIANTS[v].name);
            }
        }
        /* a tail shorter than a vector */
        for (int64_t i = 0; i < 32; i++) {
            out[i] = 0xabcd;
        }
        VARIANTS[v].f32_to_bf16(out, in + 100, 13);
        for (int64_t i = 0; i < 32; i++) {
            g_checks++;
            if (i < 13 ? out[i] != bf16_ref(in[100 + i]) : out[i] != 0xabcd) {
                FAIL("f32_to_bf16 %s n=13: element %ld is 0x%04x", VARIANTS[v].name, (long)i, out[i]);
            }
        }
    }
    free(in);
    free(out);
}

/* Capped at each level this CPU has, the three public conversions give that level's variant's bits.
 * Every level is exact, so this catches a wrong result on the capped path, not which path ran. */
static void test_cap(void) {
    const int64_t n = 1029; /* a tail for every vector width */
    uint16_t *h = alloc_u16((size_t)n), *hwant = alloc_u16((size_t)n), *hgot = alloc_u16((size_t)n);
    float *f = alloc_f32((size_t)n), *want = alloc_f32((size_t)n), *got = alloc_f32((size_t)n);
    for (int64_t i = 0; i < n; i++) {
        h[i] = (uint16_t)rng_u32();
        f[i] = pg_bits_to_f32(rng_u32());
    }
    for (size_t v = 0; v < NVAR; v++) {
        if (VARIANTS[v].bf16_to_f32 == pg_bf16_to_f32 || !isa_ok(VARIANTS[v].isa)) {
            continue;
        }
        pg_isa_cap(VARIANTS[v].isa);
        VARIANTS[v].bf16_to_f32(want, h, n);
        pg_bf16_to_f32(got, h, n);
        expect_same_bits("bf16_to_f32", VARIANTS[v].name, got, want, (size_t)n * sizeof(float));
        VARIANTS[v].f16_to_f32(want, h, n);
        pg_f16_to_f32(got, h, n);
        expect_same_bits("f16_to_f32", VARIANTS[v].name, got, want, (size_t)n * sizeof(float));
        VARIANTS[v].f32_to_bf16(hwant, f, n);
        pg_f32_to_bf16(hgot, f, n);
        expect_same_bits("f32_to_bf16", VARIANTS[v].name, hgot, hwant, (size_t)n * sizeof(uint16_t));
    }
    pg_isa_cap(-1);
    free(h);
    free(hwant);
    free(hgot);
    free(f);
    free(want);
    free(got);
}

int main(void) {
    test_to_f32();
    test_to_bf16();
    test_cap();
    return test_summary("test_convert");
}
