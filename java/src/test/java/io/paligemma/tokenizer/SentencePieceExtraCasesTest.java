package io.paligemma.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * tokenizer-extra/sentencepiece_extra_cases.json: more cases for the fixture models from the same sentencepiece
 * 0.1.97, covering unigram score ties (float arithmetic) and decoding of invalid byte runs.
 */
class SentencePieceExtraCasesTest {

    private static Path extraDir() {
        return Path.of(System.getProperty("paligemma.fixtures", "java/src/test/resources/fixtures"))
                .resolveSibling("tokenizer-extra");
    }

    private static JsonNode root() throws IOException {
        return new ObjectMapper().readTree(extraDir().resolve("sentencepiece_extra_cases.json").toFile());
    }

    @Test
    void denormalizerModelPassesConformance() throws IOException {
        // the conformance runner on another file of the format: a model with a denormalizer_spec
        List<io.paligemma.conformance.CheckResult> results = io.paligemma.conformance.TokenizerConformance.run(extraDir().resolve("denormalizer_cases.json"));
        assertEquals(40 * 4, results.size());
        results.forEach(r -> assertTrue(r.passed(), r.name() + ": " + r.detail()));
        SentencePieceTokenizer t = SentencePieceTokenizer.load(extraDir().resolve("denormalizer.model"));
        JsonNode decodeCases = new ObjectMapper().readTree(extraDir().resolve("denormalizer_cases.json").toFile())
                .path("models").path("denormalizer.model").path("decode_cases");
        assertEquals(30, decodeCases.size());
        for (JsonNode c : decodeCases) {
            int[] ids = ints(c.path("ids"));
            assertEquals(c.path("decoded").asText(), t.decode(ids));
            StreamingDecoder stream = t.streamingDecoder();
            StringBuilder text = new StringBuilder();
            for (int id : ids) {
                text.append(stream.next(id));
            }
            text.append(stream.flush());
            assertEquals(c.path("decoded").asText(), text.toString());
        }
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    static List<Arguments> encodeCases() throws IOException {
        List<Arguments> out = new ArrayList<>();
        for (Map.Entry<String, JsonNode> m : root().path("models").properties()) {
            JsonNode cases = m.getValue().path("cases");
            for (int i = 0; i < cases.size(); i++) {
                out.add(Arguments.of(m.getKey() + " #" + i, m.getKey(), cases.get(i)));
            }
        }
        return out;
    }

    static List<Arguments> decodeCases() throws IOException {
        List<Arguments> out = new ArrayList<>();
        for (Map.Entry<String, JsonNode> m : root().path("models").properties()) {
            JsonNode cases = m.getValue().path("decode_cases");
            for (int i = 0; i < cases.size(); i++) {
                out.add(Arguments.of(m.getKey() + " #" + i, m.getKey(), cases.get(i)));
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("encodeCases")
    void encodes(String name, String model, JsonNode c) {
        SentencePieceTokenizer t = SentencePieceFixtureTest.model(model);
        String text = c.path("text").asText();
        Tokenizer.Encoding enc = t.encodeWithPieces(text);
        assertArrayEquals(ints(c.path("ids")), enc.ids(), text);
        List<String> pieces = new ArrayList<>();
        c.path("pieces").forEach(p -> pieces.add(p.asText()));
        assertEquals(pieces, enc.pieces(), text);
        assertEquals(c.path("decoded").asText(), t.decode(enc.ids()), text);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("decodeCases")
    void decodes(String name, String model, JsonNode c) {
        SentencePieceTokenizer t = SentencePieceFixtureTest.model(model);
        int[] ids = ints(c.path("ids"));
        String expected = c.path("decoded").asText();
        assertEquals(expected, t.decode(ids));
        StreamingDecoder stream = t.streamingDecoder();
        StringBuilder text = new StringBuilder();
        for (int id : ids) {
            text.append(stream.next(id));
        }
        text.append(stream.flush());
        assertEquals(expected, text.toString());
    }
}
