package io.paligemma.api;

/**
 * Wall-clock time of each stage of one request, in nanoseconds. Requests share the model's scheduler,
 * so a stage's time includes the decode steps of other requests run between its pieces.
 *
 * @param preprocessNanos image preprocessing and tokenization, on the calling thread
 * @param queuedNanos     waiting for the scheduler to admit the request and start its prompt
 * @param visionNanos     vision tower and projector (a copy only, when the image-feature cache had the picture)
 * @param prefillNanos    the prompt through the language model, to the first token (a copy only, when the
 *                        prefix cache had this exact picture and prompt)
 * @param decodeNanos     first token to last
 */
public record Timings(long preprocessNanos, long queuedNanos, long visionNanos, long prefillNanos, long decodeNanos,
                      int promptTokens, int generatedTokens) {

    /** Time to first token: preprocessing + queue + vision + prefill. */
    public long timeToFirstTokenNanos() {
        return preprocessNanos + queuedNanos + visionNanos + prefillNanos;
    }

    /** Decode speed, tokens after the first per second. */
    public double decodeTokensPerSecond() {
        return generatedTokens <= 1 || decodeNanos == 0 ? 0 : (generatedTokens - 1) * 1e9 / decodeNanos;
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT,
                "preprocess %.1f ms, queued %.1f ms, vision %.1f ms, prefill %.1f ms (%d tokens), decode %.1f ms (%d tokens, %.2f tok/s)",
                preprocessNanos / 1e6, queuedNanos / 1e6, visionNanos / 1e6, prefillNanos / 1e6, promptTokens,
                decodeNanos / 1e6, generatedTokens, decodeTokensPerSecond());
    }
}
