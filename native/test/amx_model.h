/*
 * amx_model.h: a software model of the AMX tile unit for the C tests (not a test itself).
 *
 * Defines the PG_TILE_* macros before src/pg_amx.h is seen, so src/gemm_amx.c (test_gemm_amx.c) or
 * src/gemm_q8_amx.c (test_gemm_q8.c) included into a test runs its AMX path on any CPU: the packing,
 * the tile shapes, strides and edge handling are then checked on machines without AMX. Semantics
 * follow the Intel SDM pseudocode (palette 1: 8 tiles of up to 16 rows x 64 bytes): TILELOADD /
 * TILESTORED copy rows x colsb bytes at base + r * stride and zero the rest of the tile; TDPBF16PS
 * adds a[m][2p] b[p][2n] + a[m][2p+1] b[p][2n+1] into the float32 c[m][n] with bf16 inputs read
 * denormals-as-zero, float32 round to nearest even and flush-to-zero results; TDPBSSD adds the four
 * products a[m][4p + t] b[p][4n + t] of sign-extended bytes (t < 4) into the int32 c[m][n], every
 * add wrapping modulo 2^32 (no saturation). Both zero the bytes of c's rows past its colsb. Every
 * use the hardware would fault on (no configuration, a zero-sized tile, operand shapes that do not
 * chain) is counted in amx_model_faults.
 */
#ifndef PG_AMX_MODEL_H
#define PG_AMX_MODEL_H

#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static struct {
    int configured;
    int rows[8];
    int colsb[8];
    uint8_t tmm[8][16][64];
} amx_model;

static int amx_model_faults;

static void amx_model_fault(const char *what, int t) {
    amx_model_faults++;
    if (amx_model_faults <= 10) {
        fprintf(stderr, "AMX model fault: %s (tmm%d)\n", what, t);
    }
}

static void amx_model_config(const void *cfg) {
    const uint8_t *c = cfg;
    memset(&amx_model, 0, sizeof amx_model);
    if (c[0] != 1) {
        amx_model_fault("palette is not 1", -1);
        return;
    }
    for (int t = 0; t < 16; t++) {
        int colsb = c[16 + 2 * t] | c[17 + 2 * t] << 8, rows = c[48 + t];
        if (t >= 8 ? colsb || rows : colsb > 64 || rows > 16 || (colsb == 0) != (rows == 0)) {
            amx_model_fault("invalid tile shape", t);
            return;
        }
        if (t < 8) {
            amx_model.rows[t] = rows;
            amx_model.colsb[t] = colsb;
        }
    }
    amx_model.configured = 1;
}

static void amx_model_release(void) {
    memset(&amx_model, 0, sizeof amx_model);
}

static int amx_model_usable(int t) {
    if (!amx_model.configured || t < 0 || t > 7 || amx_model.rows[t] == 0) {
        amx_model_fault("tile not configured", t);
        return 0;
    }
    return 1;
}

static void amx_model_zero(int t) {
    if (amx_model_usable(t)) {
        memset(amx_model.tmm[t], 0, sizeof amx_model.tmm[t]);
    }
}

static void amx_model_load(int t, const void *base, int64_t stride) {
    if (!amx_model_usable(t)) {
        return;
    }
    memset(amx_model.tmm[t], 0, sizeof amx_model.tmm[t]);
    for (int r = 0; r < amx_model.rows[t]; r++) {
        memcpy(amx_model.tmm[t][r], (const uint8_t *)base + r * stride, (size_t)amx_model.colsb[t]);
    }
}

static void amx_model_store(int t, void *base, int64_t stride) {
    if (!amx_model_usable(t)) {
        return;
    }
    for (int r = 0; r < amx_model.rows[t]; r++) {
        memcpy((uint8_t *)base + r * stride, amx_model.tmm[t][r], (size_t)amx_model.colsb[t]);
    }
}

