package io.paligemma.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A tokenizer.json {@code decoder}: rewrites the list of token strings; the result is their concatenation. */
interface HfDecoder {

    List<String> decodeChain(List<String> tokens);

    static HfDecoder of(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return null;
        }
        String type = HfJson.text(node, "type", where);
        return switch (type) {
            case "Sequence" -> {
                List<HfDecoder> steps = new ArrayList<>();
                JsonNode list = node.path("decoders");
                for (int i = 0; i < list.size(); i++) {
                    steps.add(of(list.get(i), where + ".decoders[" + i + "]"));
                }
                yield tokens -> {
                    for (HfDecoder d : steps) {
                        tokens = d.decodeChain(tokens);
                    }
                    return tokens;
                };
            }
            case "Replace" -> {
                Pattern pattern = HfJson.pattern(node, where);
                String content = Matcher.quoteReplacement(HfJson.text(node, "content", where));
                yield tokens -> tokens.stream().map(t -> pattern.matcher(t).replaceAll(content)).toList();
            }
            case "ByteFallback" -> HfDecoder::byteFallback;
            case "Fuse" -> tokens -> List.of(String.join("", tokens));
            case "Strip" -> {
                String content = HfJson.text(node, "content", where);
                int start = HfJson.integer(node, "start", 0);
                int stop = HfJson.integer(node, "stop", 0);
                yield tokens -> tokens.stream().map(t -> strip(t, content, start, stop)).toList();
            }
            case "Metaspace" -> {
                String replacement = HfJson.textOr(node, "replacement", "\u2581");
                String scheme = node.has("prepend_scheme") ? HfJson.text(node, "prepend_scheme", where)
                        : HfJson.bool(node, "add_prefix_space", true) ? "always" : "never";
                boolean dropFirst = !scheme.equals("never");
                yield tokens -> {
                    List<String> out = new ArrayList<>(tokens.size());
                    for (int i = 0; i < tokens.size(); i++) {
                        out.add(tokens.get(i).replace(replacement, i == 0 && dropFirst ? "" : " "));
                    }
                    return out;
                };
            }
            default -> throw new TokenizerException(where + ": decoder type '" + type + "' is not supported");
        };
    }

    /** Byte value of a {@code <0xNN>} token (hex digits of either case), or -1. */
    static int byteToken(String token) {
        if (token.length() != 6 || !token.startsWith("<0x") || token.charAt(5) != '>') {
            return -1;
        }
        int hi = hexDigit(token.charAt(3));
        int lo = hexDigit(token.charAt(4));
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    private static int hexDigit(char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    }

    /** Runs of byte tokens become their UTF-8 text, or one U+FFFD per byte when the run is not valid UTF-8. */
    private static List<String> byteFallback(List<String> tokens) {
        List<String> out = new ArrayList<>(tokens.size());
        byte[] run = new byte[tokens.size()];
        int n = 0;
        for (String t : tokens) {
            int b = byteToken(t);
            if (b >= 0) {
                run[n++] = (byte) b;
                continue;
            }
            n = flushBytes(run, n, out);
            out.add(t);
        }
        flushBytes(run, n, out);
        return out;
    }

    private static int flushBytes(byte[] run, int n, List<String> out) {
        if (n == 0) {
            return 0;
        }
        try {
            out.add(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(run, 0, n)).toString());
        } catch (CharacterCodingException e) {
            for (int i = 0; i < n; i++) {
                out.add("\uFFFD");
            }
        }
        return 0;
    }

    private static String strip(String token, String content, int start, int stop) {
        int from = 0;
        int to = token.length();
        for (int i = 0; i < start && token.startsWith(content, from) && !content.isEmpty(); i++) {
            from += content.length();
        }
        for (int i = 0; i < stop && to - content.length() >= from && token.startsWith(content, to - content.length())
                && !content.isEmpty(); i++) {
            to -= content.length();
        }
        return token.substring(from, to);
    }
}
