package io.paligemma.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The repo copies of fixtures/tokenizer and tokenizer-extra (ground truth from sentencepiece 0.1.97). */
final class Fixtures {

    /** The {@code index}-th entry of {@code owner}'s case list; {@code owner} is the JSON object named {@code name}. */
    record JsonCase(String name, int index, JsonNode owner, JsonNode json) {
        @Override
        public String toString() {
            return name + " #" + index;
        }
    }

    record Case(String model, int index, String text, int[] ids, List<String> pieces, String decoded) {
        @Override
        public String toString() {
            return model + " #" + index;
        }
    }

    private Fixtures() {
    }

    private static Path fixturesDir() {
        return Path.of(System.getProperty("paligemma.fixtures", "java/src/test/resources/fixtures"));
    }

    static Path tokenizerDir() {
        return fixturesDir().resolve("tokenizer");
    }

    static Path casesJson() {
        return tokenizerDir().resolve("tokenizer_cases.json");
    }

    /** Extra cases kept beside the fixtures folder, not in it. */
    static Path extraDir() {
        return fixturesDir().resolveSibling("tokenizer-extra");
    }

    static JsonNode root() {
        return readJson(casesJson());
    }

    static JsonNode readJson(Path file) {
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every case of every entry of {@code byName} (a JSON object of objects), from each entry's array {@code key}. */
    static List<JsonCase> jsonCases(JsonNode byName, String key) {
        List<JsonCase> out = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : byName.properties()) {
            JsonNode cases = e.getValue().path(key);
            for (int i = 0; i < cases.size(); i++) {
                out.add(new JsonCase(e.getKey(), i, e.getValue(), cases.get(i)));
            }
        }
        return out;
    }

    /** A case {"text", "ids", "pieces", "decoded"}: encoding gives the ids and pieces, decoding them the text. */
    static void assertEncodes(Tokenizer t, JsonNode c) {
        String text = c.path("text").asText();
        Tokenizer.Encoding enc = t.encodeWithPieces(text);
        org.junit.jupiter.api.Assertions.assertArrayEquals(ints(c.path("ids")), enc.ids(), text);
        List<String> pieces = new ArrayList<>();
        c.path("pieces").forEach(p -> pieces.add(p.asText()));
        org.junit.jupiter.api.Assertions.assertEquals(pieces, enc.pieces(), text);
        org.junit.jupiter.api.Assertions.assertEquals(c.path("decoded").asText(), t.decode(enc.ids()), text);
    }

    /** ids decode to expected, both at once and streamed one id at a time. */
    static void assertDecodes(Tokenizer t, int[] ids, String expected) {
        org.junit.jupiter.api.Assertions.assertEquals(expected, t.decode(ids));
        StreamingDecoder stream = t.streamingDecoder();
        StringBuilder text = new StringBuilder();
        for (int id : ids) {
            text.append(stream.next(id));
        }
        text.append(stream.flush());
        org.junit.jupiter.api.Assertions.assertEquals(expected, text.toString());
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    static List<String> modelFiles() {
        List<String> files = new ArrayList<>();
        root().path("models").properties().forEach(e -> files.add(e.getKey()));
        return files;
    }

    static JsonNode info(String model) {
        return root().path("models").path(model).path("info");
    }

    static List<Case> cases() {
        List<Case> out = new ArrayList<>();
        for (JsonCase jc : jsonCases(root().path("models"), "cases")) {
            JsonNode c = jc.json();
            List<String> pieces = new ArrayList<>();
            c.path("pieces").forEach(p -> pieces.add(p.asText()));
            out.add(new Case(jc.name(), jc.index(), c.path("text").asText(), ints(c.path("ids")), pieces,
                    c.path("decoded").asText()));
        }
        return out;
    }

    static List<Case> cases(String model) {
        return cases().stream().filter(c -> c.model().equals(model)).toList();
    }
}
