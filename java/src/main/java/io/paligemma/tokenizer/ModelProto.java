package io.paligemma.tokenizer;

import java.util.List;

/**
 * The parts of sentencepiece's {@code ModelProto} (sentencepiece_model.proto) that encoding and decoding use.
 * Defaults are the proto2 defaults of that file.
 */
record ModelProto(List<Piece> pieces, TrainerSpec trainerSpec, NormalizerSpec normalizerSpec,
                  NormalizerSpec denormalizerSpec) {

    /** {@code ModelProto.SentencePiece.Type}. */
    enum PieceType {
        NORMAL(1), UNKNOWN(2), CONTROL(3), USER_DEFINED(4), UNUSED(5), BYTE(6);

        final int number;

        PieceType(int number) {
            this.number = number;
        }

        /** Returns null for a number the proto does not define. */
        static PieceType of(int number) {
            for (PieceType t : values()) {
                if (t.number == number) {
                    return t;
                }
            }
            return null;
        }
    }

    /** {@code TrainerSpec.ModelType}. */
    enum ModelType {
        UNIGRAM(1), BPE(2), WORD(3), CHAR(4);

        final int number;

        ModelType(int number) {
            this.number = number;
        }

        static ModelType of(int number) {
            for (ModelType t : values()) {
                if (t.number == number) {
                    return t;
                }
            }
            return null;
        }
    }

    record Piece(String piece, float score, PieceType type) {
    }

    record TrainerSpec(ModelType modelType, int vocabSize, boolean byteFallback, boolean splitDigits,
                       boolean treatWhitespaceAsSuffix, boolean allowWhitespaceOnlyPieces,
                       int unkId, int bosId, int eosId, int padId,
                       String unkPiece, String bosPiece, String eosPiece, String padPiece, String unkSurface) {

        static final TrainerSpec DEFAULT = new TrainerSpec(ModelType.UNIGRAM, 8000, false, false, false, false,
                0, 1, 2, -1, "<unk>", "<s>", "</s>", "<pad>", " \u2047 ");
    }

    record NormalizerSpec(String name, byte[] precompiledCharsmap, boolean addDummyPrefix,
                          boolean removeExtraWhitespaces, boolean escapeWhitespaces) {

        static final NormalizerSpec DEFAULT = new NormalizerSpec("", new byte[0], true, true, true);
    }
}
