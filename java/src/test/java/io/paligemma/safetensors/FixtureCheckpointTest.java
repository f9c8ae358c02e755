package io.paligemma.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paligemma.tensor.DType;
import io.paligemma.tensor.Tensor;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Opens the three fixture checkpoints and compares them with what the fixtures README says they hold:
 * the tensor names and shapes follow from config.json, the dtype from expected.json, the file size and
 * the header layout (dtype then name order, contiguous data) from expected.json and the README.
 */
class FixtureCheckpointTest {

    static final Path FIXTURES = Path.of(System.getProperty("paligemma.fixtures", "java/src/test/resources/fixtures"));
    static final ObjectMapper JSON = new ObjectMapper();
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Names and shapes from the README's list, instantiated with the sizes of config.json. */
    static Map<String, long[]> expectedTensors(JsonNode config) {
        Map<String, long[]> m = new TreeMap<>();
        JsonNode v = config.get("vision_config");
        JsonNode t = config.get("text_config");
        long d = v.get("hidden_size").asLong();
        long p = v.get("patch_size").asLong();
        long g = v.get("image_size").asLong() / p;
        long vi = v.get("intermediate_size").asLong();
        String vp = "vision_tower.vision_model.";
        m.put(vp + "embeddings.patch_embedding.weight", new long[] {d, 3, p, p});
        m.put(vp + "embeddings.patch_embedding.bias", new long[] {d});
        m.put(vp + "embeddings.position_embedding.weight", new long[] {g * g, d});
        for (int i = 0; i < v.get("num_hidden_layers").asInt(); i++) {
            String l = vp + "encoder.layers." + i + ".";
            for (String norm : List.of("layer_norm1", "layer_norm2")) {
                m.put(l + norm + ".weight", new long[] {d});
                m.put(l + norm + ".bias", new long[] {d});
            }
            for (String proj : List.of("q_proj", "k_proj", "v_proj", "out_proj")) {
                m.put(l + "self_attn." + proj + ".weight", new long[] {d, d});
                m.put(l + "self_attn." + proj + ".bias", new long[] {d});
            }
            m.put(l + "mlp.fc1.weight", new long[] {vi, d});
            m.put(l + "mlp.fc1.bias", new long[] {vi});
            m.put(l + "mlp.fc2.weight", new long[] {d, vi});
            m.put(l + "mlp.fc2.bias", new long[] {d});
        }
        m.put(vp + "post_layernorm.weight", new long[] {d});
        m.put(vp + "post_layernorm.bias", new long[] {d});
        long h = t.get("hidden_size").asLong();
        m.put("multi_modal_projector.linear.weight", new long[] {h, d});
        m.put("multi_modal_projector.linear.bias", new long[] {h});
        boolean gemma2 = t.get("model_type").asText().equals("gemma2");
        long q = t.get("num_attention_heads").asLong() * t.get("head_dim").asLong();
        long kv = t.get("num_key_value_heads").asLong() * t.get("head_dim").asLong();
        long inter = t.get("intermediate_size").asLong();
        m.put("language_model.model.embed_tokens.weight", new long[] {t.get("vocab_size").asLong(), h});
        for (int i = 0; i < t.get("num_hidden_layers").asInt(); i++) {
            String l = "language_model.model.layers." + i + ".";
            List<String> norms = new ArrayList<>(List.of("input_layernorm", "post_attention_layernorm"));
            if (gemma2) {
                norms.addAll(List.of("pre_feedforward_layernorm", "post_feedforward_layernorm"));
            }
            for (String norm : norms) {
                m.put(l + norm + ".weight", new long[] {h});
            }
            m.put(l + "self_attn.q_proj.weight", new long[] {q, h});
            m.put(l + "self_attn.k_proj.weight", new long[] {kv, h});
            m.put(l + "self_attn.v_proj.weight", new long[] {kv, h});
            m.put(l + "self_attn.o_proj.weight", new long[] {h, q});
            m.put(l + "mlp.gate_proj.weight", new long[] {inter, h});
            m.put(l + "mlp.up_proj.weight", new long[] {inter, h});
            m.put(l + "mlp.down_proj.weight", new long[] {h, inter});
        }
        m.put("language_model.model.norm.weight", new long[] {h});
        return m;
    }

    @ParameterizedTest
    @ValueSource(strings = {"paligemma-tiny", "paligemma2-tiny", "paligemma-tiny-bf16"})
    void checkpointHoldsTheTensorsTheConfigImplies(String model) throws IOException {
        Path dir = FIXTURES.resolve(model);
        JsonNode config = JSON.readTree(dir.resolve("checkpoint/config.json").toFile());
        JsonNode expected = JSON.readTree(dir.resolve("expected.json").toFile());
        DType dtype = switch (expected.get("weights_dtype").asText()) {
            case "float32" -> DType.F32;
            case "bfloat16" -> DType.BF16;
            default -> throw new AssertionError(expected.get("weights_dtype"));
        };
        Map<String, long[]> want = expectedTensors(config);
        Path file = dir.resolve("checkpoint/model.safetensors");
        assertEquals(expected.at("/files/checkpoint~1model.safetensors/bytes").asLong(), Files.size(file));

        for (Path open : List.of(dir.resolve("checkpoint"), file)) {
            try (Checkpoint ckpt = Checkpoint.open(open)) {
                assertEquals(1, ckpt.files().size());
                assertEquals(file.toAbsolutePath().getParent(), ckpt.directory().toAbsolutePath());
                assertEquals(Map.of("format", "pt"), ckpt.files().getFirst().metadata());
                // one dtype, so "ordered by dtype then name" means sorted by name
                assertEquals(new ArrayList<>(want.keySet()), ckpt.names());
                long dataBytes = 0;
                for (Map.Entry<String, long[]> e : want.entrySet()) {
                    Tensor t = ckpt.tensor(e.getKey());
                    assertEquals(e.getKey(), t.name());
                    assertEquals(dtype, t.dtype(), e.getKey());
                    assertArrayEquals(e.getValue(), t.shape(), e.getKey());
                    dataBytes += t.data().byteSize();
                }
                assertEquals(Files.size(file) - 8 - headerLength(file), dataBytes, "tensors fill the data section");
                assertTrue(ckpt.find("language_model.lm_head.weight").isEmpty(), "tied head is not stored");
            }
        }
    }

    /** BF16 checkpoint = round-to-nearest-even of the F32 one, value by value, for every tensor. */
    @Test
    void bf16WeightsAreTheRoundedF32Weights() {
        try (Checkpoint f32 = Checkpoint.open(FIXTURES.resolve("paligemma-tiny/checkpoint"));
             Checkpoint bf16 = Checkpoint.open(FIXTURES.resolve("paligemma-tiny-bf16/checkpoint"))) {
            assertEquals(f32.names(), bf16.names());
            long checked = 0;
            for (String name : f32.names()) {
                MemorySegment a = f32.tensor(name).data();
                MemorySegment b = bf16.tensor(name).data();
                long n = f32.tensor(name).elementCount();
                assertEquals(n, bf16.tensor(name).elementCount());
                for (long i = 0; i < n; i++) {
                    int bits = Float.floatToRawIntBits(a.get(F32, 4 * i));
                    int rounded = (bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16;
                    assertEquals((short) rounded, b.get(I16, 2 * i), name + "[" + i + "]");
                }
                checked += n;
            }
            assertTrue(checked > 300_000, "all weights compared: " + checked);
        }
    }

    static long headerLength(Path file) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            return Long.reverseBytes(raf.readLong());
        }
    }

}
