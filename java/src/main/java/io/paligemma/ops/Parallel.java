package io.paligemma.ops;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The compute threads of one engine: {@code threads - 1} workers plus the calling thread. Both op
 * backends split their loops through this one pool, so a single thread setting governs the whole
 * process and two libraries never oversubscribe the cores.
 */
public final class Parallel implements AutoCloseable {

    /** Body of a parallel loop over the index range [start, end). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    private static final AtomicInteger POOL_IDS = new AtomicInteger();
    private static final ThreadLocal<Boolean> IS_WORKER = ThreadLocal.withInitial(() -> false);

    private final int threads;
    private final ExecutorService workers; // null with one thread

    public Parallel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        int pool = POOL_IDS.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        this.workers = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(() -> {
                IS_WORKER.set(true);
                r.run();
            }, "paligemma-compute-" + pool + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs body over [0, n) split into at most {@link #threads()} contiguous chunks whose starts are
     * multiples of {@code grain} (so vector or cache blocks are not cut), and waits for all of them.
     * Called from inside a worker it runs inline, which keeps nested use free of deadlock.
     */
    public void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) {
            return;
        }
        int blocks = (n + grain - 1) / grain;
        int parts = Math.min(threads, blocks);
        if (parts <= 1 || workers == null || IS_WORKER.get()) {
            body.run(0, n);
            return;
        }
        @SuppressWarnings("unchecked")
        Future<?>[] pending = new Future<?>[parts - 1];
        for (int p = 1; p < parts; p++) {
            int start = chunkStart(p, parts, blocks, grain, n);
            int end = chunkStart(p + 1, parts, blocks, grain, n);
            pending[p - 1] = workers.submit(() -> body.run(start, end));
        }
        body.run(0, chunkStart(1, parts, blocks, grain, n));
        for (Future<?> f : pending) {
            await(f);
        }
    }

    /** Body of a parallel loop over a long element range [start, end). */
    @FunctionalInterface
    public interface LongRangeBody {
        void run(long start, long end);
    }

    /**
     * Runs body over [0, n) in pieces of {@code chunk} elements (the last one shorter) spread over the
     * threads; a range of one piece runs inline, so small element-wise ops pay no hand-off.
     */
    public void forElements(long n, int chunk, LongRangeBody body) {
        long pieces = (n + chunk - 1) / chunk;
        if (pieces > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(n + " elements is too many for one call");
        }
        forRange((int) pieces, 1, (p0, p1) -> body.run((long) p0 * chunk, Math.min(n, (long) p1 * chunk)));
    }

    private static int chunkStart(int p, int parts, int blocks, int grain, int n) {
        return (int) Math.min(n, (long) blocks * p / parts * grain);
    }

    private static void await(Future<?> f) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    f.get();
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (c instanceof RuntimeException re) {
                        throw re;
                    }
                    if (c instanceof Error err) {
                        throw err;
                    }
                    throw new IllegalStateException(c);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        if (workers != null) {
            workers.shutdownNow();
        }
    }
}
