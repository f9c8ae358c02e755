package io.paligemma.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes the hostile-input corpus under {@code java/src/test/resources/hostile/} (see its README.md): the
 * kinds of broken input a user may hand the CLI, each made from a fixture or the demo checkpoint by one
 * change. {@code HostileInputsTest} runs every file through the CLI. Run from the repository root:
 * {@code java -cp target/test-classes:target/classes:<test class path> io.paligemma.fuzz.HostileCorpus}.
 */
public final class HostileCorpus {

    static final Path ROOT = Path.of("java/src/test/resources/hostile");
    static final Path DEMO = Path.of("java/src/main/resources/demo/checkpoint");
    private static final Path SEEDS = Path.of("java/src/test/resources/io/paligemma");
    private static final ObjectMapper JSON = new ObjectMapper();

    private HostileCorpus() {
    }

    public static void main(String[] args) throws IOException {
        Map<String, byte[]> files = all();
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            Path f = ROOT.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.write(f, e.getValue());
        }
        System.out.println(files.size() + " hostile inputs written under " + ROOT);
    }

    static Map<String, byte[]> all() throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        images(out);
        safetensors(out);
        checkpoints(out);
        npz(out);
        answers(out);
        return out;
    }

    // ---- images/: run as the --image of generate (decoded before the model loads) ----

    private static void images(Map<String, byte[]> out) throws IOException {
        byte[] png = Files.readAllBytes(SEEDS.resolve("image/ImageFuzzTestInputs/png/paligemma2-tiny-image.png"));
        out.put("images/empty.png", new byte[0]);
        out.put("images/text-named-png.png", "this is a text file, not a picture\n".getBytes(StandardCharsets.UTF_8));
        out.put("images/truncated-in-idat.png", Arrays.copyOf(png, png.length / 2));
        out.put("images/truncated-in-ihdr.png", Arrays.copyOf(png, 20));
        byte[] badCrc = png.clone();
        badCrc[29] ^= 0x55;
        out.put("images/ihdr-checksum.png", badCrc);
        out.put("images/bomb-100000x100000.png", pngWithSize(png, 100_000, 100_000));
        out.put("images/zero-width.png", pngWithSize(png, 0, 60));
        out.put("images/width-2pow31.png", pngWithSize(png, 0x80000000L, 1));
        byte[] jpeg = Files.readAllBytes(SEEDS.resolve("image/ImageFuzzTestInputs/jpeg/baseline.jpg"));
        out.put("images/truncated.jpg", Arrays.copyOf(jpeg, jpeg.length / 2));
        out.put("images/bomb-65500x65500.jpg", jpegWithSize(jpeg, 65500, 65500));
        out.put("images/soi-then-garbage.jpg", concat(new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff},
                "garbage garbage garbage garbage".getBytes(StandardCharsets.US_ASCII)));
        byte[] gif = Files.readAllBytes(SEEDS.resolve("image/ImageFuzzTestInputs/gif/image.gif"));
        out.put("images/truncated.gif", Arrays.copyOf(gif, gif.length / 2));
        out.put("images/bomb-65535x65535.gif", gifWithSize(gif, 65535, 65535));
        byte[] bmp = Files.readAllBytes(SEEDS.resolve("image/ImageFuzzTestInputs/bmp/rgb24.bmp"));
        out.put("images/truncated.bmp", Arrays.copyOf(bmp, bmp.length / 2));
        out.put("images/bomb-100000x100000.bmp", bmpWithSize(bmp, 100_000, 100_000));
        out.put("images/zero-height.bmp", bmpWithSize(bmp, 24, 0));
        byte[] webp = Files.readAllBytes(SEEDS.resolve("image/ImageFuzzTestInputs/webp/lossy.webp"));
        out.put("images/truncated.webp", Arrays.copyOf(webp, webp.length / 2));
        byte[] wave = webp.clone(); // a RIFF file of another kind (a WAVE sound) named .webp
        wave[8] = 'W';
        wave[9] = 'A';
        wave[10] = 'V';
        wave[11] = 'E';
        out.put("images/riff-wave.webp", wave);
    }

    /** The PNG with IHDR width and height replaced and its CRC recomputed (a valid header of that size). */
    private static byte[] pngWithSize(byte[] png, long width, long height) {
        byte[] b = png.clone();
        ByteBuffer.wrap(b).putInt(16, (int) width).putInt(20, (int) height);
        CRC32 crc = new CRC32();
        crc.update(b, 12, 17);
        ByteBuffer.wrap(b).putInt(29, (int) crc.getValue());
        return b;
    }

    /** The JPEG with the size of its SOF0 frame header replaced. */
    private static byte[] jpegWithSize(byte[] jpeg, int width, int height) {
        byte[] b = jpeg.clone();
        for (int i = 2; i + 9 < b.length; ) {
            int marker = b[i + 1] & 0xff;
            int length = ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
            if (marker == 0xc0 || marker == 0xc2) {
                ByteBuffer.wrap(b).putShort(i + 5, (short) height).putShort(i + 7, (short) width);
                return b;
            }
            i += 2 + length;
        }
        throw new IllegalStateException("no SOF0 in the seed JPEG");
    }

    /** The GIF with its logical screen and first image descriptor claiming width x height. */
    private static byte[] gifWithSize(byte[] gif, int width, int height) {
        byte[] b = gif.clone();
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        bb.putShort(6, (short) width).putShort(8, (short) height);
        for (int i = 13; i + 9 < b.length; i++) {
            if (b[i] == 0x2c) { // image descriptor: left, top, width, height
                bb.putShort(i + 5, (short) width).putShort(i + 7, (short) height);
                break;
            }
        }
        return b;
    }

    /** The BMP with its BITMAPINFOHEADER width and height replaced. */
    private static byte[] bmpWithSize(byte[] bmp, int width, int height) {
        byte[] b = bmp.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(18, width).putInt(22, height);
        return b;
    }

    // ---- safetensors/: run through inspect ----

    private static void safetensors(Map<String, byte[]> out) throws IOException {
        byte[] good = Files.readAllBytes(SEEDS.resolve("safetensors/SafetensorsFuzzTestInputs/file/tiny-f32.safetensors"));
        long headerLength = ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        byte[] data = Arrays.copyOfRange(good, 8 + (int) headerLength, good.length);
        ObjectNode header = (ObjectNode) JSON.readTree(new String(good, 8, (int) headerLength, StandardCharsets.UTF_8));
        String first = header.propertyStream().map(Map.Entry::getKey).filter(k -> !k.startsWith("__")).findFirst().orElseThrow();

        out.put("safetensors/empty.safetensors", new byte[0]);
        out.put("safetensors/shorter-than-length.safetensors", new byte[] {8, 0, 0, 0});
        out.put("safetensors/header-length-2pow63.safetensors", withLength(good, Long.MIN_VALUE));
        out.put("safetensors/header-length-1e12.safetensors", withLength(good, 1_000_000_000_000L));
        out.put("safetensors/header-past-end.safetensors", withLength(good, good.length));
        out.put("safetensors/truncated-data.safetensors", Arrays.copyOf(good, good.length - 100));
        out.put("safetensors/header-not-json.safetensors", file("{\"a\": {\"dtype\": ".getBytes(StandardCharsets.UTF_8), data));
        out.put("safetensors/header-not-utf8.safetensors", file(new byte[] {'{', '"', (byte) 0xc3, (byte) 0x28, '"', ':', '1', '}'}, data));
        out.put("safetensors/header-array.safetensors", file("[1, 2, 3]".getBytes(StandardCharsets.UTF_8), data));
        // a tensor name with a line break and a NUL, and a bad dtype: the message quotes the name on one line
        out.put("safetensors/header-newline-name.safetensors", changed(header, data, h -> {
            ObjectNode t = (ObjectNode) h.remove(first);
            h.set("evil\nname\u0000", t.put("dtype", "F32\n"));
        }));
        out.put("safetensors/offsets-past-data.safetensors", changed(header, data, h ->
                ((ObjectNode) h.get(first)).putArray("data_offsets").add(0).add(1L << 40)));
        out.put("safetensors/offsets-negative.safetensors", changed(header, data, h ->
                ((ObjectNode) h.get(first)).putArray("data_offsets").add(-256).add(0)));
        out.put("safetensors/offsets-reversed.safetensors", changed(header, data, h ->
                ((ObjectNode) h.get(first)).putArray("data_offsets").add(256).add(0)));
        out.put("safetensors/offsets-overlap.safetensors", changed(header, data, h -> h.properties().forEach(p -> {
            if (!p.getKey().startsWith("__")) {
                ((ObjectNode) p.getValue()).putArray("data_offsets").add(0).add(256);
            }
        })));
        out.put("safetensors/dtype-unknown.safetensors", changed(header, data, h -> ((ObjectNode) h.get(first)).put("dtype", "F8_E9")));
        out.put("safetensors/dtype-size-mismatch.safetensors", changed(header, data, h -> ((ObjectNode) h.get(first)).put("dtype", "F64")));
        out.put("safetensors/shape-mismatch.safetensors", changed(header, data, h ->
                ((ObjectNode) h.get(first)).putArray("shape").add(65)));
        out.put("safetensors/shape-overflow.safetensors", changed(header, data, h ->
                ((ObjectNode) h.get(first)).putArray("shape").add(1L << 40).add(1L << 40)));
        out.put("safetensors/shape-negative.safetensors", changed(header, data, h ->
                ((ObjectNode) h.get(first)).putArray("shape").add(-64)));
        out.put("safetensors/shape-float.safetensors", changed(header, data, h ->
                ((ObjectNode) h.get(first)).putArray("shape").add(64.5)));
        out.put("safetensors/metadata-not-string.safetensors", changed(header, data, h ->
                ((ObjectNode) h.get("__metadata__")).putArray("format").add(1)));
    }

    private static byte[] withLength(byte[] file, long length) {
        byte[] b = file.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
        return b;
    }

    private static byte[] file(byte[] header, byte[] data) {
        return ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(header.length).put(header).put(data).array();
    }

    private interface Change {
        void apply(ObjectNode header);
    }

    private static byte[] changed(ObjectNode header, byte[] data, Change change) throws IOException {
        ObjectNode h = header.deepCopy();
        change.apply(h);
        return file(JSON.writeValueAsBytes(h), data);
    }

    // ---- checkpoint/<case>/: files laid over a copy of the demo checkpoint, run through generate ----

    private static void checkpoints(Map<String, byte[]> out) throws IOException {
        ObjectNode config = (ObjectNode) JSON.readTree(DEMO.resolve("config.json").toFile());
        out.put("checkpoint/config-not-json/config.json", "{\"model_type\": \"paligemma\",".getBytes(StandardCharsets.UTF_8));
        out.put("checkpoint/config-model-type/config.json", json(with(config, c -> c.put("model_type", "llama"))));
        out.put("checkpoint/config-image-tokens-overflow/config.json", json(with(config, c ->
                ((ObjectNode) c.get("vision_config")).put("image_size", 1 << 20).put("patch_size", 1))));
        out.put("checkpoint/config-hidden-size/config.json", json(with(config, c -> {
            ((ObjectNode) c.get("text_config")).put("hidden_size", 128);
            c.put("projection_dim", 128);
        })));
        out.put("checkpoint/config-vocab-size/config.json", json(with(config, c ->
                ((ObjectNode) c.get("text_config")).put("vocab_size", 1000))));
        out.put("checkpoint/config-rope-theta/config.json", json(with(config, c ->
                ((ObjectNode) c.get("text_config")).put("rope_theta", -10000.0))));
        out.put("checkpoint/config-softcap-zero/config.json", json(with(config, c ->
                ((ObjectNode) c.get("text_config")).put("final_logit_softcapping", 0.0))));
        byte[] model = Files.readAllBytes(DEMO.resolve("tokenizer.model"));
        out.put("checkpoint/tokenizer-truncated/tokenizer.model", Arrays.copyOf(model, 1000));
        out.put("checkpoint/tokenizer-garbage/tokenizer.model", "not a sentencepiece model".getBytes(StandardCharsets.UTF_8));
        out.put("checkpoint/tokenizer-json-garbage/tokenizer.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": 7}}".getBytes(StandardCharsets.UTF_8));
        out.put("checkpoint/tokenizer-json-garbage/DELETE", "tokenizer.model\n".getBytes(StandardCharsets.UTF_8));
        out.put("checkpoint/tokenizer-config-array/tokenizer_config.json", "[1, 2, 3]".getBytes(StandardCharsets.UTF_8));
        out.put("checkpoint/preprocessor-size/preprocessor_config.json", json(with(
                (ObjectNode) JSON.readTree(DEMO.resolve("preprocessor_config.json").toFile()),
                p -> ((ObjectNode) p.get("size")).put("height", 112).put("width", 112))));
        out.put("checkpoint/preprocessor-not-json/preprocessor_config.json", "size: 224".getBytes(StandardCharsets.UTF_8));
        out.put("checkpoint/shard-index-escape/model.safetensors.index.json",
                "{\"weight_map\": {\"a\": \"../../../../etc/passwd\"}}".getBytes(StandardCharsets.UTF_8));
        // weights: a changed header over the demo's own data (model.safetensors.header.json, see README.md)
        byte[] demo = Files.readAllBytes(DEMO.resolve("model.safetensors"));
        long length = ByteBuffer.wrap(demo).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        ObjectNode header = (ObjectNode) JSON.readTree(new String(demo, 8, (int) length, StandardCharsets.UTF_8));
        String bias = "vision_tower.vision_model.embeddings.patch_embedding.bias"; // BF16 [96]
        out.put("checkpoint/weights-shape/model.safetensors.header.json", json(with(header, h ->
                ((ObjectNode) h.get(bias)).putArray("shape").add(48).add(2))));
        out.put("checkpoint/weights-dtype/model.safetensors.header.json", json(with(header, h ->
                ((ObjectNode) h.get(bias)).put("dtype", "I16"))));
        out.put("checkpoint/weights-missing-tensor/model.safetensors.header.json", json(with(header, h -> h.remove(bias))));
        out.put("checkpoint/weights-offsets/model.safetensors.header.json", json(with(header, h ->
                ((ObjectNode) h.get(bias)).putArray("data_offsets").add(112896).add(112896 + (1L << 32)))));
    }

    private static ObjectNode with(ObjectNode node, Change change) {
        ObjectNode copy = node.deepCopy();
        change.apply(copy);
        return copy;
    }

    private static byte[] json(JsonNode node) throws IOException {
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(node);
    }

    // ---- npz/: run as parse --seg-weights (read before the answer is parsed) ----

    private static void npz(Map<String, byte[]> out) throws IOException {
        byte[] npz = Files.readAllBytes(SEEDS.resolve("detect/NpyFuzzTestInputs/npz/stored.npz"));
        out.put("npz/not-a-zip.npz", "PK but not really".getBytes(StandardCharsets.US_ASCII));
        out.put("npz/truncated.npz", Arrays.copyOf(npz, npz.length / 2));
        out.put("npz/no-decoder-arrays.npz", npz); // a valid archive without the 25 decoder tensors
        byte[] codebook = Files.readAllBytes(SEEDS.resolve("detect/NpyFuzzTestInputs/npy/decoder.12.weight.npy"));
        out.put("npz/codebook-wrong-shape.npz", zip(Map.of("_vq_vae._embedding.npy", codebook), false));
        out.put("npz/codebook-wrong-dtype.npz", zip(Map.of("_vq_vae._embedding.npy", new String(codebook,
                StandardCharsets.ISO_8859_1).replace("'<f4'", "'<i4'").getBytes(StandardCharsets.ISO_8859_1)), false));
        out.put("npz/codebook-bad-header.npz", zip(Map.of("_vq_vae._embedding.npy", new String(codebook,
                StandardCharsets.ISO_8859_1).replace("'shape': (", "'shape': ((((").getBytes(StandardCharsets.ISO_8859_1)), false));
        // a version 2.0 header of 200,000 nested tuples (a recursive parser's stack overflow), deflated to 1 KB
        String deep = "{'descr': '<f4', 'fortran_order': False, 'shape': " + "(".repeat(200_000) + "}\n";
        ByteBuffer v2 = ByteBuffer.allocate(12 + deep.length()).order(ByteOrder.LITTLE_ENDIAN);
        v2.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0}).putInt(deep.length())
                .put(deep.getBytes(StandardCharsets.ISO_8859_1));
        out.put("npz/codebook-deep-nesting.npz", zip(Map.of("_vq_vae._embedding.npy", v2.array()), true));
        // 200 MB of zeros deflated to 200 KB: refused after 64 MiB, never held whole
        byte[] zeros = new byte[200 << 20];
        out.put("npz/zip-bomb.npz", zip(Map.of("_vq_vae._embedding.npy", zeros), true));
    }

    private static byte[] zip(Map<String, byte[]> entries, boolean deflate) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bytes)) {
            z.setLevel(9);
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry entry = new ZipEntry(e.getKey());
                entry.setTime(315532800000L);
                if (!deflate) {
                    entry.setMethod(ZipEntry.STORED);
                    CRC32 crc = new CRC32();
                    crc.update(e.getValue());
                    entry.setSize(e.getValue().length);
                    entry.setCrc(crc.getValue());
                }
                z.putNextEntry(entry);
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    // ---- answers/: model answers fed to parse on stdin; problems are reported, never thrown (exit 0) ----

    private static void answers(Map<String, byte[]> out) {
        out.put("answers/digits-overflow.txt", "<loc99999999999999999999999><loc0000><loc0500><loc0500> cat".getBytes(StandardCharsets.UTF_8));
        out.put("answers/truncated-group.txt", "<loc0100><loc0200><loc0300> cat ; <loc0010><loc0020>".getBytes(StandardCharsets.UTF_8));
        out.put("answers/seg-without-loc.txt", "<seg001><seg002><seg003> ; ; ; <loc1023><loc1023><loc0000><loc0000>".getBytes(StandardCharsets.UTF_8));
        out.put("answers/invalid-utf8.txt", concat("<loc0100><loc0200><loc0300><loc0400> ".getBytes(StandardCharsets.UTF_8),
                new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xc3, 0x28, 0, 10, 13, '<', 'l', 'o', 'c', '1', '2', '3', '4', '>'}));
        out.put("answers/100k-loc-tokens.txt", "<loc0001>".repeat(100_000).getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
