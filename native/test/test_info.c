/* test_info.c: pg_build_info, pg_cpu_features (against the compiler's own CPU detection) and
 * pg_amx_request, plus the run-time choice of kernel variants. */
#include "test_util.h"

#include <pthread.h>

static int64_t g_headroom_in_thread;
static int64_t g_headroom_deeper;

static volatile char *g_escape;

/* depth frames of > 4 KB each (the array escapes, and the call is not a tail call) */
__attribute__((noinline)) static int64_t headroom_deeper(int depth) {
    char pad[4096];
    g_escape = pad;
    int64_t r = depth == 0 ? pg_stack_headroom() : headroom_deeper(depth - 1);
    __asm__ volatile("" : : "r"(pad) : "memory");
    return r;
}

static void *stack_probe(void *arg) {
    (void)arg;
    g_headroom_in_thread = pg_stack_headroom();
    g_headroom_deeper = headroom_deeper(16); /* 16 frames of > 4 KB further down */
    return NULL;
}

static void expect_bit(const char *name, int32_t features, int32_t bit, int want) {
    g_checks++;
    if (((features & bit) != 0) != (want != 0)) {
        FAIL("pg_cpu_features: %s bit is %d, CPU detection says %d", name, (features & bit) != 0, want != 0);
    }
}

