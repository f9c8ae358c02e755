package io.paligemma.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The repo copy of fixtures/tokenizer (ground truth from sentencepiece 0.1.97). */
final class Fixtures {

    record Case(String model, int index, String text, int[] ids, List<String> pieces, String decoded) {
        @Override
        public String toString() {
            return model + " #" + index;
        }
    }

    private Fixtures() {
    }

    static Path tokenizerDir() {
        return Path.of(System.getProperty("paligemma.fixtures", "java/src/test/resources/fixtures")).resolve("tokenizer");
    }

    static Path casesJson() {
        return tokenizerDir().resolve("tokenizer_cases.json");
    }

    static JsonNode root() {
        try {
            return new ObjectMapper().readTree(casesJson().toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
        for (Map.Entry<String, JsonNode> m : root().path("models").properties()) {
            JsonNode cases = m.getValue().path("cases");
            for (int i = 0; i < cases.size(); i++) {
                JsonNode c = cases.get(i);
                int[] ids = new int[c.path("ids").size()];
                for (int k = 0; k < ids.length; k++) {
                    ids[k] = c.path("ids").get(k).asInt();
                }
                List<String> pieces = new ArrayList<>();
                c.path("pieces").forEach(p -> pieces.add(p.asText()));
                out.add(new Case(m.getKey(), i, c.path("text").asText(), ids, pieces, c.path("decoded").asText()));
            }
        }
        return out;
    }

    static List<Case> cases(String model) {
        return cases().stream().filter(c -> c.model().equals(model)).toList();
    }
}
