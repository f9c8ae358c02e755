package io.paligemma.scheduler;

import io.paligemma.generate.BeamHypothesis;
import io.paligemma.generate.FinishReason;
import io.paligemma.generate.TokenLogprob;
import java.util.List;

/**
 * How a request ended, and where its time went.
 *
 * @param tokens         generated ids (eos excluded)
 * @param output         image features [N·H] or final-norm hidden states [L·H] for those goals, else null
 * @param queuedNanos    from submission until its first piece of work ran
 * @param visionNanos    from then until its image features existed (a copy, when the feature cache had them)
 * @param prefillNanos   from then until the first token was chosen
 * @param decodeNanos    from the first token to the last
 * @param featuresReused the image features came from the feature cache
 * @param prefixReused   the whole prefill came from the prefix cache
 * @param logprobs       one per generated token when the request asked for log-probabilities, else empty
 * @param hypotheses     with beam search, the returned hypotheses, best first (tokens = the first one's); else empty
 */
public record Outcome(int[] tokens, FinishReason finishReason, float[] output, int promptTokens, long queuedNanos,
                      long visionNanos, long prefillNanos, long decodeNanos, boolean featuresReused, boolean prefixReused,
                      List<TokenLogprob> logprobs, List<BeamHypothesis> hypotheses) {
}
