/* test_act.c: pg_gelu_tanh, pg_geglu, pg_softcap against double references, with aliasing. */
#include "test_util.h"

typedef void (*gelu_fn)(float *, const float *, int64_t);
typedef void (*geglu_fn)(float *, const float *, const float *, int64_t);
typedef void (*softcap_fn)(float *, int64_t, float);

static const struct {
    const char *name;
    gelu_fn gelu;
    geglu_fn geglu;
    softcap_fn softcap;
    int isa; /* the PG_ISA_* level the variant needs */
} VARIANTS[] = {
    {"scalar", pg_gelu_tanh_scalar, pg_geglu_scalar, pg_softcap_scalar, PG_ISA_SCALAR},
    {"avx2", pg_gelu_tanh_avx2, pg_geglu_avx2, pg_softcap_avx2, PG_ISA_AVX2},
    {"avx512", pg_gelu_tanh_avx512, pg_geglu_avx512, pg_softcap_avx512, PG_ISA_AVX512},
    {"dispatch", pg_gelu_tanh, pg_geglu, pg_softcap, PG_ISA_SCALAR},
};

#define NVAR (sizeof VARIANTS / sizeof VARIANTS[0])

/* gelu_pytorch_tanh in double, and the error a float evaluation must be allowed: the argument u is
 * formed in float (a few ulp of |u|), and d gelu / du = 2 x s (1 - s) with s = sigmoid(2u).
 * 0.5 x (1 + tanh u) == x sigmoid(2u) exactly; the second form keeps double accurate for u << 0. */
static double gelu_ref(float xf, double *tol) {
    double x = xf;
    double u = 0.7978845608028654 * (x + 0.044715 * x * x * x);
    double s = 1.0 / (1.0 + exp(-2.0 * u));
    double g = x * s;
    double dg = fabs(2.0 * x * s * (1.0 - s));
    /* exp(-2|u|) may be subnormal (absolute precision only) before it is multiplied by x */
    *tol = 1e-6 * fabs(g) + 4 * FLT_EPSILON * fabs(u) * dg + 2 * FLT_TRUE_MIN * (1.0 + fabs(x));
    return g;
}

static void test_identity(void) {
    /* guards the reference itself: both forms agree where double evaluates 1 + tanh u accurately */
    for (double x = -3.0; x <= 3.0; x += 0.01) {
        double u = 0.7978845608028654 * (x + 0.044715 * x * x * x);
        double a = 0.5 * x * (1.0 + tanh(u));
        double tol;
        double b = gelu_ref((float)x, &tol);
        g_checks++;
        if (fabs(a - b) > 1e-12 * (fabs(a) + 1e-300) + 1e-15 && fabs((float)x - x) == 0) {
            FAIL("gelu reference identity broken at x=%g: %.17g vs %.17g", x, a, b);
        }
    }
}

static float *gelu_inputs(int64_t *n_out) {
    static const float SPECIAL[] = {0.0f, -0.0f, 1e-30f, -1e-30f, 1e-40f, -1e-40f, 0.5f, -0.5f,
                                    3.0f, -3.0f, 9.0f, -9.0f, 30.0f, -30.0f, 1e4f, -1e4f,
                                    1e20f, -1e20f, FLT_MAX, -FLT_MAX};
    int64_t nspec = sizeof SPECIAL / sizeof SPECIAL[0];
    int64_t n = nspec + 4000 + 37;
    float *x = alloc_f32((size_t)n);
    memcpy(x, SPECIAL, sizeof SPECIAL);
    for (int64_t i = 0; i < 4000; i++) {
        x[nspec + i] = -12.0f + 24.0f * (float)i / 4000.0f;
    }
    for (int64_t i = nspec + 4000; i < n; i++) {
        x[i] = rng_normal(2.0f);
    }
    *n_out = n;
    return x;
}

