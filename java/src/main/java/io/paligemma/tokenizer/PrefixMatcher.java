package io.paligemma.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Longest match of a fixed set of symbols (sentencepiece's user-defined symbols, Hugging Face's added tokens)
 * at a position, over UTF-8 bytes or over UTF-16 chars; both walks see the same symbols.
 */
final class PrefixMatcher {

    private static final class Node {
        final Map<Integer, Node> next = new HashMap<>();
        boolean terminal;
    }

    private final Node byteRoot = new Node();
    private final Node charRoot = new Node();
    private final boolean empty;

    PrefixMatcher(Collection<String> symbols) {
        for (String s : symbols) {
            if (s.isEmpty()) {
                continue;
            }
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            Node n = byteRoot;
            for (byte x : b) {
                n = n.next.computeIfAbsent(x & 0xFF, k -> new Node());
            }
            n.terminal = true;
            n = charRoot;
            for (int i = 0; i < s.length(); i++) {
                n = n.next.computeIfAbsent((int) s.charAt(i), k -> new Node());
            }
            n.terminal = true;
        }
        empty = byteRoot.next.isEmpty();
    }

    boolean isEmpty() {
        return empty;
    }

    /** Byte length of the longest symbol starting at {@code s[pos]} and ending by {@code end}; 0 if none. */
    int matchBytes(byte[] s, int pos, int end) {
        Node n = byteRoot;
        int best = 0;
        for (int i = pos; i < end; i++) {
            n = n.next.get(s[i] & 0xFF);
            if (n == null) {
                break;
            }
            if (n.terminal) {
                best = i + 1 - pos;
            }
        }
        return best;
    }

    /** Char length of the longest symbol starting at {@code s.charAt(pos)}; 0 if none. */
    int matchChars(CharSequence s, int pos) {
        Node n = charRoot;
        int best = 0;
        for (int i = pos; i < s.length(); i++) {
            n = n.next.get((int) s.charAt(i));
            if (n == null) {
                break;
            }
            if (n.terminal) {
                best = i + 1 - pos;
            }
        }
        return best;
    }
}
