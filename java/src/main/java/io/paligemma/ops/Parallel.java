package io.paligemma.ops;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The compute threads of one engine: {@code threads - 1} workers plus the calling thread. Both op
 * backends split their loops through this one pool, so a single thread setting governs the whole
 * process and two libraries never oversubscribe the cores.
 *
 * <p>A decode step makes ~150 parallel calls of 0.1–3 ms each. Handing work to a parked thread costs
 * 15–70 µs on this VM (futex wake of an idle vCPU; measured with an executor), which is most of a small
 * call and several percent of a large one. So a worker polls for the next job for {@link #SPIN_NANOS}
 * after each one before it parks, as OpenMP runtimes do, and a caller that finds its chunk done before a
 * late worker has started takes the worker's chunk itself.
 */
public final class Parallel implements AutoCloseable {

    /** Body of a parallel loop over the index range [start, end). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    /** Body of a parallel loop over a long element range [start, end). */
    @FunctionalInterface
    public interface LongRangeBody {
        void run(long start, long end);
    }

    /**
     * How long an idle worker polls before parking: longer than the serial gaps between the ops of a
     * decode step (a few µs to ~100 µs), short enough that an idle engine, or an OpenBLAS call that
     * brings its own threads, loses a core only briefly.
     */
    static final long SPIN_NANOS = 200_000;
    /** The first part of the poll is pure pause loops (sub-µs pickup); the rest yields between polls. */
    static final long PAUSE_NANOS = 20_000;

    private static final AtomicInteger POOL_IDS = new AtomicInteger();
    private static final ThreadLocal<Boolean> IS_WORKER = ThreadLocal.withInitial(() -> false);

    private final int threads;
    private final Worker[] workers; // threads - 1 of them
    /** One loop at a time uses the workers; a second caller meanwhile runs its loop inline. */
    private final AtomicBoolean inUse = new AtomicBoolean();
    /** The loop the workers help with, reused by every call (one at a time: {@link #inUse}). */
    private final Job job = new Job();
    private volatile boolean closed;

    public Parallel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        int pool = POOL_IDS.incrementAndGet();
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker("paligemma-compute-" + pool + "-" + (i + 1));
            workers[i].thread.start();
        }
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs body over [0, n) split into at most {@link #threads()} contiguous chunks whose starts are
     * multiples of {@code grain} (so vector or cache blocks are not cut), and returns when all of them
     * are done; the first exception of a chunk is rethrown. Runs inline when called from a worker
     * (nested use cannot deadlock), after {@link #close()}, or while another thread's loop holds the
     * workers (the cores are busy then anyway).
     */
    public void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) {
            return;
        }
        int blocks = (n + grain - 1) / grain;
        int parts = Math.min(threads, blocks);
        if (parts <= 1 || closed || IS_WORKER.get() || !inUse.compareAndSet(false, true)) {
            body.run(0, n);
            return;
        }
        try {
            job.start(body, n, grain, blocks, parts);
            for (Worker w : workers) {
                if (w.parked) {
                    LockSupport.unpark(w.thread);
                }
            }
            job.work();
            job.awaitDone();
            job.finish();
        } finally {
            inUse.set(false);
        }
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

    @Override
    public void close() {
        closed = true;
        for (Worker w : workers) {
            LockSupport.unpark(w.thread);
        }
    }

    /**
     * The parallel loop, one generation per {@link #forRange} call: its chunks are claimed by whoever comes
     * first, the caller or a worker. One object serves every call (a new one per call was garbage on every
     * op of every decode step). A claim is a compare-and-set on (generation, next chunk), so a worker that
     * read the loop's fields just before the caller moved to the next generation can never run a chunk
     * with them: its claim fails. A successful claim pins the generation, because the caller starts the next
     * one only when every chunk has finished.
     */
    private static final class Job {
        // written by the caller before it publishes the generation through claims
        private RangeBody body;
        private int n;
        private int grain;
        private int blocks;
        private int parts;
        private volatile Throwable failure;
        /** Chunk index of a closed generation: above every chunk count, so no claim on it can succeed. */
        private static final long CLOSED = Integer.MAX_VALUE;
        /** generation << 32 | index of the next chunk to claim. */
        private final AtomicLong claims = new AtomicLong();
        private final AtomicInteger unfinished = new AtomicInteger();

        /**
         * Caller: a new generation of the loop; the volatile write of claims publishes the fields. The old
         * generation is closed first: a worker that read the old, exhausted claim word (G, parts) and then
         * the new, larger {@code parts} would otherwise win its compare-and-set on (G, parts) before the new
         * generation is published, and run the new loop's chunk {@code parts} with the new body and bounds,
         * a chunk that a claimer of the new generation then runs a second time (seen once in 20,000 loops
         * of ParallelTest under load). Closing first makes that compare-and-set fail.
         */
        void start(RangeBody body, int n, int grain, int blocks, int parts) {
            long gen = generation();
            claims.set(gen << 32 | CLOSED);
            this.body = body;
            this.n = n;
            this.grain = grain;
            this.blocks = blocks;
            this.parts = parts;
            this.failure = null;
            unfinished.set(parts);
            claims.set((gen + 1) << 32);
        }

        long generation() {
            return claims.get() >>> 32;
        }

        /** Runs chunks of the current generation until none is left to claim (or a new generation began). */
        void work() {
            long c = claims.get();
            long gen = c >>> 32;
            RangeBody b = body;
            int count = parts;
            while ((int) c < count) {
                if (claims.compareAndSet(c, c + 1)) {
                    int p = (int) c;
                    try {
                        b.run(start(p), start(p + 1));
                    } catch (Throwable t) {
                        if (failure == null) {
                            failure = t;
                        }
                    } finally {
                        unfinished.decrementAndGet();
                    }
                }
                c = claims.get();
                if (c >>> 32 != gen) {
                    return;
                }
            }
        }

        private int start(int p) {
            return (int) Math.min(n, (long) blocks * p / parts * grain);
        }

        /**
         * A chunk still running on a worker ends within one chunk's time, so polling beats parking; past a
         * millisecond (a descheduled worker) the caller yields its core between polls.
         */
        void awaitDone() {
            long since = System.nanoTime();
            while (unfinished.get() > 0) {
                if (System.nanoTime() - since < 1_000_000) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
        }

        /** Caller, after {@link #awaitDone}: drops the body (no reference outlives the call) and rethrows. */
        void finish() {
            body = null;
            Throwable t = failure;
            failure = null;
            if (t instanceof RuntimeException re) {
                throw re;
            }
            if (t instanceof Error err) {
                throw err;
            }
            if (t != null) {
                throw new IllegalStateException(t);
            }
        }
    }

    private final class Worker implements Runnable {
        final Thread thread;
        volatile boolean parked;

        Worker(String name) {
            thread = new Thread(this, name);
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            IS_WORKER.set(true);
            long done = job.generation();
            long idleSince = System.nanoTime();
            while (!closed) {
                long gen = job.generation();
                if (gen != done) {
                    job.work();
                    done = gen;
                    idleSince = System.nanoTime();
                } else if (System.nanoTime() - idleSince < PAUSE_NANOS) {
                    Thread.onSpinWait();
                } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    // OpenBLAS brings its own threads to sgemm/sgemv: yielding hands them this core
                    Thread.yield();
                } else {
                    parked = true;
                    // re-check after announcing: a caller that published before seeing parked = true
                    // did not unpark us
                    if (job.generation() == done) {
                        if (!closed) {
                            LockSupport.park(this);
                        }
                    }
                    parked = false;
                    idleSince = System.nanoTime();
                }
            }
        }
    }
}