int main(void) {
    const char *info = pg_build_info();
    g_checks++;
    if (info == NULL || strlen(info) == 0 || strstr(info, "-O") == NULL) {
        FAIL("pg_build_info: %s", info ? info : "(null)");
    } else {
        printf("build: %s\n", info);
    }

    int32_t f = pg_cpu_features();
    printf("cpu features: 0x%x\n", f);
    expect_bit("AVX512F", f, PG_CPU_AVX512F, __builtin_cpu_supports("avx512f"));
    expect_bit("AVX512_BF16", f, PG_CPU_AVX512_BF16, __builtin_cpu_supports("avx512bf16"));
    expect_bit("F16C", f, PG_CPU_F16C, __builtin_cpu_supports("f16c"));
    expect_bit("AVX2", f, PG_CPU_AVX2,
               __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c"));
    expect_bit("AVX512_VNNI", f, PG_CPU_AVX512_VNNI,
               __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vnni"));
    g_checks++;
    if ((f & PG_CPU_AVX512_BF16) && !(f & PG_CPU_AVX512F)) {
        FAIL("pg_cpu_features: AVX512_BF16 without AVX512F");
    }
    g_checks++;
    if (f & ~(PG_CPU_AVX512F | PG_CPU_AVX512_BF16 | PG_CPU_AMX_BF16 | PG_CPU_F16C | PG_CPU_AVX2
              | PG_CPU_AVX512_VNNI | PG_CPU_AVX_VNNI | PG_CPU_AMX_INT8)) {
        FAIL("pg_cpu_features: unknown bits 0x%x", f);
    }
    /* the AVX-512 kernels need F, BW, DQ, VL and FMA; every CPU with F outside Xeon Phi has them */
    g_checks++;
    if (pg_has_avx512() && !(f & PG_CPU_AVX512F)) {
        FAIL("kernels dispatch to AVX-512 but pg_cpu_features lacks AVX512F");
    }

    /* the level follows the CPU, the cap lowers it and never raises it, and each family names a path */
    int32_t best = pg_isa_supported();
    int32_t want = pg_has_avx512() ? PG_ISA_AVX512 : (pg_has_avx2() ? PG_ISA_AVX2 : PG_ISA_SCALAR);
    g_checks++;
    if (best != want || pg_isa_in_use() != best) {
        FAIL("pg_isa_supported = %d, in use %d, want %d", best, pg_isa_in_use(), want);
    }
    for (int32_t level = PG_ISA_SCALAR; level <= PG_ISA_AVX512 + 1; level++) {
        int32_t got = pg_isa_cap(level);
        int32_t expect = level < best ? level : best;
        g_checks++;
        if (got != expect || pg_isa_in_use() != expect) {
            FAIL("pg_isa_cap(%d) = %d (in use %d), want %d", level, got, pg_isa_in_use(), expect);
        }
        for (int32_t fam = 0; fam < PG_FAMILY_COUNT; fam++) {
            const char *path = pg_kernel_path(fam);
            static const char *const NAMES[] = {"scalar", "avx2", "avx512"};
            g_checks++;
            if (fam != PG_FAMILY_GEMM_BF16_DP && strncmp(path, NAMES[expect], strlen(NAMES[expect])) != 0) {
                FAIL("pg_kernel_path(%d) under cap %d = '%s', want a %s path", fam, level, path, NAMES[expect]);
            }
        }
    }
    g_checks++;
    if (pg_isa_cap(-1) != best || strcmp(pg_kernel_path(PG_FAMILY_COUNT), "unknown family") != 0) {
        FAIL("pg_isa_cap(-1) does not restore %d, or an unknown family has a path", best);
    }

    int32_t amx = pg_amx_request();
    g_checks++;
    if (amx != 0 && amx != 1) {
        FAIL("pg_amx_request returned %d", amx);
    }
    g_checks++;
    if (amx && !(f & PG_CPU_AMX_BF16)) {
        FAIL("pg_amx_request granted AMX on a CPU without AMX-BF16");
    }
    g_checks++;
    if (pg_amx_request() != amx) {
        FAIL("pg_amx_request is not stable across calls");
    }
    /* int8 tiles only after a grant, on a CPU with AMX-INT8 and AVX-512, and the int8 family names them then */
    g_checks++;
    if (pg_has_amx_int8() != (amx && (f & PG_CPU_AMX_INT8) && pg_has_avx512())) {
        FAIL("pg_has_amx_int8() = %d with grant %d, features 0x%x", pg_has_amx_int8(), amx, f);
    }
    g_checks++;
    if ((strstr(pg_kernel_path(PG_FAMILY_GEMM_Q8), "amx_int8") != NULL) != pg_has_amx_int8()) {
        FAIL("pg_kernel_path(GEMM_Q8) = '%s' with AMX-INT8 tiles %s", pg_kernel_path(PG_FAMILY_GEMM_Q8),
             pg_has_amx_int8() ? "granted" : "not granted");
    }
    if (pg_has_amx_int8()) {
        pg_isa_cap(PG_ISA_AVX2); /* a cap below AVX-512 turns the tiles off */
        g_checks++;
        if (strstr(pg_kernel_path(PG_FAMILY_GEMM_Q8), "amx_int8") != NULL) {
            FAIL("pg_kernel_path(GEMM_Q8) names amx_int8 under an AVX2 cap");
        }
        pg_isa_cap(-1);
    }

    /* a thread with a 512 KB stack: the headroom is most of it, and shrinks as frames pile up */
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 512 * 1024);
    pthread_t t;
    g_checks++;
    if (pthread_create(&t, &attr, stack_probe, NULL) != 0) {
        FAIL("pthread_create failed");
    } else {
        pthread_join(t, NULL);
        printf("stack headroom in a 512 KB thread: %lld bytes, %lld after 16 frames of 4 KB\n",
               (long long)g_headroom_in_thread, (long long)g_headroom_deeper);
        g_checks++;
        if (g_headroom_in_thread < 400 * 1024 || g_headroom_in_thread > 528 * 1024) {
            FAIL("pg_stack_headroom in a 512 KB thread: %lld", (long long)g_headroom_in_thread);
        }
        g_checks++;
        if (g_headroom_deeper > g_headroom_in_thread - 16 * 4096) {
            FAIL("pg_stack_headroom did not shrink by 64 KB of frames: %lld then %lld",
                 (long long)g_headroom_in_thread, (long long)g_headroom_deeper);
        }
    }
    pthread_attr_destroy(&attr);
    g_checks++;
    if (pg_stack_headroom() < PG_GEMM_AMX_STACK_BYTES) {
        FAIL("the main thread has less than PG_GEMM_AMX_STACK_BYTES of stack: %lld", (long long)pg_stack_headroom());
    }
    return test_summary("test_info");
}
