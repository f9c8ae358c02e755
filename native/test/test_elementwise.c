/* test_elementwise.c: pg_add, pg_scale, pg_add_bias_rows. Each is one correctly rounded float
 * operation per element, so the results must equal the double result rounded to float bit for bit
 * (double has more than 2 x 24 + 2 bits, so rounding twice is harmless for + and *). */
#include "test_util.h"

typedef void (*add_fn)(float *, const float *, const float *, int64_t);
typedef void (*scale_fn)(float *, int64_t, float);
typedef void (*bias_fn)(float *, const float *, int64_t, int64_t);

static const struct {
    const char *name;
    add_fn add;
    scale_fn scale;
    bias_fn bias;
    int isa; /* the PG_ISA_* level the variant needs */
} VARIANTS[] = {
    {"scalar", pg_add_scalar, pg_scale_scalar, pg_add_bias_rows_scalar, PG_ISA_SCALAR},
    {"avx2", pg_add_avx2, pg_scale_avx2, pg_add_bias_rows_avx2, PG_ISA_AVX2},
    {"avx512", pg_add_avx512, pg_scale_avx512, pg_add_bias_rows_avx512, PG_ISA_AVX512},
    {"dispatch", pg_add, pg_scale, pg_add_bias_rows, PG_ISA_SCALAR},
};

#define NVAR (sizeof VARIANTS / sizeof VARIANTS[0])

static void expect_bits(const char *what, const char *variant, int64_t n, int64_t i, float got, float want) {
    g_checks++;
    if (pg_f32_to_bits(got) != pg_f32_to_bits(want) && !(isnan(got) && isnan(want))) {
        FAIL("%s %s n=%ld [%ld] = %.9g, want %.9g", what, variant, (long)n, (long)i, got, want);
    }
}

static float random_value(void) {
    switch (rng_u32() % 5) {
    case 0: return rng_normal(1.0f);
    case 1: return rng_normal(1e6f);
    case 2: return ldexpf(rng_uniform(-1, 1), -140); /* subnormal */
    case 3: return rng_uniform(-1e-3f, 1e-3f);
    default: return (float)(int)(rng_u32() % 7) - 3.0f;
    }
}

/* Capped at each level this CPU has, pg_add, pg_scale and pg_add_bias_rows give that level's
 * variant's bits. Every level rounds each element once, so this catches a wrong result on the capped
 * path, not which path ran. */
static void test_cap(void) {
    const int64_t rows = 3, cols = 45, n = rows * cols;
    const size_t bytes = (size_t)n * sizeof(float);
    float *a = alloc_f32((size_t)n), *b = alloc_f32((size_t)n);
    float *want = alloc_f32((size_t)n), *got = alloc_f32((size_t)n);
    for (int64_t i = 0; i < n; i++) {
        a[i] = random_value();
        b[i] = random_value();
    }
    for (size_t v = 0; v < NVAR; v++) {
        if (VARIANTS[v].add == pg_add || !isa_ok(VARIANTS[v].isa)) {
            continue;
        }
        pg_isa_cap(VARIANTS[v].isa);
        VARIANTS[v].add(want, a, b, n);
        pg_add(got, a, b, n);
        expect_same_bits("add", VARIANTS[v].name, got, want, bytes);
        VARIANTS[v].scale(want, n, 0.0883883476f); /* want, got: still the sums, scaled in place */
        pg_scale(got, n, 0.0883883476f);
        expect_same_bits("scale", VARIANTS[v].name, got, want, bytes);
        VARIANTS[v].bias(want, b, rows, cols);
        pg_add_bias_rows(got, b, rows, cols);
        expect_same_bits("add_bias_rows", VARIANTS[v].name, got, want, bytes);
    }
    pg_isa_cap(-1);
    free(a);
    free(b);
    free(want);
    free(got);
}

