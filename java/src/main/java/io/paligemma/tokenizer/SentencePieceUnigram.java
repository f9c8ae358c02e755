package io.paligemma.tokenizer;

import io.paligemma.tokenizer.ModelProto.PieceType;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * sentencepiece's unigram segmentation (unigram_model.cc, EncodeOptimized): Viterbi over all vocabulary pieces
 * starting at each character, with the library's arithmetic: path scores stored as float, a piece candidate
 * summed and compared in double, the unknown candidate (min NORMAL score - 10) in float. USER_DEFINED pieces
 * score {@code utf8Length * maxScore - 0.1}, UNUSED pieces are skipped; a character no piece starts with alone
 * becomes an unknown piece.
 */
final class SentencePieceUnigram implements Segmenter {

    private static final float UNK_PENALTY = 10.0f;

    private final SentencePieceVocab vocab;
    private final float minScore;
    private final float maxScore;

    SentencePieceUnigram(SentencePieceVocab vocab) {
        this.vocab = vocab;
        float min = Float.MAX_VALUE;
        float max = Float.MIN_NORMAL;  // FLT_MIN, as the library starts its max from
        for (int i = 0; i < vocab.size(); i++) {
            if (vocab.type(i) == PieceType.NORMAL) {
                min = Math.min(min, vocab.score(i));
                max = Math.max(max, vocab.score(i));
            }
        }
        this.minScore = min;
        this.maxScore = max;
    }

    @Override
    public List<Segment> segment(String text) {
        int size = text.length();
        if (size == 0) {
            return List.of();
        }
        float unkScore = minScore - UNK_PENALTY;
        // best path ending at char position i: its score, the start of its last piece (-1: none yet), that piece
        float[] bestScore = new float[size + 1];
        int[] startsAt = new int[size + 1];
        int[] ids = new int[size + 1];
        java.util.Arrays.fill(startsAt, -1);
        int maxLen = vocab.maxMatchableChars();
        for (int from = 0; from < size; ) {
            float tillHere = bestScore[from];
            int charLen = Character.charCount(text.codePointAt(from));
            boolean hasSingle = false;
            int limit = Math.min(size, from + maxLen);
            for (int to = from + 1; to <= limit; to++) {
                int id = vocab.matchableId(text.substring(from, to));
                if (id < 0 || vocab.type(id) == PieceType.UNUSED) {
                    continue;
                }
                double score = vocab.type(id) == PieceType.USER_DEFINED
                        ? (double) ((float) Utf8.byteLength(text, from, to) * maxScore) - 0.1
                        : vocab.score(id);
                double candidate = score + tillHere;
                if (startsAt[to] == -1 || candidate > bestScore[to]) {
                    bestScore[to] = (float) candidate;
                    startsAt[to] = from;
                    ids[to] = id;
                }
                if (to - from == charLen) {
                    hasSingle = true;
                }
            }
            if (!hasSingle) {
                int to = from + charLen;
                float candidate = unkScore + tillHere;
                if (startsAt[to] == -1 || candidate > bestScore[to]) {
                    bestScore[to] = candidate;
                    startsAt[to] = from;
                    ids[to] = vocab.unkId();
                }
            }
            from += charLen;
        }
        List<Segment> out = new ArrayList<>();
        for (int end = size; end > 0; end = startsAt[end]) {
            out.add(new Segment(text.substring(startsAt[end], end), ids[end]));
        }
        Collections.reverse(out);
        return out;
    }
}
