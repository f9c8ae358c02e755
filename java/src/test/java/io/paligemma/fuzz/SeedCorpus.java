package io.paligemma.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.paligemma.tokenizer.SpmToTokenizerJson;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;

/**
 * Builds the fuzzers' seed corpus from the fixtures: {@code <package>/<Class>Inputs/<target>/} under the test
 * resources, where Jazzer's JUnit integration finds them (regression mode runs each file once per test run;
 * fuzzing starts from them). Every seed is a fixture file, a small piece of one (a few tensors of a fixture
 * checkpoint, a few arrays of the fixture .npz), or a fixture picture re-encoded in a format the fixtures lack
 * (GIF, BMP, baseline JPEG). Findings of fuzzing runs are kept beside the seeds as {@code crash-*} files.
 *
 * <p>Run from the repository root after a change to the fixtures or the targets:
 * {@code java -cp target/test-classes:target/classes:<test class path> io.paligemma.fuzz.SeedCorpus}
 * ({@code SeedCorpusTest} checks that the committed seeds are what this writes).
 */
public final class SeedCorpus {

    static final Path RESOURCES = Path.of("java/src/test/resources");
    private static final Path FIXTURES = RESOURCES.resolve("fixtures");
    private static final ObjectMapper JSON = new ObjectMapper();

    private SeedCorpus() {
    }

    public static void main(String[] args) throws IOException {
        Path root = args.length > 0 ? Path.of(args[0]) : RESOURCES;
        for (Map.Entry<String, byte[]> e : all().entrySet()) {
            Path file = root.resolve(e.getKey());
            Files.createDirectories(file.getParent());
            Files.write(file, e.getValue());
        }
        System.out.println(all().size() + " seeds written under " + root);
    }

    /** Every seed: its path under the test resources → its bytes. */
    static Map<String, byte[]> all() throws IOException {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        safetensors(seeds, "io/paligemma/safetensors/SafetensorsFuzzTestInputs/");
        config(seeds, "io/paligemma/config/ConfigFuzzTestInputs/config/");
        images(seeds, "io/paligemma/image/ImageFuzzTestInputs/");
        tokenizers(seeds, "io/paligemma/tokenizer/TokenizerFuzzTestInputs/");
        numpy(seeds, "io/paligemma/detect/NpyFuzzTestInputs/");
        answers(seeds, "io/paligemma/detect/OutputParserFuzzTestInputs/answer/");
        return seeds;
    }

    // ---- safetensors: small files made of a fixture checkpoint's smallest tensors; a shard index ----

    private static void safetensors(Map<String, byte[]> seeds, String dir) throws IOException {
        seeds.put(dir + "file/tiny-f32.safetensors", smallestTensors(FIXTURES.resolve("paligemma-tiny/checkpoint/model.safetensors"), 3));
        seeds.put(dir + "file/tiny-bf16.safetensors",
                smallestTensors(FIXTURES.resolve("paligemma-tiny-bf16/checkpoint/model.safetensors"), 3));
        seeds.put(dir + "file/gemma2-f32.safetensors", smallestTensors(FIXTURES.resolve("paligemma2-tiny/checkpoint/model.safetensors"), 2));
        // a scalar, an empty tensor, an F16 vector and no metadata: shapes the fixtures do not have
        seeds.put(dir + "file/scalar-empty-f16.safetensors", safetensorsFile(null, List.of(
                new Entry("scale", "F32", new long[] {}, floatBytes(0.125f)),
                new Entry("empty", "BF16", new long[] {0, 4}, new byte[0]),
                new Entry("half", "F16", new long[] {3}, new byte[] {0, 0x3c, 0, (byte) 0xc0, (byte) 0xff, 0x7b}))));
        // the target writes the shards this index names (see SafetensorsFuzzTest)
        seeds.put(dir + "shardIndex/index.json", """
                {"metadata": {"total_size": 24}, "weight_map": {"a": "model-00001-of-00002.safetensors",
                 "b": "model-00001-of-00002.safetensors", "c": "model-00002-of-00002.safetensors"}}
                """.getBytes(StandardCharsets.UTF_8));
    }

