package io.paligemma.generate;

/**
 * One finished hypothesis of a beam search, as Hugging Face's {@code BeamHypotheses} stores it.
 *
 * @param tokens          the generated tokens, the end-of-sequence token excluded
 * @param endedWithEos    it ended on an end-of-sequence token (else it was cut at max new tokens)
 * @param generatedLength HF's {@code generated_len}: the new tokens counted by the length penalty, the EOS
 *                        included
 * @param sumLogprobs     the float32 running sum of the chosen tokens' processed log-probabilities (the EOS's included)
 * @param score           {@code sumLogprobs / generatedLength ** length_penalty}, in double as Python computes it;
 *                        {@link #sequenceScore()} is what HF returns
 */
public record BeamHypothesis(int[] tokens, boolean endedWithEos, int generatedLength, float sumLogprobs, double score) {

    public BeamHypothesis {
        tokens = tokens.clone();
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    /** HF's {@code sequences_scores} entry: the score stored as float32. */
    public float sequenceScore() {
        return (float) score;
    }
}
