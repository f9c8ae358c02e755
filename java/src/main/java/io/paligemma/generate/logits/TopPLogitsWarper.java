package io.paligemma.generate.logits;

import java.util.Arrays;
import java.util.Locale;

/**
 * HF {@code TopPLogitsWarper} (nucleus): sort the scores ascending, take the cumulative probability, and remove
 * every token whose cumulative is {@code <= 1 - top_p}, never the last {@code min_tokens_to_keep}. Read from the
 * top: a token stays while the mass of the tokens more likely than it is below top_p, so the token that
 * crosses top_p is kept and the top token always is. The probabilities are those of the current scores:
 * after temperature, and after top-k, whose -inf tokens count 0.
 */
public final class TopPLogitsWarper implements LogitsProcessor {
    private final double topP;
    private final int minTokensToKeep;
    private float[] probs = new float[0];   // [V] softmax of the scores
    private long[] keys = new long[0];      // [V] candidates: (score, id) in ascending order once sorted

    /** @param topP HF {@code top_p} in [0, 1], a double as Python passes it (1 - top_p is taken in double) */
    public TopPLogitsWarper(double topP, int minTokensToKeep) {
        if (!(topP >= 0 && topP <= 1) || minTokensToKeep < 1) {
            throw new IllegalArgumentException("top-p must be in [0, 1] and min tokens to keep >= 1, got " + topP + ", "
                    + minTokensToKeep);
        }
        this.topP = topP;
        this.minTokensToKeep = minTokensToKeep;
    }

    public double topP() {
        return topP;
    }

    public int minTokensToKeep() {
        return minTokensToKeep;
    }

    @Override
    public void process(int[] inputIds, int length, float[] scores) {
        int v = scores.length;
        if (probs.length < v) {
            probs = new float[v];
            keys = new long[v];
        }
        float[] p = probs;
        Softmax.apply(scores, p);                                          // sorted_logits.softmax(dim=-1)
        float removeUpTo = (float) (1 - topP);                             // cumulative_probs <= (1 - self.top_p), in float32
        // A token with p <= (1 - top_p) / (2V) is removed whatever the others are: its ascending cumulative
        // is at most V such probabilities. Those tokens come first in the ascending order, so only the rest
        // needs sorting; their mass is where the cumulative of the rest starts.
        double sure = 0.5 * (1 - topP) / v;
        double cumulative = 0;                                             // ATen's CPU cumsum accumulates in double
        int m = 0;
        for (int i = 0; i < v; i++) {
            if (p[i] > sure) {
                keys[m++] = ascendingKey(scores[i], i);
            } else {
                cumulative += p[i];
            }
        }
        boolean prefiltered = m >= minTokensToKeep;
        if (!prefiltered) {                                                // the kept tail must hold min_tokens_to_keep
            m = 0;
            cumulative = 0;
            for (int i = 0; i < v; i++) {
                keys[m++] = ascendingKey(scores[i], i);
            }
        }
        Arrays.sort(keys, 0, m);                                           // torch.sort(scores, descending=False)
        for (int j = 0; j < m - minTokensToKeep; j++) {                    // sorted_indices_to_remove[..., -min_keep:] = 0
            int id = idOf(keys[j]);
            cumulative += p[id];                                           // .cumsum(dim=-1)
            if ((float) cumulative > removeUpTo) {                         // cumulative only grows: the rest stays
                break;
            }
            scores[id] = Float.NEGATIVE_INFINITY;                          // masked_fill(indices_to_remove, filter_value)
        }
        if (prefiltered) {
            for (int i = 0; i < v; i++) {
                if (p[i] <= sure) {
                    scores[i] = Float.NEGATIVE_INFINITY;
                }
            }
        }
    }

    /**
     * A long whose signed order is the ascending order of (score, then id descending): among equal scores the
     * higher id counts as the less likely one, so the lower id is the one kept (torch.sort leaves ties in an
     * unspecified order). -0 sorts with +0.
     */
    static long ascendingKey(float score, int id) {
        int bits = Float.floatToIntBits(score == 0f ? 0f : score);
        int ordered = bits >= 0 ? bits : bits ^ 0x7fffffff;                // signed int order = float order
        return ((long) ordered << 32) | (Integer.MAX_VALUE - id);
    }

    static int idOf(long key) {
        return Integer.MAX_VALUE - (int) key;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s(%s, min_tokens_to_keep=%d)", name(), topP, minTokensToKeep);
    }
}
