package io.paligemma.api;

import io.paligemma.generate.FinishReason;

/**
 * The answer to one request.
 *
 * @param text the decoded answer (location and segmentation tokens kept as text, eos dropped)
 * @param tokenIds the generated ids
 */
public record Result(String text, int[] tokenIds, FinishReason finishReason, Timings timings) {
    public Result {
        tokenIds = tokenIds.clone();
    }

    @Override
    public int[] tokenIds() {
        return tokenIds.clone();
    }
}
