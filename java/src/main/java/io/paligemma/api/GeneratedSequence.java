package io.paligemma.api;

import io.paligemma.generate.FinishReason;

/**
 * One returned sequence of a request: with beam search one per returned hypothesis (HF's {@code sequences} and
 * {@code sequences_scores}), best first; otherwise the one answer.
 *
 * @param text         the decoded tokens (eos dropped)
 * @param tokenIds     the generated ids, the end-of-sequence id excluded
 * @param finishReason EOS when the hypothesis ended on an end-of-sequence id, MAX_TOKENS when it was cut at max
 *                     new tokens (without beams: the request's reason)
 * @param score        HF's {@code sequences_scores} entry: the summed processed log-probabilities of its tokens (the
 *                     EOS's included) / generated length ** length_penalty, as float32; NaN without beams (HF
 *                     returns none)
 */
public record GeneratedSequence(String text, int[] tokenIds, FinishReason finishReason, float score) {

    public GeneratedSequence {
        tokenIds = tokenIds.clone();
    }

    @Override
    public int[] tokenIds() {
        return tokenIds.clone();
    }
}
