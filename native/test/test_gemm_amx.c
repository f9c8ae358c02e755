/* test_gemm_amx.c: pg_gemm_bf16_amx and pg_gemm_bf16_dp (float32 activations split into bf16 parts
 * on bf16 dot-product units) against a double reference, for terms = 1, 2, 3, on shapes that cross
 * the tiles, the row blocks and the k-chunks; with strides, odd column ranges, k = 0 and special
 * values. Outside the written block y must keep its sentinels; the ldx gap holds NaN and must never
 * be read.
 *
 * The AMX path runs twice: on the hardware when the CPU and the OS allow it (else SKIP), and always
 * (given AVX-512 for the packing) on amx_model.h, a software model of the tile unit, so its data
 * layout is checked on machines without AMX. The AVX512-BF16 path without AVX512-BF16 is
 * pg_gemm_bf16, which must meet the same bounds. */
#include "test_util.h"

#include "amx_model.h"

/* gemm_amx.c once more, with its tile instructions on the model and its public names renamed */
#define pg_gemm_bf16_amx pg_gemm_bf16_amx_model
#define pg_gemm_bf16_dp pg_gemm_bf16_dp_copy
#include "../src/gemm_amx.c"
#undef pg_gemm_bf16_amx
#undef pg_gemm_bf16_dp

typedef void (*split_fn)(const float *, int64_t, const uint16_t *, float *, int64_t, int64_t, int64_t,
                         int64_t, int64_t, int32_t);

static struct {
    const char *name;
    split_fn fn;
    int enabled;
    double worst[4]; /* largest |error| / sum |x w| per terms */
} g_paths[] = {
    {"amx (hardware)", pg_gemm_bf16_amx, 0, {0}},
    {"amx (tile model)", pg_gemm_bf16_amx_model, 0, {0}},
    {"avx512-bf16", pg_gemm_bf16_dp, 1, {0}},
};

#define NPATHS (sizeof g_paths / sizeof g_paths[0])

/* Bounds on |error| / sum |x w|: the split leaves 2^-8 |x| (terms 1), 2^-16 |x| (2) or nothing (3),
 * plus float32 summation, which on these random inputs stays far below 1e-6. */
static const double REL_TOL[4] = {0, 1e-2, 2e-5, 1e-6};

typedef struct {
    int64_t m, k, n, ldx;
    float *x;      /* [m, ldx], NaN in the gap */
    uint16_t *w;   /* [n, k] */
    double *want;  /* [m, n] double reference */
    double *mag;   /* [m, n] sum |x w| */
} problem;

static problem make_problem(int64_t m, int64_t k, int64_t n, int64_t ldx) {
    problem pr = {m, k, n, ldx, alloc_f32((size_t)(m * ldx)), alloc_u16((size_t)(n * k)), NULL, NULL};
    for (int64_t i = 0; i < m * ldx; i++) {
        pr.x[i] = (i % ldx) < k ? rng_normal(1.0f) : NAN;
    }
    for (int64_t i = 0; i < n * k; i++) {
        pr.w[i] = (uint16_t)(pg_f32_to_bits(rng_normal(0.05f)) >> 16); /* any finite bf16 */
    }
    pr.want = malloc((size_t)(m * n) * sizeof(double));
    pr.mag = malloc((size_t)(m * n) * sizeof(double));
    return pr;
}

/* The reference, by the definitions: bf16 is the high half of a float32. */
static void solve(problem *pr) {
    for (int64_t i = 0; i < pr->m; i++) {
        for (int64_t j = 0; j < pr->n; j++) {
            double s = 0, a = 0;
            for (int64_t p = 0; p < pr->k; p++) {
                double t = (double)pr->x[i * pr->ldx + p] * pg_bits_to_f32((uint32_t)pr->w[j * pr->k + p] << 16);
                s += t;
                a += fabs(t);
            }
            pr->want[i * pr->n + j] = s;
            pr->mag[i * pr->n + j] = a;
        }
    }
}

static void free_problem(problem *pr) {
    free(pr->x);
    free(pr->w);
    free(pr->want);
    free(pr->mag);
}

