package io.paligemma.bench;

import io.paligemma.nativelib.NativeLibraries;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * The native roofline probes of the kernels library (pg_roofline_fma_f32, pg_read_bandwidth), looked up
 * by name at run time: a kernels library built before they existed simply has none, and the bench
 * reports the Java roofline alone.
 */
final class NativeProbes implements AutoCloseable {
    private final Arena arena;        // owns the library handle of the lookup
    private final MethodHandle fma;   // double pg_roofline_fma_f32(int64_t iterations)
    private final MethodHandle read;  // double pg_read_bandwidth(const void *buf, int64_t bytes)

    private NativeProbes(Arena arena, MethodHandle fma, MethodHandle read) {
        this.arena = arena;
        this.fma = fma;
        this.read = read;
    }

    /** The probes, or empty when the native libraries do not load or do not have them. */
    static Optional<NativeProbes> open() {
        Arena arena = Arena.ofShared();
        try {
            SymbolLookup lib = SymbolLookup.libraryLookup(NativeLibraries.load().kernels(), arena);
            Optional<MemorySegment> f = lib.find("pg_roofline_fma_f32");
            Optional<MemorySegment> r = lib.find("pg_read_bandwidth");
            if (f.isEmpty() || r.isEmpty()) {
                arena.close();
                return Optional.empty();
            }
            Linker linker = Linker.nativeLinker();
            MethodHandle fma = linker.downcallHandle(f.get(),
                    FunctionDescriptor.of(ValueLayout.JAVA_DOUBLE, ValueLayout.JAVA_LONG));
            MethodHandle read = linker.downcallHandle(r.get(),
                    FunctionDescriptor.of(ValueLayout.JAVA_DOUBLE, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
            return Optional.of(new NativeProbes(arena, fma, read));
        } catch (RuntimeException | LinkageError e) {
            arena.close();
            return Optional.empty();
        }
    }

    /** Runs the register-only FMA loop; returns the floating-point operations it performed. */
    double fma(long iterations) {
        try {
            return (double) fma.invokeExact(iterations);
        } catch (Throwable t) {
            throw new IllegalStateException("pg_roofline_fma_f32 failed", t);
        }
    }

    /** Reads seg once; returns its checksum. */
    double read(MemorySegment seg) {
        try {
            return (double) read.invokeExact(seg, seg.byteSize());
        } catch (Throwable t) {
            throw new IllegalStateException("pg_read_bandwidth failed", t);
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