static void test_gelu(void) {
    int64_t n;
    float *x = gelu_inputs(&n);
    static const int64_t LENS[] = {0, 1, 7, 8, 9, 15, 16, 17, 100};
    float *out = alloc_f32((size_t)n + 16);
    for (size_t v = 0; v < NVAR; v++) {
        if (!isa_ok(VARIANTS[v].isa)) {
            continue;
        }
        /* every length prefix ending inside a vector, then the whole array; nothing past n written */
        for (size_t li = 0; li <= sizeof LENS / sizeof LENS[0]; li++) {
            int64_t len = li < sizeof LENS / sizeof LENS[0] ? LENS[li] : n;
            fill_sentinel(out, (size_t)n + 16);
            VARIANTS[v].gelu(out, x, len);
            for (int64_t i = 0; i < len; i++) {
                double tol;
                double want = gelu_ref(x[i], &tol);
                if (!close_enough(out[i], want, tol)) {
                    FAIL("gelu %s n=%ld: x=%.9g -> %.9g, want %.9g", VARIANTS[v].name, (long)len, x[i],
                         out[i], want);
                }
            }
            for (int64_t i = len; i < len + 16 && i < n + 16; i++) {
                g_checks++;
                if (!is_sentinel(out[i])) {
                    FAIL("gelu %s n=%ld: wrote past the end at %ld", VARIANTS[v].name, (long)len, (long)i);
                }
            }
        }
        /* in place: out == x */
        float *y = alloc_f32((size_t)n);
        memcpy(y, x, (size_t)n * sizeof(float));
        VARIANTS[v].gelu(y, y, n);
        for (int64_t i = 0; i < n; i++) {
            double tol;
            double want = gelu_ref(x[i], &tol);
            if (!close_enough(y[i], want, tol)) {
                FAIL("gelu %s in place: x=%.9g -> %.9g, want %.9g", VARIANTS[v].name, x[i], y[i], want);
            }
        }
        free(y);
        /* NaN in, NaN out; +inf is the identity's limit */
        float sp[2] = {NAN, INFINITY}, so[2];
        VARIANTS[v].gelu(so, sp, 2);
        g_checks++;
        if (!isnan(so[0]) || !(isinf(so[1]) && so[1] > 0)) {
            FAIL("gelu %s: gelu(nan)=%g gelu(inf)=%g", VARIANTS[v].name, so[0], so[1]);
        }
    }
    free(out);
    free(x);
}

static void test_geglu(void) {
    static const int64_t LENS[] = {1, 7, 8, 9, 16, 33, 1000};
    for (size_t li = 0; li < sizeof LENS / sizeof LENS[0]; li++) {
        int64_t n = LENS[li];
        float *gate = alloc_f32((size_t)n), *up = alloc_f32((size_t)n), *out = alloc_f32((size_t)n + 16);
        for (int64_t i = 0; i < n; i++) {
            gate[i] = rng_normal(2.5f);
            up[i] = rng_normal(1.0f);
        }
        for (size_t v = 0; v < NVAR; v++) {
            if (!isa_ok(VARIANTS[v].isa)) {
                continue;
            }
            for (int alias = 0; alias < 3; alias++) {
                float *g = alloc_f32((size_t)n), *u = alloc_f32((size_t)n);
                memcpy(g, gate, (size_t)n * sizeof(float));
                memcpy(u, up, (size_t)n * sizeof(float));
                fill_sentinel(out, (size_t)n + 16);
                float *dst = alias == 0 ? out : (alias == 1 ? g : u);
                VARIANTS[v].geglu(dst, g, u, n);
                for (int64_t i = 0; i < n; i++) {
                    double tol;
                    double want = gelu_ref(gate[i], &tol) * up[i];
                    tol = tol * fabs(up[i]) + 1e-6 * fabs(want);
                    if (!close_enough(dst[i], want, tol)) {
                        FAIL("geglu %s n=%ld alias=%s: gate=%g up=%g -> %.9g, want %.9g", VARIANTS[v].name,
                             (long)n, alias == 0 ? "none" : (alias == 1 ? "out=gate" : "out=up"),
                             gate[i], up[i], dst[i], want);
                    }
                }
                if (alias == 0) {
                    for (int64_t i = n; i < n + 16; i++) {
                        g_checks++;
                        if (!is_sentinel(out[i])) {
                            FAIL("geglu %s n=%ld: wrote past the end", VARIANTS[v].name, (long)n);
                        }
                    }
                }
                free(g);
                free(u);
            }
        }
        free(gate);
        free(up);
        free(out);
    }
}