static void check_range(size_t path, const problem *pr, int terms, int64_t n0, int64_t n1, int64_t ldy) {
    float *y = alloc_f32((size_t)(pr->m * ldy));
    fill_sentinel(y, (size_t)(pr->m * ldy));
    amx_model_faults = 0;
    g_paths[path].fn(pr->x, pr->ldx, pr->w, y, ldy, pr->m, pr->k, n0, n1, terms);
    g_checks++;
    if (amx_model_faults) {
        FAIL("%s: %d tile faults at m=%ld k=%ld", g_paths[path].name, amx_model_faults, (long)pr->m, (long)pr->k);
    }
    for (int64_t i = 0; i < pr->m; i++) {
        for (int64_t j = 0; j < ldy; j++) {
            float got = y[i * ldy + j];
            if (j < n0 || j >= n1) {
                g_checks++;
                if (!is_sentinel(got)) {
                    FAIL("%s terms=%d m=%ld k=%ld n=[%ld,%ld): wrote y[%ld,%ld] outside the range",
                         g_paths[path].name, terms, (long)pr->m, (long)pr->k, (long)n0, (long)n1, (long)i, (long)j);
                }
                continue;
            }
            double want = pr->want[i * pr->n + j], mag = pr->mag[i * pr->n + j];
            if (!close_enough(got, want, REL_TOL[terms] * mag + 2 * FLT_TRUE_MIN)) {
                FAIL("%s terms=%d m=%ld k=%ld n=[%ld,%ld) ldx=%ld ldy=%ld: y[%ld,%ld] = %.9g, want %.9g (sum|xw| %.3g)",
                     g_paths[path].name, terms, (long)pr->m, (long)pr->k, (long)n0, (long)n1, (long)pr->ldx,
                     (long)ldy, (long)i, (long)j, got, want, mag);
            } else if (mag > 0 && fabs(got - want) / mag > g_paths[path].worst[terms]) {
                g_paths[path].worst[terms] = fabs(got - want) / mag;
            }
        }
    }
    free(y);
}

/* NaN in x poisons its row, +inf gives +-inf, huge and subnormal values stay within the bounds. */
static void check_special(size_t path) {
    problem pr = make_problem(17, 40, 20, 41);
    pr.x[0 * 41 + 5] = NAN;
    pr.x[1 * 41 + 7] = INFINITY;
    pr.x[2 * 41 + 3] = 3.0e38f;
    pr.x[3 * 41 + 9] = 1e-40f;
    for (int64_t j = 0; j < 20; j++) {
        pr.w[j * 40 + 7] = (j & 1) ? 0xbf80 : 0x3f80; /* -1, +1 */
    }
    solve(&pr);
    float y[17 * 20];
    for (int terms = 1; terms <= 3; terms++) {
        g_paths[path].fn(pr.x, 41, pr.w, y, 20, 17, 40, 0, 20, terms);
        for (int64_t j = 0; j < 20; j++) {
            g_checks += 2;
            if (!isnan(y[j])) {
                FAIL("%s terms=%d: NaN in x row 0 gave y[0,%ld] = %g", g_paths[path].name, terms, (long)j, y[j]);
            }
            if (y[20 + j] != ((j & 1) ? -INFINITY : INFINITY)) {
                FAIL("%s terms=%d: +inf in x row 1 gave y[1,%ld] = %g", g_paths[path].name, terms, (long)j, y[20 + j]);
            }
            for (int64_t i = 2; i < 17; i++) {
                double want = pr.want[i * 20 + j], mag = pr.mag[i * 20 + j];
                if (!close_enough(y[i * 20 + j], want, REL_TOL[terms] * mag + 2 * FLT_TRUE_MIN)) {
                    FAIL("%s terms=%d special: y[%ld,%ld] = %.9g, want %.9g", g_paths[path].name, terms, (long)i,
                         (long)j, y[i * 20 + j], want);
                }
            }
        }
    }
    /* terms outside [1, 3] are clamped: 0 computes as 1, 7 as 3, bit for bit */
    float y1[17 * 20], y3[17 * 20];
    g_paths[path].fn(pr.x, 41, pr.w, y, 20, 17, 40, 0, 20, 0);
    g_paths[path].fn(pr.x, 41, pr.w, y1, 20, 17, 40, 0, 20, 1);
    g_checks++;
    if (memcmp(y + 40, y1 + 40, sizeof(float) * 15 * 20) != 0) {
        FAIL("%s: terms = 0 differs from terms = 1", g_paths[path].name);
    }
    g_paths[path].fn(pr.x, 41, pr.w, y, 20, 17, 40, 0, 20, 7);
    g_paths[path].fn(pr.x, 41, pr.w, y3, 20, 17, 40, 0, 20, 3);
    g_checks++;
    if (memcmp(y + 40, y3 + 40, sizeof(float) * 15 * 20) != 0) {
        FAIL("%s: terms = 7 differs from terms = 3", g_paths[path].name);
    }
    free_problem(&pr);
}

