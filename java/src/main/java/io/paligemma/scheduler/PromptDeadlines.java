package io.paligemma.scheduler;

import java.util.List;

/**
 * Whether this step's decode must wait so that the prompts meet their time-to-first-token deadline
 * ({@link SchedulerOptions#promptDeadline()}).
 *
 * <p>A prompt of W multiply-adds of prompt work, submitted at time s, is due at
 * <pre>  d = s + rate · (factor · W + chunk)</pre>
 * that is {@code factor} times what it takes alone plus one prefill chunk, where {@code rate} is the measured
 * time per multiply-add of prompt work run alone. With the unfinished prompts in the order they run, the
 * j-th would end, if only prompts ran from now on, at
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
 * <p>Both rates are measured as the scheduler runs; until the first prompt piece and decode step have run
 * nothing is postponed. The prompt rate is the ratio of decaying sums of time and of multiply-adds, so a
 * piece weighs by its work: a per-piece ratio would let the pieces that do little arithmetic and some
 * copying (the language model's inputs: 0.5 M multiply-adds and a few milliseconds, against 30 G for a
 * decoder layer of PaliGemma-3B) swing the estimate a hundredfold. It is taken from the pieces of steps
 * that ran no decode (the prompt alone, what both the deadline and {@code f_j} assume), and from all pieces
 * until there are such: right after a decode step the same pieces ran 8–35 % slower on PaliGemma-3B
 * (2 cores, 1–5 rows decoding), which made the deadlines that much later, and let them jump when the
 * decodes began to wait. Used by the scheduler's thread only.
 */
final class PromptDeadlines {
    /** Weight of the newest decode step in its moving average. */
    private static final double NEWEST = 0.25;
    /** What the prompt sums keep per piece: about the last 20 pieces count (a prompt of PaliGemma-3B has 47). */
    private static final double KEEP = 0.95;

    private final double factor;
    private final long chunkCost;
    private final Sums alone = new Sums();       // prompt pieces of steps without a decode
    private final Sums all = new Sums();         // every prompt piece
    private double decodeNanos = Double.NaN;     // one decode step of the sequences decoding

    /**
     * @param factor    0 = no deadlines (decode every step)
     * @param chunkCost multiply-adds of one prefill chunk
     */
    PromptDeadlines(double factor, long chunkCost) {
        this.factor = factor;
        this.chunkCost = chunkCost;
    }

    /**
     * One piece of prompt work took {@code nanos}.
     *
     * @param afterDecode whether a decode step ran earlier in the same scheduler step
     */
    void promptWork(long macs, long nanos, boolean afterDecode) {
        if (macs > 0 && nanos > 0) {
            all.add(macs, nanos);
            if (!afterDecode) {
                alone.add(macs, nanos);
            }
        }
    }

    /** One decode step (every decoding sequence) took {@code nanos}. */
    void decodeStep(long nanos) {
        if (nanos > 0) {
            decodeNanos = Double.isNaN(decodeNanos) ? nanos : decodeNanos + NEWEST * (nanos - decodeNanos);
        }
    }

    /**
     * @param pending the unfinished prompts in the order they run
     */
    boolean postponeDecode(long now, List<Pending> pending) {
        double nanosPerMac = alone.macs > 0 ? alone.ratio() : all.ratio();
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

    /** Decaying sums of prompt pieces' time and work. */
    private static final class Sums {
        double nanos;
        double macs;

        void add(long pieceMacs, long pieceNanos) {
            nanos = KEEP * nanos + pieceNanos;
            macs = KEEP * macs + pieceMacs;
        }

        double ratio() {
            return macs > 0 ? nanos / macs : Double.NaN;
        }
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
