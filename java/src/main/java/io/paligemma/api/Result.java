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
 */
public record Result(String text, int[] tokenIds, FinishReason finishReason, Timings timings, List<TokenLogprob> logprobs) {

    /** Without log-probabilities. */
    public Result(String text, int[] tokenIds, FinishReason finishReason, Timings timings) {
        this(text, tokenIds, finishReason, timings, List.of());
    }

    public Result {
        tokenIds = tokenIds.clone();
        logprobs = List.copyOf(logprobs);
    }

    @Override
    public int[] tokenIds() {
        return tokenIds.clone();
    }
}