/* k = 0 writes zeros over [n0, n1); m = 0 or an empty range writes nothing. */
static void check_empty(size_t path) {
    float x[4] = {1, 2, 3, 4}, y[3 * 6];
    uint16_t w[6] = {0};
    fill_sentinel(y, 18);
    g_paths[path].fn(x, 1, w, y, 6, 3, 0, 1, 5, 3);
    for (int i = 0; i < 18; i++) {
        g_checks++;
        int inside = (i % 6) >= 1 && (i % 6) < 5;
        if (inside ? y[i] != 0.0f : !is_sentinel(y[i])) {
            FAIL("%s k=0: y[%d] = %g", g_paths[path].name, i, y[i]);
        }
    }
    fill_sentinel(y, 18);
    g_paths[path].fn(x, 1, w, y, 6, 0, 1, 0, 6, 3);
    g_paths[path].fn(x, 1, w, y, 6, 3, 1, 4, 4, 3);
    for (int i = 0; i < 18; i++) {
        g_checks++;
        if (!is_sentinel(y[i])) {
            FAIL("%s: m = 0 or an empty range wrote y[%d]", g_paths[path].name, i);
        }
    }
}

int main(void) {
    if (pg_amx_request() == 1 && pg_has_avx512()) {
        g_paths[0].enabled = 1;
    } else {
        printf("SKIP: amx (hardware): no AMX-BF16 / AVX-512 on this CPU or no OS permission\n");
    }
    if (pg_has_avx512()) {
        g_paths[1].enabled = 1;
    } else {
        printf("SKIP: amx (tile model): the packing needs AVX-512\n");
    }
    if (!pg_has_avx512_bf16()) {
        printf("note: no AVX512-BF16 here: pg_gemm_bf16_dp runs (and is checked as) pg_gemm_bf16\n");
    }

    static const int64_t MS[] = {1, 15, 16, 17, 64, 300};
    static const int64_t KS[] = {1, 31, 32, 33, 1152, 2048};
    const int64_t n = 45;
    for (size_t mi = 0; mi < sizeof MS / sizeof MS[0]; mi++) {
        for (size_t ki = 0; ki < sizeof KS / sizeof KS[0]; ki++) {
            int64_t m = MS[mi], k = KS[ki];
            problem dense = make_problem(m, k, n, k), strided = make_problem(m, k, n, k + 3);
            solve(&dense);
            solve(&strided);
            for (size_t path = 0; path < NPATHS; path++) {
                if (!g_paths[path].enabled) {
                    continue;
                }
                for (int terms = 1; terms <= 3; terms++) {
                    /* a full 32-column block and a 13-column tile; a shifted block and 3 columns;
                     * two column tiles, the second partial */
                    check_range(path, &dense, terms, 0, n, n);
                    check_range(path, &strided, terms, 3, 38, n + 5);
                    check_range(path, &strided, terms, 5, 26, n + 1);
                }
            }
            free_problem(&dense);
            free_problem(&strided);
        }
    }
    for (size_t path = 0; path < NPATHS; path++) {
        if (g_paths[path].enabled) {
            check_special(path);
            check_empty(path);
            printf("%-18s worst |error| / sum|x w|: terms=1 %.3g, terms=2 %.3g, terms=3 %.3g\n", g_paths[path].name,
                   g_paths[path].worst[1], g_paths[path].worst[2], g_paths[path].worst[3]);
        }
    }
    return test_summary("test_gemm_amx");
}
