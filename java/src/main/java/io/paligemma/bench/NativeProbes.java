package io.paligemma.bench;

import io.paligemma.bindings.pg_kernels_h;
import io.paligemma.nativelib.NativeLibraries;
import java.lang.foreign.MemorySegment;

/** The C halves of the roofline (pg_roofline_fma_f32, pg_read_bandwidth of native/src/roofline.c). */
final class NativeProbes {
    private NativeProbes() {
    }

    /** Whether the native libraries load here; without them the roofline is Java's alone. */
    static boolean available() {
        try {
            NativeLibraries.load();
            return true;
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** Runs the register-only FMA loop; returns the floating-point operations it performed. */
    static double fma(long iterations) {
        return pg_kernels_h.pg_roofline_fma_f32(iterations);
    }

    /** Reads seg once; returns its checksum. */
    static double read(MemorySegment seg) {
        return pg_kernels_h.pg_read_bandwidth(seg, seg.byteSize());
    }
}
