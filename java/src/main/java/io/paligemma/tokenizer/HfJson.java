package io.paligemma.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

/** Reading tokenizer.json nodes with errors that name the file and the JSON path. */
final class HfJson {

    private HfJson() {
    }

    static String text(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual()) {
            throw new TokenizerException(where + "." + field + ": expected a string");
        }
        return v.asText();
    }

    static String textOr(JsonNode node, String field, String fallback) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? fallback : v.asText();
    }

    static boolean bool(JsonNode node, String field, boolean fallback) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? fallback : v.asBoolean();
    }

    static int integer(JsonNode node, String field, int fallback) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? fallback : v.asInt();
    }

    /** A Replace/Split {@code pattern}: {"String": s} or {"Regex": r}. */
    static java.util.regex.Pattern pattern(JsonNode node, String where) {
        JsonNode p = node.get("pattern");
        if (p != null && p.has("String")) {
            return java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(p.get("String").asText()));
        }
        if (p != null && p.has("Regex")) {
            try {
                return java.util.regex.Pattern.compile(p.get("Regex").asText());
            } catch (java.util.regex.PatternSyntaxException e) {
                throw new TokenizerException(where + ".pattern: regex not usable: " + e.getMessage(), e);
            }
        }
        throw new TokenizerException(where + ".pattern: expected {\"String\": ...} or {\"Regex\": ...}");
    }

    /** Unicode White_Space, which Rust's char::is_whitespace tests. */
    static boolean isWhitespace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F
                || cp == 0x3000;
    }

    /** Jackson's message without its second line ("at [Source: ...]"), with the line and column. */
    static String describe(com.fasterxml.jackson.core.JacksonException e) {
        var at = e.getLocation();
        return e.getOriginalMessage() + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")");
    }
}
