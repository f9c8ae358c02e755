/* test_info.c: pg_build_info, pg_cpu_features (against the compiler's own CPU detection) and
 * pg_amx_request, plus the run-time choice of kernel variants. */
#include "test_util.h"

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
    g_checks++;
    if ((f & PG_CPU_AVX512_BF16) && !(f & PG_CPU_AVX512F)) {
        FAIL("pg_cpu_features: AVX512_BF16 without AVX512F");
    }
    g_checks++;
    if (f & ~(PG_CPU_AVX512F | PG_CPU_AVX512_BF16 | PG_CPU_AMX_BF16 | PG_CPU_F16C)) {
        FAIL("pg_cpu_features: unknown bits 0x%x", f);
    }
    /* the AVX-512 kernels need F, BW, DQ, VL and FMA; every CPU with F outside Xeon Phi has them */
    g_checks++;
    if (pg_has_avx512() && !(f & PG_CPU_AVX512F)) {
        FAIL("kernels dispatch to AVX-512 but pg_cpu_features lacks AVX512F");
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
    return test_summary("test_info");
}
