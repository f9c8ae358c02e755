/*
 * bench_gemm.c: single-thread GFLOP/s of the bf16-weight and int8-weight products and the roofline probes.
 * Built by CMake, never run by ctest (the machines are shared): run it by hand, briefly.
 *
 *   bench_gemm [reps] [section]   reps per measurement (default 2; the best one is reported); section:
 *                                 all (default), roofline, prefill, small, decode or q8
 *
 * decode: pg_gemm_bf16 at the decode shapes for 1 to 31 rows, each rep on its own copy of the weights (four
 * copies, > L3) so that every call streams from memory, as a decode step of that many sequences does.
 *
 * q8: pg_gemm_q8 at the decode shapes (m = 1) in GB/s of weight bytes (q + s) and GFLOP/s, each rep on
 * its own copy of the weights (four copies, > L3) so that every call streams from memory, next to
 * pg_gemm_bf16 on the same shapes; pg_gemm_q8_f32 at m = 268; the int8 dot-product probe.
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
#include "../src/pg_internal.h" /* the variants, to time each path the CPU runs */

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

static void roofline_dot_i8(void) {
    int64_t it = 20000000;
    double t0 = now(), f = pg_roofline_dot_i8(it), dt = now() - t0;
    printf("  int8 dot (register-only): %8.1f Gop/s  (%s)\n", f / dt * 1e-9, pg_kernel_path(PG_FAMILY_GEMM_Q8));
}

