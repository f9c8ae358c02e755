package io.paligemma.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.paligemma.tokenizer.SentencePieceTokenizer;
import io.paligemma.tokenizer.StreamingDecoder;
import io.paligemma.tokenizer.Tokenizer;
import io.paligemma.tokenizer.TokenizerException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Checks the tokenizers against a {@code tokenizer_cases.json} file: {@code models.<file>.cases[]} with
 * {@code text}, {@code ids}, {@code pieces}, {@code decoded}; model files are resolved next to the json.
 * Each case yields three checks (ids, pieces, decoded) plus one for streaming decode; a model that cannot be
 * loaded yields one failed check.
 */
public final class TokenizerConformance {

    private TokenizerConformance() {
    }

    public static List<CheckResult> run(Path tokenizerCasesJson) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(tokenizerCasesJson.toFile());
        } catch (IOException e) {
            throw new TokenizerException(tokenizerCasesJson + ": cannot read tokenizer cases: " + e.getMessage(), e);
        }
        JsonNode models = root.path("models");
        if (!models.isObject() || models.isEmpty()) {
            throw new TokenizerException(tokenizerCasesJson + ": no 'models' object");
        }
        Path dir = tokenizerCasesJson.toAbsolutePath().getParent();
        List<CheckResult> results = new ArrayList<>();
        for (Map.Entry<String, JsonNode> model : models.properties()) {
            String file = model.getKey();
            SentencePieceTokenizer tokenizer;
            try {
                tokenizer = SentencePieceTokenizer.load(dir.resolve(file));
            } catch (TokenizerException e) {
                results.add(new CheckResult(file + " load", false, e.getMessage()));
                continue;
            }
            JsonNode cases = model.getValue().path("cases");
            for (int i = 0; i < cases.size(); i++) {
                checkCase(tokenizer, file + " case " + i, cases.get(i), results);
            }
        }
        return results;
    }

    private static void checkCase(Tokenizer tokenizer, String name, JsonNode c, List<CheckResult> results) {
        String text = c.path("text").asText();
        int[] expectedIds = toInts(c.path("ids"));
        List<String> expectedPieces = new ArrayList<>();
        c.path("pieces").forEach(p -> expectedPieces.add(p.asText()));
        String expectedDecoded = c.path("decoded").asText();
        String label = name + " " + quote(text);
        try {
            Tokenizer.Encoding enc = tokenizer.encodeWithPieces(text);
            results.add(compare(label + " ids", Arrays.toString(expectedIds), Arrays.toString(enc.ids())));
            results.add(compare(label + " pieces", quote(expectedPieces), quote(enc.pieces())));
            results.add(compare(label + " decoded", quote(expectedDecoded), quote(tokenizer.decode(expectedIds))));
            StreamingDecoder stream = tokenizer.streamingDecoder();
            StringBuilder streamed = new StringBuilder();
            for (int id : expectedIds) {
                streamed.append(stream.next(id));
            }
            streamed.append(stream.flush());
            results.add(compare(label + " streamed", quote(expectedDecoded), quote(streamed.toString())));
        } catch (RuntimeException e) {
            results.add(new CheckResult(label, false, e.toString()));
        }
    }

    private static CheckResult compare(String name, String expected, String actual) {
        boolean ok = expected.equals(actual);
        return new CheckResult(name, ok, ok ? actual : "expected " + expected + " got " + actual);
    }

    private static int[] toInts(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    private static String quote(List<String> items) {
        return items.stream().map(TokenizerConformance::quote).toList().toString();
    }

    /** Java-escaped, so invisible differences (whitespace, U+2581, zero-width) show in the detail. */
    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().forEach(cp -> {
            if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && (Character.isWhitespace(cp) || Character.getType(cp) == Character.FORMAT))) {
                b.append(String.format("\\u%04X", cp));
            } else if (cp == '"' || cp == '\\') {
                b.append('\\').appendCodePoint(cp);
            } else {
                b.appendCodePoint(cp);
            }
        });
        return b.append('"').toString();
    }
}
