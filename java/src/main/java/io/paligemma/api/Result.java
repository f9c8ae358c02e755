package io.paligemma.api;

import io.paligemma.generate.FinishReason;
import io.paligemma.generate.TokenLogprob;
import java.util.List;

/**
 * The answer to one request.
 *
 * @param text the decoded answer (location and segmentation tokens kept as text, eos dropped)
 * @param tokenIds the generated ids
 * @param logprobs one entry per generated id, in order, when the request asked for log-probabilities
 *                 ({@code GenerationConfig.withLogprobs}); empty otherwise
 * @param sequences with beam search, the returned hypotheses best first (num_return_sequences of them; the first
 *                  is this result's text and ids), each with its score; without beams, the one answer
 */
public record Result(String text, int[] tokenIds, FinishReason finishReason, Timings timings, List<TokenLogprob> logprobs,
                     List<GeneratedSequence> sequences) {

    /** Without log-probabilities. */
    public Result(String text, int[] tokenIds, FinishReason finishReason, Timings timings) {
        this(text, tokenIds, finishReason, timings, List.of());
    }

    /** One sequence: the answer itself. */
    public Result(String text, int[] tokenIds, FinishReason finishReason, Timings timings, List<TokenLogprob> logprobs) {
        this(text, tokenIds, finishReason, timings, logprobs,
                List.of(new GeneratedSequence(text, tokenIds, finishReason, Float.NaN)));
    }

    public Result {
        tokenIds = tokenIds.clone();
        logprobs = List.copyOf(logprobs);
        sequences = List.copyOf(sequences);
    }

    @Override
    public int[] tokenIds() {
        return tokenIds.clone();
    }
}
