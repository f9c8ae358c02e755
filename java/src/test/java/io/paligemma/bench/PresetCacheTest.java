package io.paligemma.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.config.PaliGemmaConfig;
import io.paligemma.ops.Backend;
import io.paligemma.safetensors.Checkpoint;
import io.paligemma.tensor.DType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The preset cache on the tiny fixture's shape: the int8 preset is the bf16 one quantized, moved into
 * {@code <preset>-q8_0} when complete, sized as {@link PresetCache#weightBytes} says, reused on the next
 * call, and benched under the label "int8".
 */
class PresetCacheTest {
    static final Path TINY = Path.of(System.getProperty("paligemma.fixtures", "java/src/test/resources/fixtures"))
            .resolve("paligemma-tiny/checkpoint");

    /** Remembers the tasks that began. */
    private static final class Tasks implements Progress {
        final List<String> begun = new ArrayList<>();

        @Override
        public void begin(String task, long total) {
            begun.add(task);
        }

        @Override
        public void step() {
        }

        @Override
        public void end() {
        }
    }

    private static long tensorBytes(Path dir) {
        try (Checkpoint c = Checkpoint.open(dir)) {
            return c.names().stream().mapToLong(n -> c.tensor(n).data().byteSize()).sum();
        }
    }

    @Test
    void int8PresetIsTheBf16OneQuantizedAndIsReused(@TempDir Path tmp) throws Exception {
        String config = Files.readString(TINY.resolve("config.json"));
        PresetCache cache = new PresetCache(tmp);
        Tasks tasks = new Tasks();
        Path dir = cache.ensure("tiny", config, DType.Q8_0, tasks);

        assertEquals(tmp.resolve("presets").resolve("tiny-q8_0"), dir);
        assertEquals(cache.directory("tiny", DType.Q8_0), dir);
        assertTrue(cache.has("tiny", DType.Q8_0));
        assertTrue(cache.has("tiny", DType.BF16), "the bf16 preset it was made from stays cached");
        assertEquals(2, tasks.begun.size(), tasks.begun.toString());
        assertTrue(tasks.begun.get(0).startsWith("writing tiny BF16"), tasks.begun.toString());
        assertTrue(tasks.begun.get(1).startsWith("quantizing tiny bf16 to int8"), tasks.begun.toString());
        try (Stream<Path> left = Files.list(tmp.resolve("presets"))) {
            assertEquals(List.of("tiny-bf16", "tiny-q8_0"), left.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no partial directory left behind");
        }
        assertTrue(Files.isRegularFile(dir.resolve("tokenizer.model")), "the tokenizer is copied, so every command loads it");
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertEquals(DType.I8, c.tensor("language_model.model.embed_tokens.weight").dtype());
            assertEquals(DType.F16, c.tensor("language_model.model.embed_tokens.weight.q8_scale").dtype());
            assertEquals(DType.BF16, c.tensor("language_model.model.norm.weight").dtype());
            assertEquals(DType.BF16, c.tensor("multi_modal_projector.linear.weight").dtype());
            assertEquals("q8_0", c.files().get(0).metadata().get("paligemma_ffm.quantization"));
        }
        PaliGemmaConfig shape = PaliGemmaConfig.read(TINY);
        assertEquals(tensorBytes(dir), PresetCache.weightBytes(shape, DType.Q8_0), "weightBytes is the int8 checkpoint's size");
        assertEquals(tensorBytes(cache.directory("tiny", DType.BF16)), PresetCache.weightBytes(shape, DType.BF16));

        long modified = Files.getLastModifiedTime(dir.resolve("model.safetensors")).toMillis();
        Tasks again = new Tasks();
        assertEquals(dir, cache.ensure("tiny", config, DType.Q8_0, again));
        assertEquals(List.of(), again.begun, "a cached preset is not written again");
        assertEquals(modified, Files.getLastModifiedTime(dir.resolve("model.safetensors")).toMillis());
    }

    /** A run on an int8 checkpoint is labelled "int8" and streams 1 + 2/32 bytes per decode weight. */
    @Test
    void int8CheckpointBenchesAsInt8(@TempDir Path tmp) throws Exception {
        Path dir = new PresetCache(tmp).ensure("tiny", Files.readString(TINY.resolve("config.json")), DType.Q8_0,
                Progress.NONE);
        PaliGemmaConfig c = PaliGemmaConfig.read(dir);
        Workload work = Workload.of(c, 2, Workload.syntheticImage(64, 48));
        List<StageResult> runs = ModelBench.run(dir, Backend.NATIVE, 1, work, 0, 1, 0, Progress.NONE);
        assertEquals(Stage.values().length, runs.size());
        for (StageResult r : runs) {
            assertEquals("int8", r.weights(), r.toString());
        }
        StageResult decode = runs.stream().filter(r -> r.stage() == Stage.DECODE).findFirst().orElseThrow();
        assertEquals(FlopCount.decodeWeightBytes(c.textConfig(), 1 + 2.0 / 32) * 2, decode.bytes(), 1e-6);
        assertEquals("int8", ModelBench.weightsLabel(DType.Q8_0));
        assertEquals("bf16", ModelBench.weightsLabel(DType.BF16));
    }
}
