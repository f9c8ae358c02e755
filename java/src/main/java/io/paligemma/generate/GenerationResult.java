package io.paligemma.generate;

import java.util.List;

/**
 * Generated token ids (without the prompt and without eos), why generation ended, how long each phase took,
 * and, when asked for, one {@link TokenLogprob} per generated token (empty otherwise).
 */
public record GenerationResult(int[] tokens, FinishReason finishReason, long prefillNanos, long decodeNanos,
                               List<TokenLogprob> logprobs) {

    public GenerationResult(int[] tokens, FinishReason finishReason, long prefillNanos, long decodeNanos) {
        this(tokens, finishReason, prefillNanos, decodeNanos, List.of());
    }

    public GenerationResult {
        logprobs = List.copyOf(logprobs);
    }

    /** Decode speed in tokens per second (tokens after the first, which the prefill produced). */
    public double decodeTokensPerSecond() {
        return tokens.length <= 1 || decodeNanos == 0 ? 0 : (tokens.length - 1) * 1e9 / decodeNanos;
    }
}
