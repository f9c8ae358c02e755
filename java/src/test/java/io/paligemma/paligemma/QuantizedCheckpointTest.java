package io.paligemma.paligemma;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.nn.Quantization;
import io.paligemma.nn.Weights;
import io.paligemma.ops.Backend;
import io.paligemma.ops.OpsProvider;
import io.paligemma.safetensors.Checkpoint;
import io.paligemma.tensor.DType;
import io.paligemma.tensor.Q8;
import io.paligemma.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code quantize} on the tiny fixture: the language model's matrices become I8 + F16 scales, everything
 * else is copied byte for byte, and the written checkpoint loads to the same Q8_0 matrices as the float
 * one quantized at load.
 */
class QuantizedCheckpointTest {
    static final Path TINY = Path.of(System.getProperty("paligemma.fixtures", "java/src/test/resources/fixtures"))
            .resolve("paligemma-tiny/checkpoint");

    /** A language model matrix: what Quantization.INT8 selects (the vectors of the language model stay as stored). */
    private static boolean quantized(Tensor t) {
        return t.name().startsWith("language_model.") && t.rank() >= 2;
    }

    @Test
    void writesI8MatricesWithF16ScalesAndCopiesTheRest(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("int8");
        long[] written = {0};
        int tensors = QuantizedCheckpoint.write(TINY, out, Quantization.INT8, b -> written[0] = b);
        try (Checkpoint src = Checkpoint.open(TINY); Checkpoint q = Checkpoint.open(out)) {
            Set<String> expected = new HashSet<>();
            int matrices = 0;
            long bytes = 0;
            for (String name : src.names()) {
                Tensor s = src.tensor(name);
                Tensor t = q.tensor(name);
                expected.add(name);
                if (quantized(s)) {
                    matrices++;
                    long rows = s.dim(0);
                    long cols = s.elementCount() / rows;
                    assertEquals(DType.I8, t.dtype(), name);
                    assertArrayEquals(new long[] {rows, cols}, t.shape(), name);
                    Tensor scale = q.tensor(name + Weights.Q8_SCALE_SUFFIX);
                    assertEquals(DType.F16, scale.dtype(), name);
                    assertArrayEquals(new long[] {rows, Q8.blocks(cols)}, scale.shape(), name);
                    expected.add(scale.name());
                    bytes += t.data().byteSize() + scale.data().byteSize();
                } else {
                    assertEquals(s.dtype(), t.dtype(), name);
                    assertArrayEquals(s.shape(), t.shape(), name);
                    assertEquals(-1, s.data().mismatch(t.data()), name + " is copied byte for byte");
                    bytes += t.data().byteSize();
                }
            }
            // 3 layers × 7 matrices + the embedding; the vision tower and the projector stay float
            assertEquals(3 * 7 + 1, matrices);
            assertEquals(DType.I8, q.tensor("language_model.model.embed_tokens.weight").dtype());
            assertEquals(DType.F32, q.tensor("multi_modal_projector.linear.weight").dtype());
            assertEquals(expected, new HashSet<>(q.names()));
            assertEquals(expected.size(), tensors);
            assertEquals(bytes, written[0], "the progress ends at the tensor bytes written");

            Map<String, String> meta = q.files().get(0).metadata();
            assertEquals("q8_0", meta.get("paligemma_ffm.quantization"), meta.toString());
            assertEquals(Integer.toString(Q8.BLOCK), meta.get("paligemma_ffm.q8_block"), meta.toString());
            assertEquals("language_model", meta.get("paligemma_ffm.quantized"), meta.toString());
        }
        for (String file : new String[] {"config.json", "generation_config.json", "preprocessor_config.json"}) {
            assertArrayEquals(Files.readAllBytes(TINY.resolve(file)), Files.readAllBytes(out.resolve(file)), file);
        }
        assertFalse(Files.exists(out.resolve("model.safetensors.index.json")));
    }

    /** The int8 checkpoint loads by itself to the bytes the float one gives when quantized at load. */
    @Test
    void loadsToTheMatricesOfQuantizingAtLoad(@TempDir Path tmp) {
        Path out = tmp.resolve("int8");
        QuantizedCheckpoint.write(TINY, out, Quantization.INT8, b -> { });
        try (OpsProvider provider = OpsProvider.open(Backend.JAVA, 1);
             PaliGemmaForConditionalGeneration stored = PaliGemmaForConditionalGeneration.load(out, provider.ops());
             PaliGemmaForConditionalGeneration atLoad = PaliGemmaForConditionalGeneration.load(TINY, provider.ops(),
                     Quantization.INT8)) {
            Map<String, String> keys = atLoad.weights().matrixKeys();
            assertEquals(keys, stored.weights().matrixKeys());
            int compared = 0;
            for (String key : keys.values()) {
                Tensor f = atLoad.weights().tensor(key);
                long rows = f.dim(0);
                long cols = f.elementCount() / rows;
                Tensor a = atLoad.weights().matrix(key, rows, cols, f.shape());
                Tensor b = stored.weights().matrix(key, rows, cols, f.shape());
                if (!Quantization.INT8.selects(key)) {
                    assertEquals(DType.F32, a.dtype(), key);
                    assertEquals(DType.F32, b.dtype(), key);
                    continue;
                }
                assertEquals(DType.Q8_0, a.dtype(), key);
                assertEquals(DType.Q8_0, b.dtype(), key);
                assertEquals(DType.I8, stored.weights().tensor(key).dtype(), key + " is stored as int8");
                assertArrayEquals(a.shape(), b.shape(), key);
                assertEquals(-1, a.data().mismatch(b.data()), key + " values");
                assertEquals(-1, a.scales().mismatch(b.scales()), key + " scales");
                compared++;
            }
            assertEquals(3 * 7 + 1, compared);
        }
    }

    @Test
    void refusesToOverwriteAndToWriteFloat(@TempDir Path tmp) {
        Path out = tmp.resolve("int8");
        QuantizedCheckpoint.write(TINY, out, Quantization.INT8, b -> { });
        assertTrue(Files.isRegularFile(out.resolve("config.json")));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> QuantizedCheckpoint.write(TINY, out, Quantization.INT8, b -> { }));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> QuantizedCheckpoint.write(TINY, tmp.resolve("f"), Quantization.NONE, b -> { }));
    }
}
