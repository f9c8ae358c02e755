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
}
