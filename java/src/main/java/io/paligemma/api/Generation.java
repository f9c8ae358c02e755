package io.paligemma.api;

import io.paligemma.scheduler.RequestHandle;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A request submitted to a model ({@link PaliGemma#submit}): its {@link Result} as a future, and cancel.
 * The answer's text streams to the submit call's {@code onText} as it is produced.
 */
public final class Generation {
    private final RequestHandle handle;
    private final CompletableFuture<Result> result;
    private final PaliGemma model;

    Generation(RequestHandle handle, CompletableFuture<Result> result, PaliGemma model) {
        this.handle = handle;
        this.result = result;
        this.model = model;
        // cancelling the result future cancels the request itself
        result.whenComplete((r, e) -> {
            if (result.isCancelled()) {
                handle.cancel();
            }
        });
    }

    /**
     * Completes with the answer, or exceptionally with what ended the request: {@link IllegalStateException}
     * when the model was closed, the exception of its {@code onText} callback, a CancellationException.
     */
    public CompletableFuture<Result> result() {
        return result;
    }

    /** Stops the request at the model's next step (a waiting one never starts); false when it had ended. */
    public boolean cancel() {
        boolean cancelled = handle.cancel();
        result.cancel(false);
        return cancelled;
    }

    /**
     * Waits for the answer and returns it, or throws what ended the request (unwrapped). Refused inside one of
     * the model's own callbacks, which run on the thread the answer is waiting for.
     */
    public Result await() {
        model.checkNotOnSchedulerThread("waiting for a request");
        return join(result);
    }

    /** The value of a future, or what it failed with, unwrapped. */
    static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw e;
        } catch (CancellationException e) {
            throw e;
        }
    }
}
