package io.paligemma.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.generate.GenerationConfig;
import io.paligemma.generate.SamplingConfig;
import io.paligemma.generate.TokenListener;
import io.paligemma.ops.Backend;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The scheduler's limits: a bounded queue that refuses clearly, the KV budget, cancellation, close. */
class SchedulerLimitsTest {
    private static final GenerationConfig TEN = new GenerationConfig(10, SamplingConfig.GREEDY, false, List.of());

    /** A listener that holds the scheduler's thread at its first token until released. */
    private static TokenListener holding(CountDownLatch reached, CountDownLatch release) {
        return id -> {
            reached.countDown();
            try {
                return release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    @Test
    void aFullQueueRefusesWithAClearErrorAndLosesNothing() throws Exception {
        try (SchedulerFixture f = new SchedulerFixture("paligemma-tiny", Backend.NATIVE);
             Scheduler s = f.scheduler(SchedulerOptions.defaults().withMaxRunning(1).withMaxQueued(1), 64)) {
            CountDownLatch reached = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            RequestHandle a = s.submit(f.request(0, f.prompt, TEN, holding(reached, release)));
            assertTrue(reached.await(60, TimeUnit.SECONDS));
            RequestHandle b = s.submit(f.request(1, f.prompt, TEN, TokenListener.NONE)); // waits: the one slot is taken
            QueueFullException full = assertThrows(QueueFullException.class,
                    () -> s.submit(f.request(1, f.prompt, TEN, TokenListener.NONE)));
            assertTrue(full.getMessage().contains("queue is full") && full.getMessage().contains("1 requests waiting"),
                    full.getMessage());
            assertEquals(1, full.queued());
            SchedulerStats during = s.stats();
            assertEquals(1, during.queued());
            assertEquals(1, during.running());
            assertEquals(1, during.rejected());
            release.countDown();
            assertEquals(10, a.result().get(60, TimeUnit.SECONDS).tokens().length);
            assertEquals(10, b.result().get(60, TimeUnit.SECONDS).tokens().length);
            assertEquals(2, s.stats().completed());
        }
    }

    @Test
    void theKvBudgetAdmitsWhatFitsAndRefusesWhatNeverWill() throws Exception {
        try (SchedulerFixture f = new SchedulerFixture("paligemma-tiny", Backend.NATIVE)) {
            var text = f.model.config().textConfig();
            int context = f.prompt.length + TEN.maxNewTokens() - 1;
            long one = io.paligemma.gemma.KvCache.bytes(text, context);
            try (Scheduler s = f.scheduler(SchedulerOptions.defaults().withKvCacheBytes(one), 64)) {
                CountDownLatch reached = new CountDownLatch(1);
                CountDownLatch release = new CountDownLatch(1);
                RequestHandle a = s.submit(f.request(0, f.prompt, TEN, holding(reached, release)));
                assertTrue(reached.await(60, TimeUnit.SECONDS));
                RequestHandle b = s.submit(f.request(1, f.prompt, TEN, TokenListener.NONE));
                Thread.sleep(50);
                SchedulerStats during = s.stats();
                assertEquals(1, during.running(), "the second cache does not fit beside the first");
                assertEquals(1, during.queued());
                assertEquals(one, during.kvCacheBytes());
                release.countDown();
                a.result().get(60, TimeUnit.SECONDS);
                b.result().get(60, TimeUnit.SECONDS);
                assertEquals(0, s.stats().kvCacheBytes(), "every cache freed");
                GenerationConfig longer = new GenerationConfig(11, SamplingConfig.GREEDY, false, List.of());
                IllegalArgumentException never = assertThrows(IllegalArgumentException.class,
                        () -> s.submit(f.request(0, f.prompt, longer, TokenListener.NONE)));
                assertTrue(never.getMessage().contains("KV cache"), never.getMessage());
            }
        }
    }

    @Test
    void cancellingMidDecodeEndsOnlyThatRequest() throws Exception {
        for (Backend backend : Backend.values()) {
            try (SchedulerFixture f = new SchedulerFixture("paligemma2-tiny", backend);
                 Scheduler s = f.scheduler(SchedulerOptions.defaults(), 64)) {
                GenerationConfig many = new GenerationConfig(30, SamplingConfig.GREEDY, false, List.of());
                int[] alone = s.submit(f.request(1, f.prompt, many, TokenListener.NONE)).result().get().tokens();
                RequestHandle[] victim = new RequestHandle[1];
                int[] seen = {0};
                CountDownLatch submitted = new CountDownLatch(1);
                RequestHandle other = s.submit(f.request(1, f.prompt, many, TokenListener.NONE));
                victim[0] = s.submit(f.request(0, f.prompt, many, id -> {
                    await(submitted);
                    if (++seen[0] == 5) {
                        victim[0].cancel();
                    }
                    return true;
                }));
                submitted.countDown();
                assertThrows(CancellationException.class, () -> victim[0].result().join());
                assertEquals(List.of(toList(alone)), List.of(toList(other.result().get(60, TimeUnit.SECONDS).tokens())),
                        "the request beside the cancelled one is unchanged");
                // the cancelled sequence leaves at the next step; nothing is left running
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (s.stats().running() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertEquals(0, s.stats().running());
                assertEquals(0, s.stats().kvCacheBytes());
                assertTrue(seen[0] >= 5 && seen[0] <= 6, "tokens after cancel: " + seen[0]);
                assertEquals(1, s.stats().cancelled());
            }
        }
    }

    @Test
    void closingFailsWaitingAndRunningRequestsAndRefusesNewOnes() throws Exception {
        try (SchedulerFixture f = new SchedulerFixture("paligemma-tiny", Backend.NATIVE)) {
            Scheduler s = f.scheduler(SchedulerOptions.defaults().withMaxRunning(1), 64);
            CountDownLatch reached = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            RequestHandle running = s.submit(f.request(0, f.prompt, TEN, holding(reached, release)));
            assertTrue(reached.await(60, TimeUnit.SECONDS));
            RequestHandle waiting = s.submit(f.request(1, f.prompt, TEN, TokenListener.NONE));
            Thread closer = new Thread(s::close);
            closer.start();
            Thread.sleep(50);
            release.countDown();
            closer.join(60_000);
            CompletionException r = assertThrows(CompletionException.class, () -> running.result().join());
            assertTrue(r.getCause() instanceof IllegalStateException && r.getCause().getMessage().contains("closed during"),
                    r.getCause().toString());
            CompletionException w = assertThrows(CompletionException.class, () -> waiting.result().join());
            assertTrue(w.getCause().getMessage().contains("closed before"), w.getCause().toString());
            IllegalStateException after = assertThrows(IllegalStateException.class,
                    () -> s.submit(f.request(0, f.prompt, TEN, TokenListener.NONE)));
            assertTrue(after.getMessage().contains("closed"));
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Integer> toList(int[] a) {
        return java.util.Arrays.stream(a).boxed().toList();
    }
}
