package io.paligemma.ops;

import io.paligemma.bindings.pg_kernels_h;
import io.paligemma.nativelib.NativeLibraries;
import java.util.Locale;

/**
 * Instruction-set levels of the C kernels (PG_ISA_* of pg_kernels.h). Every kernel family has a path
 * per level; the library's dispatchers take the best the CPU supports unless capped lower. The cap is
 * one process-wide setting of the library ({@code --isa}, {@code -Dpaligemma.isa}, or
 * {@link #cap}): it forces a path for tests and for benchmarks that compare paths on one machine.
 */
public enum KernelIsa {
    SCALAR, AVX2, AVX512;

    /** The PG_ISA_* value. */
    public int level() {
        return ordinal();
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static KernelIsa parse(String name) {
        for (KernelIsa i : values()) {
            if (i.id().equals(name.trim().toLowerCase(Locale.ROOT))) {
                return i;
            }
        }
        throw new IllegalArgumentException("unknown instruction set '" + name + "': use scalar, avx2 or avx512");
    }

    /** The best level this CPU and OS support (loads the native libraries). */
    public static KernelIsa supported() {
        NativeLibraries.load();
        return values()[pg_kernels_h.pg_isa_supported()];
    }

    /** The level the kernels' dispatchers use now. */
    public static KernelIsa inUse() {
        NativeLibraries.load();
        return values()[pg_kernels_h.pg_isa_in_use()];
    }

    /**
     * Caps the level every native kernel uses from now on, in the whole process (calls already running
     * finish on their path). Asking for a level this CPU lacks is an error, not a silent fallback.
     */
    public static void cap(KernelIsa isa) {
        KernelIsa best = supported();
        if (isa.compareTo(best) > 0) {
            throw new IllegalArgumentException("instruction set " + isa.id() + " is not available on this CPU: it supports up to "
                    + best.id());
        }
        pg_kernels_h.pg_isa_cap(isa.level());
    }

    /** Removes the cap: the dispatchers take the best level again. */
    public static void uncap() {
        NativeLibraries.load();
        pg_kernels_h.pg_isa_cap(-1);
    }

    /**
     * Applies {@code -Dpaligemma.isa} when it is set (the CLI's --isa sets it): when a native backend
     * opens, and before the bench's roofline probes run.
     */
    public static void applySystemProperty() {
        String p = System.getProperty("paligemma.isa");
        if (p != null && !p.isBlank()) {
            cap(parse(p));
        }
    }
}
