package io.paligemma.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** tokenizer.json pieces against the examples in the tokenizers documentation. */
class HfComponentsTest {

    private static JsonNode json(String text) throws IOException {
        return new ObjectMapper().readTree(text);
    }

    private static List<String> split(String behavior, String text) throws IOException {
        HfPreTokenizer p = HfPreTokenizer.of(json("{\"type\": \"Split\", \"pattern\": {\"String\": \"-\"}, \"behavior\": \""
                + behavior + "\", \"invert\": false}"), "test");
        return p.split(text, true);
    }

    @Test
    void splitBehaviorsAsDocumented() throws IOException {
        // tokenizers' SplitDelimiterBehavior documentation, input "the-final--countdown" split on '-'
        assertEquals(List.of("the", "final", "countdown"), split("Removed", "the-final--countdown"));
        assertEquals(List.of("the", "-", "final", "-", "-", "countdown"), split("Isolated", "the-final--countdown"));
        assertEquals(List.of("the-", "final-", "-", "countdown"), split("MergedWithPrevious", "the-final--countdown"));
        assertEquals(List.of("the", "-final", "-", "-countdown"), split("MergedWithNext", "the-final--countdown"));
        assertEquals(List.of("the", "-", "final", "--", "countdown"), split("Contiguous", "the-final--countdown"));
    }

    @Test
    void metaspaceAsDocumented() throws IOException {
        HfPreTokenizer p = HfPreTokenizer.of(json("{\"type\": \"Metaspace\", \"replacement\": \"\u2581\","
                + " \"prepend_scheme\": \"always\", \"split\": true}"), "test");
        assertEquals(List.of("\u2581Hey", "\u2581friend!"), p.split("Hey friend!", true));
        HfPreTokenizer first = HfPreTokenizer.of(json("{\"type\": \"Metaspace\", \"replacement\": \"\u2581\","
                + " \"prepend_scheme\": \"first\", \"split\": false}"), "test");
        assertEquals(List.of("\u2581Hey\u2581friend!"), first.split("Hey friend!", true));
        assertEquals(List.of("Hey\u2581friend!"), first.split("Hey friend!", false));
    }

    @Test
    void byteFallbackDecoder() throws IOException {
        HfDecoder d = HfDecoder.of(json("{\"type\": \"ByteFallback\"}"), "test");
        assertEquals(List.of("\u53EB", "a"), d.decodeChain(List.of("<0xE5>", "<0x8f>", "<0xab>", "a")));
        // one invalid byte spoils the whole run: one U+FFFD per byte token
        assertEquals(List.of("\uFFFD", "\uFFFD", "a"), d.decodeChain(List.of("<0xE5>", "<0x8f>", "a")));
        assertEquals(List.of("<0xZZ>"), d.decodeChain(List.of("<0xZZ>")));
    }

    @Test
    void gemmaLayoutWithSplitPreTokenizerEncodesTheFixtures() throws IOException {
        // newer Gemma tokenizer.json files add Split(" ", MergedWithPrevious) after the Replace(" ", "▁") normalizer
        ObjectNode root = SpmToTokenizerJson.convert(SpmToTokenizerJson.readModel(
                Fixtures.tokenizerDir().resolve("gemma_like_bpe_bytefallback.model")));
        root.set("pre_tokenizer", json("{\"type\": \"Split\", \"pattern\": {\"String\": \" \"},"
                + " \"behavior\": \"MergedWithPrevious\", \"invert\": false}"));
        HuggingFaceTokenizer t = HuggingFaceTokenizer.fromJson(root, "gemma-split");
        for (Fixtures.Case c : Fixtures.cases("gemma_like_bpe_bytefallback.model")) {
            assertArrayEquals(c.ids(), t.encode(c.text()), c.text());
        }
    }

    @Test
    void unsupportedPiecesAreNamed() throws IOException {
        TokenizerException e = assertThrows(TokenizerException.class,
                () -> HfPreTokenizer.of(json("{\"type\": \"ByteLevel\"}"), "file.json: pre_tokenizer"));
        assertEquals("file.json: pre_tokenizer: pre_tokenizer type 'ByteLevel' is not supported", e.getMessage());
        assertThrows(TokenizerException.class, () -> HfNormalizer.of(json("{\"type\": \"BertNormalizer\"}"), "n"));
        assertThrows(TokenizerException.class, () -> HfDecoder.of(json("{\"type\": \"WordPiece\"}"), "d"));
    }
}
