package io.paligemma.tokenizer;

/** A tokenizer file that cannot be read or used, or an id/input a tokenizer cannot handle. */
public final class TokenizerException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public TokenizerException(String message) {
        super(io.paligemma.text.Untrusted.oneLine(message));
    }

    public TokenizerException(String message, Throwable cause) {
        super(io.paligemma.text.Untrusted.oneLine(message), cause);
    }

    /** {@code e} when its message names {@code source} already, else the same message prefixed with it. */
    static TokenizerException in(String source, TokenizerException e) {
        return e.getMessage() != null && e.getMessage().contains(source) ? e
                : new TokenizerException(source + ": " + e.getMessage(), e);
    }
}
