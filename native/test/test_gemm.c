/* test_gemm.c: pg_gemm_bf16 / pg_gemm_f16 / pg_gemm_f32, every path the CPU supports (scalar, AVX2
 * stream and packed, AVX-512 stream and packed, the dispatcher under each cap) on shapes that cross
 * the vector widths, the register tiles, both k-blocks and the stream/packed threshold; with
 * strides, sub-ranges [n0, n1) and k = 0. Outside the written block y must keep its sentinels. */
#include "test_util.h"

typedef void (*gemm16_fn)(const float *, int64_t, const uint16_t *, float *, int64_t, int64_t,
                          int64_t, int64_t, int64_t);
typedef void (*gemm32_fn)(const float *, int64_t, const float *, float *, int64_t, int64_t, int64_t,
                          int64_t, int64_t);

enum { KIND_BF16, KIND_F16, KIND_F32 };
static const char *const KIND_NAMES[] = {"bf16", "f16", "f32"};

/* cap: the dispatcher runs under pg_isa_cap(cap) (-1: none); isa: the level the row needs. */
static const struct {
    const char *name;
    gemm16_fn bf16;
    gemm16_fn f16;
    gemm32_fn f32;
    int isa;
    int cap;
} VARIANTS[] = {
    {"scalar", pg_gemm_bf16_scalar, pg_gemm_f16_scalar, pg_gemm_f32_scalar, PG_ISA_SCALAR, -1},
    {"avx2_stream", pg_gemm_bf16_avx2_stream, pg_gemm_f16_avx2_stream, pg_gemm_f32_avx2_stream, PG_ISA_AVX2, -1},
    {"avx2_packed", pg_gemm_bf16_avx2_packed, pg_gemm_f16_avx2_packed, pg_gemm_f32_avx2_packed, PG_ISA_AVX2, -1},
    {"avx512_stream", pg_gemm_bf16_avx512_stream, pg_gemm_f16_avx512_stream, pg_gemm_f32_avx512_stream,
     PG_ISA_AVX512, -1},
    {"avx512_packed", pg_gemm_bf16_avx512_packed, pg_gemm_f16_avx512_packed, pg_gemm_f32_avx512_packed,
     PG_ISA_AVX512, -1},
    {"dispatch", pg_gemm_bf16, pg_gemm_f16, pg_gemm_f32, PG_ISA_SCALAR, -1},
    {"dispatch capped at scalar", pg_gemm_bf16, pg_gemm_f16, pg_gemm_f32, PG_ISA_SCALAR, PG_ISA_SCALAR},
    {"dispatch capped at avx2", pg_gemm_bf16, pg_gemm_f16, pg_gemm_f32, PG_ISA_AVX2, PG_ISA_AVX2},
};

#define NVAR (sizeof VARIANTS / sizeof VARIANTS[0])

static double g_worst; /* largest |error| / sum |x w| seen, for the log */

/* Decoded 16-bit weight, by the format definitions (not the library's helpers). */
static double weight_value(int kind, uint16_t h) {
    if (kind == KIND_BF16) {
        return pg_bits_to_f32((uint32_t)h << 16);
    }
    int sign = h >> 15, exp = (h >> 10) & 31, frac = h & 1023;
    double mag = exp == 0 ? ldexp(frac, -24) : ldexp(1024 + frac, exp - 25);
    return sign ? -mag : mag;
}

static uint16_t random_weight(int kind) {
    if (kind == KIND_BF16) {
        /* bf16 of a normal(0, 0.05) float, truncated: any bit pattern of a finite value is fair */
        return (uint16_t)(pg_f32_to_bits(rng_normal(0.05f)) >> 16);
    }
    uint16_t h;
    do {
        h = (uint16_t)rng_u32();
    } while (((h >> 10) & 31) == 31 || ((h >> 10) & 31) > 17); /* finite, |w| < 8, subnormals included */
    return h;
}

