package io.paligemma.api;

/** Wall-clock time of each stage of one request, in nanoseconds. */
public record Timings(long preprocessNanos, long visionNanos, long prefillNanos, long decodeNanos,
                      int promptTokens, int generatedTokens) {

    /** Time to first token: preprocessing + vision + prefill. */
    public long timeToFirstTokenNanos() {
        return preprocessNanos + visionNanos + prefillNanos;
    }

    /** Decode speed, tokens after the first per second. */
    public double decodeTokensPerSecond() {
        return generatedTokens <= 1 || decodeNanos == 0 ? 0 : (generatedTokens - 1) * 1e9 / decodeNanos;
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT,
                "preprocess %.1f ms, vision %.1f ms, prefill %.1f ms (%d tokens), decode %.1f ms (%d tokens, %.2f tok/s)",
                preprocessNanos / 1e6, visionNanos / 1e6, prefillNanos / 1e6, promptTokens, decodeNanos / 1e6,
                generatedTokens, decodeTokensPerSecond());
    }
}
