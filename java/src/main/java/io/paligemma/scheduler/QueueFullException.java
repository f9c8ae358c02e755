package io.paligemma.scheduler;

import java.util.concurrent.RejectedExecutionException;

/** A request refused because the scheduler's wait queue is full: try again later (an HTTP server's 429). */
public final class QueueFullException extends RejectedExecutionException {
    private final int queued;

    public QueueFullException(int queued) {
        super("the scheduler's wait queue is full (" + queued + " requests waiting, its limit): try again later, "
                + "or raise the limit (SchedulerOptions.maxQueued, --max-queued)");
        this.queued = queued;
    }

    /** Requests waiting when this one was refused. */
    public int queued() {
        return queued;
    }
}
