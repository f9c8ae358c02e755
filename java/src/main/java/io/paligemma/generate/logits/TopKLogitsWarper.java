package io.paligemma.generate.logits;

/**
 * HF {@code TopKLogitsWarper}: every score below the k-th largest becomes -inf. Ties with the k-th largest are
 * all kept, so more than k tokens can survive; k is at least {@code min_tokens_to_keep} and at most V.
 */
public final class TopKLogitsWarper implements LogitsProcessor {
    private final int topK;
    private final Selection selection = new Selection();

    /** @param topK HF {@code top_k} (> 0); HF's constructor raises it to {@code min_tokens_to_keep} */
    public TopKLogitsWarper(int topK, int minTokensToKeep) {
        if (topK <= 0 || minTokensToKeep < 1) {
            throw new IllegalArgumentException("top-k must be > 0 and min tokens to keep >= 1, got " + topK + ", "
                    + minTokensToKeep);
        }
        this.topK = Math.max(topK, minTokensToKeep);                       // self.top_k = max(top_k, min_tokens_to_keep)
    }

    /** k after {@code min_tokens_to_keep}, before the vocabulary bound. */
    public int topK() {
        return topK;
    }

    @Override
    public void process(int[] inputIds, int length, float[] scores) {
        int k = Math.min(topK, scores.length);                             // top_k = min(self.top_k, scores.size(-1))
        float kth = selection.kthLargest(scores, k);                       // torch.topk(scores, top_k)[0][..., -1, None]
        for (int i = 0; i < scores.length; i++) {
            if (scores[i] < kth) {                                         // indices_to_remove = scores < kth
                scores[i] = Float.NEGATIVE_INFINITY;                       // masked_fill(indices_to_remove, filter_value)
            }
        }
    }

    @Override
    public String toString() {
        return name() + "(" + topK + ")";
    }
}
