/* test_rope.c: pg_rope_rotate_half against a double reference, with token strides wider than the
 * heads (the gap must stay untouched). */
#include "test_util.h"

typedef void (*rope_fn)(float *, int64_t, int64_t, int64_t, int64_t, const float *, const float *);

static const struct {
    const char *name;
    rope_fn fn;
    int isa; /* the PG_ISA_* level the variant needs */
} VARIANTS[] = {
    {"scalar", pg_rope_rotate_half_scalar, PG_ISA_SCALAR},
    {"avx2", pg_rope_rotate_half_avx2, PG_ISA_AVX2},
    {"avx512", pg_rope_rotate_half_avx512, PG_ISA_AVX512},
    {"dispatch", pg_rope_rotate_half, PG_ISA_SCALAR},
};

#define NVAR (sizeof VARIANTS / sizeof VARIANTS[0])

/* Capped at each level this CPU has, pg_rope_rotate_half gives that level's variant's bits (the SIMD
 * levels fuse a multiply into the subtraction, the scalar one rounds both products). */
static void test_cap(void) {
    const int64_t tokens = 3, heads = 2, head_dim = 36, stride = 75, half = head_dim / 2;
    const size_t bytes = (size_t)(tokens * stride) * sizeof(float);
    float *x = alloc_f32((size_t)(tokens * stride)), *want = alloc_f32((size_t)(tokens * stride));
    float *got = alloc_f32((size_t)(tokens * stride));
    float *cs = alloc_f32((size_t)(tokens * half)), *sn = alloc_f32((size_t)(tokens * half));
    for (int64_t i = 0; i < tokens * stride; i++) {
        x[i] = rng_normal(3.0f);
    }
    for (int64_t i = 0; i < tokens * half; i++) {
        cs[i] = (float)cos(0.37 * (double)i);
        sn[i] = (float)sin(0.37 * (double)i);
    }
    for (size_t v = 0; v < NVAR; v++) {
        if (VARIANTS[v].fn == pg_rope_rotate_half || !isa_ok(VARIANTS[v].isa)) {
            continue;
        }
        memcpy(want, x, bytes);
        memcpy(got, x, bytes);
        VARIANTS[v].fn(want, tokens, heads, head_dim, stride, cs, sn);
        pg_isa_cap(VARIANTS[v].isa);
        pg_rope_rotate_half(got, tokens, heads, head_dim, stride, cs, sn);
        expect_same_bits("rope", VARIANTS[v].name, got, want, bytes);
    }
    pg_isa_cap(-1);
    free(x);
    free(want);
    free(got);
    free(cs);
    free(sn);
}

int main(void) {
    static const int64_t HEAD_DIMS[] = {2, 8, 14, 16, 18, 30, 32, 34, 64, 72, 128, 256};
    static const int64_t HEADS[] = {1, 3, 8};
    static const int64_t TOKENS[] = {1, 5};
    for (size_t hd = 0; hd < sizeof HEAD_DIMS / sizeof HEAD_DIMS[0]; hd++) {
        for (size_t hi = 0; hi < sizeof HEADS / sizeof HEADS[0]; hi++) {
            for (size_t ti = 0; ti < sizeof TOKENS / sizeof TOKENS[0]; ti++) {
                for (int64_t gap = 0; gap <= 5; gap += 5) {
                    int64_t head_dim = HEAD_DIMS[hd], heads = HEADS[hi], tokens = TOKENS[ti];
                    int64_t half = head_dim / 2, stride = heads * head_dim + gap;
                    float *x = alloc_f32((size_t)(tokens * stride));
                    float *cs = alloc_f32((size_t)(tokens * half)), *sn = alloc_f32((size_t)(tokens * half));
                    for (int64_t t = 0; t < tokens; t++) {
                        for (int64_t i = 0; i < half; i++) {
                            /* position * inv_freq as the model forms it, base 10000 */
                            double ang = (double)(t * 37 + 3) * pow(10000.0, -2.0 * i / head_dim);
                            cs[t * half + i] = (float)cos(ang);
                            sn[t * half + i] = (float)sin(ang);
                        }
                        for (int64_t c = 0; c < stride; c++) {
                            x[t * stride + c] = c < heads * head_dim ? rng_normal(3.0f) : SENTINEL;
                        }
                    }
                    for (size_t v = 0; v < NVAR; v++) {
                        if (!isa_ok(VARIANTS[v].isa)) {
                            continue;
                        }
                        float *y = alloc_f32((size_t)(tokens * stride));
                        memcpy(y, x, (size_t)(tokens * stride) * sizeof(float));
                        VARIANTS[v].fn(y, tokens, heads, head_dim, stride, cs, sn);
                        for (int64_t t = 0; t < tokens; t++) {
                            for (int64_t h = 0; h < heads; h++) {
                                for (int64_t i = 0; i < half; i++) {
                                    int64_t o = t * stride + h * head_dim + i;
                                    double a = x[o], b = x[o + half];
                                    double c = cs[t * half + i], s = sn[t * half + i];
                                    double w1 = a * c - b * s, w2 = b * c + a * s;
                                    /* relative to the products: the sums may cancel */
                                    double t1 = 1e-6 * (fabs(a * c) + fabs(b * s)) + 1e-30;
                                    double t2 = 1e-6 * (fabs(b * c) + fabs(a * s)) + 1e-30;
                                    if (!close_enough(y[o], w1, t1) || !close_enough(y[o + half], w2, t2)) {
                                        FAIL("rope %s tokens=%ld heads=%ld head_dim=%ld stride=%ld [t%ld h%ld i%ld] = "
                                             "(%.9g, %.9g), want (%.9g, %.9g)",
                                             VARIANTS[v].name, (long)tokens, (long)heads, (long)head_dim,
                                             (long)stride, (long)t, (long)h, (long)i, y[o], y[o + half], w1, w2);
                                    }
                                }
                            }
                            for (int64_t c = heads * head_dim; c < stride; c++) {
                                g_checks++;
                                if (!is_sentinel(y[t * stride + c])) {
                                    FAIL("rope %s head_dim=%ld stride=%ld: wrote the gap at token %ld col %ld",
                                         VARIANTS[v].name, (long)head_dim, (long)stride, (long)t, (long)c);
                                }
                            }
                        }
                        free(y);
                    }
                    free(x);
                    free(cs);
                    free(sn);
                }
            }
        }
    }
    test_cap();
    return test_summary("test_rope");
}
