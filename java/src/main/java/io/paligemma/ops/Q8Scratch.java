package io.paligemma.ops;

import io.paligemma.tensor.Q8;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Where a Q8_0 product puts its quantized activations (xq [m, blocks(k)·32] int8, xs [m, blocks(k)]
 * float32, and for the Java backend's float path their dequantized copy xf [m, k] float32): one buffer per
 * calling thread, grown when a call needs more and reused otherwise, so a decode step allocates nothing.
 * Shared memory: the pool's workers read it while the caller waits in {@link Parallel#forRange}. A thread
 * runs one product at a time, so a call owns its thread's buffer.
 */
final class Q8Scratch {
    private static final ThreadLocal<Q8Scratch> PER_THREAD = ThreadLocal.withInitial(Q8Scratch::new);

    private Arena arena;
    private MemorySegment memory = MemorySegment.NULL;

    private Q8Scratch() {
    }

    /** This thread's buffer, big enough for m rows of k: [0, xqBytes) xq, then xs, then (withFloats) xf. */
    static Q8Scratch forRows(int m, int k, boolean withFloats) {
        Q8Scratch s = PER_THREAD.get();
        long need = xfOffset(m, k) + (withFloats ? 4L * m * k : 0);
        if (s.memory.byteSize() < need) {
            if (s.arena != null) {
                s.arena.close();
            }
            s.arena = Arena.ofShared();
            s.memory = s.arena.allocate(need, 64);
        }
        return s;
    }

    private static long xqBytes(int m, int k) {
        return (long) m * Q8.blocks(k) * Q8.BLOCK;
    }

    private static long xfOffset(int m, int k) {
        return (xqBytes(m, k) + 4L * m * Q8.blocks(k) + 63) / 64 * 64;
    }

    MemorySegment xq(int m, int k) {
        return memory.asSlice(0, xqBytes(m, k));
    }

    MemorySegment xs(int m, int k) {
        return memory.asSlice(xqBytes(m, k), 4L * m * Q8.blocks(k));
    }

    /** The dequantized activations [m, k] (only after {@code forRows(m, k, true)}). */
    MemorySegment xf(int m, int k) {
        return memory.asSlice(xfOffset(m, k), 4L * m * k);
    }
}
