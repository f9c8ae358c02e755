package io.paligemma.safetensors;

import static io.paligemma.safetensors.FixtureCheckpointTest.F32;
import static io.paligemma.safetensors.FixtureCheckpointTest.FIXTURES;
import static io.paligemma.safetensors.FixtureCheckpointTest.JSON;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.paligemma.tensor.DType;
import io.paligemma.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Reads the fixtures' expected.safetensors files and the segmentation weights, and checks them against
 * data recorded independently: expected.json (ids, shapes, magnitudes), cases.json, the segmentation
 * README's table, and the same weights stored as .npy files in vae-oid-random.npz.
 */
class FixtureExpectedFilesTest {

    static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @ParameterizedTest
    @ValueSource(strings = {"paligemma-tiny", "paligemma2-tiny", "paligemma-tiny-bf16"})
    void expectedTensorsMatchExpectedJson(String model) throws IOException {
        Path dir = FIXTURES.resolve(model);
        JsonNode json = JSON.readTree(dir.resolve("expected.json").toFile());
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("expected.safetensors"))) {
            assertEquals("pt", f.metadata().get("format"));
            assertEquals("make_fixtures.py", f.metadata().get("producer"));

            int length = json.at("/prompt/input_ids").size();
            assertIds(f.tensor("input_ids"), new long[] {1, length}, json.at("/prompt/input_ids"));
            assertIds(f.tensor("attention_mask"), new long[] {1, length}, constant(length, 1));
            assertIds(f.tensor("token_type_ids"), new long[] {1, length}, constant(length, 0));
            int trainLength = json.at("/train/input_ids").size();
            assertIds(f.tensor("train_input_ids"), new long[] {1, trainLength}, json.at("/train/input_ids"));
            assertIds(f.tensor("train_token_type_ids"), new long[] {1, trainLength}, json.at("/train/token_type_ids"));
            assertIds(f.tensor("gen_ids"), new long[] {1, 12}, json.at("/generate/new_token_ids"));
            JsonNode batchIds = json.at("/batch/input_ids");
            long[] batchShape = {batchIds.size(), batchIds.get(0).size()};
            assertIds(f.tensor("batch_input_ids"), batchShape, batchIds);
            assertIds(f.tensor("batch_attention_mask"), batchShape, json.at("/batch/attention_mask"));
            assertIds(f.tensor("batch_position_ids"), batchShape, json.at("/batch/position_ids"));
            assertIds(f.tensor("batch_gen_ids"), new long[] {batchIds.size(), 12}, json.at("/batch/gen_ids"));
            // labels: -100 on the prompt, the ids after it
            Tensor labels = f.tensor("train_labels");
            for (int i = 0; i < trainLength; i++) {
                long want = i < length ? -100 : json.at("/train/input_ids").get(i).asLong();
                assertEquals(want, labels.data().get(I64, 8L * i), "train_labels[" + i + "]");
            }

            long s = json.at("/image/model_image_size").asLong();
            Tensor image = f.tensor("image_resized_u8");
            assertEquals(DType.U8, image.dtype());
            assertArrayEquals(new long[] {s, s, 3}, image.shape());

            JsonNode magnitudes = json.get("magnitudes");
            for (Map.Entry<String, JsonNode> e : magnitudes.properties()) {
                Tensor t = f.tensor(e.getKey());
                assertEquals(DType.F32, t.dtype(), e.getKey());
                assertArrayEquals(longs(e.getValue().get("shape")), t.shape(), e.getKey());
                double[] stats = maxAbsAndRms(t.data(), t.elementCount());
                assertEquals(e.getValue().get("max_abs").asDouble(), stats[0], 1e-6 * stats[0], e.getKey() + " max_abs");
                assertEquals(e.getValue().get("rms").asDouble(), stats[1], 1e-6 * stats[1], e.getKey() + " rms");
            }
            assertEquals(json.at("/train/loss").asDouble(), f.tensor("loss_train").data().get(F32, 0), 1e-6);
            assertEquals(12 + magnitudes.size(), f.names().size(), "no tensors beyond the ones checked here");
        }
    }

    @Test
    void segmentationExpectedMatchesCasesJson() throws IOException {
        Path dir = FIXTURES.resolve("segmentation");
        JsonNode cases = JSON.readTree(dir.resolve("cases.json").toFile()).get("cases");
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("expected.safetensors"))) {
            int count = 0;
            for (JsonNode c : cases) {
                String name = c.get("name").asText();
                Tensor logits = f.tensor(c.at("/tensors/logits64").asText());
                assertArrayEquals(new long[] {64, 64}, logits.shape());
                double[] stats = maxAbsAndRms(logits.data(), 4096);
                assertEquals(c.get("logits64_max_abs").asDouble(), stats[0], 1e-6 * stats[0], name);
                int positive = 0;
                for (int i = 0; i < 4096; i++) {
                    positive += logits.data().get(F32, 4L * i) > 0 ? 1 : 0;
                }
                assertEquals(c.get("logits64_positive_fraction").asDouble(), positive / 4096.0, 0.0, name);

                Tensor mask = f.tensor(c.at("/tensors/mask").asText());
                assertEquals(DType.U8, mask.dtype());
                assertArrayEquals(new long[] {c.get("image_height").asLong(), c.get("image_width").asLong()}, mask.shape());
                long ones = 0;
                for (long i = 0; i < mask.elementCount(); i++) {
                    byte b = mask.data().get(ValueLayout.JAVA_BYTE, i);
                    assertTrue(b == 0 || b == 1, name + " mask value " + b);
                    ones += b;
                }
                assertEquals(c.get("mask_ones").asLong(), ones, name);

                if (c.get("box_valid").asBoolean()) {
                    assertArrayEquals(longs(c.get("box_size_hw")), f.tensor(c.at("/tensors/box_logits").asText()).shape());
                } else {
                    assertTrue(f.find(name + ".box_logits").isEmpty(), name);
                }
                count += c.get("tensors").size();
            }
            long[][] acts = {{4, 4, 128}, {4, 4, 128}, {4, 4, 128}, {8, 8, 128}, {16, 16, 64}, {32, 32, 32}, {64, 64, 16}};
            String[] actNames = {"conv0", "resblock0", "resblock1", "convT0", "convT1", "convT2", "convT3"};
            for (int i = 0; i < acts.length; i++) {
                assertArrayEquals(acts[i], f.tensor("v0_full_640x480.act." + actNames[i]).shape());
            }
            assertEquals(count, f.names().size());
        }
    }

    /** The README's table of the 25 decoder tensors, and every value against the same arrays in the .npz. */
    @Test
    void segmentationWeightsMatchReadmeAndNpz() throws IOException {
        Path dir = FIXTURES.resolve("segmentation");
        Map<String, long[]> want = new HashMap<>();
        want.put("_vq_vae._embedding", new long[] {128, 512});
        want.put("decoder.0.weight", new long[] {128, 512, 1, 1});
        want.put("decoder.0.bias", new long[] {128});
        for (String block : List.of("decoder.2.net.", "decoder.3.net.")) {
            want.put(block + "0.weight", new long[] {128, 128, 3, 3});
            want.put(block + "2.weight", new long[] {128, 128, 3, 3});
            want.put(block + "4.weight", new long[] {128, 128, 1, 1});
            for (String i : List.of("0", "2", "4")) {
                want.put(block + i + ".bias", new long[] {128});
            }
        }
        want.put("decoder.4.weight", new long[] {128, 128, 4, 4});
        want.put("decoder.4.bias", new long[] {128});
        want.put("decoder.6.weight", new long[] {128, 64, 4, 4});
        want.put("decoder.6.bias", new long[] {64});
        want.put("decoder.8.weight", new long[] {64, 32, 4, 4});
        want.put("decoder.8.bias", new long[] {32});
        want.put("decoder.10.weight", new long[] {32, 16, 4, 4});
        want.put("decoder.10.bias", new long[] {16});
        want.put("decoder.12.weight", new long[] {1, 16, 1, 1});
        want.put("decoder.12.bias", new long[] {1});

        Path file = dir.resolve("vae-oid-random.safetensors");
        assertEquals(4_758_276L, Files.size(file));
        Map<String, Npy> npz = readNpz(dir.resolve("vae-oid-random.npz"));
        assertEquals(want.keySet(), npz.keySet());
        try (Checkpoint ckpt = Checkpoint.open(file)) {
            assertEquals("20240514", ckpt.files().getFirst().metadata().get("seed"));
            assertEquals(want.keySet(), new java.util.HashSet<>(ckpt.names()));
            long parameters = 0;
            for (String name : ckpt.names()) {
                Tensor t = ckpt.tensor(name);
                assertEquals(DType.F32, t.dtype(), name);
                assertArrayEquals(want.get(name), t.shape(), name);
                Npy npy = npz.get(name);
                assertEquals("<f4", npy.descr(), name);
                assertArrayEquals(t.shape(), npy.shape(), name);
                assertArrayEquals(npy.data(), t.data().toArray(ValueLayout.JAVA_BYTE), name);
                parameters += t.elementCount();
            }
            assertEquals(1_188_993L, parameters);
        }
    }

    record Npy(String descr, long[] shape, byte[] data) {
    }

    /** An uncompressed npz of version-1 .npy files, read with java.util.zip: independent of the safetensors code. */
    static Map<String, Npy> readNpz(Path file) throws IOException {
        Map<String, Npy> out = new HashMap<>();
        Pattern descr = Pattern.compile("'descr':\\s*'([^']*)'");
        Pattern shape = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(file))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                byte[] bytes = readAll(zip);
                assertEquals(1, bytes[6], e.getName() + " npy version");
                int headerLength = (bytes[8] & 0xFF) | (bytes[9] & 0xFF) << 8;
                String header = new String(bytes, 10, headerLength, StandardCharsets.ISO_8859_1);
                assertTrue(header.contains("'fortran_order': False"), header);
                Matcher d = descr.matcher(header);
                Matcher s = shape.matcher(header);
                assertTrue(d.find() && s.find(), header);
                long[] dims = java.util.Arrays.stream(s.group(1).split(","))
                        .map(String::strip).filter(x -> !x.isEmpty()).mapToLong(Long::parseLong).toArray();
                byte[] data = java.util.Arrays.copyOfRange(bytes, 10 + headerLength, bytes.length);
                out.put(e.getName().replaceFirst("\\.npy$", ""), new Npy(d.group(1), dims, data));
            }
        }
        return out;
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }

    static void assertIds(Tensor t, long[] shape, JsonNode values) {
        assertEquals(DType.I64, t.dtype(), t.name());
        assertArrayEquals(shape, t.shape(), t.name());
        long[] flat = flatten(values);
        assertEquals(flat.length, t.elementCount(), t.name());
        for (int i = 0; i < flat.length; i++) {
            assertEquals(flat[i], t.data().get(I64, 8L * i), t.name() + "[" + i + "]");
        }
    }

    static long[] flatten(JsonNode node) {
        if (!node.isArray()) {
            return new long[] {node.asLong()};
        }
        return java.util.stream.StreamSupport.stream(node.spliterator(), false)
                .flatMapToLong(n -> java.util.Arrays.stream(flatten(n))).toArray();
    }

    static JsonNode constant(int n, long value) {
        var array = JSON.createArrayNode();
        for (int i = 0; i < n; i++) {
            array.add(value);
        }
        return array;
    }

    static long[] longs(JsonNode array) {
        return flatten(array);
    }

    static double[] maxAbsAndRms(MemorySegment data, long n) {
        double max = 0;
        double squares = 0;
        for (long i = 0; i < n; i++) {
            double x = data.get(F32, 4 * i);
            max = Math.max(max, Math.abs(x));
            squares += x * x;
        }
        return new double[] {max, Math.sqrt(squares / n)};
    }
}
