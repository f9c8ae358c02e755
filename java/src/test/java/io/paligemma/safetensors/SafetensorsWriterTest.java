package io.paligemma.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.paligemma.tensor.DType;
import io.paligemma.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** Specs of several dtypes, including a scalar, an empty tensor and an odd-sized U8 that misaligns what follows. */
    static List<TensorSpec> specs(String prefix) {
        return List.of(
                new TensorSpec(prefix + "weight", DType.F32, new long[] {7, 5}),
                new TensorSpec(prefix + "bf16", DType.BF16, new long[] {3, 4, 2}),
                new TensorSpec(prefix + "mask", DType.U8, new long[] {3, 3}),
                new TensorSpec(prefix + "ids", DType.I64, new long[] {1, 9}),
                new TensorSpec(prefix + "half", DType.F16, new long[] {11}),
                new TensorSpec(prefix + "scalar", DType.I32, new long[] {}),
                new TensorSpec(prefix + "empty", DType.F32, new long[] {4, 0, 3}),
                new TensorSpec(prefix + "flags", DType.BOOL, new long[] {5}),
                new TensorSpec(prefix + "double", DType.F64, new long[] {2, 2}));
    }

    static Map<String, byte[]> randomData(List<TensorSpec> specs, long seed) {
        Random random = new Random(seed);
        Map<String, byte[]> data = new LinkedHashMap<>();
        for (TensorSpec s : specs) {
            long n = s.dtype().size;
            for (long d : s.shape()) {
                n *= d;
            }
            byte[] bytes = new byte[(int) n];
            random.nextBytes(bytes);
            data.put(s.name(), bytes);
        }
        return data;
    }

    /** Writes through three kinds of segments: heap byte[], off-heap, heap of another array type. */
    static void write(Path file, Map<String, String> metadata, List<TensorSpec> specs, Map<String, byte[]> data) {
        try (Arena arena = Arena.ofConfined(); SafetensorsWriter w = new SafetensorsWriter(file, metadata, specs)) {
            int i = 0;
            for (TensorSpec s : specs) {
                byte[] bytes = data.get(s.name());
                MemorySegment segment = switch (i++ % 3) {
                    case 0 -> MemorySegment.ofArray(bytes);
                    case 1 -> arena.allocate(bytes.length).copyFrom(MemorySegment.ofArray(bytes));
                    default -> bytes.length % 2 == 0
                            ? MemorySegment.ofArray(new short[bytes.length / 2]).copyFrom(MemorySegment.ofArray(bytes))
                            : MemorySegment.ofArray(bytes);
                };
                w.write(s.name(), segment);
            }
        }
    }

    static void assertContents(List<TensorSpec> specs, Map<String, byte[]> data, java.util.function.Function<String, Tensor> lookup) {
        for (TensorSpec s : specs) {
            Tensor t = lookup.apply(s.name());
            assertEquals(s.dtype(), t.dtype(), s.name());
            assertArrayEquals(s.shape(), t.shape(), s.name());
            assertArrayEquals(data.get(s.name()), t.data().toArray(ValueLayout.JAVA_BYTE), s.name());
        }
    }

    @Test
    void roundTripIsByteEqual() throws IOException {
        Path file = dir.resolve("round.safetensors");
        List<TensorSpec> specs = specs("");
        Map<String, byte[]> data = randomData(specs, 1);
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put("note", "héllo \"quoted\" ✓");
        write(file, metadata, specs, data);

        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(metadata, f.metadata());
            // spec order is data order; the empty tensor takes no bytes, so it ties with its successor
            List<String> expectedOrder = specs.stream().map(TensorSpec::name).toList();
            assertEquals(expectedOrder, f.names());
            assertContents(specs, data, f::tensor);
        }
        assertEquals(List.of("round.safetensors"), listNames(dir), "no temporary file left behind");
    }

    @Test
    void headerIsCompactMetadataFirstAndPaddedToEight() throws IOException {
        Path file = dir.resolve("h.safetensors");
        List<TensorSpec> specs = specs("t.");
        Map<String, byte[]> data = randomData(specs, 2);
        write(file, Map.of("format", "pt"), specs, data);
        byte[] all = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, n % 8);
        String header = new String(all, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"pt\"},\"t.weight\":{\"dtype\":\"F32\",\"shape\":[7,5],"
                + "\"data_offsets\":[0,140]}"), header);
        String json = header.stripTrailing();
        assertTrue(n - json.length() < 8 && header.substring(json.length()).isBlank());
        assertFalse(json.contains(" "), "compact JSON: " + json);
        long total = data.values().stream().mapToLong(b -> b.length).sum();
        assertEquals(8 + n + total, all.length);
        // independent reading of the header: offsets are consecutive in spec order
        JsonNode root = JSON.readTree(json);
        long offset = 0;
        for (TensorSpec s : specs) {
            JsonNode offsets = root.get(s.name()).get("data_offsets");
            assertEquals(offset, offsets.get(0).asLong(), s.name());
            offset += data.get(s.name()).length;
            assertEquals(offset, offsets.get(1).asLong(), s.name());
        }
    }

    @Test
    void noMetadataMeansNoMetadataEntry() throws IOException {
        Path file = dir.resolve("plain.safetensors");
        write(file, Map.of(), List.of(new TensorSpec("x", DType.F32, new long[] {2})), Map.of("x", new byte[8]));
        String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        assertFalse(text.contains("__metadata__"));
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(Map.of(), f.metadata());
        }
    }

    /** Offsets beyond 2^31 in the header, computed as longs (the data itself is not written). */
    @Test
    void headerOffsetsAreLongs() throws IOException {
        List<TensorSpec> specs = List.of(
                new TensorSpec("a", DType.F32, new long[] {1L << 30}),       // 4 GiB
                new TensorSpec("b", DType.BF16, new long[] {3, 1L << 30}),   // 6 GiB
                new TensorSpec("c", DType.U8, new long[] {1}));
        long[] sizes = {4L << 30, 6L << 30, 1};
        byte[] header = SafetensorsWriter.header(dir.resolve("big"), Map.of(), specs, sizes);
        JsonNode root = JSON.readTree(header);
        assertEquals(List.of(0L, 4L << 30), longs(root.at("/a/data_offsets")));
        assertEquals(List.of(4L << 30, 10L << 30), longs(root.at("/b/data_offsets")));
        assertEquals(List.of(10L << 30, (10L << 30) + 1), longs(root.at("/c/data_offsets")));
    }

    /** A file larger than 4 GiB (sparse: only the header and the last bytes are stored) reads with long offsets. */
    @Test
    void readsTensorsBeyondFourGigabytes() throws IOException {
        Path file = dir.resolve("sparse.safetensors");
        long big = (4L << 30) + 16;
        String header = "{\"big\":{\"dtype\":\"U8\",\"shape\":[" + big + "],\"data_offsets\":[0," + big + "]},"
                + "\"tail\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[" + big + "," + (big + 8) + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        try (var channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ByteBuffer prefix = ByteBuffer.allocate(8 + h.length).order(ByteOrder.LITTLE_ENDIAN);
            prefix.putLong(h.length).put(h).flip();
            channel.write(prefix);
            ByteBuffer tail = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(123456789).putInt(-42).flip();
            channel.write(tail, 8 + h.length + big);
        }
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(List.of("big", "tail"), f.names());
            assertEquals(big, f.tensor("big").data().byteSize());
            MemorySegment tail = f.tensor("tail").data();
            assertEquals(123456789, tail.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0));
            assertEquals(-42, tail.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4));
        }
    }

    @Test
    void shardedCheckpointWithIndex() throws IOException {
        Path ckpt = Files.createDirectory(dir.resolve("sharded"));
        List<TensorSpec> first = specs("model.a.");
        List<TensorSpec> second = specs("model.b.");
        Map<String, byte[]> data = new LinkedHashMap<>(randomData(first, 3));
        data.putAll(randomData(second, 4));
        write(ckpt.resolve("model-00001-of-00002.safetensors"), Map.of("format", "pt"), first, data);
        write(ckpt.resolve("model-00002-of-00002.safetensors"), Map.of("format", "pt"), second, data);
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", data.values().stream().mapToLong(b -> b.length).sum());
        ObjectNode map = index.putObject("weight_map");
        // HF writes the map sorted by name, not grouped by shard
        List<String> all = new ArrayList<>(data.keySet());
        all.sort(null);
        for (String name : all) {
            map.put(name, name.startsWith("model.a.") ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
        }
        JSON.writeValue(ckpt.resolve("model.safetensors.index.json").toFile(), index);

        List<TensorSpec> both = new ArrayList<>(first);
        both.addAll(second);
        for (Path open : List.of(ckpt, ckpt.resolve("model.safetensors.index.json"))) {
            try (Checkpoint c = Checkpoint.open(open)) {
                assertEquals(2, c.files().size());
                assertEquals("model-00001-of-00002.safetensors", c.files().get(0).path().getFileName().toString());
                assertEquals(both.stream().map(TensorSpec::name).toList(), c.names());
                assertContents(both, data, c::tensor);
                SafetensorsException e = assertThrows(SafetensorsException.class, () -> c.tensor("model.c.weight"));
                assertTrue(e.getMessage().contains("model.c.weight") && e.getMessage().contains(ckpt.toString()), e.getMessage());
            }
        }
    }

    @Test
    void directoryWithoutIndexOpensAllFiles() {
        List<TensorSpec> first = specs("x.");
        List<TensorSpec> second = specs("y.");
        Map<String, byte[]> data = new LinkedHashMap<>(randomData(first, 5));
        data.putAll(randomData(second, 6));
        write(dir.resolve("part-b.safetensors"), Map.of(), second, data);
        write(dir.resolve("part-a.safetensors"), Map.of(), first, data);
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertEquals(2, c.files().size());
            List<TensorSpec> both = new ArrayList<>(first);
            both.addAll(second);
            assertEquals(both.stream().map(TensorSpec::name).toList(), c.names());
            assertContents(both, data, c::tensor);
        }
    }

    @Test
    void directoryWithModelSafetensorsOpensOnlyIt() {
        List<TensorSpec> specs = specs("");
        Map<String, byte[]> data = randomData(specs, 7);
        write(dir.resolve("model.safetensors"), Map.of(), specs, data);
        write(dir.resolve("other.safetensors"), Map.of(), specs, data);  // same names: would clash if opened
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertEquals(1, c.files().size());
            assertContents(specs, data, c::tensor);
        }
    }

    @Test
    void closedObjectsRefuseLookupsAndCloseTwice() {
        Path file = dir.resolve("c.safetensors");
        List<TensorSpec> specs = specs("");
        write(file, Map.of(), specs, randomData(specs, 8));
        Checkpoint c = Checkpoint.open(file);
        SafetensorsFile f = c.files().getFirst();
        c.close();
        c.close();
        f.close();
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> c.tensor("weight"));
        assertTrue(e.getMessage().contains("closed") && e.getMessage().contains("weight"), e.getMessage());
        e = assertThrows(SafetensorsException.class, () -> f.find("weight"));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void writerRejectsMisuseAndLeavesNoFile() throws IOException {
        Path file = dir.resolve("bad.safetensors");
        List<TensorSpec> specs = List.of(new TensorSpec("a", DType.F32, new long[] {2}),
                new TensorSpec("b", DType.U8, new long[] {3}));

        SafetensorsWriter w = new SafetensorsWriter(file, Map.of(), specs);
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> w.write("b", MemorySegment.ofArray(new byte[3])));
        assertTrue(e.getMessage().contains("'b'") && e.getMessage().contains("out of order") && e.getMessage().contains("'a'"), e.getMessage());
        e = assertThrows(SafetensorsException.class, () -> w.write("a", MemorySegment.ofArray(new byte[7])));
        assertTrue(e.getMessage().contains("7 bytes") && e.getMessage().contains("8"), e.getMessage());
        w.write("a", MemorySegment.ofArray(new float[] {1, 2}));
        e = assertThrows(SafetensorsException.class, w::close);
        assertTrue(e.getMessage().contains("'b'") && e.getMessage().contains(file.toString()), e.getMessage());
        w.close();  // idempotent, no second exception
        assertEquals(List.of(), listNames(dir), "incomplete file removed");

        try (SafetensorsWriter done = new SafetensorsWriter(file, Map.of(), specs)) {
            done.write("a", MemorySegment.ofArray(new byte[8]));
            done.write("b", MemorySegment.ofArray(new byte[3]));
            e = assertThrows(SafetensorsException.class, () -> done.write("c", MemorySegment.ofArray(new byte[1])));
            assertTrue(e.getMessage().contains("already written"), e.getMessage());
        }
        assertTrue(Files.exists(file));

        e = assertThrows(SafetensorsException.class, () -> new SafetensorsWriter(dir.resolve("dup.safetensors"), Map.of(),
                List.of(new TensorSpec("a", DType.F32, new long[] {1}), new TensorSpec("a", DType.F32, new long[] {1}))));
        assertTrue(e.getMessage().contains("'a'") && e.getMessage().contains("twice"), e.getMessage());
        e = assertThrows(SafetensorsException.class, () -> new SafetensorsWriter(dir.resolve("ovf.safetensors"), Map.of(),
                List.of(new TensorSpec("huge", DType.F64, new long[] {1L << 40, 1L << 30}))));
        assertTrue(e.getMessage().contains("'huge'") && e.getMessage().contains("overflow"), e.getMessage());
        e = assertThrows(SafetensorsException.class, () -> new SafetensorsWriter(dir.resolve("m.safetensors"), Map.of(),
                List.of(new TensorSpec("__metadata__", DType.F32, new long[] {1}))));
        assertTrue(e.getMessage().contains("reserved"), e.getMessage());
        assertEquals(List.of("bad.safetensors"), listNames(dir));
    }

    static List<String> listNames(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static List<Long> longs(JsonNode array) {
        List<Long> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asLong()));
        return out;
    }
}
