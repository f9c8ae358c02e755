package io.paligemma.generate;

/** Why generation ended. */
public enum FinishReason {
    /** The model produced its end-of-sequence token. */
    EOS,
    /** max new tokens reached. */
    MAX_TOKENS,
    /** A stop string appeared in the output, or the listener asked to stop. */
    STOP,
    /**
     * The model's logits held NaN or infinity (NaN or Inf in the weights or the input, or an overflow): the
     * request ends there without choosing a token from them, which would be garbage.
     */
    NON_FINITE;

    /** The one-line explanation a caller shows for {@link #NON_FINITE}, or null for the other reasons. */
    public String problem() {
        return this == NON_FINITE ? "the model produced non-finite logits (NaN or infinity), so generation stopped: "
                + "the checkpoint or the input holds NaN/Inf values (paligemma inspect shows the tensors)" : null;
    }
}
