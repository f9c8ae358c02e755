package io.paligemma.safetensors;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.tensor.DType;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sharded checkpoints whose index and shards disagree, and directories that hold no checkpoint. */
class CheckpointHostileTest {

    static final String SHARD1 = "model-00001-of-00002.safetensors";
    static final String SHARD2 = "model-00002-of-00002.safetensors";

    @TempDir
    Path dir;

    @BeforeEach
    void shards() {
        writeShard(dir.resolve(SHARD1), "a.weight", "a.bias");
        writeShard(dir.resolve(SHARD2), "b.weight");
    }

    static void writeShard(Path file, String... names) {
        List<TensorSpec> specs = java.util.Arrays.stream(names).map(n -> new TensorSpec(n, DType.F32, new long[] {2})).toList();
        try (SafetensorsWriter w = new SafetensorsWriter(file, Map.of("format", "pt"), specs)) {
            for (String n : names) {
                w.write(n, MemorySegment.ofArray(new float[] {1, 2}));
            }
        }
    }

    void index(String json) throws IOException {
        Files.writeString(dir.resolve("model.safetensors.index.json"), json, StandardCharsets.UTF_8);
    }

    static String weightMap(String entries) {
        return "{\"metadata\":{\"total_size\":24},\"weight_map\":{" + entries + "}}";
    }

    SafetensorsException rejects(String... fragments) {
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> Checkpoint.open(dir).close());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + f + "' in: " + e.getMessage());
        }
        return e;
    }

    @Test
    void consistentIndexOpens() throws IOException {
        index(weightMap("\"a.bias\":\"" + SHARD1 + "\",\"a.weight\":\"" + SHARD1 + "\",\"b.weight\":\"" + SHARD2 + "\""));
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertTrue(c.names().equals(List.of("a.weight", "a.bias", "b.weight")), c.names().toString());
        }
    }

    @Test
    void malformedIndex() throws IOException {
        index("{\"weight_map\": {\"a.weight\": ");
        rejects("model.safetensors.index.json", "not valid JSON");
        index("[]");
        rejects("model.safetensors.index.json", "not a JSON object");
        index("{\"metadata\":{}}");
        rejects("model.safetensors.index.json", "no \"weight_map\" object");
        index(weightMap("\"a.weight\": 3"));
        rejects("model.safetensors.index.json", "'a.weight'", "not a file name");
        index(weightMap(""));
        rejects("model.safetensors.index.json", "weight_map is empty");
    }

    @Test
    void missingShard() throws IOException {
        Files.delete(dir.resolve(SHARD2));
        index(weightMap("\"a.weight\":\"" + SHARD1 + "\",\"b.weight\":\"" + SHARD2 + "\""));
        rejects("model.safetensors.index.json", SHARD2, "'b.weight'", "missing");
    }

    @Test
    void tensorMissingFromItsShard() throws IOException {
        index(weightMap("\"a.weight\":\"" + SHARD1 + "\",\"b.weight\":\"" + SHARD2 + "\",\"c.weight\":\"" + SHARD2 + "\""));
        rejects("'c.weight'", SHARD2, "does not contain it");
    }

    @Test
    void tensorInTheWrongShard() throws IOException {
        index(weightMap("\"a.bias\":\"" + SHARD1 + "\",\"a.weight\":\"" + SHARD2 + "\",\"b.weight\":\"" + SHARD2 + "\""));
        rejects("'a.weight'", SHARD2, "does not contain it", "it is in " + SHARD1);
    }

    @Test
    void tensorInTwoShards() throws IOException {
        writeShard(dir.resolve(SHARD2), "b.weight", "a.bias");
        index(weightMap("\"a.weight\":\"" + SHARD1 + "\",\"b.weight\":\"" + SHARD2 + "\""));
        rejects("'a.bias'", "two files", SHARD1, SHARD2);
    }

    @Test
    void shardOutsideTheDirectory() throws IOException {
        index(weightMap("\"a.weight\":\"../elsewhere.safetensors\""));
        rejects("'../elsewhere.safetensors'", "outside the checkpoint directory");
        index(weightMap("\"a.weight\":\"/etc/passwd\""));
        rejects("outside the checkpoint directory");
    }

    @Test
    void brokenShardIsNamed() throws IOException {
        Files.write(dir.resolve(SHARD2), new byte[] {1, 2, 3});
        index(weightMap("\"a.weight\":\"" + SHARD1 + "\",\"b.weight\":\"" + SHARD2 + "\""));
        rejects(SHARD2, "truncated");
    }

    @Test
    void directoryWithoutIndexClashingNames() {
        writeShard(dir.resolve(SHARD2), "b.weight", "a.weight");
        rejects("'a.weight'", "two files");
    }

    @Test
    void noCheckpointHere() throws IOException {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> Checkpoint.open(empty));
        assertTrue(e.getMessage().contains(empty.toString()) && e.getMessage().contains("no *.safetensors"), e.getMessage());
        Path absent = dir.resolve("absent");
        e = assertThrows(SafetensorsException.class, () -> Checkpoint.open(absent));
        assertTrue(e.getMessage().contains(absent.toString()) && e.getMessage().contains("no such file"), e.getMessage());
    }
}
