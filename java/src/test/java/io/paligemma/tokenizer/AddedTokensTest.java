package io.paligemma.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Added tokens (a checkpoint's {@code <image>}, {@code <locNNNN>}): split off as exact matches before the model
 * encodes the rest. Expected ids are the fixture ids of the plain-text parts.
 */
class AddedTokensTest {

    private static final String BPE = "test_sentencepiece_bpe.model";       // 1000 pieces, no user-defined symbols
    private static final String GEMMA_LIKE = "gemma_like_bpe_bytefallback.model";

    @TempDir
    Path tmp;

    private static int[] fixtureIds(String model, String text) {
        return Fixtures.cases(model).stream().filter(c -> c.text().equals(text)).findFirst().orElseThrow().ids();
    }

    private static int[] concat(int[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToInt(java.util.Arrays::stream).toArray();
    }

    /** PaliGemma's layout on the 1000-piece model: {@code <image>} = 1000 (special), {@code <loc0000..3>} = 1001.. */
    private Path checkpoint(boolean withModel, boolean withJson) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("ckpt-" + withModel + withJson));
        Path model = Fixtures.tokenizerDir().resolve(BPE);
        if (withModel) {
            Files.copy(model, dir.resolve("tokenizer.model"));
        }
        if (withJson) {
            new ObjectMapper().writeValue(dir.resolve("tokenizer.json").toFile(),
                    SpmToTokenizerJson.convert(SpmToTokenizerJson.readModel(model)));
        }
        ObjectMapper m = new ObjectMapper();
        ObjectNode config = m.createObjectNode();
        ObjectNode decoder = config.putObject("added_tokens_decoder");
        for (int i = 0; i < 4; i++) {
            decoder.putObject(String.valueOf(1001 + i)).put("content", String.format("<loc%04d>", i))
                    .put("special", false).put("normalized", false).put("lstrip", false).put("rstrip", false)
                    .put("single_word", false);
        }
        config.put("bos_token", "<s>");
        config.put("eos_token", "</s>");
        m.writeValue(dir.resolve("tokenizer_config.json").toFile(), config);
        m.writeValue(dir.resolve("added_tokens.json").toFile(), m.createObjectNode().put("<image>", 1000));
        ObjectNode special = m.createObjectNode();
        special.putArray("additional_special_tokens").add("<image>");
        special.putObject("unk_token").put("content", "<unk>");
        m.writeValue(dir.resolve("special_tokens_map.json").toFile(), special);
        return dir;
    }

    @Test
    void checkpointTokensAreSplitOffFirst() throws IOException {
        Tokenizer t = Tokenizers.forCheckpoint(checkpoint(true, false));
        assertTrue(t instanceof SentencePieceTokenizer);
        assertEquals(1005, t.vocabSize());
        assertEquals(1000, t.pieceToId("<image>"));
        assertEquals("<loc0002>", t.piece(1003));
        assertArrayEquals(concat(new int[] {1000, 1000}, fixtureIds(BPE, "segment the red car")),
                t.encode("<image><image>segment the red car"));
        assertArrayEquals(concat(new int[] {1002}, fixtureIds(BPE, "Hello world"), new int[] {1003},
                        fixtureIds(BPE, " Hello world")),
                t.encode("<loc0001>Hello world<loc0002> Hello world"));
        Tokenizer.Encoding enc = t.encodeWithPieces("<image>a");
        assertEquals(List.of("<image>", "\u2581a"), enc.pieces());
        // without the added tokens the same text is plain characters for the model (fixture case)
        SentencePieceTokenizer bare = SentencePieceFixtureTest.model(BPE);
        assertArrayEquals(fixtureIds(BPE, "<image><image>describe"), bare.encode("<image><image>describe"));
    }

    @Test
    void decodeDropsSpecialAndKeepsPlainAddedTokens() throws IOException {
        Tokenizer t = Tokenizers.forCheckpoint(checkpoint(true, false));
        int[] ids = concat(new int[] {1000, 1}, fixtureIds(BPE, "Hello world"), new int[] {1002, 1004, 2});
        Fixtures.assertDecodes(t, ids, "Hello world<loc0001><loc0003>");
    }

    @Test
    void tokenizerJsonCheckpointMatchesModelCheckpoint() throws IOException {
        Tokenizer fromModel = Tokenizers.forCheckpoint(checkpoint(true, true));
        assertTrue(fromModel instanceof SentencePieceTokenizer, "tokenizer.model is preferred");
        Tokenizer fromJson = Tokenizers.forCheckpoint(checkpoint(false, true));
        assertTrue(fromJson instanceof HuggingFaceTokenizer);
        assertEquals(fromModel.vocabSize(), fromJson.vocabSize());
        assertEquals(1, fromJson.bosId());
        assertEquals(2, fromJson.eosId());
        assertEquals(0, fromJson.unkId());
        for (String text : List.of("<image><image>segment the red car", "<loc0001>Hello world<loc0002> Hello world",
                "<image>caption en", "answer en Where is the cow standing?")) {
            assertArrayEquals(fromModel.encode(text), fromJson.encode(text), text);
        }
    }

    @Test
    void userDefinedSymbolsAsAddedTokensChangeNothing() {
        // a checkpoint's config lists the model's own user-defined symbols as added tokens with the same ids
        SentencePieceTokenizer bare = SentencePieceFixtureTest.model(GEMMA_LIKE);
        List<AddedToken> same = new ArrayList<>();
        IntStream.range(0, bare.vocabSize()).filter(id -> bare.pieceType(id).equals("USER_DEFINED"))
                .forEach(id -> same.add(AddedToken.of(bare.piece(id), id, false)));
        assertEquals(27, same.size());
        SentencePieceTokenizer withAdded = bare.withAddedTokens(same);
        for (Fixtures.Case c : Fixtures.cases(GEMMA_LIKE)) {
            Tokenizer.Encoding enc = withAdded.encodeWithPieces(c.text());
            assertArrayEquals(c.ids(), enc.ids(), c.text());
            assertEquals(c.pieces(), enc.pieces(), c.text());
            assertEquals(c.decoded(), withAdded.decode(c.ids()), c.text());
        }
    }

    @Test
    void stripFlagsSwallowWhitespace() {
        SentencePieceTokenizer bare = SentencePieceFixtureTest.model(BPE);
        SentencePieceTokenizer t = bare.withAddedTokens(List.of(
                new AddedToken("<image>", 1000, true, true, true, false, false)));
        assertArrayEquals(concat(fixtureIds(BPE, "a"), new int[] {1000}, fixtureIds(BPE, "Hello world")),
                t.encode("a   <image>  Hello world"));
    }

    @Test
    void conflictingAddedTokensAreRejected() {
        SentencePieceTokenizer bare = SentencePieceFixtureTest.model(BPE);
        // id 5 is the model's "▁a"
        assertThrows(TokenizerException.class, () -> bare.withAddedTokens(List.of(AddedToken.of("<image>", 5, true))));
        // "▁a" is id 5, not 1000
        assertThrows(TokenizerException.class, () -> bare.withAddedTokens(List.of(AddedToken.of("\u2581a", 1000, true))));
        assertThrows(TokenizerException.class, () -> bare.withAddedTokens(List.of(
                AddedToken.of("<image>", 1000, true), AddedToken.of("<image>", 1001, true))));
    }

    @Test
    void checkpointWithoutTokenizerIsReported() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizers.forCheckpoint(empty));
        assertTrue(e.getMessage().contains(empty.toString()), e.getMessage());
    }
}
