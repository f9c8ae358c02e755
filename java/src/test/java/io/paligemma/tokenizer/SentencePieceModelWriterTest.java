package io.paligemma.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

class SentencePieceModelWriterTest {

    private static ModelProto parseFixture(String file) throws IOException {
        return ModelProtoParser.parse(Files.readAllBytes(Fixtures.tokenizerDir().resolve(file)), file);
    }

    private static void assertSameNormalizer(ModelProto.NormalizerSpec expected, ModelProto.NormalizerSpec actual, String what) {
        if (expected == null) {
            assertNull(actual, what);
            return;
        }
        assertEquals(expected.name(), actual.name(), what);
        assertArrayEquals(expected.precompiledCharsmap(), actual.precompiledCharsmap(), what);
        assertEquals(expected.addDummyPrefix(), actual.addDummyPrefix(), what);
        assertEquals(expected.removeExtraWhitespaces(), actual.removeExtraWhitespaces(), what);
        assertEquals(expected.escapeWhitespaces(), actual.escapeWhitespaces(), what);
    }

    /** Rewriting the fixture models (unigram and BPE, nmt_nfkc and identity) loses nothing the reader uses. */
    @Test
    void fixtureModelsSurviveARewrite() throws IOException {
        for (String file : Fixtures.modelFiles()) {
            ModelProto original = parseFixture(file);
            ModelProto again = ModelProtoParser.parse(SentencePieceModelWriter.serialize(original), file);
            assertEquals(original.pieces(), again.pieces(), file);
            assertEquals(original.trainerSpec(), again.trainerSpec(), file);
            assertSameNormalizer(original.normalizerSpec(), again.normalizerSpec(), file);
            assertSameNormalizer(original.denormalizerSpec(), again.denormalizerSpec(), file);
        }
    }

    /** The rewritten models still encode every fixture case exactly as sentencepiece 0.1.97 did. */
    @Test
    void rewrittenModelsEncodeTheFixtureCases() throws IOException {
        for (String file : Fixtures.modelFiles()) {
            SentencePieceTokenizer rewritten = SentencePieceTokenizer.fromBytes(
                    SentencePieceModelWriter.serialize(parseFixture(file)), "rewritten " + file);
            int checked = 0;
            for (Fixtures.Case c : Fixtures.cases()) {
                if (c.model().equals(file)) {
                    assertArrayEquals(c.ids(), rewritten.encode(c.text()), c.toString());
                    assertEquals(c.decoded(), rewritten.decode(c.ids()), c.toString());
                    checked++;
                }
            }
            assertEquals(40, checked, file);
        }
    }

    /** gemmaBpe has the settings the fixture model was trained with (spm_train with Gemma's options). */
    @Test
    void gemmaBpeHasGemmasSettings() throws IOException {
        ModelProto gemmaLike = parseFixture("gemma_like_bpe_bytefallback.model");
        SentencePieceModelWriter w = SentencePieceModelWriter.gemmaBpe(300);
        w.addBytePieces();
        w.addNormal("a", -1f);
        ModelProto ours = ModelProtoParser.parse(w.toByteArray(), "gemmaBpe");
        ModelProto.TrainerSpec t = gemmaLike.trainerSpec();
        ModelProto.TrainerSpec expected = new ModelProto.TrainerSpec(t.modelType(), ours.pieces().size(), t.byteFallback(),
                t.splitDigits(), t.treatWhitespaceAsSuffix(), t.allowWhitespaceOnlyPieces(), t.unkId(), t.bosId(), t.eosId(),
                t.padId(), t.unkPiece(), t.bosPiece(), t.eosPiece(), t.padPiece(), t.unkSurface());
        assertEquals(expected, ours.trainerSpec());
        assertSameNormalizer(gemmaLike.normalizerSpec(), ours.normalizerSpec(), "normalizer_spec");
        assertEquals(gemmaLike.pieces().subList(0, 4), ours.pieces().subList(0, 4));
        assertEquals(4 + 256 + 1, ours.pieces().size());
        assertEquals(new ModelProto.Piece("<0x00>", 0f, ModelProto.PieceType.BYTE), ours.pieces().get(4));
        assertEquals(new ModelProto.Piece("a", -1f, ModelProto.PieceType.NORMAL), ours.pieces().get(260));
    }

    /** A hand-built model: user-defined pieces whole, prefix-closed words merged whole, bytes for the rest. */
    @Test
    void builtModelEncodesAndDecodes() {
        SentencePieceModelWriter w = SentencePieceModelWriter.gemmaBpe(300);
        assertEquals(4, w.addBytePieces());
        assertEquals(260, w.addUserDefined("<image>"));
        assertEquals(261, w.addControl("<ctl>"));
        float score = 0f;
        for (String p : List.of("\u2581", "h", "e", "l", "o", "he", "hel", "hell", "hello", "\u2581w", "w", "r", "d", "\u2581wo",
                "\u2581wor", "\u2581worl", "\u2581world")) {
            w.addNormal(p, score--);
        }
        SentencePieceTokenizer t = SentencePieceTokenizer.fromBytes(w.toByteArray(), "built");
        assertEquals(279, t.vocabSize());
        assertEquals(List.of("<image>", "hello", "\u2581world", "<0xC3>", "<0xA9>", "<0x3C>"),
                t.encodeWithPieces("<image>hello world\u00e9<").pieces());
        assertEquals("hello world", t.decode(new int[] {2, 261, t.pieceToId("hello"), t.pieceToId("\u2581world"), 1}));
        assertEquals("CONTROL", t.pieceType(261));
        assertEquals("USER_DEFINED", t.pieceType(260));
    }

    @Test
    void badPiecesAreRejected() {
        SentencePieceModelWriter w = SentencePieceModelWriter.gemmaBpe(10);
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class, () -> w.addNormal("<eos>", 0f));
        assertTrue(dup.getMessage().contains("'<eos>' is already id 1"), dup.getMessage());
        assertThrows(IllegalArgumentException.class, () -> w.addUserDefined(""));
        IllegalStateException noBytes = assertThrows(IllegalStateException.class, w::toByteArray);
        assertTrue(noBytes.getMessage().contains("byte"), noBytes.getMessage());
    }
}
