package io.paligemma.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ParallelTest {

    @Test
    void everyIndexOnceInAtMostThreadsChunksOnGrainBoundaries() {
        for (int threads = 1; threads <= 4; threads++) {
            try (Parallel p = new Parallel(threads)) {
                for (int n : new int[] {1, 2, 7, 64, 65, 1000, 16384}) {
                    for (int grain : new int[] {1, 3, 64}) {
                        AtomicIntegerArray seen = new AtomicIntegerArray(n);
                        List<int[]> chunks = Collections.synchronizedList(new ArrayList<>());
                        p.forRange(n, grain, (s, e) -> {
                            chunks.add(new int[] {s, e});
                            for (int i = s; i < e; i++) {
                                seen.incrementAndGet(i);
                            }
                        });
                        for (int i = 0; i < n; i++) {
                            assertEquals(1, seen.get(i), "index " + i + " of n=" + n + ", grain " + grain);
                        }
                        assertTrue(chunks.size() <= threads, chunks.size() + " chunks with " + threads + " threads");
                        for (int[] c : chunks) {
                            assertEquals(0, c[0] % grain, "chunk start " + c[0] + " not on grain " + grain);
                        }
                    }
                }
            }
        }
    }

    @Test
    void aChunkFailureReachesTheCallerAndThePoolStaysUsable() {
        try (Parallel p = new Parallel(2)) {
            for (int round = 0; round < 50; round++) {
                IllegalStateException boom = new IllegalStateException("boom");
                // the second chunk fails; whichever thread runs it, the caller sees the same exception
                IllegalStateException got = assertThrows(IllegalStateException.class, () -> p.forRange(2, 1, (s, e) -> {
                    if (s == 1) {
                        throw boom;
                    }
                }));
                assertSame(boom, got);
                AtomicIntegerArray seen = new AtomicIntegerArray(2);
                p.forRange(2, 1, (s, e) -> seen.incrementAndGet(s));
                assertEquals(1, seen.get(0));
                assertEquals(1, seen.get(1));
            }
        }
    }

    @Test
    void nestedLoopsRunInlineWithoutDeadlock() {
        try (Parallel p = new Parallel(2)) {
            AtomicIntegerArray seen = new AtomicIntegerArray(16 * 16);
            p.forRange(16, 1, (s, e) -> {
                for (int i = s; i < e; i++) {
                    int row = i;
                    p.forRange(16, 1, (s2, e2) -> {
                        for (int j = s2; j < e2; j++) {
                            seen.incrementAndGet(row * 16 + j);
                        }
                    });
                }
            });
            for (int i = 0; i < 256; i++) {
                assertEquals(1, seen.get(i));
            }
        }
    }

    /**
     * The pool reuses one job record for every loop, telling loops apart by generation: back-to-back loops of
     * different sizes, each with its own body and counters, must each see every index exactly once, and a
     * late worker must never run one loop's chunk with another loop's body or bounds.
     */
    @Test
    void backToBackLoopsNeverMixTheirBodiesOrBounds() {
        try (Parallel p = new Parallel(3)) {
            AtomicIntegerArray previous = new AtomicIntegerArray(0);
            for (int call = 0; call < 20_000; call++) {
                int n = 1 + call % 67;
                int grain = 1 + call % 3;
                AtomicIntegerArray seen = new AtomicIntegerArray(n);
                AtomicIntegerArray before = previous;
                p.forRange(n, grain, (s, e) -> {
                    for (int i = s; i < e; i++) {
                        seen.incrementAndGet(i);
                    }
                });
                for (int i = 0; i < n; i++) {
                    assertEquals(1, seen.get(i), "call " + call + " index " + i);
                }
                for (int i = 0; i < before.length(); i++) {
                    assertEquals(1, before.get(i), "call " + (call - 1) + " touched again by call " + call);
                }
                previous = seen;
            }
        }
    }

    @Test
    void manyCallersAtOnceEachGetTheirWholeRange() throws Exception {
        try (Parallel p = new Parallel(2)) {
            ExecutorService callers = Executors.newFixedThreadPool(8);
            try {
                List<Future<long[]>> results = new ArrayList<>();
                for (int c = 0; c < 8; c++) {
                    results.add(callers.submit(() -> {
                        long[] sums = new long[200];
                        for (int r = 0; r < sums.length; r++) {
                            AtomicIntegerArray seen = new AtomicIntegerArray(1000);
                            p.forRange(1000, 8, (s, e) -> {
                                for (int i = s; i < e; i++) {
                                    seen.addAndGet(i, i);
                                }
                            });
                            for (int i = 0; i < 1000; i++) {
                                sums[r] += seen.get(i);
                            }
                        }
                        return sums;
                    }));
                }
                for (Future<long[]> f : results) {
                    for (long s : f.get()) {
                        assertEquals(999L * 1000 / 2, s);
                    }
                }
            } finally {
                callers.shutdownNow();
            }
        }
    }

    @Test
    void aParkedWorkerIsWokenAndTakesItsChunk() throws Exception {
        try (Parallel p = new Parallel(2)) {
            Set<String> names = ConcurrentHashMap.newKeySet();
            for (int round = 0; round < 20 && names.size() < 2; round++) {
                Thread.sleep(TimeUnit.NANOSECONDS.toMillis(Parallel.SPIN_NANOS) + 5); // the worker parks
                p.forRange(2, 1, (s, e) -> {
                    names.add(Thread.currentThread().getName());
                    long until = System.nanoTime() + 2_000_000; // long enough for a woken worker to arrive
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                });
            }
            assertEquals(2, names.size(), "chunks ran on " + names);
        }
    }

    @Test
    void afterCloseLoopsStillRunInline() {
        Parallel p = new Parallel(3);
        p.close();
        AtomicIntegerArray seen = new AtomicIntegerArray(100);
        p.forRange(100, 1, (s, e) -> {
            for (int i = s; i < e; i++) {
                seen.incrementAndGet(i);
            }
        });
        for (int i = 0; i < 100; i++) {
            assertEquals(1, seen.get(i));
        }
    }

    @Test
    void forElementsCoversTheLongRangeInPieces() {
        try (Parallel p = new Parallel(2)) {
            long n = 1_000_003;
            AtomicIntegerArray pieces = new AtomicIntegerArray(1);
            long[] total = new long[1];
            p.forElements(n, 1 << 16, (s, e) -> {
                synchronized (total) {
                    total[0] += e - s;
                }
                pieces.incrementAndGet(0);
            });
            assertEquals(n, total[0]);
            assertTrue(pieces.get(0) <= 2);
            assertThrows(IllegalArgumentException.class, () -> new Parallel(0));
        }
    }
}
