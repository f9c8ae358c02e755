package io.paligemma.bench;

import io.paligemma.bindings.pg_kernels_h;
import io.paligemma.nativelib.NativeLibraries;
import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The fixed cost of one FFM downcall: pg_scale with n = 0 (the C function returns at once) called in a
 * loop, through the jextract binding and through a handle built with {@code Linker.Option.critical(true)}
 * (no thread-state transition), best of several runs.
 *
 * @param jextractNs nanoseconds per call through {@code pg_kernels_h.pg_scale}
 * @param criticalNs nanoseconds per call through the critical handle
 */
public record DowncallOverhead(double jextractNs, double criticalNs, long calls, int runs) {

    /** Built on first use, after the library is loaded; static final so C2 treats the handle as a constant. */
    private static final class Critical {
        static final MethodHandle PG_SCALE = Linker.nativeLinker().downcallHandle(pg_kernels_h.pg_scale$address(),
                pg_kernels_h.pg_scale$descriptor(), Linker.Option.critical(true));
    }

    public static DowncallOverhead measure(long calls, int runs, Progress progress) {
        if (calls < 1 || runs < 1) {
            throw new IllegalArgumentException("calls and runs must be >= 1, got " + calls + " and " + runs);
        }
        NativeLibraries.load();
        progress.begin("downcall overhead", 2L * runs + 2);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = arena.allocate(64, 64);
            jextract(x, Math.min(calls, 200_000)); // JIT warm-up of both loops
            jextract(x, Math.min(calls, 200_000));
            progress.step();
            critical(x, Math.min(calls, 200_000));
            critical(x, Math.min(calls, 200_000));
            progress.step();
            long bestJ = Long.MAX_VALUE;
            long bestC = Long.MAX_VALUE;
            for (int r = 0; r < runs; r++) {
                bestJ = Math.min(bestJ, jextract(x, calls));
                progress.step();
                bestC = Math.min(bestC, critical(x, calls));
                progress.step();
            }
            return new DowncallOverhead((double) bestJ / calls, (double) bestC / calls, calls, runs);
        } finally {
            progress.end();
        }
    }

    private static long jextract(MemorySegment x, long calls) {
        long t0 = System.nanoTime();
        for (long i = 0; i < calls; i++) {
            pg_kernels_h.pg_scale(x, 0, 1f);
        }
        return System.nanoTime() - t0;
    }

    private static long critical(MemorySegment x, long calls) {
        long t0 = System.nanoTime();
        try {
            for (long i = 0; i < calls; i++) {
                Critical.PG_SCALE.invokeExact(x, 0L, 1f);
            }
        } catch (Throwable t) {
            throw new IllegalStateException("critical pg_scale downcall failed", t);
        }
        return System.nanoTime() - t0;
    }
}
