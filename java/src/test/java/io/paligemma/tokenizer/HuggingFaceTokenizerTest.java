package io.paligemma.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * tokenizer.json files converted from the fixture models must encode and decode every fixture case as
 * sentencepiece did.
 */
class HuggingFaceTokenizerTest {

    private static final String GEMMA_LIKE = "gemma_like_bpe_bytefallback.model";

    @TempDir
    static Path tmp;

    private static final Map<String, HuggingFaceTokenizer> CONVERTED = new HashMap<>();

    private static synchronized HuggingFaceTokenizer converted(String model) throws IOException {
        HuggingFaceTokenizer t = CONVERTED.get(model);
        if (t == null) {
            ModelProto proto = SpmToTokenizerJson.readModel(Fixtures.tokenizerDir().resolve(model));
            t = HuggingFaceTokenizer.load(write(model + ".tokenizer.json", SpmToTokenizerJson.convert(proto)));
            CONVERTED.put(model, t);
        }
        return t;
    }

    private static Path write(String name, ObjectNode json) throws IOException {
        Path file = tmp.resolve(name);
        new ObjectMapper().writeValue(file.toFile(), json);
        return file;
    }

    static List<Fixtures.Case> cases() {
        return Fixtures.cases();
    }

    /** sentencepiece shows an unknown span as its text and decodes it " ⁇ "; tokenizers shows and skips "<unk>". */
    private static boolean hasUnknown(Fixtures.Case c) {
        SentencePieceTokenizer sp = SentencePieceFixtureTest.model(c.model());
        return java.util.Arrays.stream(c.ids()).anyMatch(id -> id == sp.unkId());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void encodesLikeSentencePiece(Fixtures.Case c) throws IOException {
        HuggingFaceTokenizer t = converted(c.model());
        Tokenizer.Encoding enc = t.encodeWithPieces(c.text());
        assertArrayEquals(c.ids(), enc.ids(), c.text());
        for (int i = 0; i < c.ids().length; i++) {
            String expected = c.ids()[i] == t.unkId() ? t.piece(t.unkId()) : c.pieces().get(i);
            assertEquals(expected, enc.pieces().get(i), c.text());
        }
    }

    /**
     * The fixture's decoded text; where sentencepiece wrote " ⁇ " for an unknown piece, tokenizers skips the
     * special {@code <unk>} token instead.
     */
    private static String expectedDecoded(Fixtures.Case c) {
        return hasUnknown(c) ? c.decoded().replace(" \u2047 ", "") : c.decoded();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decodesLikeSentencePiece(Fixtures.Case c) throws IOException {
        HuggingFaceTokenizer t = converted(c.model());
        String expected = expectedDecoded(c);
        assertEquals(expected, t.decode(c.ids()), c.text());
        StreamingDecoder stream = t.streamingDecoder();
        StringBuilder text = new StringBuilder();
        for (int id : c.ids()) {
            String part = stream.next(id);
            assertEquals(-1, part.indexOf('\uFFFD'), part);
            text.append(part);
        }
        text.append(stream.flush());
        assertEquals(expected, text.toString(), c.text());
    }

    @Test
    void unknownPiecesDecodeAsSkippedSpecialToken() throws IOException {
        HuggingFaceTokenizer t = converted("test_sentencepiece_bpe.model");
        Fixtures.Case c = Fixtures.cases("test_sentencepiece_bpe.model").stream()
                .filter(x -> x.text().equals("12345")).findFirst().orElseThrow();
        assertEquals("125", t.decode(c.ids()));  // "▁1", "2", <unk>, "5"
    }

    @Test
    void specialIdsAndVocabulary() throws IOException {
        HuggingFaceTokenizer t = converted(GEMMA_LIKE);
        SentencePieceTokenizer sp = SentencePieceFixtureTest.model(GEMMA_LIKE);
        assertEquals(sp.vocabSize(), t.vocabSize());
        assertEquals(sp.bosId(), t.bosId());
        assertEquals(sp.eosId(), t.eosId());
        assertEquals(sp.padId(), t.padId());
        assertEquals(sp.unkId(), t.unkId());
        for (int id = 0; id < sp.vocabSize(); id++) {
            assertEquals(sp.piece(id), t.piece(id));
            assertEquals(id, t.pieceToId(t.piece(id)));
        }
    }

    @Test
    void specialTokensAreSplitOffAndSkippedInDecode() throws IOException {
        HuggingFaceTokenizer t = converted(GEMMA_LIKE);
        Fixtures.Case hello = Fixtures.cases(GEMMA_LIKE).stream().filter(c -> c.text().equals("Hello world")).findFirst()
                .orElseThrow();
        int[] ids = t.encode("<bos>Hello world<eos>");
        assertEquals(t.bosId(), ids[0]);
        assertEquals(t.eosId(), ids[ids.length - 1]);
        assertArrayEquals(hello.ids(), java.util.Arrays.copyOfRange(ids, 1, ids.length - 1));
        assertEquals("Hello world", t.decode(ids));
    }

    @Test
    void badFilesAreReported() throws IOException {
        Path notJson = tmp.resolve("broken.json");
        Files.writeString(notJson, "{\"model\": ");
        TokenizerException e = assertThrows(TokenizerException.class, () -> HuggingFaceTokenizer.load(notJson));
        assertTrue(e.getMessage().contains(notJson.toString()), e.getMessage());

        ObjectNode json = SpmToTokenizerJson.convert(SpmToTokenizerJson.readModel(Fixtures.tokenizerDir().resolve(GEMMA_LIKE)));
        ((ObjectNode) json.get("model")).put("type", "WordPiece");
        Path wordPiece = write("wordpiece.json", json);
        e = assertThrows(TokenizerException.class, () -> HuggingFaceTokenizer.load(wordPiece));
        assertTrue(e.getMessage().contains("WordPiece") && e.getMessage().contains(wordPiece.toString()), e.getMessage());

        json = SpmToTokenizerJson.convert(SpmToTokenizerJson.readModel(Fixtures.tokenizerDir().resolve(GEMMA_LIKE)));
        ((com.fasterxml.jackson.databind.node.ArrayNode) json.get("model").get("merges")).addArray().add("zzq").add("qqz");
        Path badMerge = write("badmerge.json", json);
        e = assertThrows(TokenizerException.class, () -> HuggingFaceTokenizer.load(badMerge));
        assertTrue(e.getMessage().contains("zzq"), e.getMessage());
    }
}
