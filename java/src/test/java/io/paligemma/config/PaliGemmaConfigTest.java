package io.paligemma.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.paligemma.RandomCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PaliGemmaConfigTest {
    static final Path FIXTURES = Path.of(System.getProperty("paligemma.fixtures", "java/src/test/resources/fixtures"));

    private static PaliGemmaConfig preset(Path dir, String name) throws IOException {
        Path f = dir.resolve(name + ".json");
        Files.writeString(f, RandomCheckpoint.presetConfig(name));
        return PaliGemmaConfig.read(f);
    }

    @Test
    void paligemma1Presets(@TempDir Path dir) throws IOException {
        for (int size : new int[] {224, 448, 896}) {
            PaliGemmaConfig c = preset(dir, "paligemma-3b-pt-" + size);
            assertEquals(size, c.visionConfig().imageSize());
            assertEquals((size / 14) * (size / 14), c.numImageTokens());
            assertEquals(1152, c.visionConfig().hiddenSize());
            assertEquals(4304, c.visionConfig().intermediateSize());
            assertEquals(27, c.visionConfig().numHiddenLayers());
            assertEquals(16, c.visionConfig().numAttentionHeads());
            assertEquals(72, c.visionConfig().headDim());
            GemmaConfig t = c.textConfig();
            assertFalse(t.isGemma2());
            assertEquals(2048, t.hiddenSize());
            assertEquals(16384, t.intermediateSize());
            assertEquals(18, t.numHiddenLayers());
            assertEquals(8, t.numAttentionHeads());
            assertEquals(1, t.numKeyValueHeads());
            assertEquals(256, t.headDim());
            assertEquals(257216, t.vocabSize());
            assertEquals(257152, c.imageTokenIndex());
            assertEquals(1e-6, t.rmsNormEps());
            assertEquals(10000.0, t.ropeTheta());
            assertEquals((float) Math.pow(256, -0.5), t.attentionScale());
        }
    }

    @Test
    void paligemma2Presets(@TempDir Path dir) throws IOException {
        PaliGemmaConfig c3 = preset(dir, "paligemma2-3b-pt-224");
        assertTrue(c3.textConfig().isGemma2());
        assertEquals(2304, c3.textConfig().hiddenSize());
        assertEquals(9216, c3.textConfig().intermediateSize());
        assertEquals(26, c3.textConfig().numHiddenLayers());
        assertEquals(8, c3.textConfig().numAttentionHeads());
        assertEquals(4, c3.textConfig().numKeyValueHeads());
        assertEquals(256, c3.textConfig().headDim());
        assertEquals(4096, c3.textConfig().gemma2().slidingWindow());
        assertEquals(50.0, c3.textConfig().gemma2().attnLogitSoftcapping());
        assertEquals(30.0, c3.textConfig().gemma2().finalLogitSoftcapping());
        assertEquals(2304, c3.projectionDim());

        PaliGemmaConfig c10 = preset(dir, "paligemma2-10b-pt-448");
        assertEquals(1024, c10.numImageTokens());
        assertEquals(3584, c10.textConfig().hiddenSize());
        assertEquals(14336, c10.textConfig().intermediateSize());
        assertEquals(42, c10.textConfig().numHiddenLayers());
        assertEquals(16, c10.textConfig().numAttentionHeads());
        assertEquals(8, c10.textConfig().numKeyValueHeads());
        assertEquals(256.0, c10.textConfig().gemma2().queryPreAttnScalar());

        PaliGemmaConfig c28 = preset(dir, "paligemma2-28b-pt-896");
        assertEquals(4096, c28.numImageTokens());
        assertEquals(4608, c28.textConfig().hiddenSize());
        assertEquals(36864, c28.textConfig().intermediateSize());
        assertEquals(46, c28.textConfig().numHiddenLayers());
        assertEquals(32, c28.textConfig().numAttentionHeads());
        assertEquals(16, c28.textConfig().numKeyValueHeads());
        assertEquals(128, c28.textConfig().headDim());
        assertEquals(144.0, c28.textConfig().gemma2().queryPreAttnScalar());
        assertEquals((float) Math.pow(144, -0.5), c28.textConfig().attentionScale());
    }

    /** Gemma 2 shapes per PaliGemma 2 size, as transformers' convert_paligemma2_weights_to_hf.py sets them. */
    private record Gemma2Shape(String size, int hidden, int intermediate, int layers, int heads, int kvHeads,
            int headDim, double queryPreAttnScalar) {
    }

    @Test
    void everyPaligemma2PresetHasThePublishedShape(@TempDir Path dir) throws IOException {
        var shapes = new Gemma2Shape[] {
            new Gemma2Shape("3b", 2304, 9216, 26, 8, 4, 256, 256),
            new Gemma2Shape("10b", 3584, 14336, 42, 16, 8, 256, 256),
            new Gemma2Shape("28b", 4608, 36864, 46, 32, 16, 128, 144)};
        for (Gemma2Shape s : shapes) {
            for (int size : new int[] {224, 448, 896}) {
                String name = "paligemma2-" + s.size() + "-pt-" + size;
                PaliGemmaConfig c = preset(dir, name);
                GemmaConfig t = c.textConfig();
                assertTrue(t.isGemma2(), name);
                assertEquals(s.hidden(), t.hiddenSize(), name);
                assertEquals(s.intermediate(), t.intermediateSize(), name);
                assertEquals(s.layers(), t.numHiddenLayers(), name);
                assertEquals(s.heads(), t.numAttentionHeads(), name);
                assertEquals(s.kvHeads(), t.numKeyValueHeads(), name);
                assertEquals(s.headDim(), t.headDim(), name);
                assertEquals(s.queryPreAttnScalar(), t.gemma2().queryPreAttnScalar(), name);
                assertEquals(4096, t.gemma2().slidingWindow(), name);
                assertEquals(50.0, t.gemma2().attnLogitSoftcapping(), name);
                assertEquals(30.0, t.gemma2().finalLogitSoftcapping(), name);
                assertEquals(1e-6, t.rmsNormEps(), name);
                assertEquals(10000.0, t.ropeTheta(), name);
                assertEquals(257216, t.vocabSize(), name);
                assertEquals(257152, c.imageTokenIndex(), name);
                assertEquals(s.hidden(), c.projectionDim(), name);
                assertEquals(size, c.visionConfig().imageSize(), name);
                assertEquals((size / 14) * (size / 14), c.numImageTokens(), name);
                assertEquals(1152, c.visionConfig().hiddenSize(), name);
                assertEquals(4304, c.visionConfig().intermediateSize(), name);
                assertEquals(27, c.visionConfig().numHiddenLayers(), name);
                assertEquals(16, c.visionConfig().numAttentionHeads(), name);
            }
        }
    }

    @Test
    void fixtureConfigsWithDefaults() {
        PaliGemmaConfig g1 = PaliGemmaConfig.read(FIXTURES.resolve("paligemma-tiny/checkpoint"));
        assertEquals(16, g1.numImageTokens());
        assertEquals(32, g1.textConfig().headDim());
        assertEquals(1, g1.textConfig().numKeyValueHeads());
        assertEquals(1e-6, g1.visionConfig().layerNormEps());   // default
        assertEquals(1024, g1.imageTokenIndex());
        assertNull(g1.textConfig().gemma2());
        PaliGemmaConfig g2 = PaliGemmaConfig.read(FIXTURES.resolve("paligemma2-tiny/checkpoint"));
        assertEquals(8, g2.textConfig().gemma2().slidingWindow());
        assertEquals(24.0, g2.textConfig().gemma2().queryPreAttnScalar());
        assertTrue(g2.textConfig().isSlidingLayer(0));
        assertFalse(g2.textConfig().isSlidingLayer(1));
        assertEquals(64, g2.projectionDim()); // top-level hidden_size 2048 is not used
    }

    @Test
    void badConfigsNameTheProblem(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("config.json");
        Files.writeString(f, "{\"text_config\": {}}");
        assertTrue(assertThrows(ConfigException.class, () -> PaliGemmaConfig.read(f)).getMessage().contains("model_type"));
        Files.writeString(f, "{\"model_type\": \"paligemma\", \"text_config\": {\"hidden_size\": \"big\"}}");
        assertTrue(assertThrows(ConfigException.class, () -> PaliGemmaConfig.read(f)).getMessage().contains("hidden_size"));
        Files.writeString(f, "{\"model_type\": \"paligemma\", \"text_config\": {\"model_type\": \"llama\"}}");
        assertTrue(assertThrows(ConfigException.class, () -> PaliGemmaConfig.read(f)).getMessage().contains("llama"));
        Files.writeString(f, "{not json");
        String bad = assertThrows(ConfigException.class, () -> PaliGemmaConfig.read(f)).getMessage();
        assertTrue(bad.contains("not valid JSON") && bad.contains("line 1"), bad);
        assertTrue(!bad.contains("\n") && !bad.contains("Source:"), "one line, no Jackson source dump: " + bad);
        assertTrue(assertThrows(ConfigException.class, () -> PaliGemmaConfig.read(dir.resolve("missing")))
                .getMessage().contains("does not exist"));
    }

    /** Issue #14: special token ids outside the vocabulary are config errors at load, naming the key and the file. */
    @Test
    void specialTokenIdsMustBeInTheVocabulary(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("config.json");
        for (String key : new String[] {"bos_token_id", "eos_token_id", "pad_token_id"}) {
            String config = RandomCheckpoint.presetConfig("paligemma-3b-224");
            assertTrue(config.contains("\"" + key + "\""), key);
            Files.writeString(f, config.replaceFirst("\"" + key + "\": \\d+", "\"" + key + "\": 99999999"));
            ConfigException e = assertThrows(ConfigException.class, () -> PaliGemmaConfig.read(f), key);
            assertTrue(e.getMessage().contains(key) && e.getMessage().contains("config.json"), e.getMessage());
        }
    }
}
