package io.paligemma.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A tokenizer.json {@code normalizer}. */
interface HfNormalizer {

    String normalize(String text);

    /** The normalizer a tokenizer.json node describes; null for a JSON null. */
    static HfNormalizer of(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return null;
        }
        String type = HfJson.text(node, "type", where);
        return switch (type) {
            case "Sequence" -> {
                List<HfNormalizer> steps = new ArrayList<>();
                JsonNode list = node.path("normalizers");
                for (int i = 0; i < list.size(); i++) {
                    steps.add(of(list.get(i), where + ".normalizers[" + i + "]"));
                }
                yield text -> {
                    for (HfNormalizer n : steps) {
                        text = n.normalize(text);
                    }
                    return text;
                };
            }
            case "Replace" -> {
                Pattern pattern = HfJson.pattern(node, where);
                String content = Matcher.quoteReplacement(HfJson.text(node, "content", where));
                yield text -> pattern.matcher(text).replaceAll(content);
            }
            case "Prepend" -> {
                String prefix = HfJson.text(node, "prepend", where);
                yield text -> text.isEmpty() ? text : prefix + text;
            }
            case "Strip" -> {
                boolean left = HfJson.bool(node, "strip_left", true);
                boolean right = HfJson.bool(node, "strip_right", true);
                yield text -> strip(text, left, right);
            }
            case "Lowercase" -> text -> text.toLowerCase(Locale.ROOT);
            case "NFC" -> text -> java.text.Normalizer.normalize(text, java.text.Normalizer.Form.NFC);
            case "NFD" -> text -> java.text.Normalizer.normalize(text, java.text.Normalizer.Form.NFD);
            case "NFKC" -> text -> java.text.Normalizer.normalize(text, java.text.Normalizer.Form.NFKC);
            case "NFKD" -> text -> java.text.Normalizer.normalize(text, java.text.Normalizer.Form.NFKD);
            case "Precompiled" -> precompiled(node, where);
            default -> throw new TokenizerException(where + ": normalizer type '" + type + "' is not supported");
        };
    }

    private static String strip(String text, boolean left, boolean right) {
        int from = 0;
        int to = text.length();
        while (left && from < to && HfJson.isWhitespace(text.codePointAt(from))) {
            from += Character.charCount(text.codePointAt(from));
        }
        while (right && to > from && HfJson.isWhitespace(text.codePointBefore(to))) {
            to -= Character.charCount(text.codePointBefore(to));
        }
        return text.substring(from, to);
    }

    /**
     * Hugging Face's Precompiled normalizer: a grapheme cluster shorter than 6 UTF-8 bytes is replaced as a
     * whole when a rule matches a prefix of it (the shortest such rule), otherwise each character is.
     */
    private static HfNormalizer precompiled(JsonNode node, String where) {
        JsonNode blob = node.get("precompiled_charsmap");
        if (blob == null || blob.isNull()) {
            return text -> text;  // tokenizers accepts a missing charsmap as no rules
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(blob.asText());
        } catch (IllegalArgumentException e) {
            throw new TokenizerException(where + ".precompiled_charsmap: not base64: " + e.getMessage(), e);
        }
        PrecompiledCharsMap map = new PrecompiledCharsMap(bytes, where);
        return text -> {
            StringBuilder out = new StringBuilder(text.length());
            BreakIterator graphemes = BreakIterator.getCharacterInstance(Locale.ROOT);
            graphemes.setText(text);
            int start = graphemes.first();
            for (int end = graphemes.next(); end != BreakIterator.DONE; start = end, end = graphemes.next()) {
                String g = text.substring(start, end);
                byte[] gb = Utf8.encode(g);
                String norm = gb.length < 6 ? map.shortestMatch(gb) : null;
                if (norm != null) {
                    out.append(norm);
                    continue;
                }
                for (int i = 0; i < g.length(); ) {
                    int n = Character.charCount(g.codePointAt(i));
                    String c = g.substring(i, i + n);
                    String r = map.shortestMatch(Utf8.encode(c));
                    out.append(r != null ? r : c);
                    i += n;
                }
            }
            return out.toString();
        };
    }
}
