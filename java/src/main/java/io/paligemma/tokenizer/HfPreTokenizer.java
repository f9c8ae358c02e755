package io.paligemma.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/** A tokenizer.json {@code pre_tokenizer}: splits normalized text into the words the model sees one by one. */
interface HfPreTokenizer {

    /** @param atTextStart the text begins at the start of the input (not after an added token) */
    List<String> split(String text, boolean atTextStart);

    static HfPreTokenizer of(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return null;
        }
        String type = HfJson.text(node, "type", where);
        return switch (type) {
            case "Sequence" -> {
                List<HfPreTokenizer> steps = new ArrayList<>();
                JsonNode list = node.path("pretokenizers");
                for (int i = 0; i < list.size(); i++) {
                    steps.add(of(list.get(i), where + ".pretokenizers[" + i + "]"));
                }
                yield (text, atStart) -> {
                    List<String> words = List.of(text);
                    for (HfPreTokenizer p : steps) {
                        List<String> next = new ArrayList<>();
                        for (int i = 0; i < words.size(); i++) {
                            next.addAll(p.split(words.get(i), atStart && i == 0));
                        }
                        words = next;
                    }
                    return words;
                };
            }
            case "Metaspace" -> metaspace(node, where);
            case "Split" -> split(node, where);
            case "WhitespaceSplit" -> (text, atStart) -> {
                List<String> words = new ArrayList<>();
                int i = 0;
                while (i < text.length()) {
                    while (i < text.length() && HfJson.isWhitespace(text.codePointAt(i))) {
                        i += Character.charCount(text.codePointAt(i));
                    }
                    int start = i;
                    while (i < text.length() && !HfJson.isWhitespace(text.codePointAt(i))) {
                        i += Character.charCount(text.codePointAt(i));
                    }
                    if (i > start) {
                        words.add(text.substring(start, i));
                    }
                }
                return words;
            };
            default -> throw new TokenizerException(where + ": pre_tokenizer type '" + type + "' is not supported");
        };
    }

    /**
     * tokenizers' Split: the text cut into pattern matches and the spans between them (swapped with invert),
     * then per behavior: Removed drops matches, Isolated keeps them as words, MergedWithPrevious/-Next glue a
     * match to the word before/after, Contiguous joins runs of matches. Empty words are dropped.
     */
    private static HfPreTokenizer split(JsonNode node, String where) {
        java.util.regex.Pattern pattern = HfJson.pattern(node, where);
        String behavior = HfJson.text(node, "behavior", where);
        boolean invert = HfJson.bool(node, "invert", false);
        if (!List.of("Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous").contains(behavior)) {
            throw new TokenizerException(where + ".behavior: '" + behavior + "' is not supported");
        }
        return (text, atStart) -> {
            // spans [start, end, isMatch] covering the text
            List<int[]> spans = new ArrayList<>();
            java.util.regex.Matcher m = pattern.matcher(text);
            int prev = 0;
            while (m.find()) {
                if (m.end() == m.start()) {
                    continue;
                }
                if (m.start() > prev) {
                    spans.add(new int[] {prev, m.start(), invert ? 1 : 0});
                }
                spans.add(new int[] {m.start(), m.end(), invert ? 0 : 1});
                prev = m.end();
            }
            if (prev < text.length()) {
                spans.add(new int[] {prev, text.length(), invert ? 1 : 0});
            }
            List<int[]> words = new ArrayList<>();  // [start, end, removed]
            switch (behavior) {
                case "Removed" -> spans.forEach(sp -> words.add(new int[] {sp[0], sp[1], sp[2]}));
                case "Isolated" -> spans.forEach(sp -> words.add(new int[] {sp[0], sp[1], 0}));
                case "Contiguous", "MergedWithPrevious" -> {
                    boolean previousMatch = false;
                    boolean contiguous = behavior.equals("Contiguous");
                    for (int[] sp : spans) {
                        boolean isMatch = sp[2] == 1;
                        boolean glue = contiguous ? isMatch == previousMatch : isMatch && !previousMatch;
                        if (glue && !words.isEmpty()) {
                            words.getLast()[1] = sp[1];
                        } else {
                            words.add(new int[] {sp[0], sp[1], 0});
                        }
                        previousMatch = isMatch;
                    }
                }
                default -> {  // MergedWithNext
                    boolean previousMatch = false;
                    for (int i = spans.size() - 1; i >= 0; i--) {
                        int[] sp = spans.get(i);
                        boolean isMatch = sp[2] == 1;
                        if (isMatch && !previousMatch && !words.isEmpty()) {
                            words.getLast()[0] = sp[0];
                        } else {
                            words.add(new int[] {sp[0], sp[1], 0});
                        }
                        previousMatch = isMatch;
                    }
                    java.util.Collections.reverse(words);
                }
            }
            List<String> out = new ArrayList<>();
            for (int[] w : words) {
                if (w[2] == 0 && w[1] > w[0]) {
                    out.add(text.substring(w[0], w[1]));
                }
            }
            return out;
        };
    }

    /** Spaces → replacement, a replacement prepended per prepend_scheme, then split before each replacement. */
    private static HfPreTokenizer metaspace(JsonNode node, String where) {
        String replacement = HfJson.textOr(node, "replacement", "\u2581");
        String scheme = node.has("prepend_scheme") ? HfJson.text(node, "prepend_scheme", where)
                : HfJson.bool(node, "add_prefix_space", true) ? "always" : "never";
        boolean split = HfJson.bool(node, "split", true);
        if (!List.of("always", "first", "never").contains(scheme)) {
            throw new TokenizerException(where + ".prepend_scheme: '" + scheme + "' is not always/first/never");
        }
        return (text, atStart) -> {
            if (text.isEmpty()) {
                return List.of();  // prepending to an empty string does nothing in tokenizers
            }
            String s = text.replace(" ", replacement);
            if (!s.startsWith(replacement) && (scheme.equals("always") || (scheme.equals("first") && atStart))) {
                s = replacement + s;
            }
            List<String> words = new ArrayList<>();
            if (!split) {
                words.add(s);
                return words;
            }
            int start = 0;
            for (int i = s.indexOf(replacement, 1); i >= 0; i = s.indexOf(replacement, i + 1)) {
                words.add(s.substring(start, i));
                start = i;
            }
            if (start < s.length()) {
                words.add(s.substring(start));
            }
            return words;
        };
    }
}
