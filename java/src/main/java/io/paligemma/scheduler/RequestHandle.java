package io.paligemma.scheduler;

import java.util.concurrent.CompletableFuture;

/**
 * A submitted request: its result as a future (completed on the scheduler's thread; exceptionally with what
 * ended it, e.g. its listener's exception or {@link IllegalStateException} when the model closed), and
 * {@link #cancel()}.
 */
public final class RequestHandle {
    private final CompletableFuture<Outcome> result = new CompletableFuture<>();
    private final Runnable wake;
    private final long id;

    RequestHandle(long id, Runnable wake) {
        this.id = id;
        this.wake = wake;
    }

    /** The request's number, in submission order. */
    public long id() {
        return id;
    }

    public CompletableFuture<Outcome> result() {
        return result;
    }

    /**
     * Cancels the request: its future completes with a CancellationException at once, and the scheduler
     * drops it before its next piece of work (a waiting request never starts; a running one frees its KV
     * cache at the next step). False when it had already ended.
     */
    public boolean cancel() {
        boolean cancelled = result.cancel(false);
        if (cancelled) {
            wake.run();
        }
        return cancelled;
    }
}
