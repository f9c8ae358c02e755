/* test_roofline.c: the roofline probes report the operations their loops perform (per the
 * header: 512 per iteration for the AVX-512 FMA loop, 192 for the AVX2 one, 1024 for the VDPBF16PS
 * loop, 65536 for the AMX loop, 16 for the portable one; for the int8 dot loop 2048 at AVX-512 with VNNI
 * and 1024 without, 768 at AVX2 with AVX-VNNI and 384 without, 16 scalar), nothing for no iterations;
 * pg_read_bandwidth's checksum equals a byte-by-byte sum of the little-endian 64-bit words at every
 * length and alignment. Every level the CPU supports, through pg_isa_cap. No timing: that is the
 * caller's job. */
#include "test_util.h"

static void expect_count(const char *what, double got, double want) {
    g_checks++;
    if (got != want) {
        FAIL("%s = %.17g, want %.17g", what, got, want);
    }
}

/* Independent of the library: words assembled from bytes, the last one zero-padded, mod 2^64. */
static uint64_t word_sum(const unsigned char *p, int64_t bytes) {
    uint64_t s = 0;
    for (int64_t w = 0; w * 8 < bytes; w++) {
        uint64_t v = 0;
        for (int b = 0; b < 8 && w * 8 + b < bytes; b++) {
            v |= (uint64_t)p[w * 8 + b] << (8 * b);
        }
        s += v;
    }
    return s;
}

/* The FMA and int8 dot loops and the read checksum on one level. */
static void check_level(int level) {
    static const double FMA_PER_ITER[] = {8 * 2, 12 * 8 * 2, 16 * 16 * 2};
    /* the int8 loop counts per its unit: VPDPBUSD (4 products per lane) where the level has VNNI, VPMADDWD (2) */
    const double DOT_I8_PER_ITER[] = {8 * 2, 12 * (pg_has_avx_vnni() ? 32 : 16) * 2,
                                      16 * (pg_has_avx512_vnni() ? 64 : 32) * 2};
    static const char *const NAMES[] = {"scalar", "avx2", "avx512"};
    g_checks++;
    if (pg_isa_cap(level) != level) {
        FAIL("pg_isa_cap(%s) = %d, want %d", NAMES[level], pg_isa_in_use(), level);
        return;
    }
    char what[96];
    const double per_iter = FMA_PER_ITER[level];
    snprintf(what, sizeof what, "%s pg_roofline_fma_f32(0)", NAMES[level]);
    expect_count(what, pg_roofline_fma_f32(0), 0);
    snprintf(what, sizeof what, "%s pg_roofline_fma_f32(-3)", NAMES[level]);
    expect_count(what, pg_roofline_fma_f32(-3), 0);
    snprintf(what, sizeof what, "%s pg_roofline_fma_f32(1)", NAMES[level]);
    expect_count(what, pg_roofline_fma_f32(1), per_iter);
    snprintf(what, sizeof what, "%s pg_roofline_fma_f32(100000)", NAMES[level]);
    expect_count(what, pg_roofline_fma_f32(100000), 100000 * per_iter);
    snprintf(what, sizeof what, "%s pg_roofline_dot_i8(0)", NAMES[level]);
    expect_count(what, pg_roofline_dot_i8(0), 0);
    snprintf(what, sizeof what, "%s pg_roofline_dot_i8(-2)", NAMES[level]);
    expect_count(what, pg_roofline_dot_i8(-2), 0);
    snprintf(what, sizeof what, "%s pg_roofline_dot_i8(1)", NAMES[level]);
    expect_count(what, pg_roofline_dot_i8(1), DOT_I8_PER_ITER[level]);
    snprintf(what, sizeof what, "%s pg_roofline_dot_i8(100000)", NAMES[level]);
    expect_count(what, pg_roofline_dot_i8(100000), 100000 * DOT_I8_PER_ITER[level]);

    enum { CAP = 200000 };
    unsigned char *buf = malloc(CAP + 64);
    for (int i = 0; i < CAP + 64; i++) {
        buf[i] = (unsigned char)rng_u32();
    }
    static const int64_t LENS[] = {0, 1, 7, 8, 9, 63, 64, 65, 255, 256, 257, 511, 512, 513, 1000, 4109, 100003, CAP};
    for (size_t li = 0; li < sizeof LENS / sizeof LENS[0]; li++) {
        for (int off = 0; off < 13; off += 3) {
            snprintf(what, sizeof what, "%s pg_read_bandwidth(buf + %d, %ld)", NAMES[level], off, (long)LENS[li]);
            expect_count(what, pg_read_bandwidth(buf + off, LENS[li]), (double)word_sum(buf + off, LENS[li]));
        }
    }
    /* all-ones words wrap around 2^64 */
    memset(buf, 0xff, 4096);
    snprintf(what, sizeof what, "%s pg_read_bandwidth(ones, 4096)", NAMES[level]);
    expect_count(what, pg_read_bandwidth(buf, 4096), (double)((uint64_t)0 - 512));
    free(buf);
    pg_isa_cap(-1);
}

int main(void) {
    for (int level = PG_ISA_SCALAR; level <= pg_isa_supported(); level++) {
        check_level(level);
    }

    const double dp_per_iter = (pg_cpu_features() & PG_CPU_AVX512_BF16) ? 16 * 16 * 2 * 2 : 8 * 2;
    if (dp_per_iter == 8 * 2) {
        printf("SKIP: VDPBF16PS (no AVX512-BF16): checking the portable fallback\n");
    }
    expect_count("pg_roofline_dp_bf16(0)", pg_roofline_dp_bf16(0), 0);
    expect_count("pg_roofline_dp_bf16(-1)", pg_roofline_dp_bf16(-1), 0);
    expect_count("pg_roofline_dp_bf16(1)", pg_roofline_dp_bf16(1), dp_per_iter);
    expect_count("pg_roofline_dp_bf16(30000)", pg_roofline_dp_bf16(30000), 30000 * dp_per_iter);

    const int amx = pg_amx_request() == 1 && pg_has_avx512();
    const double amx_per_iter = amx ? 4.0 * 16 * 16 * 32 * 2 : 8 * 2;
    if (!amx) {
        printf("SKIP: AMX tiles (no AMX-BF16 or no OS permission): checking the portable fallback\n");
    }
    expect_count("pg_roofline_amx_bf16(0)", pg_roofline_amx_bf16(0), 0);
    expect_count("pg_roofline_amx_bf16(1)", pg_roofline_amx_bf16(1), amx_per_iter);
    expect_count("pg_roofline_amx_bf16(20000)", pg_roofline_amx_bf16(20000), 20000 * amx_per_iter);
    /* the AMX-INT8 tiles where pg_gemm_q8's packed path runs on them, the scalar int8 loop elsewhere */
    const double amx_i8_per_iter = pg_has_amx_int8() ? 4.0 * 16 * 16 * 64 * 2 : 8 * 2;
    expect_count("pg_roofline_amx_i8(0)", pg_roofline_amx_i8(0), 0);
    expect_count("pg_roofline_amx_i8(-3)", pg_roofline_amx_i8(-3), 0);
    expect_count("pg_roofline_amx_i8(1)", pg_roofline_amx_i8(1), amx_i8_per_iter);
    expect_count("pg_roofline_amx_i8(20000)", pg_roofline_amx_i8(20000), 20000 * amx_i8_per_iter);

    return test_summary("test_roofline");
}
