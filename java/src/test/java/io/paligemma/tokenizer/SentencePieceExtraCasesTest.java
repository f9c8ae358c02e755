package io.paligemma.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import io.paligemma.tokenizer.Fixtures.JsonCase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * tokenizer-extra/sentencepiece_extra_cases.json: more cases for the fixture models from the same sentencepiece
 * 0.1.97, covering unigram score ties (float arithmetic) and decoding of invalid byte runs.
 */
class SentencePieceExtraCasesTest {

    @Test
    void denormalizerModelPassesConformance() throws IOException {
        // the conformance runner on another file of the format: a model with a denormalizer_spec
        List<io.paligemma.conformance.CheckResult> results = io.paligemma.conformance.TokenizerConformance.run(Fixtures.extraDir().resolve("denormalizer_cases.json"));
        assertEquals(40 * 4, results.size());
        results.forEach(r -> assertTrue(r.passed(), r.name() + ": " + r.detail()));
        SentencePieceTokenizer t = SentencePieceTokenizer.load(Fixtures.extraDir().resolve("denormalizer.model"));
        JsonNode decodeCases = Fixtures.readJson(Fixtures.extraDir().resolve("denormalizer_cases.json"))
                .path("models").path("denormalizer.model").path("decode_cases");
        assertEquals(30, decodeCases.size());
        for (JsonNode c : decodeCases) {
            Fixtures.assertDecodes(t, Fixtures.ints(c.path("ids")), c.path("decoded").asText());
        }
    }

    private static JsonNode models() {
        return Fixtures.readJson(Fixtures.extraDir().resolve("sentencepiece_extra_cases.json")).path("models");
    }

    static List<JsonCase> encodeCases() {
        return Fixtures.jsonCases(models(), "cases");
    }

    static List<JsonCase> decodeCases() {
        return Fixtures.jsonCases(models(), "decode_cases");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("encodeCases")
    void encodes(JsonCase jc) {
        Fixtures.assertEncodes(SentencePieceFixtureTest.model(jc.name()), jc.json());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("decodeCases")
    void decodes(JsonCase jc) {
        JsonNode c = jc.json();
        Fixtures.assertDecodes(SentencePieceFixtureTest.model(jc.name()), Fixtures.ints(c.path("ids")), c.path("decoded").asText());
    }
}
