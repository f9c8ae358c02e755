package io.paligemma.tokenizer;

import io.paligemma.tokenizer.ModelProto.PieceType;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The pieces of a ModelProto with sentencepiece's lookup rules (model_interface.cc): NORMAL, USER_DEFINED and
 * UNUSED pieces are what the segmenters match; UNKNOWN, CONTROL and BYTE pieces are reserved and reachable
 * only by exact lookup; an unknown piece maps to the unk id.
 */
final class SentencePieceVocab {

    private final String[] pieces;      // [vocab] piece text by id
    private final float[] scores;       // [vocab]
    private final PieceType[] types;    // [vocab]
    private final Map<String, Integer> matchable = new HashMap<>();
    private final Map<String, Integer> reserved = new HashMap<>();
    private final int[] byteIds = new int[256];  // [256] id of <0xNN>, -1 when absent
    private final List<String> userDefined = new ArrayList<>();
    private final int unkId;
    private final int maxMatchableChars;

    SentencePieceVocab(List<ModelProto.Piece> list, boolean byteFallback, String source) {
        if (list.isEmpty()) {
            throw new TokenizerException(source + ": the model has no pieces");
        }
        int n = list.size();
        pieces = new String[n];
        scores = new float[n];
        types = new PieceType[n];
        java.util.Arrays.fill(byteIds, -1);
        int unk = -1;
        int maxChars = 0;
        for (int i = 0; i < n; i++) {
            ModelProto.Piece p = list.get(i);
            if (p.piece().isEmpty()) {
                throw new TokenizerException(source + ": piece " + i + " is empty");
            }
            pieces[i] = p.piece();
            scores[i] = p.score();
            types[i] = p.type();
            boolean isMatchable = p.type() == PieceType.NORMAL || p.type() == PieceType.USER_DEFINED
                    || p.type() == PieceType.UNUSED;
            if ((isMatchable ? matchable : reserved).putIfAbsent(p.piece(), i) != null) {
                throw new TokenizerException(source + ": piece " + i + " '" + p.piece() + "' is already defined");
            }
            if (isMatchable) {
                maxChars = Math.max(maxChars, p.piece().length());
            }
            switch (p.type()) {
                case USER_DEFINED -> userDefined.add(p.piece());
                case UNKNOWN -> {
                    if (unk >= 0) {
                        throw new TokenizerException(source + ": unk is defined twice (ids " + unk + " and " + i + ")");
                    }
                    unk = i;
                }
                case BYTE -> {
                    if (!byteFallback) {
                        throw new TokenizerException(source + ": byte piece " + i + " '" + p.piece()
                                + "' is found although byte_fallback is false");
                    }
                    int b = pieceToByte(p.piece());
                    if (b < 0) {
                        throw new TokenizerException(source + ": byte piece " + i + " '" + p.piece() + "' is invalid");
                    }
                    byteIds[b] = i;
                }
                default -> {
                }
            }
        }
        if (unk < 0) {
            throw new TokenizerException(source + ": the model defines no unknown piece");
        }
        unkId = unk;
        maxMatchableChars = maxChars;
    }

    int size() {
        return pieces.length;
    }

    String piece(int id) {
        return pieces[id];
    }

    float score(int id) {
        return scores[id];
    }

    PieceType type(int id) {
        return types[id];
    }

    int unkId() {
        return unkId;
    }

    /** Exact lookup as ModelInterface::PieceToId: reserved pieces first, then matchable ones, else unk. */
    int pieceToId(String piece) {
        Integer id = reserved.get(piece);
        if (id == null) {
            id = matchable.get(piece);
        }
        return id == null ? unkId : id;
    }

    /** Id of a NORMAL, USER_DEFINED or UNUSED piece, or -1. */
    int matchableId(String piece) {
        Integer id = matchable.get(piece);
        return id == null ? -1 : id;
    }

    int maxMatchableChars() {
        return maxMatchableChars;
    }

    /** Id of the {@code <0xNN>} piece of a byte, or -1. */
    int byteId(int b) {
        return byteIds[b & 0xFF];
    }

    List<String> userDefinedSymbols() {
        return userDefined;
    }

    boolean isByte(int id) {
        return types[id] == PieceType.BYTE;
    }

    boolean isControl(int id) {
        return types[id] == PieceType.CONTROL;
    }

    boolean isUnknown(int id) {
        return types[id] == PieceType.UNKNOWN;
    }

    /** {@code <0xNN>} (NN two upper-case hex digits, exactly as {@link #byteToPiece} writes it) → NN, else -1. */
    static int pieceToByte(String piece) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') {
            return -1;
        }
        int hi = Character.digit(piece.charAt(3), 16);
        int lo = Character.digit(piece.charAt(4), 16);
        if (hi < 0 || lo < 0) {
            return -1;
        }
        int b = hi * 16 + lo;
        return byteToPiece(b).equals(piece) ? b : -1;
    }

    static String byteToPiece(int b) {
        return String.format("<0x%02X>", b & 0xFF);
    }
}
