package io.paligemma.generate;

import java.lang.foreign.MemorySegment;

/**
 * Chooses a sequence's next token from its logits: a {@link Sampler} for requests; a recorder that checks
 * or forces tokens for the conformance runner.
 */
@FunctionalInterface
public interface NextToken {
    /** The next token from logits[0, vocab). */
    int next(MemorySegment logits, int vocab);

    /** The last chosen token's log-probability and the {@code top} most likely tokens of its step. */
    default TokenLogprob lastLogprob(int top) {
        throw new UnsupportedOperationException("this chooser keeps no distribution to give log-probabilities from");
    }
}
