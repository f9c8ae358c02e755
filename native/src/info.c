/* info.c: build facts, CPU feature detection and the calling thread's stack headroom. */
#define _GNU_SOURCE /* pthread_getattr_np */
#include "pg_internal.h"

#include <cpuid.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PG_BUILD_FLAGS
#define PG_BUILD_FLAGS "unknown"
#endif

#define ARCH_GET_XCOMP_PERM 0x1022
#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18

const char *pg_build_info(void) {
    return PG_BUILD_FLAGS;
}

/* XCR0 tells which register states the OS saves; AVX-512 needs opmask/ZMM (bits 5-7), AMX tiles 17-18. */
static uint64_t xgetbv0(void) {
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
}

int32_t pg_cpu_features(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) {
        return 0;
    }
    int osxsave = (c >> 27) & 1;
    int f16c = (c >> 29) & 1;
    int fma = (c >> 12) & 1;
    if (!osxsave) {
        return 0;
    }
    uint64_t xcr0 = xgetbv0();
    int32_t features = 0;
    if (f16c && (xcr0 & 0x6) == 0x6) {
        features |= PG_CPU_F16C;
    }
    if (__get_cpuid_max(0, 0) < 7) {
        return features;
    }
    __cpuid_count(7, 0, a, b, c, d);
    int avx2 = (b >> 5) & 1;
    int avx512f = (b >> 16) & 1;
    int avx512_vnni = (c >> 11) & 1;
    int amx_bf16 = (d >> 22) & 1;
    int amx_tile = (d >> 24) & 1;
    int amx_int8 = (d >> 25) & 1;
    int zmm_ok = (xcr0 & 0xe6) == 0xe6;
    if (avx2 && fma && f16c && (xcr0 & 0x6) == 0x6) {
        features |= PG_CPU_AVX2;
        unsigned a1, b1, c1, d1;
        __cpuid_count(7, 1, a1, b1, c1, d1);
        if ((a1 >> 4) & 1) {
            features |= PG_CPU_AVX_VNNI;
        }
    }
    if (avx512f && zmm_ok) {
        features |= PG_CPU_AVX512F;
        if (avx512_vnni) {
            features |= PG_CPU_AVX512_VNNI;
        }
        unsigned a1, b1, c1, d1;
        __cpuid_count(7, 1, a1, b1, c1, d1);
        if ((a1 >> 5) & 1) {
            features |= PG_CPU_AVX512_BF16;
        }
    }
    /* AMX state is enabled lazily per process on Linux: XCR0 bit 18 may read 0 until granted,
     * so only CPUID is checked here and pg_amx_request() asks the kernel. */
    if (amx_bf16 && amx_tile) {
        features |= PG_CPU_AMX_BF16;
    }
    if (amx_int8 && amx_tile) {
        features |= PG_CPU_AMX_INT8;
    }
    return features;
}

int pg_amx_permitted(void) {
    unsigned long bitmask = 0;
    if (syscall(SYS_arch_prctl, ARCH_GET_XCOMP_PERM, &bitmask) != 0) {
        return 0;
    }
    return (bitmask & (1UL << XFEATURE_XTILEDATA)) ? 1 : 0;
}

/* 1 once pg_amx_request() was granted tiles on a CPU with AMX-INT8 (a grant lasts for the process). Read by
 * pg_gemm_q8's dispatcher; pg_cpu_features() is not cheap enough for every call (CPUID traps in a VM). */
static int g_amx_int8_granted;

int32_t pg_amx_request(void) {
    /* AMX-BF16 is required, as before AMX-INT8 was used: its callers take a grant to mean bf16 tiles (every AMX
     * CPU so far, Sapphire Rapids on, has AMX-INT8 beside it) */
    const int32_t features = pg_cpu_features();
    if (!(features & PG_CPU_AMX_BF16)) {
        return 0;
    }
    if (syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) != 0) {
        return 0;
    }
    const int granted = pg_amx_permitted();
    if (granted && (features & PG_CPU_AMX_INT8)) {
        __atomic_store_n(&g_amx_int8_granted, 1, __ATOMIC_RELAXED);
    }
    return granted;
}

int pg_has_amx_int8(void) {
    return __atomic_load_n(&g_amx_int8_granted, __ATOMIC_RELAXED) && pg_has_avx512();
}

int64_t pg_stack_headroom(void) {
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) != 0) {
        return -1;
    }
    void *low = NULL;
    size_t size = 0;
    int ok = pthread_attr_getstack(&attr, &low, &size) == 0;
    pthread_attr_destroy(&attr);
    if (!ok || low == NULL) {
        return -1;
    }
    /* the stack grows down: the free part lies between its lowest address and this frame. The frame's
     * address, not a local's: AddressSanitizer (detect_stack_use_after_return) moves locals to a heap
     * "fake stack", where a local's address said 0 bytes were left. */
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    uintptr_t bottom = (uintptr_t)low;
    return sp > bottom ? (int64_t)(sp - bottom) : 0;
}

