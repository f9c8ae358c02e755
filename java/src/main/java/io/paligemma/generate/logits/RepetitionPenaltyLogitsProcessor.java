package io.paligemma.generate.logits;

import java.util.Locale;

/**
 * HF {@code RepetitionPenaltyLogitsProcessor}: every distinct id of the context (prompt included) has its score
 * moved toward lower probability, a negative score multiplied by the penalty and a positive one divided by it
 * (a score of exactly 0 stays 0). Once per id however often it occurs: HF gathers the scores of all context
 * positions first and scatters the penalised values back, so duplicates write the same value. It runs on
 * the raw logits in sampling and greedy decoding, and on log-probabilities in beam search.
 */
public final class RepetitionPenaltyLogitsProcessor implements LogitsProcessor {
    private final float penalty;
    private long[] seen = new long[0];   // [ceil(V/64)] ids already penalised at this step, cleared after it

    /** @param penalty HF {@code repetition_penalty}: above 1 discourages repeats, below 1 encourages them */
    public RepetitionPenaltyLogitsProcessor(float penalty) {
        if (!(penalty > 0) || Float.isInfinite(penalty)) {
            throw new IllegalArgumentException("repetition penalty must be a finite number > 0 (1 = off), got " + penalty);
        }
        this.penalty = penalty;
    }

    public float penalty() {
        return penalty;
    }

    @Override
    public void process(int[] inputIds, int length, float[] scores) {
        int v = scores.length;
        if (seen.length < (v + 63) / 64) {
            seen = new long[(v + 63) / 64];
        }
        for (int i = 0; i < length; i++) {
            int id = inputIds[i];
            if (id < 0 || id >= v) {
                throw new IllegalArgumentException("context token id " + id + " at position " + i
                        + " is outside the vocabulary of " + v);
            }
            long bit = 1L << id;
            if ((seen[id >>> 6] & bit) == 0) {
                seen[id >>> 6] |= bit;
                float s = scores[id];                                       // score = torch.gather(scores, 1, input_ids)
                scores[id] = s < 0 ? s * penalty : s / penalty;             // torch.where(score < 0, score * p, score / p)
            }
        }
        for (int i = 0; i < length; i++) {
            seen[inputIds[i] >>> 6] = 0;
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s(%s)", name(), penalty);
    }
}
