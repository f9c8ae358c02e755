/* test_norm.c: pg_rms_norm (Gemma, 1 + w) and pg_layer_norm (biased variance) against double. */
#include "test_util.h"

typedef void (*rms_fn)(float *, const float *, const float *, int64_t, int64_t, float);
typedef void (*ln_fn)(float *, const float *, const float *, const float *, int64_t, int64_t, float);

static const struct {
    const char *name;
    rms_fn rms;
    ln_fn ln;
    int isa; /* the PG_ISA_* level the variant needs */
} VARIANTS[] = {
    {"scalar", pg_rms_norm_scalar, pg_layer_norm_scalar, PG_ISA_SCALAR},
    {"avx2", pg_rms_norm_avx2, pg_layer_norm_avx2, PG_ISA_AVX2},
    {"avx512", pg_rms_norm_avx512, pg_layer_norm_avx512, PG_ISA_AVX512},
    {"dispatch", pg_rms_norm, pg_layer_norm, PG_ISA_SCALAR},
};

#define NVAR (sizeof VARIANTS / sizeof VARIANTS[0])

static const int64_t DIMS[] = {1, 2, 7, 8, 9, 16, 17, 33, 100, 1152, 2048, 2305};

/* rows of x: mixed scales, one constant row (zero variance), one row with a large common offset */
static void fill_rows(float *x, int64_t rows, int64_t dim) {
    for (int64_t r = 0; r < rows; r++) {
        float offset = r == 3 ? 500.0f : rng_uniform(-2, 2);
        float sd = r == 2 ? 0.0f : (r == 1 ? 40.0f : 1.0f);
        for (int64_t i = 0; i < dim; i++) {
            x[r * dim + i] = offset + rng_normal(sd);
        }
    }
}

static void test_rms(void) {
    const float eps = 1e-6f;
    for (size_t di = 0; di < sizeof DIMS / sizeof DIMS[0]; di++) {
        int64_t dim = DIMS[di], rows = 5;
        float *x = alloc_f32((size_t)(rows * dim)), *w = alloc_f32((size_t)dim);
        float *out = alloc_f32((size_t)(rows * dim) + 16);
        fill_rows(x, rows, dim);
        for (int64_t i = 0; i < dim; i++) {
            /* includes weights near -1, where 1 + w cancels */
            w[i] = i % 11 == 5 ? -1.0f + rng_uniform(-1e-3f, 1e-3f) : rng_normal(0.5f);
        }
        for (size_t v = 0; v < NVAR; v++) {
            if (!isa_ok(VARIANTS[v].isa)) {
                continue;
            }
            for (int inplace = 0; inplace < 2; inplace++) {
                float *dst = out;
                fill_sentinel(out, (size_t)(rows * dim) + 16);
                if (inplace) {
                    memcpy(out, x, (size_t)(rows * dim) * sizeof(float));
                    VARIANTS[v].rms(out, out, w, rows, dim, eps);
                } else {
                    VARIANTS[v].rms(out, x, w, rows, dim, eps);
                }
                for (int64_t r = 0; r < rows; r++) {
                    double ss = 0;
                    for (int64_t i = 0; i < dim; i++) {
                        ss += (double)x[r * dim + i] * x[r * dim + i];
                    }
                    double inv = 1.0 / sqrt(ss / dim + eps);
                    for (int64_t i = 0; i < dim; i++) {
                        double xn = x[r * dim + i] * inv;
                        double want = xn * (1.0 + (double)w[i]);
                        /* float 1 + w rounds to half an ulp of 1: absolute in the factor */
                        double tol = 1e-6 * fabs(want) + fabs(xn) * FLT_EPSILON;
                        if (!close_enough(dst[r * dim + i], want, tol)) {
                            FAIL("rms_norm %s rows=%ld dim=%ld%s [%ld,%ld] = %.9g, want %.9g", VARIANTS[v].name,
                                 (long)rows, (long)dim, inplace ? " in place" : "", (long)r, (long)i,
                                 dst[r * dim + i], want);
                        }
                    }
                }
                for (int64_t i = rows * dim; i < rows * dim + 16; i++) {
                    g_checks++;
                    if (!is_sentinel(out[i])) {
                        FAIL("rms_norm %s dim=%ld: wrote past the end", VARIANTS[v].name, (long)dim);
                    }
                }
            }
        }
        free(x);
        free(w);
        free(out);
    }
}

