package io.paligemma.tokenizer;

import java.util.List;

/**
 * Text ↔ token ids. {@link #encode} adds no BOS/EOS: callers add {@link #bosId()} etc. themselves, as the
 * PaliGemma prompt format needs. Ids out of range are rejected with {@link TokenizerException}.
 */
public interface Tokenizer {

    /** Ids and pieces of one encoding; pieces are the vocabulary strings (the covered text for an unknown span). */
    record Encoding(int[] ids, List<String> pieces) {

        public Encoding {
            ids = ids.clone();
            pieces = List.copyOf(pieces);
            if (ids.length != pieces.size()) {
                throw new IllegalArgumentException(ids.length + " ids for " + pieces.size() + " pieces");
            }
        }

        @Override
        public int[] ids() {
            return ids.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Encoding e && java.util.Arrays.equals(ids, e.ids) && pieces.equals(e.pieces);
        }

        @Override
        public int hashCode() {
            return 31 * java.util.Arrays.hashCode(ids) + pieces.hashCode();
        }

        @Override
        public String toString() {
            return "Encoding" + java.util.Arrays.toString(ids) + pieces;
        }
    }

    Encoding encodeWithPieces(String text);

    default int[] encode(String text) {
        return encodeWithPieces(text).ids();
    }

    String decode(int[] ids);

    /** The vocabulary string of an id. */
    String piece(int id);

    /** Id of a vocabulary string; the unknown id when it is not in the vocabulary. */
    int pieceToId(String piece);

    /** One more than the largest id. */
    int vocabSize();

    /** -1 when the tokenizer has none. */
    int bosId();

    /** -1 when the tokenizer has none. */
    int eosId();

    /** -1 when the tokenizer has none. */
    int padId();

    /** -1 when the tokenizer has none. */
    int unkId();

    /** A decoder for ids arriving one at a time (generation); its output concatenates to {@link #decode}. */
    StreamingDecoder streamingDecoder();
}