    private record Entry(String name, String dtype, long[] shape, byte[] data) {
    }

    /** A safetensors file holding the {@code count} smallest tensors of {@code source}, with its metadata. */
    private static byte[] smallestTensors(Path source, int count) throws IOException {
        byte[] file = Files.readAllBytes(source);
        long headerLength = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonNode header = JSON.readTree(new String(file, 8, (int) headerLength, StandardCharsets.UTF_8));
        int dataStart = 8 + (int) headerLength;
        List<Entry> entries = new ArrayList<>();
        header.properties().forEach(p -> {
            if (!p.getKey().equals("__metadata__")) {
                JsonNode v = p.getValue();
                int begin = v.get("data_offsets").get(0).asInt();
                int end = v.get("data_offsets").get(1).asInt();
                long[] shape = new long[v.get("shape").size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = v.get("shape").get(i).asLong();
                }
                byte[] data = java.util.Arrays.copyOfRange(file, dataStart + begin, dataStart + end);
                entries.add(new Entry(p.getKey(), v.get("dtype").asText(), shape, data));
            }
        });
        entries.sort(Comparator.comparingInt((Entry e) -> e.data.length).thenComparing(Entry::name));
        Map<String, String> metadata = new LinkedHashMap<>();
        header.path("__metadata__").properties().forEach(p -> metadata.put(p.getKey(), p.getValue().asText()));
        return safetensorsFile(metadata, entries.subList(0, count));
    }

