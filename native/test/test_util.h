/*
 * test_util.h: shared helpers for the kernel tests (not a test itself: only test_*.c files are).
 * Each test compares every variant of a kernel (scalar, AVX2 and AVX-512 when the CPU has them, and
 * the public dispatcher) with a double-precision reference written independently in the test.
 */
#ifndef PG_TEST_UTIL_H
#define PG_TEST_UTIL_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/pg_internal.h"

static int g_failures;
static int g_checks;

/* Reports at most a few failures per check site so one bug does not flood the log. */
#define FAIL(...)                                  \
    do {                                           \
        g_failures++;                              \
        if (g_failures <= 40) {                    \
            fprintf(stderr, "FAIL: " __VA_ARGS__); \
            fputc('\n', stderr);                   \
        }                                          \
    } while (0)

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;

static uint64_t rng_u64(void) {
    /* xorshift64* */
    g_rng ^= g_rng >> 12;
    g_rng ^= g_rng << 25;
    g_rng ^= g_rng >> 27;
    return g_rng * 0x2545f4914f6cdd1dull;
}

static uint32_t rng_u32(void) {
    return (uint32_t)(rng_u64() >> 32);
}

static float rng_uniform(float lo, float hi) {
    double u = (double)(rng_u64() >> 11) * 0x1p-53;
    return (float)(lo + (hi - lo) * u);
}

static float rng_normal(float sd) {
    double u1 = ((double)(rng_u64() >> 11) + 0.5) * 0x1p-53;
    double u2 = (double)(rng_u64() >> 11) * 0x1p-53;
    return (float)(sd * sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

static float *alloc_f32(size_t n) {
    float *p = malloc((n ? n : 1) * sizeof(float));
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

static uint16_t *alloc_u16(size_t n) {
    uint16_t *p = malloc((n ? n : 1) * sizeof(uint16_t));
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

/* A value no kernel produces from the test inputs: untouched memory keeps it bit for bit. */
#define SENTINEL 12345.678f

static void fill_sentinel(float *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        p[i] = SENTINEL;
    }
}

static int is_sentinel(float v) {
    return pg_f32_to_bits(v) == pg_f32_to_bits(SENTINEL);
}

/* |got - want| <= tol, with NaN matching NaN and equal infinities matching. */
static int close_enough(float got, double want, double tol) {
    g_checks++;
    if (isnan(want)) {
        return isnan(got);
    }
    if (isinf(want)) {
        return isinf(got) && (got > 0) == (want > 0);
    }
    return fabs((double)got - want) <= tol;
}

/* A variant compiled for PG_ISA_* level isa runs on this CPU (the tests skip it otherwise). */
static int isa_ok(int isa) {
    return pg_isa_supported() >= isa;
}

/* For the checks that the dispatcher follows pg_isa_cap: got, from the public function capped at a
 * variant's level, must hold the variant's own output want bit for bit (NaN payloads included). */
static void expect_same_bits(const char *what, const char *variant, const void *got, const void *want,
                             size_t bytes) {
    g_checks++;
    if (memcmp(got, want, bytes) != 0) {
        size_t i = 0;
        while (((const unsigned char *)got)[i] == ((const unsigned char *)want)[i]) {
            i++;
        }
        FAIL("%s capped at %s: byte %zu differs from the %s variant's output", what, variant, i, variant);
    }
}

static int test_summary(const char *name) {
    static const char *const LEVELS[] = {
        "scalar (no AVX2 on this CPU)", "scalar, avx2 (no AVX-512 on this CPU)", "scalar, avx2, avx512"};
    if (g_failures) {
        fprintf(stderr, "%s: %d failure(s) in %d checks\n", name, g_failures, g_checks);
        return 1;
    }
    printf("%s: all %d checks passed (levels tested: %s)\n", name, g_checks, LEVELS[pg_isa_supported()]);
    return 0;
}

#endif /* PG_TEST_UTIL_H */
