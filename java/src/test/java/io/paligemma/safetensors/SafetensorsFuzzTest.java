package io.paligemma.safetensors;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.paligemma.fuzz.Clear;
import io.paligemma.tensor.DType;
import io.paligemma.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes what reads a checkpoint's files: the safetensors header (length, JSON, dtypes, shapes, offsets,
 * metadata) with the mapping behind it, and the shard index ({@code model.safetensors.index.json}) with the
 * checkpoint directory it describes. A file either opens, and then every byte of every tensor it hands out
 * can be read, or it fails with a {@link SafetensorsException} whose one-line message names the file.
 * Seeds: {@code SafetensorsFuzzTestInputs/} ({@link io.paligemma.fuzz.SeedCorpus}).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SafetensorsFuzzTest {

    private static final Path DIR = Clear.scratchDirectory("pg-fuzz-safetensors-");
    private static final Path FILE = DIR.resolve("fuzz.safetensors");
    /** A sharded checkpoint: the shards exist, the fuzzer writes the index. */
    private static final Path SHARDED = DIR.resolve("sharded");

    static {
        try {
            Files.createDirectories(SHARDED);
            shard(SHARDED.resolve("model-00001-of-00002.safetensors"), "a", "b");
            shard(SHARDED.resolve("model-00002-of-00002.safetensors"), "c");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void shard(Path file, String... names) {
        List<TensorSpec> specs = java.util.Arrays.stream(names).map(n -> new TensorSpec(n, DType.F32, new long[] {2})).toList();
        try (SafetensorsWriter w = new SafetensorsWriter(file, Map.of(), specs)) {
            for (String n : names) {
                w.write(n, MemorySegment.ofArray(new float[] {1f, 2f}));
            }
        }
    }

    @FuzzTest
    void file(byte[] input) {
        Clear.write(FILE, input);
        try (SafetensorsFile f = SafetensorsFile.open(FILE)) {
            f.metadata().forEach((k, v) -> k.length());
            for (String name : f.names()) {
                readEvery(f.tensor(name));
            }
            f.checkUnchanged();
        } catch (SafetensorsException e) {
            Clear.message(e, FILE.toString());
        }
    }

    @FuzzTest
    void shardIndex(byte[] input) {
        Clear.write(SHARDED.resolve(ShardIndex.FILE_NAME), input);
        try (Checkpoint c = Checkpoint.open(SHARDED)) {
            for (String name : c.names()) {
                readEvery(c.tensor(name));
            }
        } catch (SafetensorsException e) {
            Clear.message(e, SHARDED.toString());
        }
    }

    /** Reads every element (widened when it is a float type), so a slice past the mapping would throw here. */
    private static void readEvery(Tensor t) {
        MemorySegment data = t.data();
        if (t.dtype().isWeightFloat()) {
            for (long i = 0; i < t.elementCount(); i++) {
                t.floatAt(i);
            }
        } else {
            for (long i = 0; i < data.byteSize(); i++) {
                data.get(ValueLayout.JAVA_BYTE, i);
            }
        }
    }
}