    private static byte[] safetensorsFile(Map<String, String> metadata, List<Entry> entries) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (Entry e : entries) {
            ObjectNode t = header.putObject(e.name);
            t.put("dtype", e.dtype);
            var shape = t.putArray("shape");
            for (long d : e.shape) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + e.data.length);
            offset += e.data.length;
            data.write(e.data);
        }
        byte[] h = JSON.writeValueAsBytes(header);
        int padded = (h.length + 7) / 8 * 8; // the reference writer pads the header with spaces to 8 bytes
        ByteBuffer out = ByteBuffer.allocate(8 + padded + data.size()).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(h);
        for (int i = h.length; i < padded; i++) {
            out.put((byte) ' ');
        }
        return out.put(data.toByteArray()).array();
    }

    private static byte[] floatBytes(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    // ---- config.json: the fixtures', the demo's and two published presets ----

    private static void config(Map<String, byte[]> seeds, String dir) throws IOException {
        for (String model : List.of("paligemma-tiny", "paligemma-tiny-bf16", "paligemma2-tiny")) {
            seeds.put(dir + model + ".json", Files.readAllBytes(FIXTURES.resolve(model + "/checkpoint/config.json")));
        }
        Path presets = Path.of("java/src/main/resources/presets");
        seeds.put(dir + "paligemma-3b-pt-224.json", Files.readAllBytes(presets.resolve("paligemma-3b-pt-224.json")));
        seeds.put(dir + "paligemma2-10b-pt-448.json", Files.readAllBytes(presets.resolve("paligemma2-10b-pt-448.json")));
    }

    // ---- pictures: the fixtures' and the decoding cases', plus GIF / BMP / baseline JPEG re-encodings ----

    private static void images(Map<String, byte[]> seeds, String dir) throws IOException {
        Path cases = RESOURCES.resolve("image-decoding");
        seeds.put(dir + "png/paligemma2-tiny-image.png", Files.readAllBytes(FIXTURES.resolve("paligemma2-tiny/image.png")));
        seeds.put(dir + "png/palette_transparency.png", Files.readAllBytes(cases.resolve("palette_transparency.png")));
        seeds.put(dir + "png/gray16.png", Files.readAllBytes(cases.resolve("gray16.png")));
        for (String jpeg : List.of("progressive.jpg", "cmyk.jpg", "icc_linear_rgb.jpg")) {
            seeds.put(dir + "jpeg/" + jpeg, Files.readAllBytes(cases.resolve(jpeg)));
        }
        BufferedImage picture = ImageIO.read(FIXTURES.resolve("paligemma2-tiny/image.png").toFile());
        BufferedImage small = new BufferedImage(24, 16, BufferedImage.TYPE_3BYTE_BGR);
        small.getGraphics().drawImage(picture, 0, 0, 24, 16, null);
        seeds.put(dir + "jpeg/baseline.jpg", encode(small, "jpeg"));
        seeds.put(dir + "gif/image.gif", encode(small, "gif"));
        seeds.put(dir + "bmp/rgb24.bmp", encode(small, "bmp"));
        BufferedImage indexed = new BufferedImage(24, 16, BufferedImage.TYPE_BYTE_INDEXED);
        indexed.getGraphics().drawImage(picture, 0, 0, 24, 16, null);
        seeds.put(dir + "bmp/indexed8.bmp", encode(indexed, "bmp"));
        for (String webp : List.of("lossless.webp", "lossy.webp")) {
            seeds.put(dir + "webp/" + webp, Files.readAllBytes(cases.resolve(webp)));
        }
        seeds.put(dir + "preprocessorConfig/paligemma-tiny.json",
                Files.readAllBytes(FIXTURES.resolve("paligemma-tiny/checkpoint/preprocessor_config.json")));
        seeds.put(dir + "preprocessorConfig/demo.json",
                Files.readAllBytes(Path.of("java/src/main/resources/demo/checkpoint/preprocessor_config.json")));
    }

    private static byte[] encode(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(image, format, out)) {
            throw new IOException("no ImageIO writer for " + format);
        }
        return out.toByteArray();
    }

    // ---- tokenizers: the small fixture models, their tokenizer.json, a PaliGemma tokenizer_config.json ----

    private static void tokenizers(Map<String, byte[]> seeds, String dir) throws IOException {
        Path gemma = FIXTURES.resolve("tokenizer/gemma_like_bpe_bytefallback.model");
        Path unigram = RESOURCES.resolve("tokenizer-extra/denormalizer.model");
        Path nfkc = FIXTURES.resolve("tokenizer/test_sentencepiece_bpe.model"); // with an nmt_nfkc charsmap
        seeds.put(dir + "sentencePiece/gemma_like_bpe_bytefallback.model", Files.readAllBytes(gemma));
        seeds.put(dir + "sentencePiece/denormalizer.model", Files.readAllBytes(unigram));
        seeds.put(dir + "sentencePiece/test_sentencepiece_bpe.model", Files.readAllBytes(nfkc));
        seeds.put(dir + "tokenizerJson/denormalizer.json", SpmToTokenizerJson.tokenizerJson(unigram).getBytes(StandardCharsets.UTF_8));
        seeds.put(dir + "tokenizerJson/gemma_like_bpe_bytefallback.json",
                SpmToTokenizerJson.tokenizerJson(gemma).getBytes(StandardCharsets.UTF_8));
        // PaliGemma's tokenizer_config.json layout: <image> appended after the model's pieces, special tokens named
        seeds.put(dir + "tokenizerConfig/tokenizer_config.json", """
                {"add_bos_token": true, "add_eos_token": false,
                 "added_tokens_decoder": {"0": {"content": "<pad>", "special": true, "lstrip": false, "rstrip": false,
                   "single_word": false, "normalized": false},
                  "4000": {"content": "<image>", "special": true, "lstrip": false, "rstrip": false,
                   "single_word": false, "normalized": false}},
                 "additional_special_tokens": ["<image>"], "bos_token": "<bos>", "eos_token": "<eos>",
                 "pad_token": "<pad>", "unk_token": "<unk>", "tokenizer_class": "GemmaTokenizer"}
                """.getBytes(StandardCharsets.UTF_8));
    }

    // ---- numpy: single arrays of the fixture .npz (as .npy, in each header version), and a small .npz ----

    private static void numpy(Map<String, byte[]> seeds, String dir) throws IOException {
        Path npz = FIXTURES.resolve("segmentation/vae-oid-random.npz");
        Map<String, byte[]> arrays = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(npz.toFile())) {
            for (String name : List.of("decoder.12.bias.npy", "decoder.12.weight.npy", "decoder.10.bias.npy")) {
                try (InputStream in = zip.getInputStream(zip.getEntry(name))) {
                    arrays.put(name, in.readAllBytes());
                }
            }
        }
        byte[] weight = arrays.get("decoder.12.weight.npy");
        seeds.put(dir + "npy/decoder.12.weight.npy", weight);
        seeds.put(dir + "npy/decoder.12.bias.npy", arrays.get("decoder.12.bias.npy"));
        seeds.put(dir + "npy/decoder.12.weight-v2.npy", npyVersion2(weight));
        seeds.put(dir + "npy/decoder.12.weight-fortran.npy", new String(weight, StandardCharsets.ISO_8859_1)
                .replace("'fortran_order': False", "'fortran_order': True ").getBytes(StandardCharsets.ISO_8859_1));
        seeds.put(dir + "npz/stored.npz", zip(arrays, ZipEntry.STORED));
        seeds.put(dir + "npz/deflated.npz", zip(arrays, ZipEntry.DEFLATED));
    }

    /** The same array with a version 2.0 header (4-byte header length). */
    private static byte[] npyVersion2(byte[] v1) {
        int headerLength = (v1[8] & 0xff) | (v1[9] & 0xff) << 8;
        ByteBuffer out = ByteBuffer.allocate(v1.length + 2).order(ByteOrder.LITTLE_ENDIAN);
        out.put(v1, 0, 6).put((byte) 2).put((byte) 0).putInt(headerLength).put(v1, 10, v1.length - 10);
        return out.array();
    }

    private static byte[] zip(Map<String, byte[]> entries, int method) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry z = new ZipEntry(e.getKey());
                z.setTime(315532800000L); // 1980-01-01, as numpy writes: the seed does not change with the clock
                z.setMethod(method);
                if (method == ZipEntry.STORED) {
                    CRC32 crc = new CRC32();
                    crc.update(e.getValue());
                    z.setSize(e.getValue().length);
                    z.setCrc(crc.getValue());
                }
                out.putNextEntry(z);
                out.write(e.getValue());
                out.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    // ---- detect/segment answers: the segmentation fixtures' texts and the malformed kinds OutputParser names ----

    private static void answers(Map<String, byte[]> seeds, String dir) throws IOException {
        JsonNode cases = JSON.readTree(FIXTURES.resolve("segmentation/cases.json").toFile()).get("cases");
        List<String> texts = new ArrayList<>();
        for (JsonNode c : cases) {
            if (c.has("text") && texts.size() < 3) {
                texts.add(c.get("text").asText() + " object");
            }
        }
        texts.add("<loc0100><loc0200><loc0300><loc0400> cat ; <loc0000><loc0000><loc1023><loc1023> big dog ; ");
        texts.add("<loc1024><loc0000><loc0500><loc0500> cat ; <loc0001><loc0002><loc0600><loc0700> dog");
        texts.add("<loc0100><loc0200><loc0300><loc0400><seg001><seg002><seg003>");
        texts.add("; ; <loc00100><loc0200> <loc0300><loc0400> dog <loc0500><loc0600><loc0700><loc0800> cat");
        for (int i = 0; i < texts.size(); i++) {
            seeds.put(dir + "answer-" + i + ".txt", texts.get(i).getBytes(StandardCharsets.UTF_8));
        }
    }
}
