package io.paligemma.scheduler;

/**
 * A snapshot of a scheduler's counters (for metrics and benchmarks).
 *
 * @param queued          requests waiting for admission
 * @param running         sequences admitted (prefilling or decoding)
 * @param kvCacheBytes    bytes of the running sequences' KV caches
 * @param submitted       requests accepted since start
 * @param rejected        requests refused because the queue was full
 * @param completed       requests that ended with an answer
 * @param failed          requests that ended with an exception
 * @param cancelled       requests cancelled
 * @param steps           scheduler steps run
 * @param decodeSteps     steps that decoded at least one sequence
 * @param postponedDecodes steps whose decode waited for a prompt's first-token deadline
 * @param decodeRows      sequence-steps decoded (tokens after each request's first)
 * @param decodeNanos     time spent in decode forwards
 * @param prefillNanos    time spent in prompt pieces (vision, projector, prefill)
 * @param maxChunkNanos   the longest prompt work of one step while other sequences were decoding: the most
 *                        a prompt delayed their next token
 * @param featureHits     image features found in the feature cache
 * @param featureMisses   image features computed
 * @param prefixHits      prefills replaced by the prefix cache
 * @param prefixMisses    prefills computed
 */
public record SchedulerStats(int queued, int running, long kvCacheBytes, long submitted, long rejected, long completed,
                             long failed, long cancelled, long steps, long decodeSteps, long postponedDecodes,
                             long decodeRows, long decodeNanos, long prefillNanos, long maxChunkNanos,
                             long featureHits, long featureMisses, long prefixHits, long prefixMisses) {
}
