package io.paligemma.tokenizer;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits text on added tokens: at each position the leftmost, then longest, token matches (Hugging Face's
 * Aho-Corasick leftmost-longest); a match rejected by {@code singleWord} stays plain text.
 */
final class AddedVocabulary {

    /** A piece of the input: plain text for the model ({@code token == null}) or one added token. */
    record Chunk(String text, AddedToken token) {
    }

    /** Which tokens a split looks for. */
    enum Selection {
        ALL, RAW, NORMALIZED
    }

    private final Map<String, AddedToken> byContent = new HashMap<>();
    private final Map<Integer, AddedToken> byId = new HashMap<>();
    private final Map<Selection, PrefixMatcher> matchers = new EnumMap<>(Selection.class);

    AddedVocabulary(Collection<AddedToken> tokens) {
        for (AddedToken t : tokens) {
            AddedToken clash = byContent.putIfAbsent(t.content(), t);
            if (clash != null && clash.id() != t.id()) {
                throw new TokenizerException("added token '" + t.content() + "' has two ids: " + clash.id()
                        + " and " + t.id());
            }
            AddedToken other = byId.putIfAbsent(t.id(), t);
            if (other != null && !other.content().equals(t.content())) {
                throw new TokenizerException("added token id " + t.id() + " has two contents: '" + other.content()
                        + "' and '" + t.content() + "'");
            }
        }
        matchers.put(Selection.ALL, new PrefixMatcher(byContent.keySet()));
        matchers.put(Selection.RAW, new PrefixMatcher(byContent.values().stream()
                .filter(t -> !t.normalized()).map(AddedToken::content).toList()));
        matchers.put(Selection.NORMALIZED, new PrefixMatcher(byContent.values().stream()
                .filter(AddedToken::normalized).map(AddedToken::content).toList()));
    }

    boolean isEmpty() {
        return byId.isEmpty();
    }

    AddedToken byId(int id) {
        return byId.get(id);
    }

    AddedToken byContent(String content) {
        return byContent.get(content);
    }

    Collection<AddedToken> tokens() {
        return byId.values();
    }

    int maxId() {
        int max = -1;
        for (int id : byId.keySet()) {
            max = Math.max(max, id);
        }
        return max;
    }

    /** Splits on the selected tokens. */
    List<Chunk> split(String text, Selection selection) {
        List<Chunk> out = new ArrayList<>();
        PrefixMatcher matcher = matchers.get(selection);
        if (matcher.isEmpty()) {
            out.add(new Chunk(text, null));
            return out;
        }
        int plainStart = 0;
        int pos = 0;
        while (pos < text.length()) {
            int len = matcher.matchChars(text, pos);
            if (len == 0) {
                pos++;
                continue;
            }
            AddedToken t = byContent.get(text.substring(pos, pos + len));
            int end = pos + len;
            if (t.singleWord() && (isWordCharBefore(text, pos) || isWordCharAt(text, end))) {
                pos = end;
                continue;
            }
            int cutStart = pos;
            int cutEnd = end;
            if (t.lstrip()) {
                while (cutStart > plainStart && Character.isWhitespace(text.charAt(cutStart - 1))) {
                    cutStart--;
                }
            }
            if (t.rstrip()) {
                while (cutEnd < text.length() && Character.isWhitespace(text.charAt(cutEnd))) {
                    cutEnd++;
                }
            }
            if (cutStart > plainStart) {
                out.add(new Chunk(text.substring(plainStart, cutStart), null));
            }
            out.add(new Chunk(t.content(), t));
            plainStart = cutEnd;
            pos = cutEnd;
        }
        if (plainStart < text.length()) {
            out.add(new Chunk(text.substring(plainStart), null));
        }
        return out;
    }

    private static boolean isWordCharBefore(String s, int pos) {
        return pos > 0 && isWord(s.codePointBefore(pos));
    }

    private static boolean isWordCharAt(String s, int pos) {
        return pos < s.length() && isWord(s.codePointAt(pos));
    }

    private static boolean isWord(int cp) {
        return Character.isLetterOrDigit(cp) || cp == '_';
    }
}
