package io.paligemma.generate;

/** Called once per generated token, in order, as soon as it is chosen. */
@FunctionalInterface
public interface TokenListener {
    TokenListener NONE = id -> true;

    /** @return false to stop generating after this token */
    boolean onToken(int tokenId);
}