static void run_case(int kind, int64_t m, int64_t k, int64_t n, int64_t n0, int64_t n1, int64_t ldx,
                     int64_t ldy) {
    float *x = alloc_f32((size_t)(m * ldx));
    uint16_t *w = alloc_u16((size_t)(n * k));
    float *wf = alloc_f32((size_t)(n * k));
    double *wd = malloc((size_t)(n * k ? n * k : 1) * sizeof(double));
    for (int64_t i = 0; i < m * ldx; i++) {
        x[i] = (i % ldx) < k ? rng_normal(1.0f) : NAN; /* the ldx gap must never be read */
    }
    for (int64_t i = 0; i < n * k; i++) {
        if (kind == KIND_F32) {
            wf[i] = rng_normal(0.05f);
            wd[i] = wf[i];
        } else {
            w[i] = random_weight(kind);
            wd[i] = weight_value(kind, w[i]);
        }
    }
    float *y = alloc_f32((size_t)(m * ldy));
    for (size_t v = 0; v < NVAR; v++) {
        if (pg_isa_supported() < VARIANTS[v].isa) {
            continue;
        }
        fill_sentinel(y, (size_t)(m * ldy));
        pg_isa_cap(VARIANTS[v].cap);
        if (kind == KIND_F32) {
            VARIANTS[v].f32(x, ldx, wf, y, ldy, m, k, n0, n1);
        } else {
            (kind == KIND_F16 ? VARIANTS[v].f16 : VARIANTS[v].bf16)(x, ldx, w, y, ldy, m, k, n0, n1);
        }
        pg_isa_cap(-1);
        for (int64_t i = 0; i < m; i++) {
            for (int64_t j = 0; j < ldy; j++) {
                float got = y[i * ldy + j];
                if (j < n0 || j >= n1) {
                    g_checks++;
                    if (!is_sentinel(got)) {
                        FAIL("gemm_%s %s m=%ld k=%ld n=[%ld,%ld) ldx=%ld ldy=%ld: wrote y[%ld,%ld] outside the range",
                             KIND_NAMES[kind], VARIANTS[v].name, (long)m, (long)k, (long)n0, (long)n1,
                             (long)ldx, (long)ldy, (long)i, (long)j);
                    }
                    continue;
                }
                double want = 0, mag = 0;
                for (int64_t p = 0; p < k; p++) {
                    double t = (double)x[i * ldx + p] * wd[j * k + p];
                    want += t;
                    mag += fabs(t);
                }
                /* float32 summation: worst case grows with the chain length, relative to sum |x w| */
                double tol = (double)(k + 16) * (FLT_EPSILON / 2) * mag + 2 * FLT_TRUE_MIN;
                if (!close_enough(got, want, tol)) {
                    FAIL("gemm_%s %s m=%ld k=%ld n=[%ld,%ld) ldx=%ld ldy=%ld: y[%ld,%ld] = %.9g, want %.9g",
                         KIND_NAMES[kind], VARIANTS[v].name, (long)m, (long)k, (long)n0, (long)n1,
                         (long)ldx, (long)ldy, (long)i, (long)j, got, want);
                } else if (mag > 0 && fabs(got - want) / mag > g_worst) {
                    g_worst = fabs(got - want) / mag;
                }
            }
        }
    }
    free(x);
    free(w);
    free(wf);
    free(wd);
    free(y);
}

/* Batch invariance of the stream paths (gemm_half.h): every row of an m-row call must hold, bit for bit,
 * what the same row gives alone (m = 1), whatever k-blocking, row group, weight-row chunk and tile shape m
 * selects; the scheduler decodes a sequence beside others on this promise. */
