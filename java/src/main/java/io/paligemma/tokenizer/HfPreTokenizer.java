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
