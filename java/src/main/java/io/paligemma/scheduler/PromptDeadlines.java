package io.paligemma.scheduler;

import java.util.List;

/**
 * Whether this step's decode must wait so that the prompts meet their time-to-first-token deadline
 * ({@link SchedulerOptions#promptDeadline()}).
 *
 * <p>A prompt of W multiply-adds of prompt work, submitted at time s, is due at
 * <pre>  d = s + rate · (factor · W + chunk)</pre>
 * that is {@code factor} times what it takes alone plus one prefill chunk, where {@code rate} is the measured
 * time per multiply-add of prompt work. With the unfinished prompts in the order they run, the j-th would
 * end, if only prompts ran from now on, at
 * <pre>  f_j = now + rate · (R_1 + … + R_j)</pre>
 * (R: the work each has left). The decode step is postponed when one more decode step, and one more of
 * margin against the estimates' error, would make some prompt late ({@code f_j + 2 · decode > d_j}),
 * unless that prompt is past saving: it would end more than its own time after its deadline
 * ({@code f_j > d_j + rate · W_j}). So the decodes keep their turn as long as every prompt has slack; a
 * prompt queued behind another, which is a step late from the start (its deadline leaves room for the
 * prompt ahead and one chunk, not for decode steps), has them wait until it is through; and a burst of
 * prompts that no order can serve in time on this machine (the last of 8 simultaneous 7-s prompts on 2
 * cores cannot start before 49 s) stops them for its first prompts only: the others keep their chunk per
 * step, as without deadlines.
 *
 * <p>Why a deadline rather than a larger chunk: on a CPU a prompt costs seconds (PaliGemma-3B-224 on 2
 * cores: 7 s), so any fixed share between prompts and decodes either delays first tokens by the decodes'
 * steps or stalls the decodes for every prompt; the deadline spends the prompt's slack on the decodes and
 * no more.
 *
 * <p>Both rates are measured as the scheduler runs (moving averages); until the first prompt piece has run
 * nothing is postponed. Used by the scheduler's thread only.
 */
final class PromptDeadlines {
    /** Weight of the newest measurement in the moving averages. */
    private static final double NEWEST = 0.25;

    private final double factor;
    private final long chunkCost;
    private double nanosPerMac = Double.NaN;     // prompt work
    private double decodeNanos = Double.NaN;     // one decode step of the sequences decoding

    /**
     * @param factor    0 = no deadlines (decode every step)
     * @param chunkCost multiply-adds of one prefill chunk
     */
    PromptDeadlines(double factor, long chunkCost) {
        this.factor = factor;
        this.chunkCost = chunkCost;
    }

    /** One piece of prompt work took {@code nanos}. */
    void promptWork(long macs, long nanos) {
        if (macs > 0 && nanos > 0) {
            nanosPerMac = average(nanosPerMac, nanos / (double) macs);
        }
    }

    /** One decode step (every decoding sequence) took {@code nanos}. */
    void decodeStep(long nanos) {
        if (nanos > 0) {
            decodeNanos = average(decodeNanos, nanos);
        }
    }

    /**
     * @param pending the unfinished prompts in the order they run
     */
    boolean postponeDecode(long now, List<Pending> pending) {
        if (factor == 0 || pending.isEmpty() || Double.isNaN(nanosPerMac) || Double.isNaN(decodeNanos)) {
            return false;
        }
        double finish = now;
        for (Pending p : pending) {
            finish += nanosPerMac * p.remainingMacs();
            double due = p.submittedNanos() + nanosPerMac * (factor * p.totalMacs() + chunkCost);
            if (finish + 2 * decodeNanos > due && finish <= due + nanosPerMac * p.totalMacs()) {
                return true;
            }
        }
        return false;
    }

    private static double average(double old, double value) {
        return Double.isNaN(old) ? value : old + NEWEST * (value - old);
    }

    /**
     * An unfinished prompt.
     *
     * @param totalMacs      its whole prompt work (what it would take alone)
     * @param remainingMacs  the work it has left
     * @param submittedNanos when its request was submitted ({@link System#nanoTime()})
     */
    record Pending(long totalMacs, long remainingMacs, long submittedNanos) {
    }
}
