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
import java.util.List;

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
    private static final String UNIGRAM = "test_sentencepiece_with_bytefallback.model";

    @TempDir
    static Path tmp;

    private static HuggingFaceTokenizer gemmaLike;
    private static HuggingFaceTokenizer unigram;

    private static synchronized HuggingFaceTokenizer converted(String model) throws IOException {
        ModelProto proto = SpmToTokenizerJson.readModel(Fixtures.tokenizerDir().resolve(model));
        if (model.equals(GEMMA_LIKE)) {
            if (gemmaLike == null) {
                gemmaLike = HuggingFaceTokenizer.load(write("gemma-like.tokenizer.json", SpmToTokenizerJson.gemmaStyleBpe(proto)));
            }
            return gemmaLike;
        }
        if (unigram == null) {
            unigram = HuggingFaceTokenizer.load(write("unigram.tokenizer.json", SpmToTokenizerJson.unigramWithPrecompiled(proto)));
        }
        return unigram;
    }

    private static Path write(String name, ObjectNode json) throws IOException {
        Path file = tmp.resolve(name);
        new ObjectMapper().writeValue(file.toFile(), json);
        return file;
    }

    static List<Fixtures.Case> convertedCases() {
        return Fixtures.cases().stream().filter(c -> c.model().equals(GEMMA_LIKE) || c.model().equals(UNIGRAM)).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("convertedCases")
    void encodesLikeSentencePiece(Fixtures.Case c) throws IOException {
        HuggingFaceTokenizer t = converted(c.model());
        Tokenizer.Encoding enc = t.encodeWithPieces(c.text());
        assertArrayEquals(c.ids(), enc.ids(), c.text());
        assertEquals(c.pieces(), enc.pieces(), c.text());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("convertedCases")
    void decodesLikeSentencePiece(Fixtures.Case c) throws IOException {
        HuggingFaceTokenizer t = converted(c.model());
        assertEquals(c.decoded(), t.decode(c.ids()), c.text());
        StreamingDecoder stream = t.streamingDecoder();
        StringBuilder text = new StringBuilder();
        for (int id : c.ids()) {
            String part = stream.next(id);
            assertEquals(-1, part.indexOf('\uFFFD'), part);
            text.append(part);
        }
        text.append(stream.flush());
        assertEquals(c.decoded(), text.toString(), c.text());
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

        ObjectNode json = SpmToTokenizerJson.gemmaStyleBpe(SpmToTokenizerJson.readModel(Fixtures.tokenizerDir().resolve(GEMMA_LIKE)));
        ((ObjectNode) json.get("model")).put("type", "WordPiece");
        Path wordPiece = write("wordpiece.json", json);
        e = assertThrows(TokenizerException.class, () -> HuggingFaceTokenizer.load(wordPiece));
        assertTrue(e.getMessage().contains("WordPiece") && e.getMessage().contains(wordPiece.toString()), e.getMessage());

        json = SpmToTokenizerJson.gemmaStyleBpe(SpmToTokenizerJson.readModel(Fixtures.tokenizerDir().resolve(GEMMA_LIKE)));
        ((com.fasterxml.jackson.databind.node.ArrayNode) json.get("model").get("merges")).addArray().add("zzq").add("qqz");
        Path badMerge = write("badmerge.json", json);
        e = assertThrows(TokenizerException.class, () -> HuggingFaceTokenizer.load(badMerge));
        assertTrue(e.getMessage().contains("zzq"), e.getMessage());
    }
}