static void run_invariance(int kind, int64_t m, int64_t k, int64_t n0, int64_t n1) {
    const int64_t ldx = k + 3, n = n1 + 2, ldy = n + 1;
    float *x = alloc_f32((size_t)(m * ldx));
    uint16_t *w = alloc_u16((size_t)(n * k));
    float *wf = alloc_f32((size_t)(n * k));
    for (int64_t i = 0; i < m * ldx; i++) {
        x[i] = (i % ldx) < k ? rng_normal(1.0f) : NAN;
    }
    for (int64_t i = 0; i < n * k; i++) {
        wf[i] = rng_normal(0.05f);
        w[i] = kind == KIND_F32 ? 0 : random_weight(kind);
    }
    float *all = alloc_f32((size_t)(m * ldy)), *alone = alloc_f32((size_t)ldy);
    for (size_t v = 0; v < NVAR; v++) {
        if (!isa_ok(VARIANTS[v].isa) || strstr(VARIANTS[v].name, "stream") == NULL) {
            continue;
        }
        gemm16_fn f16 = kind == KIND_F16 ? VARIANTS[v].f16 : VARIANTS[v].bf16;
        fill_sentinel(all, (size_t)(m * ldy));
        if (kind == KIND_F32) {
            VARIANTS[v].f32(x, ldx, wf, all, ldy, m, k, n0, n1);
        } else {
            f16(x, ldx, w, all, ldy, m, k, n0, n1);
        }
        for (int64_t i = 0; i < m; i++) {
            fill_sentinel(alone, (size_t)ldy);
            if (kind == KIND_F32) {
                VARIANTS[v].f32(x + i * ldx, ldx, wf, alone, ldy, 1, k, n0, n1);
            } else {
                f16(x + i * ldx, ldx, w, alone, ldy, 1, k, n0, n1);
            }
            char what[160];
            snprintf(what, sizeof what, "gemm_%s %s row %ld of m=%ld k=%ld n=[%ld,%ld) against the row alone",
                     KIND_NAMES[kind], VARIANTS[v].name, (long)i, (long)m, (long)k, (long)n0, (long)n1);
            g_checks++;
            if (memcmp(all + i * ldy, alone, sizeof(float) * (size_t)ldy) != 0) {
                FAIL("%s: differs", what);
            }
        }
    }
    free(x);
    free(w);
    free(wf);
    free(all);
    free(alone);
}

int main(void) {
    static const int64_t MS[] = {1, 2, 3, 4, 5, 7, 12, 13, 25, 31, 32, 33, 50};
    static const int64_t KS[] = {1, 15, 16, 17, 40, 255, 256, 300, 513};
    static const int64_t NS[] = {1, 9, 33, 70};
    for (int kind = KIND_BF16; kind <= KIND_F32; kind++) {
        for (size_t mi = 0; mi < sizeof MS / sizeof MS[0]; mi++) {
            for (size_t ki = 0; ki < sizeof KS / sizeof KS[0]; ki++) {
                for (size_t ni = 0; ni < sizeof NS / sizeof NS[0]; ni++) {
                    int64_t m = MS[mi], k = KS[ki], n = NS[ni];
                    /* full range, dense; then a sub-range with padded strides */
                    run_case(kind, m, k, n, 0, n, k, n);
                    if (n > 4) {
                        run_case(kind, m, k, n, 3, n - 1, k + 5, n + 3);
                    }
                }
            }
        }
        /* k past several stream k-blocks (unblocked up to 4 rows); decode shapes with wide n */
        run_case(kind, 1, 2100, 37, 0, 37, 2100, 37);
        run_case(kind, 3, 2100, 10, 1, 10, 2103, 12);
        run_case(kind, 40, 2100, 20, 0, 20, 2100, 20);
        run_case(kind, 1, 64, 301, 0, 301, 64, 301);
        /* packed path: several 4-panel blocks and a partial one, x rows 4 KB apart (the copied tile) */
        run_case(kind, 37, 1024, 300, 0, 300, 1024, 300);
        run_case(kind, 64, 300, 261, 5, 250, 304, 263);
        /* k = 0: y is all zeros; empty ranges touch nothing */
        run_case(kind, 5, 0, 6, 0, 6, 1, 6);
        run_case(kind, 40, 0, 6, 1, 5, 1, 6);
        run_case(kind, 5, 16, 6, 4, 4, 16, 6);
        /* batch invariance: k within one block, past one (with a tail), past several; m in one tile, several
         * tiles, several row groups; n across weight-row chunks with single-row tiles at the end */
        static const int64_t IM[] = {2, 4, 5, 8, 13, 31, 33, 70};
        static const int64_t IK[] = {40, 513, 1100, 2100};
        for (size_t mi = 0; mi < sizeof IM / sizeof IM[0]; mi++) {
            for (size_t ki = 0; ki < sizeof IK / sizeof IK[0]; ki++) {
                run_invariance(kind, IM[mi], IK[ki], 1, 71);
            }
        }
    }
    printf("gemm: worst |error| / sum|x w| = %.3g (float32 epsilon %.3g)\n", g_worst, (double)FLT_EPSILON);
    return test_summary("test_gemm");
}
