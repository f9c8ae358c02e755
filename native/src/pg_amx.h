/*
 * pg_amx.h: AMX tile configuration and instruction wrappers (private, header-only).
 *
 * Own inline asm instead of gcc 12's <amxtileintrin.h>: its _tile_loadd has no memory clobber (the
 * compiler may sink the stores that pack a buffer below the tile load reading it) and its
 * _tile_loadconfig names only 8 of the 64 config bytes as read. Tile numbers are literals.
 *
 * Every PG_TILE_* macro can be predefined: native/test/amx_model.h substitutes a software model of
 * the tile unit, so the AMX data layout is tested on machines without AMX.
 */
#ifndef PG_AMX_H
#define PG_AMX_H

#include <stdint.h>

/* The 64-byte operand of LDTILECFG, palette 1. */
typedef struct {
    uint8_t palette;
    uint8_t start_row;
    uint8_t reserved[14];
    uint16_t colsb[16]; /* bytes per row of tile t */
    uint8_t rows[16];
} __attribute__((aligned(64))) pg_tile_config;

_Static_assert(sizeof(pg_tile_config) == 64, "LDTILECFG reads exactly 64 bytes");

/* Every tile used at its largest shape: 16 rows of 64 bytes. */
static inline pg_tile_config pg_tile_config_full(int tiles) {
    pg_tile_config c = {0};
    c.palette = 1;
    for (int t = 0; t < tiles; t++) {
        c.colsb[t] = 64;
        c.rows[t] = 16;
    }
    return c;
}

#define PG_AMX_TARGET \
    __attribute__((target("amx-tile,amx-bf16,avx512f,avx512bw,avx512dq,avx512vl,avx512bf16,fma")))
/* The int8 tiles (gemm_q8_amx.c): AMX-TILE, AMX-INT8 and the AVX-512 that scales their sums. */
#define PG_AMX_INT8_TARGET __attribute__((target("amx-tile,amx-int8,avx512f,avx512bw,avx512dq,avx512vl,fma")))

#ifndef PG_TILE_LOAD
#define PG_TILE_CONFIG(cfg) __asm__ volatile("ldtilecfg %0" ::"m"(*(const pg_tile_config *)(cfg)))
#define PG_TILE_RELEASE() __asm__ volatile("tilerelease" ::)
#define PG_TILE_ZERO(t) __asm__ volatile("tilezero %%tmm" #t ::)
/* Row r of tile t is the colsb bytes at base + r * stride (stride in bytes). */
#define PG_TILE_LOAD(t, base, stride) \
    __asm__ volatile("tileloadd (%0,%1,1), %%tmm" #t ::"r"(base), "r"((int64_t)(stride)) : "memory")
#define PG_TILE_STORE(t, base, stride) \
    __asm__ volatile("tilestored %%tmm" #t ", (%0,%1,1)" ::"r"(base), "r"((int64_t)(stride)) : "memory")
/* c[i][j] += sum_p a[i][2p] b[p][2j] + a[i][2p + 1] b[p][2j + 1], bf16 in, float32 accumulate. */
#define PG_TILE_DP(c, a, b) __asm__ volatile("tdpbf16ps %%tmm" #b ", %%tmm" #a ", %%tmm" #c ::)
/* c[i][j] += sum_p sum_{t < 4} a[i][4p + t] b[p][4j + t], signed bytes, int32 accumulate (wrapping). */
#define PG_TILE_DPBSSD(c, a, b) __asm__ volatile("tdpbssd %%tmm" #b ", %%tmm" #a ", %%tmm" #c ::)
#endif

#endif /* PG_AMX_H */
