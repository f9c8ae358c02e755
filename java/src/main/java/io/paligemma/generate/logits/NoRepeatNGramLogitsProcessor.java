package io.paligemma.generate.logits;

import java.util.Locale;

/**
 * HF {@code NoRepeatNGramLogitsProcessor}: no n-gram of the sequence occurs twice. With {@code c} tokens so far
 * (the whole {@code input_ids}: prompt included), once {@code c + 1 >= n}, every token {@code b} that followed an
 * earlier occurrence of the last {@code n - 1} tokens gets -inf: the n-gram (last n-1 tokens, b) exists already.
 * For n = 2, every token that ever followed the last token is banned; for n = 1, every token of the sequence.
 * In beam search each beam is checked against its own sequence.
 */
public final class NoRepeatNGramLogitsProcessor implements LogitsProcessor {
    private final int ngramSize;

    /** @param ngramSize HF {@code no_repeat_ngram_size}, > 0 */
    public NoRepeatNGramLogitsProcessor(int ngramSize) {
        if (ngramSize < 1) {
            throw new IllegalArgumentException("no_repeat_ngram_size must be a positive integer, got " + ngramSize);
        }
        this.ngramSize = ngramSize;
    }

    public int ngramSize() {
        return ngramSize;
    }

    @Override
    public void process(int[] inputIds, int length, float[] scores) {
        int n = ngramSize;
        if (length + 1 < n) {                                               // if cur_len + 1 < ngram_size: nothing banned
            return;
        }
        int start = length + 1 - n;                                         // start_idx = cur_len + 1 - ngram_size
        // _get_ngrams: every n-gram inputIds[i, i + n); _get_generated_ngrams: those whose first n - 1 tokens are
        // inputIds[start, cur_len) ban their last token
        for (int i = 0; i + n <= length; i++) {
            boolean same = true;
            for (int j = 0; j < n - 1 && same; j++) {
                same = inputIds[i + j] == inputIds[start + j];
            }
            if (same) {
                int banned = inputIds[i + n - 1];
                if (banned < 0 || banned >= scores.length) {
                    throw new IllegalArgumentException("context token id " + banned + " at position " + (i + n - 1)
                            + " is outside the vocabulary of " + scores.length);
                }
                scores[banned] = Float.NEGATIVE_INFINITY;                   // scores[i, banned_tokens] = -float("inf")
            }
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s(%d)", name(), ngramSize);
    }
}
