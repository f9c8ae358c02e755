package io.paligemma.bench;

import io.paligemma.bindings.pg_kernels_h;
import io.paligemma.nativelib.NativeLibraries;
import io.paligemma.ops.KernelIsa;
import java.lang.foreign.MemorySegment;

/**
 * The C halves of the roofline (pg_roofline_fma_f32, pg_roofline_dp_bf16 / pg_roofline_amx_bf16,
 * pg_roofline_dot_i8, pg_read_bandwidth of native/src/roofline.c).
 */
final class NativeProbes {
    private NativeProbes() {
    }

    /** Whether the native libraries load here; without them the roofline is Java's alone. */
    static boolean available() {
        try {
            NativeLibraries.load();
            KernelIsa.applySystemProperty(); // the probes run on the level the runs will use
            return true;
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** Runs the register-only FMA loop; returns the floating-point operations it performed. */
    static double fma(long iterations) {
        return pg_kernels_h.pg_roofline_fma_f32(iterations);
    }

    /**
     * The bf16 unit whose peak {@link #bf16} measures: "amx" (tiles granted to this process),
     * "avx512_bf16" (VDPBF16PS), or "" when the CPU has neither (the probe would only time the
     * portable loop).
     */
    static String bf16Unit() {
        if (KernelIsa.inUse() != KernelIsa.AVX512) {
            return ""; // capped below AVX-512 (--isa): the kernels use no bf16 unit, and the probes would not either
        }
        if (pg_kernels_h.pg_amx_request() == 1) {
            return "amx";
        }
        return (pg_kernels_h.pg_cpu_features() & pg_kernels_h.PG_CPU_AVX512_BF16()) != 0 ? "avx512_bf16" : "";
    }

    /** Runs the register-only loop of {@link #bf16Unit}; returns the floating-point operations it performed. */
    static double bf16(String unit, long iterations) {
        return unit.equals("amx") ? pg_kernels_h.pg_roofline_amx_bf16(iterations)
                : pg_kernels_h.pg_roofline_dp_bf16(iterations);
    }

    /**
     * The int8 dot product {@link #dotI8} runs, which is the one pg_gemm_q8's compute-bound (packed) path runs
     * on the level in use: "amx_int8" where the packed (prefill) path runs on AMX-INT8 tiles, else the first word of
     * pg_kernel_path(PG_FAMILY_GEMM_Q8), "avx512_vnni" (VPDPBUSD), "avx512" or "avx2" (VPMADDUBSW +
     * VPMADDWD), or "scalar".
     */
    static String dotI8Path() {
        String path = pg_kernels_h.pg_kernel_path(pg_kernels_h.PG_FAMILY_GEMM_Q8()).reinterpret(4096).getString(0).trim();
        if (path.contains("amx_int8")) {
            return "amx_int8"; // the packed path (prefill) runs on the tiles: their peak, not the VNNI unit's
        }
        int space = path.indexOf(' ');
        return space < 0 ? path : path.substring(0, space);
    }

    /** Runs the register-only int8 dot loop of {@link #dotI8Path}; returns the int8 multiply-adds it performed times 2. */
    static double dotI8(long iterations) {
        return dotI8Path().equals("amx_int8") ? pg_kernels_h.pg_roofline_amx_i8(iterations)
                : pg_kernels_h.pg_roofline_dot_i8(iterations);
    }

    /** Reads seg once; returns its checksum. */
    static double read(MemorySegment seg) {
        return pg_kernels_h.pg_read_bandwidth(seg, seg.byteSize());
    }
}
