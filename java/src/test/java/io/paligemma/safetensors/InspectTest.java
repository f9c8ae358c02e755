package io.paligemma.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.tensor.DType;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectTest {

    @TempDir
    Path dir;

    @Test
    void listsTensorsAndTotals() {
        Path file = dir.resolve("m.safetensors");
        try (SafetensorsWriter w = new SafetensorsWriter(file, Map.of("format", "pt"), List.of(
                new TensorSpec("embed.weight", DType.BF16, new long[] {1000, 64}),
                new TensorSpec("norm.weight", DType.F32, new long[] {64}),
                new TensorSpec("ids", DType.I64, new long[] {1, 3}),
                new TensorSpec("proj.weight", DType.BF16, new long[] {64, 64})))) {
            w.write("embed.weight", MemorySegment.ofArray(new byte[128_000]));
            w.write("norm.weight", MemorySegment.ofArray(new byte[256]));
            w.write("ids", MemorySegment.ofArray(new byte[24]));
            w.write("proj.weight", MemorySegment.ofArray(new byte[8192]));
        }
        String text = Inspect.describe(file);
        List<String> lines = text.lines().toList();
        assertTrue(text.contains("file m.safetensors: 4 tensors, metadata {format=pt}"), text);
        assertTrue(lines.stream().anyMatch(l -> l.matches("embed\\.weight\\s+BF16\\s+\\[1000, 64]\\s+128,000")), text);
        assertTrue(lines.stream().anyMatch(l -> l.matches("norm\\.weight\\s+F32\\s+\\[64]\\s+256")), text);
        assertTrue(lines.stream().anyMatch(l -> l.matches("BF16\\s+2\\s+68,096\\s+136,192")), text);
        assertTrue(lines.stream().anyMatch(l -> l.matches("I64\\s+1\\s+3\\s+24")), text);
        assertTrue(lines.stream().anyMatch(l -> l.matches("total\\s+4\\s+68,163\\s+136,472")), text);
    }

    /** The fixture checkpoint: the overall byte total is the file size minus the header. */
    @Test
    void fixtureTotalsMatchTheFile() throws IOException {
        Path file = FixtureCheckpointTest.FIXTURES.resolve("paligemma2-tiny/checkpoint/model.safetensors");
        long data = Files.size(file) - 8 - FixtureCheckpointTest.headerLength(file);
        String text = Inspect.describe(file.getParent());
        String total = text.lines().filter(l -> l.startsWith("total")).findFirst().orElseThrow();
        assertTrue(total.endsWith(String.format(java.util.Locale.ROOT, "%,d", data)), total);
        assertTrue(text.contains("language_model.model.layers.3.post_feedforward_layernorm.weight"), text);
        assertEquals(1, text.lines().filter(l -> l.startsWith("F32 ")).count(), text);
    }

    @Test
    void shardedListingShowsFiles() {
        CheckpointHostileTest.writeShard(dir.resolve("s1.safetensors"), "x");
        CheckpointHostileTest.writeShard(dir.resolve("s2.safetensors"), "y");
        String text = Inspect.describe(dir);
        assertTrue(text.lines().anyMatch(l -> l.matches("y\\s+F32\\s+\\[2]\\s+8\\s+s2\\.safetensors")), text);
    }
}
