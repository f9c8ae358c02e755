package io.paligemma.ops;

import io.paligemma.tensor.Q8;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Where a Q8_0 product puts its quantized activations (xq [m, blocks(k)·32] int8, xs [m, blocks(k)]
 * float32): one buffer per calling thread, grown when a call needs more and reused otherwise, so a
 * decode step allocates nothing. Shared memory: the pool's workers read it while the caller waits in
 * {@link Parallel#forRange}. A thread runs one product at a time, so a call owns its thread's buffer.
 */
final class Q8Scratch {
    private static final ThreadLocal<Q8Scratch> PER_THREAD = ThreadLocal.withInitial(Q8Scratch::new);

    private Arena arena;
    private MemorySegment memory = MemorySegment.NULL;

    private Q8Scratch() {
    }

    /** This thread's buffer, at least big enough for m rows of k: [0, xqBytes) xq, then xs. */
    static Q8Scratch forRows(int m, int k) {
        Q8Scratch s = PER_THREAD.get();
        long need = xqBytes(m, k) + 4L * m * Q8.blocks(k);
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

    MemorySegment xq(int m, int k) {
        return memory.asSlice(0, xqBytes(m, k));
    }

    MemorySegment xs(int m, int k) {
        return memory.asSlice(xqBytes(m, k), 4L * m * Q8.blocks(k));
    }
}
