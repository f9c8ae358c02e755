package io.paligemma.tokenizer;

/**
 * A token matched as a whole in the input before the model sees it (Hugging Face {@code added_tokens}):
 * {@code special} tokens are dropped by decode; {@code lstrip}/{@code rstrip} swallow whitespace on that side;
 * {@code singleWord} matches only between non-word characters; {@code normalized} tokens are matched in the
 * normalized text (tokenizer.json only), the others in the raw text.
 */
public record AddedToken(String content, int id, boolean special, boolean lstrip, boolean rstrip,
                         boolean singleWord, boolean normalized) {

    public AddedToken {
        if (content == null || content.isEmpty()) {
            throw new TokenizerException("added token " + id + " has empty content");
        }
        if (id < 0) {
            throw new TokenizerException("added token '" + content + "' has negative id " + id);
        }
    }

    /** A plain token: exact match, no stripping, not normalized. */
    public static AddedToken of(String content, int id, boolean special) {
        return new AddedToken(content, id, special, false, false, false, false);
    }
}