static float amx_model_bf16(const uint8_t *p) {
    uint32_t bits = (uint32_t)(p[0] | p[1] << 8) << 16;
    if ((bits & 0x7f800000u) == 0) {
        return 0.0f; /* denormals are zero */
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* The shape rules of the tile dot products (the SDM's #UD conditions): three distinct configured tiles,
 * a [M rows][K dwords], b [K rows][N dwords], c [M rows][N dwords]. */
static int amx_model_chains(int c, int a, int b, const char *op) {
    if (!amx_model_usable(c) || !amx_model_usable(a) || !amx_model_usable(b)) {
        return 0;
    }
    if (c == a || c == b || a == b) {
        amx_model_fault(op, c);
        return 0;
    }
    int M = amx_model.rows[c], K = amx_model.colsb[a] / 4;
    if (amx_model.rows[a] != M || amx_model.rows[b] != K || amx_model.colsb[b] != amx_model.colsb[c]
        || amx_model.colsb[c] % 4 || amx_model.colsb[a] % 4) {
        amx_model_fault(op, c);
        return 0;
    }
    return 1;
}

static void amx_model_dp(int c, int a, int b) {
    if (!amx_model_chains(c, a, b, "tdpbf16ps: operands not distinct or shapes do not chain")) {
        return;
    }
    int M = amx_model.rows[c], N = amx_model.colsb[c] / 4, K = amx_model.colsb[a] / 4;
    float av[16][32], bv[16][32]; /* the bf16 operands, widened once */
    for (int r = 0; r < 16; r++) {
        for (int e = 0; e < 32; e++) {
            av[r][e] = amx_model_bf16(&amx_model.tmm[a][r][2 * e]);
            bv[r][e] = amx_model_bf16(&amx_model.tmm[b][r][2 * e]);
        }
    }
    for (int m = 0; m < M; m++) {
        for (int n = 0; n < N; n++) {
            float acc;
            memcpy(&acc, &amx_model.tmm[c][m][4 * n], sizeof acc);
            for (int p = 0; p < K; p++) {
                /* each bf16 x bf16 product is exact in float32; only the sums round */
                acc += av[m][2 * p] * bv[p][2 * n];
                acc += av[m][2 * p + 1] * bv[p][2 * n + 1];
            }
            if (acc != 0.0f && acc > -FLT_MIN && acc < FLT_MIN) {
                acc = acc < 0 ? -0.0f : 0.0f; /* flush to zero */
            }
            memcpy(&amx_model.tmm[c][m][4 * n], &acc, sizeof acc);
        }
        memset(&amx_model.tmm[c][m][4 * N], 0, (size_t)(64 - 4 * N));
    }
}

static void amx_model_dpbssd(int c, int a, int b) {
    if (!amx_model_chains(c, a, b, "tdpbssd: operands not distinct or shapes do not chain")) {
        return;
    }
    int M = amx_model.rows[c], N = amx_model.colsb[c] / 4, K = amx_model.colsb[a] / 4;
    for (int m = 0; m < M; m++) {
        for (int n = 0; n < N; n++) {
            uint32_t acc; /* unsigned: the adds wrap as the hardware's do, with no undefined overflow */
            memcpy(&acc, &amx_model.tmm[c][m][4 * n], sizeof acc);
            for (int p = 0; p < K; p++) {
                int32_t dot = 0; /* four products of int8 fit easily */
                for (int t = 0; t < 4; t++) {
                    dot += (int32_t)(int8_t)amx_model.tmm[a][m][4 * p + t]
                         * (int32_t)(int8_t)amx_model.tmm[b][p][4 * n + t];
                }
                acc += (uint32_t)dot;
            }
            memcpy(&amx_model.tmm[c][m][4 * n], &acc, sizeof acc);
        }
        memset(&amx_model.tmm[c][m][4 * N], 0, (size_t)(64 - 4 * N));
    }
}

#define PG_TILE_CONFIG(cfg) amx_model_config(cfg)
#define PG_TILE_RELEASE() amx_model_release()
#define PG_TILE_ZERO(t) amx_model_zero(t)
#define PG_TILE_LOAD(t, base, stride) amx_model_load(t, base, stride)
#define PG_TILE_STORE(t, base, stride) amx_model_store(t, base, stride)
#define PG_TILE_DP(c, a, b) amx_model_dp(c, a, b)
#define PG_TILE_DPBSSD(c, a, b) amx_model_dpbssd(c, a, b)

#endif /* PG_AMX_MODEL_H */
