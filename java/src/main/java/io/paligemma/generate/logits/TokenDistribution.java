package io.paligemma.generate.logits;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The distribution the next token is chosen from: the model's logits after a {@link LogitsProcessorList}, and
 * their softmax, {@code probs = softmax(processors(input_ids, logits))} as HF's {@code _sample} computes it
 * before {@code torch.multinomial}. Kept tokens are those with probability > 0 (a finite processed score).
 * Log-probabilities are HF's {@code log_softmax} of the processed scores, i.e. what
 * {@code compute_transition_scores(..., normalize_logits=True)} reports. Reused step after step by one
 * request; the arrays are allocated once.
 */
public final class TokenDistribution {
    private final float[] scores;   // [V] processed scores
    private final float[] probs;    // [V] softmax(scores)
    private float max;              // the largest processed score
    private double logNormalizer;   // log Σ exp(scores - max)

    public TokenDistribution(int vocab) {
        if (vocab < 1) {
            throw new IllegalArgumentException("a distribution needs a vocabulary of at least one token, got " + vocab);
        }
        this.scores = new float[vocab];
        this.probs = new float[vocab];
    }

    /**
     * Loads logits[0, V) (float32), applies the processors with {@code inputIds[0, length)} as the context, and
     * normalises.
     */
    public TokenDistribution compute(MemorySegment logits, LogitsProcessorList processors, int[] inputIds, int length) {
        if (logits.byteSize() < (long) scores.length * Float.BYTES) {
            throw new IllegalArgumentException("logits hold " + logits.byteSize() / Float.BYTES + " values, the vocabulary "
                    + scores.length);
        }
        MemorySegment.copy(logits, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, scores, 0, scores.length);
        processors.process(inputIds, length, scores);
        max = Softmax.max(scores);
        logNormalizer = Math.log(Softmax.apply(scores, probs));            // probs = softmax(next_token_scores, dim=-1)
        return this;
    }

    public int vocabSize() {
        return scores.length;
    }

    /** The processed score of a token (-inf when a filter removed it). */
    public float score(int id) {
        return scores[id];
    }

    public float probability(int id) {
        return probs[id];
    }

    /** log_softmax of the processed scores at {@code id}; -inf for a removed token. */
    public float logprob(int id) {
        if (max == Float.POSITIVE_INFINITY) {                              // the limit of an overflowing temperature
            return (float) Math.log(probs[id]);
        }
        return (float) ((scores[id] - max) - logNormalizer);               // x - max - log(Σ exp(x - max)), the subtraction in float32
    }

    public int keptCount() {
        int n = 0;
        for (float p : probs) {
            n += p > 0 ? 1 : 0;
        }
        return n;
    }

    /** Ids with probability > 0, ascending. */
    public int[] keptIds() {
        int[] ids = new int[keptCount()];
        int n = 0;
        for (int i = 0; i < probs.length; i++) {
            if (probs[i] > 0) {
                ids[n++] = i;
            }
        }
        return ids;
    }

    /** First index of the largest processed score, as torch.argmax: greedy decoding's choice. */
    public int argmax() {
        int best = 0;
        for (int i = 1; i < scores.length; i++) {
            if (scores[i] > scores[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * The token at u ∈ [0, 1) of the cumulative distribution, ids ascending (inverse-CDF sampling: a uniform u
     * draws each token with its probability).
     */
    public int draw(double u) {
        double total = 0;
        for (float p : probs) {
            total += p;
        }
        double target = u * total;
        int last = -1;
        for (int i = 0; i < probs.length; i++) {
            if (probs[i] > 0) {
                last = i;
                target -= probs[i];
                if (target < 0) {
                    return i;
                }
            }
        }
        return last;
    }

    /** The n most likely kept tokens (fewer when fewer are kept), most likely first; equal ones by id. */
    public int[] top(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, got " + n);
        }
        int[] best = new int[Math.min(n, probs.length)];
        int size = 0;
        for (int i = 0; i < probs.length; i++) {
            float p = probs[i];
            if (p <= 0 || (size == best.length && (size == 0 || p <= probs[best[size - 1]]))) {
                continue;
            }
            int at = size == best.length ? size - 1 : size++;
            while (at > 0 && probs[best[at - 1]] < p) {                    // earlier ids stay ahead of equal ones
                best[at] = best[at - 1];
                at--;
            }
            best[at] = i;
        }
        return Arrays.copyOf(best, size);
    }
}
