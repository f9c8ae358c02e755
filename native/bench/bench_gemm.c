/*
 * bench_gemm.c: single-thread GFLOP/s of the bf16-weight products and the roofline probes.
 * Built by CMake, never run by ctest (the machines are shared): run it by hand, briefly.
 *
 *   bench_gemm [reps]      reps per measurement (default 2; the best one is reported)
 *
 * Products: pg_gemm_bf16 (float32 FMA path), pg_gemm_bf16_dp and pg_gemm_bf16_amx with terms 1..3
 * (AMX only when pg_amx_request() grants it), at the engine's prefill shapes and at small m for the
 * threshold. Each line also gives max |y - y_f32| / max |y_f32| against the float32 path.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pg_kernels.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void print_load(const char *when) {
    char line[128] = "?";
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (!fgets(line, sizeof line, f)) {
            strcpy(line, "?\n");
        }
        fclose(f);
    }
    printf("load average (%s): %s", when, line);
}

static uint64_t g_rng = 0x243f6a8885a308d3ull;

static float rnd(void) {
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return (float)((double)(g_rng >> 11) * 0x1p-53 * 2.0 - 1.0);
}

static uint16_t bf16_of(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return (uint16_t)(u >> 16);
}

typedef struct {
    const char *name;
    int terms; /* 0: pg_gemm_bf16 */
    int amx;
} variant;

static void run(const variant *v, const float *x, const uint16_t *w, float *y, int64_t m, int64_t k,
                int64_t n) {
    if (v->terms == 0) {
        pg_gemm_bf16(x, k, w, y, n, m, k, 0, n);
    } else if (v->amx) {
        pg_gemm_bf16_amx(x, k, w, y, n, m, k, 0, n, v->terms);
    } else {
        pg_gemm_bf16_dp(x, k, w, y, n, m, k, 0, n, v->terms);
    }
}

static void bench_shape(const variant *vs, int nv, int64_t m, int64_t k, int64_t n, int reps) {
    float *x = malloc(sizeof(float) * (size_t)(m * k));
    uint16_t *w = malloc(sizeof(uint16_t) * (size_t)(n * k));
    float *y = malloc(sizeof(float) * (size_t)(m * n));
    float *ref = malloc(sizeof(float) * (size_t)(m * n));
    for (int64_t i = 0; i < m * k; i++) {
        x[i] = rnd();
    }
    for (int64_t i = 0; i < n * k; i++) {
        w[i] = bf16_of(0.05f * rnd());
    }
    memset(y, 0, sizeof(float) * (size_t)(m * n));
    const double flops = 2.0 * (double)m * (double)k * (double)n;
    for (int vi = 0; vi < nv; vi++) {
        double best = 1e30;
        for (int r = 0; r < reps; r++) {
            double t0 = now();
            run(&vs[vi], x, w, y, m, k, n);
            double dt = now() - t0;
            best = dt < best ? dt : best;
        }
        double err = 0, top = 0;
        if (vi == 0) {
            memcpy(ref, y, sizeof(float) * (size_t)(m * n));
        }
        for (int64_t i = 0; i < m * n; i++) {
            err = fmax(err, fabs((double)y[i] - ref[i]));
            top = fmax(top, fabs((double)ref[i]));
        }
        printf("  m=%-4ld k=%-5ld n=%-5ld %-16s %8.1f GFLOP/s  %8.2f ms  rel.diff vs f32 %.2g\n", (long)m,
               (long)k, (long)n, vs[vi].name, flops / best * 1e-9, best * 1e3, top > 0 ? err / top : 0);
        fflush(stdout);
    }
    free(x);
    free(w);
    free(y);
    free(ref);
}

static void roofline(void) {
    int64_t it = 20000000;
    double t0 = now(), f = pg_roofline_fma_f32(it), dt = now() - t0;
    printf("  f32 FMA (register-only):  %8.1f GFLOP/s\n", f / dt * 1e-9);
    if (pg_cpu_features() & PG_CPU_AVX512_BF16) {
        t0 = now();
        f = pg_roofline_dp_bf16(it);
        dt = now() - t0;
        printf("  VDPBF16PS (register-only): %7.1f GFLOP/s\n", f / dt * 1e-9);
    }
    if (pg_amx_request() == 1) {
        it = 200000;
        t0 = now();
        f = pg_roofline_amx_bf16(it);
        dt = now() - t0;
        printf("  AMX bf16 (register-only): %8.1f GFLOP/s\n", f / dt * 1e-9);
    } else {
        printf("  AMX bf16: not available (no AMX-BF16 or no permission)\n");
    }
    static const int64_t SIZES[] = {16 << 10, 512 << 10, 64 << 20};
    for (size_t s = 0; s < sizeof SIZES / sizeof SIZES[0]; s++) {
        int64_t bytes = SIZES[s];
        unsigned char *buf = aligned_alloc(64, (size_t)bytes);
        memset(buf, 1, (size_t)bytes);
        int passes = (int)((256LL << 20) / bytes);
        passes = passes < 2 ? 2 : passes;
        double sum = 0;
        t0 = now();
        for (int p = 0; p < passes; p++) {
            sum += pg_read_bandwidth(buf, bytes);
        }
        dt = now() - t0;
        printf("  read %6ld KB x %-6d      %8.1f GB/s  (checksum %.0f)\n", (long)(bytes >> 10), passes,
               (double)bytes * passes / dt * 1e-9, sum);
        free(buf);
    }
}

int main(int argc, char **argv) {
    int reps = argc > 1 ? atoi(argv[1]) : 2;
    reps = reps < 1 ? 1 : reps;
    int amx = pg_amx_request() == 1;
    printf("build: %s\ncpu features: 0x%x, AMX %s\n", pg_build_info(), pg_cpu_features(),
           amx ? "granted" : "unavailable");
    print_load("start");

    variant vs[8];
    int nv = 0;
    vs[nv++] = (variant){"f32 (gemm_bf16)", 0, 0};
    for (int t = 1; t <= 3; t++) {
        static const char *DP[] = {"", "dp terms=1", "dp terms=2", "dp terms=3"};
        vs[nv++] = (variant){DP[t], t, 0};
    }
    if (amx) {
        for (int t = 1; t <= 3; t++) {
            static const char *AMX[] = {"", "amx terms=1", "amx terms=2", "amx terms=3"};
            vs[nv++] = (variant){AMX[t], t, 1};
        }
    }

    printf("roofline, one thread:\n");
    roofline();
    printf("prefill shapes, one thread:\n");
    bench_shape(vs, nv, 256, 1152, 4304, reps);
    bench_shape(vs, nv, 268, 2048, 16384, reps);
    bench_shape(vs, nv, 268, 16384, 2048, reps);
    printf("small m (threshold), one thread:\n");
    static const int64_t MS[] = {4, 8, 16, 24, 32, 64};
    for (size_t i = 0; i < sizeof MS / sizeof MS[0]; i++) {
        bench_shape(vs, nv, MS[i], 2048, 2048, reps + 1);
    }
    print_load("end");
    return 0;
}
