package io.paligemma.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Hugging Face's BPE model (tokenizers models/bpe): a word starts as characters (a character missing from the
 * vocabulary becomes its {@code <0xNN>} byte tokens with byte_fallback, else unk, consecutive unks fused with
 * fuse_unk), then the merge of lowest rank is applied repeatedly, the leftmost on equal ranks.
 */
final class HfBpe implements Segmenter {

    private record Merge(int rank, int newId) {
    }

    private final Map<String, Integer> vocab;
    private final String[] idToToken;             // [max id + 1] null for holes
    private final Map<Long, Merge> merges = new HashMap<>();  // key: left id << 32 | right id
    private final Integer unkId;                  // null: no unk token
    private final boolean byteFallback;
    private final boolean fuseUnk;
    private final boolean ignoreMerges;
    private final String continuingPrefix;        // null: none
    private final String endOfWordSuffix;         // null: none

    HfBpe(JsonNode model, Map<String, Integer> vocab, String[] idToToken, String where) {
        this.vocab = vocab;
        this.idToToken = idToToken;
        this.byteFallback = HfJson.bool(model, "byte_fallback", false);
        this.fuseUnk = HfJson.bool(model, "fuse_unk", false);
        this.ignoreMerges = HfJson.bool(model, "ignore_merges", false);
        this.continuingPrefix = HfJson.textOr(model, "continuing_subword_prefix", null);
        this.endOfWordSuffix = HfJson.textOr(model, "end_of_word_suffix", null);
        JsonNode dropout = model.get("dropout");
        if (dropout != null && !dropout.isNull() && dropout.asDouble() != 0.0) {
            throw new TokenizerException(where + ".dropout: BPE dropout is not supported (it samples)");
        }
        String unk = HfJson.textOr(model, "unk_token", null);
        this.unkId = unk == null ? null : vocab.get(unk);
        if (unk != null && unkId == null) {
            throw new TokenizerException(where + ".unk_token: '" + unk + "' is not in the vocabulary");
        }
        JsonNode list = model.path("merges");
        for (int rank = 0; rank < list.size(); rank++) {
            JsonNode m = list.get(rank);
            String left;
            String right;
            if (m.isArray() && m.size() == 2) {
                left = m.get(0).asText();
                right = m.get(1).asText();
            } else if (m.isTextual() && m.asText().split(" ", -1).length == 2) {
                String[] parts = m.asText().split(" ", -1);
                left = parts[0];
                right = parts[1];
            } else {
                throw new TokenizerException(where + ".merges[" + rank + "]: expected \"a b\" or [a, b], got " + m);
            }
            Integer l = vocab.get(left);
            Integer r = vocab.get(right);
            int prefixLength = continuingPrefix == null ? 0 : continuingPrefix.length();
            if (right.length() < prefixLength) {
                throw new TokenizerException(where + ".merges[" + rank + "]: '" + right
                        + "' is shorter than continuing_subword_prefix");
            }
            String merged = left + right.substring(prefixLength);
            Integer id = vocab.get(merged);
            if (l == null || r == null || id == null) {
                throw new TokenizerException(where + ".merges[" + rank + "]: '" + left + "' + '" + right
                        + "' uses a token missing from the vocabulary");
            }
            merges.put(key(l, r), new Merge(rank, id));  // a repeated pair keeps its last rank, as tokenizers does
        }
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    @Override
    public List<Segment> segment(String word) {
        List<Segment> out = new ArrayList<>();
        if (word.isEmpty()) {
            return out;
        }
        if (ignoreMerges) {
            Integer id = vocab.get(word);
            if (id != null) {
                out.add(new Segment(word, id));
                return out;
            }
        }
        // symbols: ids in order; merges shrink the list via prev/next links
        List<Integer> ids = new ArrayList<>();
        int pendingUnkLength = -1;
        for (int i = 0; i < word.length(); ) {
            int n = Character.charCount(word.codePointAt(i));
            String c = word.substring(i, i + n);
            boolean first = i == 0;
            i += n;
            String s = (!first && continuingPrefix != null ? continuingPrefix : "") + c
                    + (i == word.length() && endOfWordSuffix != null ? endOfWordSuffix : "");
            Integer id = vocab.get(s);
            if (id != null) {
                if (pendingUnkLength >= 0) {
                    ids.add(unkId);
                    pendingUnkLength = -1;
                }
                ids.add(id);
                continue;
            }
            if (byteFallback) {
                byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
                int[] byteIds = new int[bytes.length];
                boolean all = true;
                for (int k = 0; k < bytes.length && all; k++) {
                    Integer b = vocab.get(SentencePieceVocab.byteToPiece(bytes[k]));
                    all = b != null;
                    byteIds[k] = all ? b : -1;
                }
                if (all) {
                    // the pending unk is not flushed here: tokenizers keeps it open across byte tokens
                    for (int b : byteIds) {
                        ids.add(b);
                    }
                    continue;
                }
            }
            if (unkId != null) {
                if (pendingUnkLength >= 0 && !fuseUnk) {
                    ids.add(unkId);
                }
                pendingUnkLength = 1;
            }
        }
        if (pendingUnkLength >= 0) {
            ids.add(unkId);
        }
        mergeAll(ids);
        for (int id : ids) {
            out.add(new Segment(idToToken[id], id));
        }
        return out;
    }

    private record Candidate(int pos, int rank, int newId) {
    }

    private void mergeAll(List<Integer> ids) {
        int n = ids.size();
        int[] sym = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        boolean[] removed = new boolean[n];
        for (int i = 0; i < n; i++) {
            sym[i] = ids.get(i);
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Candidate> queue = new PriorityQueue<>((a, b) -> a.rank != b.rank
                ? Integer.compare(a.rank, b.rank) : Integer.compare(a.pos, b.pos));
        for (int i = 0; i + 1 < n; i++) {
            Merge m = merges.get(key(sym[i], sym[i + 1]));
            if (m != null) {
                queue.add(new Candidate(i, m.rank, m.newId));
            }
        }
        while (!queue.isEmpty()) {
            Candidate top = queue.poll();
            int pos = top.pos;
            if (removed[pos] || next[pos] == -1) {
                continue;
            }
            int right = next[pos];
            Merge current = merges.get(key(sym[pos], sym[right]));
            if (current == null || current.newId != top.newId) {
                continue;  // expired: a side changed since this candidate was queued
            }
            sym[pos] = top.newId;
            removed[right] = true;
            next[pos] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = pos;
            }
            if (prev[pos] >= 0) {
                Merge m = merges.get(key(sym[prev[pos]], sym[pos]));
                if (m != null) {
                    queue.add(new Candidate(prev[pos], m.rank, m.newId));
                }
            }
            if (next[pos] >= 0) {
                Merge m = merges.get(key(sym[pos], sym[next[pos]]));
                if (m != null) {
                    queue.add(new Candidate(pos, m.rank, m.newId));
                }
            }
        }
        ids.clear();
        for (int i = 0; i < n; i++) {
            if (!removed[i]) {
                ids.add(sym[i]);
            }
        }
    }
}
