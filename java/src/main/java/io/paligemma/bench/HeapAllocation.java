package io.paligemma.bench;

import java.lang.management.ManagementFactory;

/**
 * Heap bytes allocated so far by every live thread of this JVM (HotSpot's per-thread TLAB counters,
 * com.sun.management.ThreadMXBean): the difference over a stretch of work is the garbage it made,
 * the caller's and the compute pool's together. NaN where the JVM does not count.
 */
final class HeapAllocation {
    private HeapAllocation() {
    }

    static double allThreads() {
        if (!(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean mx)
                || !mx.isThreadAllocatedMemorySupported() || !mx.isThreadAllocatedMemoryEnabled()) {
            return Double.NaN;
        }
        long sum = 0;
        for (long bytes : mx.getThreadAllocatedBytes(mx.getAllThreadIds())) {
            sum += Math.max(0, bytes); // -1: the thread ended meanwhile
        }
        return sum;
    }

    /**
     * Heap bytes allocated so far by the engine's own threads: the schedulers' and the compute pools'
     * (what serving costs per token, without the clients' preprocessing).
     */
    static double engineThreads() {
        if (!(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean mx)
                || !mx.isThreadAllocatedMemorySupported() || !mx.isThreadAllocatedMemoryEnabled()) {
            return Double.NaN;
        }
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String name = t.getName();
            if (name.startsWith("paligemma-scheduler-") || name.startsWith("paligemma-compute-")) {
                sum += Math.max(0, mx.getThreadAllocatedBytes(t.threadId()));
            }
        }
        return sum;
    }
}
