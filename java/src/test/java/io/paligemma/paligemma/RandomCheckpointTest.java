package io.paligemma.paligemma;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.safetensors.SafetensorsFile;
import io.paligemma.safetensors.TensorSpec;
import io.paligemma.tensor.DType;
import io.paligemma.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    @Test
    void bf16RoundingIsNearestEven() {
        assertEquals((short) 0x3f80, RandomCheckpoint.toBf16(1.0f));
        assertEquals((short) 0x3f80, RandomCheckpoint.toBf16(Float.intBitsToFloat(0x3f808000)));  // tie → even
        assertEquals((short) 0x3f82, RandomCheckpoint.toBf16(Float.intBitsToFloat(0x3f818000)));  // tie → even (up)
        assertEquals((short) 0x3f81, RandomCheckpoint.toBf16(Float.intBitsToFloat(0x3f808001)));
    }
}
