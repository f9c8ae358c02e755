package io.paligemma.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.api.Generation;
import io.paligemma.api.PaliGemma;
import io.paligemma.generate.GenerationConfig;
import io.paligemma.image.RgbImage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Holds the model's scheduler thread inside a token callback of a request submitted through the library,
 * until closed: nothing else advances meanwhile, so requests that arrive stay queued (a deterministic queue
 * for 429, drain and disconnect tests).
 */
final class SchedulerStall implements AutoCloseable {
    private final PaliGemma model;
    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final Generation blocker;

    SchedulerStall(PaliGemma model, RgbImage picture) throws InterruptedException {
        this.model = model;
        blocker = model.submit(picture, "caption en", GenerationConfig.greedy(2), t -> {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(entered.await(30, TimeUnit.SECONDS), "the blocker started");
    }

    /** The blocker is still holding the scheduler. */
    void check() {
        assertFalse(blocker.result().isDone(), "the blocker is running");
    }

    /** Waits (up to 30 s) until {@code n} requests wait in the scheduler's queue. */
    void awaitQueued(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (model.stats().queued() != n) {
            assertTrue(System.nanoTime() < deadline, "queue depth " + model.stats().queued() + ", waiting for " + n);
            Thread.sleep(10);
        }
    }

    @Override
    public void close() {
        release.countDown();
        blocker.result().join();
    }
}