/* ---- instruction-set level ------------------------------------------------------------------ */

/* -1: no cap. Written by pg_isa_cap and once by the constructor below; read by every dispatcher. */
static int g_isa_cap = -1;

int32_t pg_isa_supported(void) {
    if (pg_has_avx512() && pg_has_avx2()) {
        return PG_ISA_AVX512;
    }
    return pg_has_avx2() ? PG_ISA_AVX2 : PG_ISA_SCALAR;
}

int pg_isa(void) {
    int cap = __atomic_load_n(&g_isa_cap, __ATOMIC_RELAXED);
    int best = pg_isa_supported();
    return cap >= 0 && cap < best ? cap : best;
}

int32_t pg_isa_cap(int32_t level) {
    __atomic_store_n(&g_isa_cap, level < 0 ? -1 : level, __ATOMIC_RELAXED);
    return pg_isa();
}

int32_t pg_isa_in_use(void) {
    return pg_isa();
}

/* PG_ISA=scalar|avx2|avx512 caps the level from the start (C tests, bench_gemm, any host program). An
 * unknown value is ignored: the library must load whatever the environment holds. */
__attribute__((constructor)) static void isa_from_environment(void) {
    const char *v = getenv("PG_ISA");
    if (v == NULL) {
        return;
    }
    static const char *const names[] = {"scalar", "avx2", "avx512"};
    for (int i = 0; i < 3; i++) {
        if (strcmp(v, names[i]) == 0) {
            g_isa_cap = i;
        }
    }
}

const char *pg_kernel_path(int32_t family) {
    static const char *const plain[] = {"scalar", "avx2", "avx512"};
    static const char *const gemm[] = {
        "scalar",
        "avx2 (stream below " PG_STR(PG_GEMM_PACKED_MIN_M) " rows, packed 6x16 tiles from there)",
        "avx512 (stream below " PG_STR(PG_GEMM_PACKED_MIN_M) " rows, packed 12x32 tiles from there)"};
    int isa = pg_isa();
    switch (family) {
    case PG_FAMILY_SOFTMAX:
    case PG_FAMILY_ROPE:
    case PG_FAMILY_NORM:
    case PG_FAMILY_ACT:
    case PG_FAMILY_ELEMENTWISE:
    case PG_FAMILY_CONVERT:
    case PG_FAMILY_ROOFLINE:
        return plain[isa];
    case PG_FAMILY_GEMM_HALF:
        return gemm[isa];
    case PG_FAMILY_GEMM_Q8:
        if (isa >= PG_ISA_AVX512 && pg_has_amx_int8()) {
            return pg_has_avx512_vnni()
                       ? "avx512_vnni + amx_int8 (vpdpbusd stream below " PG_STR(PG_GEMM_Q8_PACKED_MIN_M) " rows, "
                         "tdpbssd 32x32 tiles of block sums from there)"
                       : "avx512 + amx_int8 (vpmaddubsw stream below " PG_STR(PG_GEMM_Q8_PACKED_MIN_M) " rows, "
                         "tdpbssd 32x32 tiles of block sums from there)";
        }
        if (isa >= PG_ISA_AVX512) {
            return pg_has_avx512_vnni()
                       ? "avx512_vnni (vpdpbusd: stream below " PG_STR(PG_GEMM_Q8_PACKED_MIN_M) " rows, packed 6x32 "
                         "integer tiles from there)"
                       : "avx512 (vpmaddubsw stream below " PG_STR(PG_GEMM_Q8_PACKED_MIN_M) " rows, vpmaddwd packed "
                         "6x32 integer tiles from there)";
        }
        if (isa == PG_ISA_AVX2) {
            return pg_has_avx_vnni()
                       ? "avx2 + avx_vnni (vpdpbusd: stream below " PG_STR(PG_GEMM_Q8_PACKED_MIN_M) " rows, packed "
                         "3x16 integer tiles from there)"
                       : "avx2 (vpmaddubsw stream below " PG_STR(PG_GEMM_Q8_PACKED_MIN_M) " rows, vpmaddwd packed 3x16 "
                         "integer tiles from there)";
        }
        return "scalar";
    case PG_FAMILY_GEMM_BF16_DP:
        return isa >= PG_ISA_AVX512 && pg_has_avx512_bf16() ? "avx512_bf16 (vdpbf16ps)"
                                                             : "none: runs the 16-bit product (pg_gemm_bf16)";
    default:
        return "unknown family";
    }
}
