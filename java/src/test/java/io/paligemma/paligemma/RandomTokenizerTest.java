package io.paligemma.paligemma;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.tensor.DType;
import io.paligemma.tokenizer.SentencePieceTokenizer;
import io.paligemma.tokenizer.Tokenizer;
import io.paligemma.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RandomTokenizerTest {
    static final Path FIXTURES = RandomCheckpointTest.FIXTURES;

    /** The tokenizer a random checkpoint of the tiny fixture shape gets (vocab 1088, image token 1024). */
    static Path tinyTokenizerDir(Path tmp, String fixture) throws IOException {
        PaliGemmaConfig config = PaliGemmaConfig.read(FIXTURES.resolve(fixture).resolve("checkpoint"));
        Path dir = Files.createDirectories(tmp.resolve(fixture));
        RandomTokenizer.write(config, dir);
        return dir;
    }

    /**
     * Checks a text's segmentation: {@code expected} are the pieces Google's sentencepiece 0.1.97 produced for
     * the same generated tokenizer.model; the ids must be those pieces' ids and decoding must give the text back.
     */
    static void assertEncodes(Tokenizer t, String text, List<String> expected) {
        Tokenizer.Encoding e = t.encodeWithPieces(text);
        assertEquals(expected, e.pieces(), text);
        assertArrayEquals(expected.stream().mapToInt(p -> p.startsWith("<0x") ? RandomTokenizer.FIRST_BYTE_ID
                + Integer.parseInt(p.substring(3, 5), 16) : t.pieceToId(p)).toArray(), e.ids(), text);
        assertEquals(text, t.decode(e.ids()), text);
    }

    /** Every ordinary piece comes after all its prefixes (so BPE can build it whole), with falling scores. */
    static void assertOrdinaryPiecesArePrefixClosed(SentencePieceTokenizer t, int end) {
        float previous = Float.POSITIVE_INFINITY;
        for (int id = RandomTokenizer.FIRST_ORDINARY_ID; id < end; id++) {
            String piece = t.piece(id);
            assertEquals("NORMAL", t.pieceType(id), piece);
            assertTrue(t.score(id) < previous, "scores fall with the id: " + piece);
            previous = t.score(id);
            for (int n = 1; n < piece.length(); n++) {
                String prefix = piece.substring(0, n);
                int p = t.pieceToId(prefix);
                assertTrue(p >= RandomTokenizer.FIRST_ORDINARY_ID && p < id, "prefix '" + prefix + "' of '" + piece + "'");
            }
        }
    }

    /** The fixture configs: the ids their prompts use (fixture README: bos 2, eos 1, pad 0, "\n" 108, image 1024). */
    @Test
    void fixtureConfigsGetTheirSpecialIds(@TempDir Path tmp) throws IOException {
        for (String fixture : List.of("paligemma-tiny", "paligemma2-tiny", "paligemma-tiny-bf16")) {
            PaliGemmaConfig config = PaliGemmaConfig.read(FIXTURES.resolve(fixture).resolve("checkpoint"));
            Tokenizer t = Tokenizers.forCheckpoint(tinyTokenizerDir(tmp, fixture));
            assertEquals(config.textConfig().vocabSize(), t.vocabSize(), fixture);
            assertEquals(config.imageTokenIndex(), t.pieceToId("<image>"), fixture);
            assertArrayEquals(new int[] {1024, 1024}, t.encode("<image><image>"), fixture);
            assertEquals(config.bosTokenId(), t.bosId(), fixture);
            assertEquals(config.eosTokenId(), t.eosId(), fixture);
            assertEquals(config.padTokenId(), t.padId(), fixture);
            assertEquals(3, t.unkId(), fixture);
            assertArrayEquals(new int[] {108}, t.encode("\n"), fixture);
            assertEquals("\n", t.decode(new int[] {108}), fixture);
            // special_tokens_map.json makes <bos> in text the bos id, as transformers' added tokens do
            assertArrayEquals(new int[] {1024, 2, 108}, t.encode("<image><bos>\n"), fixture);
        }
    }

    /** Room for 551 ids below the image token: 276 ordinary pieces, then 244 loc and 31 seg tokens (8:1). */
    @Test
    void smallVocabularyKeepsTheFirstLocAndSegTokens(@TempDir Path tmp) throws IOException {
        assertEquals(new RandomTokenizer.Layout(1088, 1024, 749, 244, 993, 31), RandomTokenizer.layout(1088, 1024));
        SentencePieceTokenizer t = SentencePieceTokenizer.load(tinyTokenizerDir(tmp, "paligemma-tiny").resolve("tokenizer.model"));
        assertEquals(1088, t.vocabSize());
        assertEquals(749, t.pieceToId("<loc0000>"));
        assertEquals(992, t.pieceToId("<loc0243>"));
        assertEquals(993, t.pieceToId("<seg000>"));
        assertEquals(1023, t.pieceToId("<seg030>"));
        assertEquals(1024, t.pieceToId("<image>"));
        assertEquals("<unused99>", t.piece(1025));
        assertEquals("<unused161>", t.piece(1087));
        for (int id = 749; id < 1088; id++) {
            assertEquals("USER_DEFINED", t.pieceType(id), t.piece(id));
        }
        // the tokens that did not fit are plain text
        assertEncodes(t, "<loc0512><seg064>", List.of("<", "l", "oc", "0", "5", "1", "2", ">", "<", "seg", "0", "6", "4", ">"));
        assertOrdinaryPiecesArePrefixClosed(t, 749);
    }

    /** Gemma's fixed ids 0–472 (types as in the published tokenizer) in every size. */
    @Test
    void fixedPiecesComeFirst(@TempDir Path tmp) throws IOException {
        SentencePieceTokenizer t = SentencePieceTokenizer.load(tinyTokenizerDir(tmp, "paligemma2-tiny").resolve("tokenizer.model"));
        assertEquals(List.of("<pad>", "<eos>", "<bos>", "<unk>"), List.of(t.piece(0), t.piece(1), t.piece(2), t.piece(3)));
        assertEquals(List.of("CONTROL", "CONTROL", "CONTROL", "UNKNOWN"),
                List.of(t.pieceType(0), t.pieceType(1), t.pieceType(2), t.pieceType(3)));
        assertEquals("<start_of_turn>", t.piece(106));
        assertEquals("<end_of_turn>", t.piece(107));
        assertEquals("USER_DEFINED", t.pieceType(106));
        assertEquals("\n", t.piece(RandomTokenizer.NEWLINE_ID));
        assertEquals("NORMAL", t.pieceType(RandomTokenizer.NEWLINE_ID));
        for (int b = 0; b < 256; b++) {
            int id = RandomTokenizer.FIRST_BYTE_ID + b;
            assertEquals(String.format("<0x%02X>", b), t.piece(id));
            assertEquals("BYTE", t.pieceType(id));
        }
        assertEquals("\u2581", t.piece(RandomTokenizer.FIRST_ORDINARY_ID));
    }

    /** Segmentations of the generated 1088-piece model as sentencepiece 0.1.97 computes them. */
    @Test
    void tinyTokenizerEncodesAsSentencepiece(@TempDir Path tmp) throws IOException {
        SentencePieceTokenizer t = SentencePieceTokenizer.load(tinyTokenizerDir(tmp, "paligemma-tiny").resolve("tokenizer.model"));
        assertEncodes(t, "caption en\n", List.of("caption", "\u2581en", "\n"));
        assertEncodes(t, "detect cat ; dog\n", List.of("detect", "\u2581ca", "t", "\u2581", ";", "\u2581d", "o", "g", "\n"));
        assertEncodes(t, "A photo of a cat sitting on the table.", List.of("A", "\u2581", "p", "h", "o", "to", "\u2581of",
                "\u2581a", "\u2581ca", "t", "\u2581s", "it", "t", "in", "g", "\u2581on", "\u2581the", "\u2581t", "a", "b",
                "l", "e", "."));
        assertEncodes(t, "na\u00efve caf\u00e9 \uD83D\uDE00", List.of("n", "a", "<0xC3>", "<0xAF>", "v", "e", "\u2581ca", "f",
                "<0xC3>", "<0xA9>", "\u2581", "<0xF0>", "<0x9F>", "<0x98>", "<0x80>"));
        assertEncodes(t, "a  b\n\n\nc", List.of("a", "\u2581\u2581", "b", "\n\n\n", "c"));
        assertEquals(139, t.pieceToId("\u2581\u2581"));
        assertEquals(110, t.pieceToId("\n\n\n"));
    }

    @Test
    void imageTokenWithoutRoomIsRejected(@TempDir Path tmp) throws IOException {
        RandomTokenizer.layout(1088, 663);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RandomTokenizer.layout(1088, 662));
        assertTrue(e.getMessage().contains("image_token_index 662"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RandomTokenizer.layout(1088, 1088));
        // a checkpoint of such a config is refused before any weight is written
        String cfg = Files.readString(FIXTURES.resolve("paligemma-tiny/checkpoint/config.json"))
                .replace("\"image_token_index\": 1024", "\"image_token_index\": 6");
        Path dir = tmp.resolve("bad");
        IllegalArgumentException w = assertThrows(IllegalArgumentException.class,
                () -> RandomCheckpoint.write(cfg, DType.F32, dir, 1, b -> { }));
        assertTrue(w.getMessage().contains("config.json: image_token_index 6"), w.getMessage());
        try (var files = Files.list(dir)) {
            assertFalse(files.findAny().isPresent(), "nothing left in " + dir);
        }
    }
}
