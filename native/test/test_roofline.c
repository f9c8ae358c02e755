/* test_roofline.c: the roofline probes report the operations their loops perform (per the
 * header: 512 per iteration for the AVX-512 FMA loop, 1024 for the VDPBF16PS loop, 65536 for the
 * AMX loop, 16 for the portable one), nothing for no iterations; pg_read_bandwidth's checksum equals a byte-by-byte sum of the
 * little-endian 64-bit words at every length and alignment. No timing: that is the caller's job. */
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

int main(void) {
    const double fma_per_iter = pg_has_avx512() ? 16 * 16 * 2 : 8 * 2;
    expect_count("pg_roofline_fma_f32(0)", pg_roofline_fma_f32(0), 0);
    expect_count("pg_roofline_fma_f32(-3)", pg_roofline_fma_f32(-3), 0);
    expect_count("pg_roofline_fma_f32(1)", pg_roofline_fma_f32(1), fma_per_iter);
    expect_count("pg_roofline_fma_f32(100000)", pg_roofline_fma_f32(100000), 100000 * fma_per_iter);

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

    enum { CAP = 200000 };
    unsigned char *buf = malloc(CAP + 64);
    for (int i = 0; i < CAP + 64; i++) {
        buf[i] = (unsigned char)rng_u32();
    }
    static const int64_t LENS[] = {0, 1, 7, 8, 9, 63, 64, 65, 511, 512, 513, 1000, 4109, 100003, CAP};
    for (size_t li = 0; li < sizeof LENS / sizeof LENS[0]; li++) {
        for (int off = 0; off < 13; off += 3) {
            char what[64];
            snprintf(what, sizeof what, "pg_read_bandwidth(buf + %d, %ld)", off, (long)LENS[li]);
            expect_count(what, pg_read_bandwidth(buf + off, LENS[li]), (double)word_sum(buf + off, LENS[li]));
        }
    }
    /* all-ones words wrap around 2^64 */
    memset(buf, 0xff, 4096);
    expect_count("pg_read_bandwidth(ones, 4096)", pg_read_bandwidth(buf, 4096), (double)((uint64_t)0 - 512));
    free(buf);
    return test_summary("test_roofline");
}