static void test_softcap(void) {
    static const float CAPS[] = {50.0f, 30.0f, 1.0f};
    static const int64_t LENS[] = {0, 1, 7, 8, 9, 15, 16, 17, 3001};
    for (size_t ci = 0; ci < sizeof CAPS / sizeof CAPS[0]; ci++) {
        float cap = CAPS[ci];
        for (size_t li = 0; li < sizeof LENS / sizeof LENS[0]; li++) {
            int64_t n = LENS[li];
            float *x = alloc_f32((size_t)n + 16);
            for (int64_t i = 0; i < n; i++) {
                switch (i % 4) {
                case 0: x[i] = rng_uniform(-3 * cap, 3 * cap); break;
                case 1: x[i] = rng_uniform(-0.01f * cap, 0.01f * cap); break;
                case 2: x[i] = rng_normal(1e4f); break;
                default: x[i] = ldexpf(rng_uniform(1, 2), (int)(rng_u32() % 60) - 70); break;
                }
            }
            for (size_t v = 0; v < NVAR; v++) {
                if (!isa_ok(VARIANTS[v].isa)) {
                    continue;
                }
                float *y = alloc_f32((size_t)n + 16);
                memcpy(y, x, (size_t)n * sizeof(float));
                fill_sentinel(y + n, 16);
                VARIANTS[v].softcap(y, n, cap);
                for (int64_t i = 0; i < n; i++) {
                    double want = tanh((double)x[i] / cap) * cap;
                    if (!close_enough(y[i], want, 1e-6 * fabs(want) + 2 * FLT_TRUE_MIN)) {
                        FAIL("softcap %s n=%ld cap=%g: x=%.9g -> %.9g, want %.9g", VARIANTS[v].name,
                             (long)n, cap, x[i], y[i], want);
                    }
                }
                for (int64_t i = n; i < n + 16; i++) {
                    g_checks++;
                    if (!is_sentinel(y[i])) {
                        FAIL("softcap %s n=%ld: wrote past the end", VARIANTS[v].name, (long)n);
                    }
                }
                float sp[3] = {NAN, INFINITY, -INFINITY};
                VARIANTS[v].softcap(sp, 3, cap);
                g_checks++;
                if (!isnan(sp[0]) || sp[1] != cap || sp[2] != -cap) {
                    FAIL("softcap %s cap=%g: (nan, inf, -inf) -> (%g, %g, %g)", VARIANTS[v].name, cap,
                         sp[0], sp[1], sp[2]);
                }
                free(y);
            }
            free(x);
        }
    }
}

/* Capped at each level this CPU has, pg_gelu_tanh, pg_geglu and pg_softcap give that level's
 * variant's bits (the scalar level calls libm's expf and tanhf, the SIMD ones their own polynomial). */
static void test_cap(void) {
    int64_t n;
    float *x = gelu_inputs(&n);
    const size_t bytes = (size_t)n * sizeof(float);
    float *up = alloc_f32((size_t)n), *want = alloc_f32((size_t)n), *got = alloc_f32((size_t)n);
    for (int64_t i = 0; i < n; i++) {
        up[i] = rng_normal(1.0f);
    }
    for (size_t v = 0; v < NVAR; v++) {
        if (VARIANTS[v].gelu == pg_gelu_tanh || !isa_ok(VARIANTS[v].isa)) {
            continue;
        }
        pg_isa_cap(VARIANTS[v].isa);
        VARIANTS[v].gelu(want, x, n);
        pg_gelu_tanh(got, x, n);
        expect_same_bits("gelu_tanh", VARIANTS[v].name, got, want, bytes);
        VARIANTS[v].geglu(want, x, up, n);
        pg_geglu(got, x, up, n);
        expect_same_bits("geglu", VARIANTS[v].name, got, want, bytes);
        memcpy(want, x, bytes);
        memcpy(got, x, bytes);
        VARIANTS[v].softcap(want, n, 5.0f);
        pg_softcap(got, n, 5.0f);
        expect_same_bits("softcap", VARIANTS[v].name, got, want, bytes);
    }
    pg_isa_cap(-1);
    free(x);
    free(up);
    free(want);
    free(got);
}

int main(void) {
    test_identity();
    test_gelu();
    test_geglu();
    test_softcap();
    test_cap();
    return test_summary("test_act");
}