static void test_layer_norm(void) {
    const float eps = 1e-6f;
    for (size_t di = 0; di < sizeof DIMS / sizeof DIMS[0]; di++) {
        int64_t dim = DIMS[di], rows = 5;
        float *x = alloc_f32((size_t)(rows * dim)), *w = alloc_f32((size_t)dim), *b = alloc_f32((size_t)dim);
        float *out = alloc_f32((size_t)(rows * dim) + 16);
        fill_rows(x, rows, dim);
        for (int64_t i = 0; i < dim; i++) {
            w[i] = rng_normal(1.0f);
            b[i] = rng_normal(0.3f);
        }
        for (size_t v = 0; v < NVAR; v++) {
            if (!isa_ok(VARIANTS[v].isa)) {
                continue;
            }
            for (int inplace = 0; inplace < 2; inplace++) {
                fill_sentinel(out, (size_t)(rows * dim) + 16);
                if (inplace) {
                    memcpy(out, x, (size_t)(rows * dim) * sizeof(float));
                    VARIANTS[v].ln(out, out, w, b, rows, dim, eps);
                } else {
                    VARIANTS[v].ln(out, x, w, b, rows, dim, eps);
                }
                for (int64_t r = 0; r < rows; r++) {
                    double mean = 0, var = 0;
                    for (int64_t i = 0; i < dim; i++) {
                        mean += x[r * dim + i];
                    }
                    mean /= dim;
                    for (int64_t i = 0; i < dim; i++) {
                        double d = x[r * dim + i] - mean;
                        var += d * d;
                    }
                    var /= dim;
                    for (int64_t i = 0; i < dim; i++) {
                        double t = (x[r * dim + i] - mean) / sqrt(var + eps);
                        double want = t * w[i] + b[i];
                        double tol = 1e-6 * (fabs(want) + fabs(t * w[i]) + fabs(b[i]));
                        if (!close_enough(out[r * dim + i], want, tol)) {
                            FAIL("layer_norm %s rows=%ld dim=%ld%s [%ld,%ld] = %.9g, want %.9g",
                                 VARIANTS[v].name, (long)rows, (long)dim, inplace ? " in place" : "",
                                 (long)r, (long)i, out[r * dim + i], want);
                        }
                    }
                }
                for (int64_t i = rows * dim; i < rows * dim + 16; i++) {
                    g_checks++;
                    if (!is_sentinel(out[i])) {
                        FAIL("layer_norm %s dim=%ld: wrote past the end", VARIANTS[v].name, (long)dim);
                    }
                }
            }
        }
        free(x);
        free(w);
        free(b);
        free(out);
    }
}

/* Capped at each level this CPU has, pg_rms_norm and pg_layer_norm give that level's variant's bits.
 * Only the SIMD layer norms fuse the final multiply-add, so that check shows which path ran; the rms
 * norms differ only in the order of a double sum and agree to the bit in practice, so theirs catches
 * a wrong result on the capped path, not another path. */
static void test_cap(void) {
    const int64_t rows = 5, dim = 301;
    const size_t bytes = (size_t)(rows * dim) * sizeof(float);
    float *x = alloc_f32((size_t)(rows * dim)), *w = alloc_f32((size_t)dim), *b = alloc_f32((size_t)dim);
    float *want = alloc_f32((size_t)(rows * dim)), *got = alloc_f32((size_t)(rows * dim));
    fill_rows(x, rows, dim);
    for (int64_t i = 0; i < dim; i++) {
        w[i] = rng_normal(1.0f);
        b[i] = rng_normal(0.3f);
    }
    for (size_t v = 0; v < NVAR; v++) {
        if (VARIANTS[v].rms == pg_rms_norm || !isa_ok(VARIANTS[v].isa)) {
            continue;
        }
        pg_isa_cap(VARIANTS[v].isa);
        VARIANTS[v].rms(want, x, w, rows, dim, 1e-6f);
        pg_rms_norm(got, x, w, rows, dim, 1e-6f);
        expect_same_bits("rms_norm", VARIANTS[v].name, got, want, bytes);
        VARIANTS[v].ln(want, x, w, b, rows, dim, 1e-6f);
        pg_layer_norm(got, x, w, b, rows, dim, 1e-6f);
        expect_same_bits("layer_norm", VARIANTS[v].name, got, want, bytes);
    }
    pg_isa_cap(-1);
    free(x);
    free(w);
    free(b);
    free(want);
    free(got);
}

int main(void) {
    test_rms();
    test_layer_norm();
    test_cap();
    return test_summary("test_norm");
}
