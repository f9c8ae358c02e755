/* test_softmax.c: pg_softmax_rows (scale, soft-cap, key masks, strides) against a double reference. */
#include "test_util.h"

typedef void (*softmax_fn)(float *, int64_t, int64_t, int64_t, float, float, const int32_t *,
                           const int32_t *);

static const struct {
    const char *name;
    softmax_fn fn;
    int isa; /* the PG_ISA_* level the variant needs */
} VARIANTS[] = {
    {"scalar", pg_softmax_rows_scalar, PG_ISA_SCALAR},
    {"avx2", pg_softmax_rows_avx2, PG_ISA_AVX2},
    {"avx512", pg_softmax_rows_avx512, PG_ISA_AVX512},
    {"dispatch", pg_softmax_rows, PG_ISA_SCALAR},
};

#define NVAR (sizeof VARIANTS / sizeof VARIANTS[0])

/* Runs one variant on x [rows, ld] and checks every element of the result (and the ld gap). */
static void check(const char *variant, softmax_fn fn, const float *x, int64_t rows, int64_t cols,
                  int64_t ld, float scale, float softcap, const int32_t *lo, const int32_t *hi,
                  const char *what) {
    float *y = alloc_f32((size_t)(rows * ld));
    for (int64_t r = 0; r < rows; r++) {
        memcpy(y + r * ld, x + r * ld, (size_t)ld * sizeof(float));
        for (int64_t c = cols; c < ld; c++) {
            y[r * ld + c] = SENTINEL;
        }
    }
    fn(y, rows, cols, ld, scale, softcap, lo, hi);

    double *s = malloc((size_t)(cols ? cols : 1) * sizeof(double));
    for (int64_t r = 0; r < rows; r++) {
        int64_t a = lo ? lo[r] : 0, b = hi ? hi[r] : cols;
        a = a < 0 ? 0 : (a > cols ? cols : a);
        b = b < 0 ? 0 : (b > cols ? cols : b);
        double mx = -INFINITY;
        for (int64_t c = a; c < b; c++) {
            double v = (double)x[r * ld + c] * scale;
            if (softcap > 0) {
                v = tanh(v / softcap) * softcap;
            }
            s[c] = v;
            mx = v > mx ? v : mx;
        }
        double sum = 0;
        for (int64_t c = a; c < b; c++) {
            sum += exp(s[c] - mx);
        }
        for (int64_t c = 0; c < ld; c++) {
            float got = y[r * ld + c];
            if (c >= cols) {
                if (!is_sentinel(got)) {
                    FAIL("softmax %s %s: rows=%ld cols=%ld ld=%ld wrote the ld gap at [%ld,%ld]", variant,
                         what, (long)rows, (long)cols, (long)ld, (long)r, (long)c);
                }
                continue;
            }
            int allowed = c >= a && c < b && mx > -INFINITY;
            if (!allowed) {
                g_checks++;
                if (pg_f32_to_bits(got) != 0) {
                    FAIL("softmax %s %s: rows=%ld cols=%ld masked [%ld,%ld] (keys [%ld,%ld)) = %g, want +0",
                         variant, what, (long)rows, (long)cols, (long)r, (long)c, (long)a, (long)b,
                         got);
                }
                continue;
            }
            double want = exp(s[c] - mx) / sum;
            /* the float scores carry ~1 ulp of |s|, which exp turns into a relative error */
            double tol = isinf(s[c]) ? 0.0
                       : want * (1e-6 + 4 * FLT_EPSILON * (fabs(s[c]) + fabs(mx) + fabs(s[c] - mx)))
                             + 2 * FLT_TRUE_MIN; /* subnormal results have only absolute precision */
            if (!close_enough(got, want, tol)) {
                FAIL("softmax %s %s: rows=%ld cols=%ld ld=%ld scale=%g softcap=%g [%ld,%ld] = %.9g, want "
                     "%.9g (rel err %.3g)",
                     variant, what, (long)rows, (long)cols, (long)ld, scale, softcap, (long)r, (long)c,
                     got, want, fabs(got - want) / want);
            }
        }
    }
    free(s);
    free(y);
}

static void check_all(const float *x, int64_t rows, int64_t cols, int64_t ld, float scale,
                      float softcap, const int32_t *lo, const int32_t *hi, const char *what) {
    for (size_t v = 0; v < NVAR; v++) {
        if (!isa_ok(VARIANTS[v].isa)) {
            continue;
        }
        check(VARIANTS[v].name, VARIANTS[v].fn, x, rows, cols, ld, scale, softcap, lo, hi, what);
    }
}

static void random_scores(float *x, int64_t rows, int64_t ld, float range) {
    for (int64_t i = 0; i < rows * ld; i++) {
        x[i] = rng_uniform(-range, range);
    }
}

/* Capped at each level this CPU has, pg_softmax_rows gives that level's variant's bits (the levels'
 * exp and tanh differ in the last bits, so a dispatcher taking another path shows). */
