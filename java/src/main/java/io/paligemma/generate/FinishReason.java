package io.paligemma.generate;

/** Why generation ended. */
public enum FinishReason {
    /** The model produced its end-of-sequence token. */
    EOS,
    /** max new tokens reached. */
    MAX_TOKENS,
    /** A stop string appeared in the output, or the listener asked to stop. */
    STOP,
}
