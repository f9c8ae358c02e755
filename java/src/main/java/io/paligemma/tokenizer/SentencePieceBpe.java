package io.paligemma.tokenizer;

import io.paligemma.tokenizer.ModelProto.PieceType;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * sentencepiece's BPE segmentation (bpe_model.cc): start from characters (user-defined symbols as frozen
 * single symbols), repeatedly merge the adjacent pair whose concatenation is the piece with the highest score,
 * the leftmost pair on equal scores; a merged UNUSED piece is split back into the pair it came from.
 */
final class SentencePieceBpe implements Segmenter {

    private final SentencePieceVocab vocab;
    private final PrefixMatcher userDefined;

    SentencePieceBpe(SentencePieceVocab vocab, PrefixMatcher userDefined) {
        this.vocab = vocab;
        this.userDefined = userDefined;
    }

    private record Pair(int left, int right, float score, int size) {
    }

    @Override
    public List<Segment> segment(String text) {
        if (text.isEmpty()) {
            return List.of();
        }
        int n = text.length();
        // symbol i covers text[start[i], start[i] + len[i]); len 0 = merged away
        int[] start = new int[n];
        int[] len = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        boolean[] freeze = new boolean[n];
        int count = 0;
        for (int pos = 0; pos < n; count++) {
            int user = userDefined.matchChars(text, pos);
            int l = user > 0 ? user : Character.charCount(text.codePointAt(pos));
            start[count] = pos;
            len[count] = l;
            freeze[count] = user > 0;
            prev[count] = count - 1;
            pos += l;
            next[count] = pos < n ? count + 1 : -1;
        }

        PriorityQueue<Pair> agenda = new PriorityQueue<>((a, b) -> a.score > b.score ? -1 : a.score < b.score ? 1
                : Integer.compare(a.left, b.left));
        Map<String, String[]> revMerge = new HashMap<>();
        for (int i = 1; i < count; i++) {
            addPair(text, i - 1, i, start, len, freeze, agenda, revMerge);
        }
        while (!agenda.isEmpty()) {
            Pair top = agenda.poll();
            int l = top.left;
            int r = top.right;
            if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != top.size) {
                continue;  // stale: one side was merged since this pair was queued
            }
            len[l] += len[r];
            next[l] = next[r];
            if (next[r] >= 0) {
                prev[next[r]] = l;
            }
            len[r] = 0;
            addPair(text, prev[l], l, start, len, freeze, agenda, revMerge);
            addPair(text, l, next[l], start, len, freeze, agenda, revMerge);
        }

        List<Segment> out = new ArrayList<>();
        for (int i = 0; i != -1; i = next[i]) {
            resegment(text.substring(start[i], start[i] + len[i]), revMerge, out);
        }
        return out;
    }

    private void addPair(String text, int left, int right, int[] start, int[] len, boolean[] freeze,
                         PriorityQueue<Pair> agenda, Map<String, String[]> revMerge) {
        if (left == -1 || right == -1 || freeze[left] || freeze[right]) {
            return;
        }
        int size = len[left] + len[right];
        String piece = text.substring(start[left], start[left] + size);
        int id = vocab.matchableId(piece);
        if (id < 0) {
            return;
        }
        agenda.add(new Pair(left, right, vocab.score(id), size));
        if (vocab.type(id) == PieceType.UNUSED) {
            revMerge.put(piece, new String[] {
                text.substring(start[left], start[left] + len[left]),
                text.substring(start[right], start[right] + len[right])});
        }
    }

    private void resegment(String piece, Map<String, String[]> revMerge, List<Segment> out) {
        int id = vocab.pieceToId(piece);
        String[] parts = vocab.type(id) == PieceType.UNUSED ? revMerge.get(piece) : null;
        if (parts == null) {
            out.add(new Segment(piece, id));
            return;
        }
        resegment(parts[0], revMerge, out);
        resegment(parts[1], revMerge, out);
    }
}