int main(void) {
    static const int64_t LENS[] = {0, 1, 7, 8, 9, 15, 16, 17, 31, 1000};
    for (size_t li = 0; li < sizeof LENS / sizeof LENS[0]; li++) {
        int64_t n = LENS[li];
        float *a = alloc_f32((size_t)n), *b = alloc_f32((size_t)n);
        for (int64_t i = 0; i < n; i++) {
            a[i] = random_value();
            b[i] = random_value();
        }
        for (size_t v = 0; v < NVAR; v++) {
            if (!isa_ok(VARIANTS[v].isa)) {
                continue;
            }
            const char *name = VARIANTS[v].name;
            /* out separate, out == a, out == b */
            for (int alias = 0; alias < 3; alias++) {
                float *ca = alloc_f32((size_t)n), *cb = alloc_f32((size_t)n), *out = alloc_f32((size_t)n + 16);
                memcpy(ca, a, (size_t)n * sizeof(float));
                memcpy(cb, b, (size_t)n * sizeof(float));
                fill_sentinel(out, (size_t)n + 16);
                float *dst = alias == 0 ? out : (alias == 1 ? ca : cb);
                VARIANTS[v].add(dst, ca, cb, n);
                for (int64_t i = 0; i < n; i++) {
                    expect_bits(alias == 0 ? "add" : (alias == 1 ? "add out=a" : "add out=b"), name, n, i,
                                dst[i], (float)((double)a[i] + (double)b[i]));
                }
                for (int64_t i = n; i < n + 16; i++) {
                    g_checks++;
                    if (alias == 0 && !is_sentinel(out[i])) {
                        FAIL("add %s n=%ld: wrote past the end", name, (long)n);
                    }
                }
                free(ca);
                free(cb);
                free(out);
            }
            float *x = alloc_f32((size_t)n + 16);
            memcpy(x, a, (size_t)n * sizeof(float));
            fill_sentinel(x + n, 16);
            VARIANTS[v].scale(x, n, 0.0883883476f);
            for (int64_t i = 0; i < n; i++) {
                expect_bits("scale", name, n, i, x[i], (float)((double)a[i] * (double)0.0883883476f));
            }
            for (int64_t i = n; i < n + 16; i++) {
                g_checks++;
                if (!is_sentinel(x[i])) {
                    FAIL("scale %s n=%ld: wrote past the end", name, (long)n);
                }
            }
            free(x);
        }
        free(a);
        free(b);
    }

    static const int64_t COLS[] = {1, 5, 8, 9, 16, 17, 40, 1152};
    for (size_t ci = 0; ci < sizeof COLS / sizeof COLS[0]; ci++) {
        int64_t cols = COLS[ci], rows = 3;
        float *x = alloc_f32((size_t)(rows * cols)), *bias = alloc_f32((size_t)cols);
        for (int64_t i = 0; i < rows * cols; i++) {
            x[i] = random_value();
        }
        for (int64_t c = 0; c < cols; c++) {
            bias[c] = random_value();
        }
        for (size_t v = 0; v < NVAR; v++) {
            if (!isa_ok(VARIANTS[v].isa)) {
                continue;
            }
            float *y = alloc_f32((size_t)(rows * cols) + 16);
            memcpy(y, x, (size_t)(rows * cols) * sizeof(float));
            fill_sentinel(y + rows * cols, 16);
            VARIANTS[v].bias(y, bias, rows, cols);
            for (int64_t i = 0; i < rows * cols; i++) {
                expect_bits("add_bias_rows", VARIANTS[v].name, cols, i, y[i],
                            (float)((double)x[i] + (double)bias[i % cols]));
            }
            for (int64_t i = rows * cols; i < rows * cols + 16; i++) {
                g_checks++;
                if (!is_sentinel(y[i])) {
                    FAIL("add_bias_rows %s cols=%ld: wrote past the end", VARIANTS[v].name, (long)cols);
                }
            }
            free(y);
        }
        free(x);
        free(bias);
    }
    test_cap();
    return test_summary("test_elementwise");
}
