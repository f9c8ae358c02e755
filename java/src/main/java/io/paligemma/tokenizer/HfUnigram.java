package io.paligemma.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Hugging Face's Unigram model (tokenizers models/unigram, encode_optimized): Viterbi in double over every
 * vocabulary entry, unknown characters scored min score - 10, consecutive unknowns fused, then an unknown span
 * becomes its {@code <0xNN>} byte tokens when byte_fallback is set and they all exist, else the unk id.
 */
final class HfUnigram implements Segmenter {

    private static final double UNK_PENALTY = 10.0;

    private final Map<String, Integer> vocab;
    private final double[] scores;   // [vocab size]
    private final int unkId;
    private final boolean byteFallback;
    private final double minScore;
    private final int maxChars;

    HfUnigram(JsonNode model, Map<String, Integer> vocab, double[] scores, String where) {
        this.vocab = vocab;
        this.scores = scores;
        JsonNode unk = model.get("unk_id");
        if (unk == null || unk.isNull()) {
            throw new TokenizerException(where + ".unk_id: a Unigram model without unk_id is not supported");
        }
        this.unkId = unk.asInt();
        if (unkId < 0 || unkId >= scores.length) {
            throw new TokenizerException(where + ".unk_id: " + unkId + " is outside the vocabulary of " + scores.length);
        }
        this.byteFallback = HfJson.bool(model, "byte_fallback", false);
        double min = Double.POSITIVE_INFINITY;
        for (double s : scores) {
            min = Math.min(min, s);
        }
        this.minScore = min;
        int longest = 0;
        for (String piece : vocab.keySet()) {
            longest = Math.max(longest, piece.length());
        }
        this.maxChars = longest;
    }

    @Override
    public List<Segment> segment(String text) {
        int size = text.length();
        List<Segment> out = new ArrayList<>();
        if (size == 0) {
            return out;
        }
        double[] best = new double[size + 1];
        int[] startsAt = new int[size + 1];
        int[] ids = new int[size + 1];
        java.util.Arrays.fill(startsAt, -1);
        for (int from = 0; from < size; ) {
            double tillHere = best[from];
            int charLen = Character.charCount(text.codePointAt(from));
            boolean hasSingle = false;
            int limit = Math.min(size, from + maxChars);
            for (int to = from + 1; to <= limit; to++) {
                Integer id = vocab.get(text.substring(from, to));
                if (id == null) {
                    continue;
                }
                double candidate = scores[id] + tillHere;
                if (startsAt[to] == -1 || candidate > best[to]) {
                    best[to] = candidate;
                    startsAt[to] = from;
                    ids[to] = id;
                }
                if (to - from == charLen) {
                    hasSingle = true;
                }
            }
            if (!hasSingle) {
                int to = from + charLen;
                double candidate = minScore - UNK_PENALTY + tillHere;
                if (startsAt[to] == -1 || candidate > best[to]) {
                    best[to] = candidate;
                    startsAt[to] = from;
                    ids[to] = unkId;
                }
            }
            from += charLen;
        }
        // backtrack, fusing runs of unknowns into one string
        List<String> pieces = new ArrayList<>();
        StringBuilder unknown = null;
        for (int end = size; end > 0; end = startsAt[end]) {
            String piece = text.substring(startsAt[end], end);
            if (ids[end] == unkId) {
                unknown = unknown == null ? new StringBuilder(piece) : unknown.insert(0, piece);
                continue;
            }
            if (unknown != null) {
                pieces.add(unknown.toString());
                unknown = null;
            }
            pieces.add(piece);
        }
        if (unknown != null) {
            pieces.add(unknown.toString());
        }
        Collections.reverse(pieces);
        for (String piece : pieces) {
            Integer id = vocab.get(piece);
            if (id != null) {
                out.add(new Segment(piece, id));
                continue;
            }
            if (byteFallback && addBytes(piece, out)) {
                continue;
            }
            out.add(new Segment(piece, unkId));
        }
        return out;
    }

    private boolean addBytes(String piece, List<Segment> out) {
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        List<Segment> tokens = new ArrayList<>(bytes.length);
        for (byte b : bytes) {
            String token = SentencePieceVocab.byteToPiece(b);
            Integer id = vocab.get(token);
            if (id == null) {
                return false;
            }
            tokens.add(new Segment(token, id));
        }
        out.addAll(tokens);
        return true;
    }
}