static void test_cap(void) {
    const int64_t rows = 4, cols = 77, ld = 80;
    const size_t bytes = (size_t)(rows * ld) * sizeof(float);
    const int32_t lo[4] = {0, 3, 0, 40}, hi[4] = {77, 77, 9, 41};
    float *x = alloc_f32((size_t)(rows * ld)), *want = alloc_f32((size_t)(rows * ld));
    float *got = alloc_f32((size_t)(rows * ld));
    random_scores(x, rows, ld, 20.0f);
    for (size_t v = 0; v < NVAR; v++) {
        if (VARIANTS[v].fn == pg_softmax_rows || !isa_ok(VARIANTS[v].isa)) {
            continue;
        }
        memcpy(want, x, bytes);
        memcpy(got, x, bytes);
        VARIANTS[v].fn(want, rows, cols, ld, 0.125f, 3.0f, lo, hi);
        pg_isa_cap(VARIANTS[v].isa);
        pg_softmax_rows(got, rows, cols, ld, 0.125f, 3.0f, lo, hi);
        expect_same_bits("softmax", VARIANTS[v].name, got, want, bytes);
    }
    pg_isa_cap(-1);
    free(x);
    free(want);
    free(got);
}

int main(void) {
    static const int64_t COLS[] = {1, 2, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 257, 1030};
    static const float SOFTCAPS[] = {0.0f, 50.0f, 3.0f};
    static const float SCALES[] = {1.0f, 0.0625f};

    for (size_t ci = 0; ci < sizeof COLS / sizeof COLS[0]; ci++) {
        int64_t cols = COLS[ci];
        for (int64_t pad = 0; pad <= 3; pad += 3) {
            int64_t ld = cols + pad;
            int64_t rows = 6;
            float *x = alloc_f32((size_t)(rows * ld));
            int32_t lo[6], hi[6];
            for (size_t si = 0; si < sizeof SOFTCAPS / sizeof SOFTCAPS[0]; si++) {
                for (size_t sc = 0; sc < sizeof SCALES / sizeof SCALES[0]; sc++) {
                    float softcap = SOFTCAPS[si], scale = SCALES[sc];
                    /* small scores (tight accuracy) and large ones (deep into exp and tanh) */
                    random_scores(x, rows, ld, 1.0f);
                    check_all(x, rows, cols, ld, scale, softcap, NULL, NULL, "no mask, |x|<=1");
                    random_scores(x, rows, ld, 60.0f);
                    check_all(x, rows, cols, ld, scale, softcap, NULL, NULL, "no mask, |x|<=60");

                    /* causal-like prefixes, partial windows, empty and inverted ranges, clamping */
                    for (int64_t r = 0; r < rows; r++) {
                        lo[r] = 0;
                        hi[r] = (int32_t)((r + 1) * cols / rows);
                    }
                    random_scores(x, rows, ld, 8.0f);
                    check_all(x, rows, cols, ld, scale, softcap, lo, hi, "prefix mask");
                    int32_t a = (int32_t)(cols / 3), b = (int32_t)(cols - cols / 4);
                    int32_t los[6] = {a, 0, a, 5, -7, (int32_t)cols};
                    int32_t his[6] = {b, 0, a, 2, (int32_t)cols + 9, (int32_t)cols};
                    check_all(x, rows, cols, ld, scale, softcap, los, his,
                              "window/empty/inverted/clamped masks");
                }
            }
            free(x);
        }
    }

    /* -inf scores: ignored inside a row, and a row of only -inf becomes zeros, not NaN */
    {
        int64_t rows = 2, cols = 37, ld = 40;
        float *x = alloc_f32((size_t)(rows * ld));
        random_scores(x, rows, ld, 4.0f);
        for (int64_t c = 0; c < cols; c += 3) {
            x[c] = -INFINITY;
        }
        for (int64_t c = 0; c < cols; c++) {
            x[ld + c] = -INFINITY;
        }
        check_all(x, rows, cols, ld, 1.0f, 0.0f, NULL, NULL, "-inf scores");
        free(x);
    }

    /* rows = 0 and cols = 0 touch nothing */
    {
        float x[4] = {SENTINEL, SENTINEL, SENTINEL, SENTINEL};
        for (size_t v = 0; v < NVAR; v++) {
            if (!isa_ok(VARIANTS[v].isa)) {
                continue;
            }
            VARIANTS[v].fn(x, 0, 4, 4, 1.0f, 0.0f, NULL, NULL);
            VARIANTS[v].fn(x, 1, 0, 4, 1.0f, 0.0f, NULL, NULL);
            for (int i = 0; i < 4; i++) {
                g_checks++;
                if (!is_sentinel(x[i])) {
                    FAIL("softmax %s: empty shape wrote element %d", VARIANTS[v].name, i);
                }
            }
        }
    }
    test_cap();
    return test_summary("test_softmax");
}