static void roofline(void) {
    int64_t it = 20000000;
    double t0 = now(), f = pg_roofline_fma_f32(it), dt = now() - t0;
    printf("  f32 FMA (register-only):  %8.1f GFLOP/s\n", f / dt * 1e-9);
    roofline_dot_i8();
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

/* IEEE half of a positive normal float, truncated: fine for made-up scales. */
static uint16_t f16_of(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return (uint16_t)((((u >> 23) & 0xff) - 112) << 10 | ((u >> 13) & 0x3ff));
}

#define Q8_COPIES 4

/* pg_gemm_q8 at m = 1 (and pg_gemm_bf16 on the same shape for comparison), each rep on the next copy. */
static void bench_q8_decode(int64_t k, int64_t n, int reps) {
    const int64_t kb = (k + 31) / 32;
    int8_t *q[Q8_COPIES];
    uint16_t *s[Q8_COPIES], *wb[Q8_COPIES];
    for (int c = 0; c < Q8_COPIES; c++) {
        q[c] = malloc((size_t)(n * k));
        s[c] = malloc(sizeof(uint16_t) * (size_t)(n * kb));
        wb[c] = malloc(sizeof(uint16_t) * (size_t)(n * k));
        for (int64_t i = 0; i < n * k; i++) {
            q[c][i] = (int8_t)(rnd() * 127.0f);
            wb[c][i] = bf16_of(0.05f * rnd());
        }
        for (int64_t i = 0; i < n * kb; i++) {
            s[c][i] = f16_of(0.0004f * (1.5f + rnd()));
        }
    }
    float *x = malloc(sizeof(float) * (size_t)k);
    int8_t *xq = malloc((size_t)(kb * 32));
    float *xs = malloc(sizeof(float) * (size_t)kb);
    float *y = malloc(sizeof(float) * (size_t)n);
    for (int64_t i = 0; i < k; i++) {
        x[i] = rnd();
    }
    pg_quantize_q8(x, k, 1, k, xq, xs);
    const double flops = 2.0 * (double)k * (double)n;
    const double q8_bytes = (double)(n * k) + 2.0 * (double)(n * kb), bf16_bytes = 2.0 * (double)(n * k);
    double best_q8 = 1e30, best_bf16 = 1e30;
    for (int r = 0; r < reps + 2; r++) {
        const int c = r % Q8_COPIES;
        double t0 = now();
        pg_gemm_q8(xq, xs, q[c], s[c], y, n, 1, k, 0, n);
        double dt = now() - t0;
        best_q8 = dt < best_q8 ? dt : best_q8;
        t0 = now();
        pg_gemm_bf16(x, k, wb[c], y, n, 1, k, 0, n);
        dt = now() - t0;
        best_bf16 = dt < best_bf16 ? dt : best_bf16;
    }
    printf("  m=1    k=%-5ld n=%-5ld %-16s %8.1f GB/s  %8.1f GFLOP/s  %8.3f ms\n", (long)k, (long)n, "q8 (gemm_q8)",
           q8_bytes / best_q8 * 1e-9, flops / best_q8 * 1e-9, best_q8 * 1e3);
    printf("  m=1    k=%-5ld n=%-5ld %-16s %8.1f GB/s  %8.1f GFLOP/s  %8.3f ms\n", (long)k, (long)n, "bf16 (gemm_bf16)",
           bf16_bytes / best_bf16 * 1e-9, flops / best_bf16 * 1e-9, best_bf16 * 1e3);
    fflush(stdout);
    for (int c = 0; c < Q8_COPIES; c++) {
        free(q[c]);
        free(s[c]);
        free(wb[c]);
    }
    free(x);
    free(xq);
    free(xs);
    free(y);
}

/* pg_gemm_bf16 at decode shapes for m rows, weights streamed from memory: each rep on the next of four copies
 * (> L3), as a decode step reads every weight once. GB/s of weight bytes and GFLOP/s. */
static void bench_bf16_decode_rows(int64_t k, int64_t n, int reps) {
    uint16_t *wb[Q8_COPIES];
    for (int c = 0; c < Q8_COPIES; c++) {
        wb[c] = malloc(sizeof(uint16_t) * (size_t)(n * k));
        for (int64_t i = 0; i < n * k; i++) {
            wb[c][i] = bf16_of(0.05f * rnd());
        }
    }
    static const int64_t MS[] = {1, 2, 4, 8, 16, 24, 31};
    float *x = malloc(sizeof(float) * (size_t)(31 * k));
    float *y = malloc(sizeof(float) * (size_t)(31 * n));
    for (int64_t i = 0; i < 31 * k; i++) {
        x[i] = rnd();
    }
    for (size_t mi = 0; mi < sizeof MS / sizeof MS[0]; mi++) {
        const int64_t m = MS[mi];
        double best = 1e30;
        for (int r = 0; r < reps + 2; r++) {
            double t0 = now();
            pg_gemm_bf16(x, k, wb[r % Q8_COPIES], y, n, m, k, 0, n);
            double dt = now() - t0;
            best = dt < best ? dt : best;
        }
        printf("  m=%-4ld k=%-5ld n=%-5ld bf16 from memory %8.1f GB/s  %8.1f GFLOP/s  %8.3f ms\n", (long)m, (long)k,
               (long)n, 2.0 * (double)(n * k) / best * 1e-9, 2.0 * (double)m * (double)k * (double)n / best * 1e-9,
               best * 1e3);
        fflush(stdout);
    }
    for (int c = 0; c < Q8_COPIES; c++) {
        free(wb[c]);
    }
    free(x);
    free(y);
}

typedef void (*q8_gemm_fn)(const int8_t *, const float *, const int8_t *, const uint16_t *, float *, int64_t,
                           int64_t, int64_t, int64_t, int64_t);

/* pg_gemm_q8_f32 (float products over dequantized panels) and pg_gemm_q8 (quantized x, integer products: its
 * variants the CPU runs, the quantization included in each time) at m rows. */
static void bench_q8_prefill(int64_t m, int64_t k, int64_t n, int reps) {
    const int64_t kb = (k + 31) / 32;
    int8_t *q = malloc((size_t)(n * k));
    uint16_t *s = malloc(sizeof(uint16_t) * (size_t)(n * kb));
    float *x = malloc(sizeof(float) * (size_t)(m * k));
    float *y = malloc(sizeof(float) * (size_t)(m * n));
    int8_t *xq = malloc((size_t)(m * kb * 32));
    float *xs = malloc(sizeof(float) * (size_t)(m * kb));
    for (int64_t i = 0; i < n * k; i++) {
        q[i] = (int8_t)(rnd() * 127.0f);
    }
    for (int64_t i = 0; i < n * kb; i++) {
        s[i] = f16_of(0.0004f * (1.5f + rnd()));
    }
    for (int64_t i = 0; i < m * k; i++) {
        x[i] = rnd();
    }
    const struct {
        const char *name;
        q8_gemm_fn fn; /* NULL: pg_gemm_q8_f32 */
        int runs;
    } vs[] = {
        {"q8_f32", NULL, 1},
        {"q8 dispatch", pg_gemm_q8, 1},
        {"q8 avx2 stream", pg_gemm_q8_avx2, pg_has_avx2()},
        {"q8 avx2 maddwd", pg_gemm_q8_avx2_packed, pg_has_avx2()},
        {"q8 avx2 vnni", pg_gemm_q8_avx2_vnni_packed, pg_has_avx_vnni()},
        {"q8 avx2 vnni evex", pg_gemm_q8_avx2_vnni_evex_packed, pg_has_avx512_vnni()},
        {"q8 512 stream", pg_gemm_q8_avx512_vnni, pg_has_avx512_vnni()},
        {"q8 512 maddwd", pg_gemm_q8_avx512_packed, pg_has_avx512()},
        {"q8 512 vnni", pg_gemm_q8_avx512_vnni_packed, pg_has_avx512_vnni()},
    };
    for (size_t v = 0; v < sizeof vs / sizeof vs[0]; v++) {
        if (!vs[v].runs) {
            continue;
        }
        double best = 1e30;
        for (int r = 0; r < reps; r++) {
            double t0 = now();
            if (vs[v].fn) {
                pg_quantize_q8(x, k, m, k, xq, xs);
                vs[v].fn(xq, xs, q, s, y, n, m, k, 0, n);
            } else {
                pg_gemm_q8_f32(x, k, q, s, y, n, m, k, 0, n);
            }
            double dt = now() - t0;
            best = dt < best ? dt : best;
        }
        printf("  m=%-4ld k=%-5ld n=%-5ld %-18s %8.1f GFLOP/s  %8.2f ms\n", (long)m, (long)k, (long)n, vs[v].name,
               2.0 * (double)m * (double)k * (double)n / best * 1e-9, best * 1e3);
        fflush(stdout);
    }
    free(q);
    free(s);
    free(x);
    free(y);
    free(xq);
    free(xs);
}

int main(int argc, char **argv) {
    int reps = argc > 1 ? atoi(argv[1]) : 2;
    reps = reps < 1 ? 1 : reps;
    const char *section = argc > 2 ? argv[2] : "all";
    const int all = strcmp(section, "all") == 0;
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

    if (all || strcmp(section, "roofline") == 0) {
        printf("roofline, one thread:\n");
        roofline();
    }
    if (all || strcmp(section, "prefill") == 0) {
        printf("prefill shapes, one thread:\n");
        bench_shape(vs, nv, 256, 1152, 4304, reps);
        bench_shape(vs, nv, 268, 2048, 16384, reps);
        bench_shape(vs, nv, 268, 16384, 2048, reps);
    }
    if (all || strcmp(section, "small") == 0) {
        printf("small m (threshold), one thread:\n");
        static const int64_t MS[] = {4, 8, 16, 24, 32, 64};
        for (size_t i = 0; i < sizeof MS / sizeof MS[0]; i++) {
            bench_shape(vs, nv, MS[i], 2048, 2048, reps + 1);
        }
    }
    if (all || strcmp(section, "decode") == 0) {
        printf("bf16 decode shapes by rows, weights from memory, one thread:\n");
        bench_bf16_decode_rows(2048, 16384, reps);
        bench_bf16_decode_rows(16384, 2048, reps);
    }
    if (all || strcmp(section, "q8") == 0) {
        printf("int8 weights (Q8_0), one thread:\n");
        roofline_dot_i8();
        bench_q8_decode(2048, 16384, reps);
        bench_q8_decode(16384, 2048, reps);
        bench_q8_prefill(268, 2048, 16384, reps);
        bench_q8_prefill(268, 16384, 2048, reps);
        bench_q8_prefill(16, 2048, 16384, reps);
        bench_q8_prefill(32, 2048, 16384, reps);
    }
    print_load("end");
    return 0;
}
