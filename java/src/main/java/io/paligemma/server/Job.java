package io.paligemma.server;

import io.paligemma.api.Generation;
import io.paligemma.api.PaliGemma;
import io.paligemma.api.Result;
import io.paligemma.generate.GenerationConfig;
import io.paligemma.image.RgbImage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The generations of one HTTP request (n of them), as a queue of events for the request's own thread: text
 * pieces, answers and failures arrive from the model's scheduler thread, which only enqueues (a token
 * callback that wrote to a slow client would hold up every sequence). {@link #abort} ends them all: the
 * client went away, or the server is shutting down.
 */
final class Job {
    sealed interface Event permits Text, Done, Failed, Aborted {
    }

    record Text(int index, String text) implements Event {
    }

    record Done(int index, Result result) implements Event {
    }

    record Failed(int index, Throwable error) implements Event {
    }

    record Aborted(String reason, boolean shutdown) implements Event {
    }

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final List<Generation> generations = new ArrayList<>();
    private volatile Aborted aborted;
    final long startedNanos;
    private volatile long submittedNanos;

    Job(long startedNanos) {
        this.startedNanos = startedNanos;
    }

    /**
     * Submits answer {@code index}; with {@code streamText} its text pieces become {@link Text} events. Throws
     * what {@link PaliGemma#submit} throws (QueueFullException, IllegalArgumentException) after cancelling the
     * answers already submitted.
     */
    void submit(PaliGemma model, int index, RgbImage image, int[] ids, GenerationConfig config, boolean streamText) {
        Consumer<String> onText = streamText ? t -> events.add(new Text(index, t)) : null;
        if (submittedNanos == 0) {
            submittedNanos = System.nanoTime();
        }
        Generation g;
        try {
            g = model.submit(image, ids, config, onText);
        } catch (RuntimeException e) {
            cancel();
            throw e;
        }
        synchronized (generations) {
            generations.add(g);
        }
        g.result().whenComplete((r, e) -> events.add(e == null ? new Done(index, r) : new Failed(index, unwrap(e))));
        if (aborted != null) {
            g.cancel();
        }
    }

    /** The next event, or null after {@code millis} without one. */
    Event next(long millis) throws InterruptedException {
        return events.poll(millis, TimeUnit.MILLISECONDS);
    }

    /** Ends every answer at the model's next step and wakes the request's thread with an {@link Aborted} event. */
    void abort(String reason, boolean shutdown) {
        if (aborted != null) {
            return;
        }
        aborted = new Aborted(reason, shutdown);
        cancel();
        events.add(aborted);
    }

    /** From the request's arrival to its first submit: reading, parsing and decoding the picture. */
    long beforeSubmitNanos() {
        return submittedNanos == 0 ? 0 : submittedNanos - startedNanos;
    }

    Aborted aborted() {
        return aborted;
    }

    /** Cancels every answer still running (a no-op for those that ended). */
    void cancel() {
        synchronized (generations) {
            generations.forEach(Generation::cancel);
        }
    }

    private static Throwable unwrap(Throwable e) {
        while ((e instanceof java.util.concurrent.CompletionException || e instanceof java.util.concurrent.ExecutionException)
                && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
