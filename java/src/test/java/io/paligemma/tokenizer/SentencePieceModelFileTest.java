package io.paligemma.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad .model files fail with a TokenizerException that names the file. */
class SentencePieceModelFileTest {

    @TempDir
    Path tmp;

    private void assertRejected(byte[] bytes, String name) throws IOException {
        Path file = tmp.resolve(name);
        Files.write(file, bytes);
        TokenizerException e = assertThrows(TokenizerException.class, () -> SentencePieceTokenizer.load(file),
                name + " (" + bytes.length + " bytes)");
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void truncatedModelsAreRejected() throws IOException {
        for (String model : Fixtures.modelFiles()) {
            byte[] full = Files.readAllBytes(Fixtures.tokenizerDir().resolve(model));
            // every cut in the last 300 bytes (normalizer_spec) and a spread of cuts through pieces and trainer_spec
            for (int length = 0; length < full.length; length += length < full.length - 300 ? 977 : 1) {
                assertRejected(Arrays.copyOf(full, length), "cut-" + length + "-" + model);
            }
        }
    }

    @Test
    void garbageIsRejected() throws IOException {
        assertRejected(new byte[0], "empty.model");
        assertRejected("this is not a protobuf at all".getBytes(), "text.model");
        byte[] noise = new byte[4096];
        new java.util.Random(7).nextBytes(noise);
        assertRejected(noise, "noise.model");
    }

    @Test
    void corruptCharsmapIsRejected() throws IOException {
        // nmt_nfkc model: overwrite the charsmap's trie-size word (the 4 bytes after the bytes-field header)
        byte[] full = Files.readAllBytes(Fixtures.tokenizerDir().resolve("test_sentencepiece_bpe.model"));
        int at = indexOf(full, "nmt_nfkc".getBytes());
        assertTrue(at > 0);
        // normalizer_spec: name (field 1) then precompiled_charsmap (field 2: tag 0x12, varint length, blob)
        int p = at + "nmt_nfkc".length();
        assertEquals(0x12, full[p] & 0xFF);
        p++;
        while ((full[p] & 0x80) != 0) {
            p++;
        }
        p++;
        byte[] bad = full.clone();
        bad[p] = (byte) 0xFF;
        bad[p + 1] = (byte) 0xFF;
        bad[p + 2] = (byte) 0xFF;
        bad[p + 3] = (byte) 0x7F;
        assertRejected(bad, "bad-charsmap.model");
    }

    @Test
    void missingFileIsReported() {
        Path file = tmp.resolve("nope.model");
        TokenizerException e = assertThrows(TokenizerException.class, () -> SentencePieceTokenizer.load(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void outOfRangeIdsAreRejected() {
        SentencePieceTokenizer t = SentencePieceFixtureTest.model("gemma_like_bpe_bytefallback.model");
        assertThrows(TokenizerException.class, () -> t.decode(new int[] {5, 2000}));
        assertThrows(TokenizerException.class, () -> t.decode(new int[] {-1}));
        assertThrows(TokenizerException.class, () -> t.streamingDecoder().next(2000));
        assertThrows(TokenizerException.class, () -> t.piece(2000));
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
