package io.paligemma.generate;

/** Generated token ids (without the prompt and without eos) and how long each phase took. */
public record GenerationResult(int[] tokens, FinishReason finishReason, long prefillNanos, long decodeNanos) {

    /** Decode speed in tokens per second (tokens after the first, which the prefill produced). */
    public double decodeTokensPerSecond() {
        return tokens.length <= 1 || decodeNanos == 0 ? 0 : (tokens.length - 1) * 1e9 / decodeNanos;
    }
}
