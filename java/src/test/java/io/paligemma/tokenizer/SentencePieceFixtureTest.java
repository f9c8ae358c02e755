package io.paligemma.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every case of tokenizer_cases.json, exactly: ids, pieces, decoded text, and streaming decode. */
class SentencePieceFixtureTest {

    private static final Map<String, SentencePieceTokenizer> MODELS = new HashMap<>();

    static SentencePieceTokenizer model(String file) {
        synchronized (MODELS) {
            return MODELS.computeIfAbsent(file, f -> SentencePieceTokenizer.load(Fixtures.tokenizerDir().resolve(f)));
        }
    }

    static List<Fixtures.Case> cases() {
        return Fixtures.cases();
    }

    @Test
    void fixtureHasAllCases() {
        assertEquals(3, Fixtures.modelFiles().size());
        assertEquals(120, Fixtures.cases().size());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void encodesIds(Fixtures.Case c) {
        assertArrayEquals(c.ids(), model(c.model()).encode(c.text()), c.text());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void encodesPieces(Fixtures.Case c) {
        Tokenizer.Encoding enc = model(c.model()).encodeWithPieces(c.text());
        assertEquals(c.pieces(), enc.pieces(), c.text());
        assertArrayEquals(c.ids(), enc.ids(), c.text());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decodes(Fixtures.Case c) {
        assertEquals(c.decoded(), model(c.model()).decode(c.ids()), c.text());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void streamingDecodeEqualsDecode(Fixtures.Case c) {
        StreamingDecoder stream = model(c.model()).streamingDecoder();
        StringBuilder text = new StringBuilder();
        for (int id : c.ids()) {
            String part = stream.next(id);
            // a chunk never ends inside a character: no lone surrogate, no U+FFFD the final text lacks
            if (c.decoded().indexOf('\uFFFD') < 0) {
                assertEquals(-1, part.indexOf('\uFFFD'), "replacement character in chunk '" + part + "'");
            }
            if (!part.isEmpty()) {
                assertEquals(false, Character.isHighSurrogate(part.charAt(part.length() - 1)), part);
            }
            text.append(part);
        }
        text.append(stream.flush());
        assertEquals(c.decoded(), text.toString(), c.text());
    }

    @Test
    void streamingHoldsBytesUntilTheCharacterIsComplete() {
        // unigram fixture: "東京" is "▁" then the six UTF-8 bytes as byte pieces
        Fixtures.Case c = Fixtures.cases("test_sentencepiece_with_bytefallback.model").stream()
                .filter(x -> x.text().equals("\u6771\u4eac")).findFirst().orElseThrow();
        assertEquals(List.of("\u2581", "<0xE6>", "<0x9D>", "<0xB1>", "<0xE4>", "<0xBA>", "<0xAC>"), c.pieces());
        StreamingDecoder stream = model(c.model()).streamingDecoder();
        List<String> chunks = new java.util.ArrayList<>();
        for (int id : c.ids()) {
            chunks.add(stream.next(id));
        }
        assertEquals(List.of("", "", "", "\u6771", "", "", "\u4eac"), chunks);
        assertEquals("", stream.flush());
        // an unfinished character at the end of the stream comes out as U+FFFD per byte, as decode does
        int[] cut = java.util.Arrays.copyOf(c.ids(), 6);
        stream = model(c.model()).streamingDecoder();
        StringBuilder text = new StringBuilder();
        for (int id : cut) {
            text.append(stream.next(id));
        }
        assertEquals("\u6771", text.toString());
        assertEquals("\uFFFD\uFFFD", stream.flush());
        assertEquals("\u6771\uFFFD\uFFFD", model(c.model()).decode(cut));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.paligemma.tokenizer.Fixtures#modelFiles")
    void modelInfo(String file) {
        JsonNode info = Fixtures.info(file);
        SentencePieceTokenizer t = model(file);
        assertEquals(info.path("model_type").asText(), t.modelType());
        assertEquals(info.path("vocab_size").asInt(), t.vocabSize());
        assertEquals(info.path("unk_id").asInt(), t.unkId());
        assertEquals(info.path("bos_id").asInt(), t.bosId());
        assertEquals(info.path("eos_id").asInt(), t.eosId());
        assertEquals(info.path("pad_id").asInt(), t.padId());
        Map<String, Integer> counts = new HashMap<>();
        for (int id = 0; id < t.vocabSize(); id++) {
            counts.merge(t.pieceType(id), 1, Integer::sum);
            assertEquals(id, t.pieceToId(t.piece(id)), t.piece(id));
        }
        Map<String, Integer> expected = new HashMap<>();
        info.path("piece_type_counts").properties().forEach(e -> expected.put(e.getKey(), e.getValue().asInt()));
        assertEquals(expected, counts);
    }
}
