package io.paligemma.generate.logits;

import java.util.Locale;

/**
 * HF {@code MinPLogitsWarper}: remove every token whose probability is below {@code min_p} times the top
 * token's (strict {@code <}), except the {@code min_tokens_to_keep} highest scores. The probabilities are
 * those of the current scores, after temperature; only the ratio to the top one matters.
 */
public final class MinPLogitsWarper implements LogitsProcessor {
    private final float minP;
    private final int minTokensToKeep;
    private final Selection selection = new Selection();
    private float[] probs = new float[0];   // [V] softmax of the scores

    /** @param minP HF {@code min_p} in [0, 1] */
    public MinPLogitsWarper(float minP, int minTokensToKeep) {
        if (!(minP >= 0 && minP <= 1) || minTokensToKeep < 1) {
            throw new IllegalArgumentException("min-p must be in [0, 1] and min tokens to keep >= 1, got " + minP + ", "
                    + minTokensToKeep);
        }
        this.minP = minP;
        this.minTokensToKeep = minTokensToKeep;
    }

    public float minP() {
        return minP;
    }

    public int minTokensToKeep() {
        return minTokensToKeep;
    }

    @Override
    public void process(int[] inputIds, int length, float[] scores) {
        int v = scores.length;
        if (probs.length < v) {
            probs = new float[v];
        }
        Softmax.apply(scores, probs);                                      // probs = torch.softmax(scores, dim=-1)
        float top = Softmax.max(probs);                                    // top_probs = probs.max(dim=-1)
        float threshold = minP * top;                                      // scaled_min_p = self.min_p * top_probs
        // sorted_indices_to_remove[..., :min_tokens_to_keep] = False: the highest scores stay
        float protectedFrom = minTokensToKeep == 1 ? Softmax.max(scores)
                : selection.kthLargest(scores, Math.min(minTokensToKeep, v));
        for (int i = 0; i < v; i++) {
            if (probs[i] < threshold && scores[i] < protectedFrom) {       // tokens_to_remove = probs < scaled_min_p
                scores[i] = Float.NEGATIVE_INFINITY;                       // masked_fill(indices_to_remove, filter_value)
            }
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s(%s, min_tokens_to_keep=%d)", name(), minP, minTokensToKeep);
    }
}
