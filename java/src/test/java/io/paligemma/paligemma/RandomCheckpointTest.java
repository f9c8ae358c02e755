package io.paligemma.paligemma;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.api.Options;
import io.paligemma.api.PaliGemma;
import io.paligemma.api.Result;
import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.generate.FinishReason;
import io.paligemma.generate.GenerationConfig;
import io.paligemma.image.ImageDecoder;
import io.paligemma.image.RgbImage;
import io.paligemma.safetensors.SafetensorsFile;
import io.paligemma.safetensors.TensorSpec;
import io.paligemma.tensor.DType;
import io.paligemma.tensor.Tensor;
import io.paligemma.tokenizer.SentencePieceTokenizer;
import io.paligemma.tokenizer.Tokenizer;
import io.paligemma.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RandomCheckpointTest {
    static final Path FIXTURES = Path.of(System.getProperty("paligemma.fixtures", "java/src/test/resources/fixtures"));

    /** The modules ask for exactly the tensors (names, shapes) that transformers' save_pretrained wrote. */
    @Test
    void recordedSpecsEqualTheHuggingFaceCheckpoints() {
        for (String c : new String[] {"paligemma-tiny", "paligemma2-tiny"}) {
            Path dir = FIXTURES.resolve(c).resolve("checkpoint");
            Map<String, List<Long>> expected = new TreeMap<>();
            try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
                for (String name : f.names()) {
                    Tensor t = f.tensor(name);
                    expected.put(name, java.util.Arrays.stream(t.shape()).boxed().toList());
                }
            }
            Map<String, List<Long>> recorded = new TreeMap<>();
            for (TensorSpec s : RandomCheckpoint.tensorSpecs(PaliGemmaConfig.read(dir))) {
                recorded.put(s.name(), java.util.Arrays.stream(s.shape()).boxed().toList());
            }
            assertEquals(expected, recorded, c);
        }
    }

    @Test
    void writesLoadableCheckpointInEveryDtype(@TempDir Path tmp) throws IOException {
        String cfg = Files.readString(FIXTURES.resolve("paligemma2-tiny/checkpoint/config.json"));
        for (DType dtype : new DType[] {DType.F32, DType.BF16, DType.F16}) {
            Path dir = tmp.resolve(dtype.name());
            long[] last = {0};
            RandomCheckpoint.write(cfg, dtype, dir, 7, b -> last[0] = b);
            PaliGemmaConfig config = PaliGemmaConfig.read(dir);
            assertEquals(RandomCheckpoint.totalBytes(config, dtype), last[0]);
            try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
                List<TensorSpec> specs = RandomCheckpoint.tensorSpecs(config);
                assertEquals(specs.size(), f.names().size());
                for (TensorSpec s : specs) {
                    Tensor t = f.tensor(s.name());
                    assertEquals(dtype, t.dtype());
                    assertArrayEquals(s.shape(), t.shape());
                }
            }
        }
    }

    /** A random checkpoint is a complete directory: the API loads it (tokenizer included) and generates. */
    @Test
    void tinyRandomCheckpointGeneratesThroughTheApi(@TempDir Path tmp) throws Exception {
        for (String fixture : List.of("paligemma-tiny", "paligemma2-tiny")) {
            Path dir = tmp.resolve(fixture);
            RandomCheckpoint.write(Files.readString(FIXTURES.resolve(fixture).resolve("checkpoint/config.json")), DType.F32,
                    dir, 7, b -> { });
            for (String f : List.of("tokenizer.model", "tokenizer_config.json", "special_tokens_map.json")) {
                assertTrue(Files.isRegularFile(dir.resolve(f)), f);
            }
            RgbImage image = new ImageDecoder().read(FIXTURES.resolve(fixture).resolve("image.png"));
            try (PaliGemma model = PaliGemma.load(dir, Options.defaults().withThreads(1))) {
                Tokenizer t = model.tokenizer();
                int caption = t.pieceToId("caption");
                int en = t.pieceToId("\u2581en");
                assertNotEquals(t.unkId(), caption);
                assertNotEquals(t.unkId(), en);
                // the processor's layout with the fixture's ids: <image>×16, <bos>=2, text, "\n"=108
                int[] expected = new int[16 + 4];
                Arrays.fill(expected, 0, 16, 1024);
                expected[16] = 2;
                expected[17] = caption;
                expected[18] = en;
                expected[19] = 108;
                assertArrayEquals(expected, model.promptIds("caption en"), fixture);

                Result r = model.generate(image, "caption en", GenerationConfig.greedy(4));
                int[] ids = r.tokenIds();
                if (r.finishReason() == FinishReason.MAX_TOKENS) {
                    assertEquals(4, ids.length, fixture);
                } else {
                    assertEquals(FinishReason.EOS, r.finishReason(), fixture);
                    assertTrue(ids.length < 4, fixture);
                }
                for (int id : ids) {
                    assertTrue(id >= 0 && id < 1088 && id != 1, fixture + ": id " + id);
                }
                assertEquals(t.decode(ids), r.text(), fixture);
            }
        }
    }

    /**
     * make-random's tokenizer for the 3B presets: 257216 pieces with the published ids of PaliGemma's tokenizer
     * (big_vision's PaliGemma README: Gemma's 256000 pieces, then &lt;loc0000&gt;..&lt;loc1023&gt; and
     * &lt;seg000&gt;..&lt;seg127&gt;; &lt;image&gt; = image_token_index 257152). Only the tokenizer is written.
     */
    @Test
    void paliGemma3bTokenizerHasThePublishedLayout(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("config.json"), RandomCheckpoint.presetConfig("paligemma-3b-pt-224"));
        PaliGemmaConfig config = PaliGemmaConfig.read(tmp);
        assertEquals(257216, config.textConfig().vocabSize());
        long t0 = System.nanoTime();
        RandomTokenizer.write(config, tmp);
        long t1 = System.nanoTime();
        Tokenizer t = Tokenizers.forCheckpoint(tmp);
        long t2 = System.nanoTime();
        System.out.printf("257216-piece tokenizer: built and written in %.0f ms (%d bytes), loaded in %.0f ms%n",
                (t1 - t0) / 1e6, Files.size(tmp.resolve("tokenizer.model")), (t2 - t1) / 1e6);
        assertTrue(t2 - t0 < 60_000_000_000L, "building and loading took " + (t2 - t0) / 1e9 + " s");

        assertEquals(257216, t.vocabSize());
        assertEquals(new RandomTokenizer.Layout(257216, 257152, 256000, 1024, 257024, 128),
                RandomTokenizer.layout(257216, 257152));
        Map<String, Integer> documented = Map.of("<image>", 257152, "<loc0000>", 256000, "<loc0512>", 256512,
                "<loc1023>", 257023, "<seg000>", 257024, "<seg064>", 257088, "<seg127>", 257151, "\n", 108);
        documented.forEach((text, id) -> {
            assertArrayEquals(new int[] {id}, t.encode(text), text);
            assertEquals(text, t.decode(new int[] {id}), text);
        });
        assertEquals(config.imageTokenIndex(), t.pieceToId("<image>"));
        assertEquals(List.of(2, 1, 0, 3), List.of(t.bosId(), t.eosId(), t.padId(), t.unkId()));
        assertArrayEquals(new int[] {257152, 257152, 2, 108}, t.encode("<image><image><bos>\n"));
        assertArrayEquals(new int[] {256100, 256200, 256300, 256400, 257024 + 127}, t.encode("<loc0100><loc0200><loc0300><loc0400><seg127>"));

        // plain text, against the pieces sentencepiece 0.1.97 computes for the same file
        RandomTokenizerTest.assertEncodes(t, "A photo of a cat sitting on the table.", List.of("A", "\u2581photo",
                "\u2581of", "\u2581a", "\u2581cat", "\u2581sitting", "\u2581on", "\u2581the", "\u2581table", "."));
        RandomTokenizerTest.assertEncodes(t, "detect cat ; dog\n", List.of("detect", "\u2581cat", "\u2581", ";",
                "\u2581dog", "\n"));
        RandomTokenizerTest.assertEncodes(t, "na\u00efve caf\u00e9 \uD83D\uDE00", List.of("na", "<0xC3>", "<0xAF>", "ve",
                "\u2581caf", "<0xC3>", "<0xA9>", "\u2581", "<0xF0>", "<0x9F>", "<0x98>", "<0x80>"));
        RandomTokenizerTest.assertEncodes(t, "caption en\n", List.of("caption", "\u2581en", "\n"));

        SentencePieceTokenizer raw = SentencePieceTokenizer.load(tmp.resolve("tokenizer.model"));
        RandomTokenizerTest.assertOrdinaryPiecesArePrefixClosed(raw, 256000);
        assertEquals("<unused99>", raw.piece(257153));
        assertEquals("<unused161>", raw.piece(257215));
    }

    @Test
    void bf16RoundingIsNearestEven() {
        assertEquals((short) 0x3f80, RandomCheckpoint.toBf16(1.0f));
        assertEquals((short) 0x3f80, RandomCheckpoint.toBf16(Float.intBitsToFloat(0x3f808000)));  // tie → even
        assertEquals((short) 0x3f82, RandomCheckpoint.toBf16(Float.intBitsToFloat(0x3f818000)));  // tie → even (up)
        assertEquals((short) 0x3f81, RandomCheckpoint.toBf16(Float.intBitsToFloat(0x3f808001)));
    }
}
