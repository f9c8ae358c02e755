package io.paligemma.tokenizer;

import java.util.Arrays;

/**
 * Decodes ids that arrive one at a time. {@link #next} returns the text that the new id made final; text that
 * later ids could still change (bytes of an unfinished UTF-8 character) is held back until it is complete or
 * {@link #flush} is called. The concatenation of everything returned equals {@link Tokenizer#decode} of all ids.
 * Each id re-decodes the ids of the stream so far (the decode rules depend on what came first), which costs
 * time linear in the stream length: fine for generated answers, not meant for decoding whole corpora.
 */
public final class StreamingDecoder {

    /** What a tokenizer provides to stream its decode. */
    interface Source {

        /** The text of {@code ids[0, count)} as if no more ids follow. */
        String decode(int[] ids, int count);

        /** The longest prefix of that text that no later id can change. */
        String decodeFinal(int[] ids, int count);

        /** Throws {@link TokenizerException} for an id the tokenizer does not have. */
        void checkId(int id);
    }

    private final Source source;
    private int[] ids = new int[32];
    private int count;
    private final StringBuilder emitted = new StringBuilder();

    StreamingDecoder(Source source) {
        this.source = source;
    }

    /** Adds one id; returns the newly final text (often empty). */
    public String next(int id) {
        source.checkId(id);
        if (count == ids.length) {
            ids = Arrays.copyOf(ids, count * 2);
        }
        ids[count++] = id;
        return emit(source.decodeFinal(ids, count));
    }

    /**
     * Ends the stream: returns the held-back text, decoded as if no more ids follow. The next id starts a new
     * stream (decoded like the start of a text).
     */
    public String flush() {
        String rest = emit(source.decode(ids, count));
        count = 0;
        emitted.setLength(0);
        return rest;
    }

    private String emit(String decoded) {
        if (decoded.length() < emitted.length() || !decoded.startsWith(emitted.toString())) {
            throw new IllegalStateException("decoded text of a longer id prefix does not extend the text already"
                    + " emitted: '" + emitted + "' vs '" + decoded + "'");
        }
        String delta = decoded.substring(emitted.length());
        emitted.append(delta);
        return delta;
    }
}
