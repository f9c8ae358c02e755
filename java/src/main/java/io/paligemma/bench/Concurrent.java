package io.paligemma.bench;

import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.function.IntConsumer;

/** Runs one body on several fresh threads released together and times the span from first start to last end. */
final class Concurrent {
    private Concurrent() {
    }

    /** Calls body(i) on thread i of {@code threads}; returns the wall-clock nanoseconds they took together. */
    static long time(int threads, IntConsumer body) {
        long[] start = new long[threads];
        long[] end = new long[threads];
        Throwable[] failure = new Throwable[1];
        CyclicBarrier go = new CyclicBarrier(threads);
        Thread[] all = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            int id = i;
            all[i] = new Thread(() -> {
                try {
                    go.await();
                    start[id] = System.nanoTime();
                    body.accept(id);
                    end[id] = System.nanoTime();
                } catch (InterruptedException | BrokenBarrierException e) {
                    Thread.currentThread().interrupt();
                    synchronized (failure) {
                        failure[0] = e;
                    }
                } catch (RuntimeException | Error e) {
                    synchronized (failure) {
                        failure[0] = e;
                    }
                    go.reset();
                }
            }, "paligemma-bench-" + i);
            all[i].start();
        }
        for (Thread t : all) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while timing", e);
            }
        }
        synchronized (failure) {
            if (failure[0] != null) {
                throw new IllegalStateException("a timed thread failed: " + failure[0], failure[0]);
            }
        }
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (int i = 0; i < threads; i++) {
            first = Math.min(first, start[i]);
            last = Math.max(last, end[i]);
        }
        return last - first;
    }
}
