package io.paligemma.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.safetensors.SafetensorsFile;
import io.paligemma.tensor.DType;
import io.paligemma.tensor.Tensor;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import io.paligemma.conformance.ArrayComparison;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MaskDecoderWeightsTest {

    static final Path SEGMENTATION = Path.of(System.getProperty("paligemma.fixtures", "java/src/test/resources/fixtures"))
            .resolve("segmentation");

    static final Path ST = SEGMENTATION.resolve("vae-oid-random.safetensors");
    static final Path NPZ = SEGMENTATION.resolve("vae-oid-random.npz");
    static final int[] CODES = {0, 127, 5, 64, 33, 127, 0, 98, 12, 77, 101, 3, 45, 127, 88, 0};

    @TempDir
    Path tmp;

    @Test
    void npzAndSafetensorsHoldTheSame25Tensors() throws IOException {
        try (SafetensorsFile st = SafetensorsFile.open(ST); NpzReader npz = NpzReader.open(NPZ)) {
            assertEquals(25, st.names().size());
            assertEquals(new java.util.TreeSet<>(st.names()), npz.names());
            long params = 0;
            for (String name : st.names()) {
                Tensor t = st.tensor(name);
                assertEquals(DType.F32, t.dtype());
                NpyArray a = npz.array(name);
                assertEquals("<f4", a.descr());
                assertArrayEquals(t.shape(), a.shape(), name);
                float[] fromNpz = a.toFloats(t.shape());
                float[] fromSt = VqVaeMaskDecoder.toFloats(t.data());
                assertTrue(ArrayComparison.identical(name, fromNpz, fromSt).passed(), name);
                params += fromNpz.length;
            }
            assertEquals(1_188_993, params);   // the README's parameter count
        }
    }

    @Test
    void deflatedNpzWithExtraKeysGivesIdenticalLogits() throws IOException {
        Path deflated = tmp.resolve("vae-oid-deflated.npz");
        try (NpzReader npz = NpzReader.open(NPZ);
             ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(deflated))) {
            zip.setMethod(ZipOutputStream.DEFLATED);
            for (String name : npz.names()) {
                try (var z = new java.util.zip.ZipFile(NPZ.toFile())) {
                    zip.putNextEntry(new ZipEntry(name + ".npy"));
                    zip.write(z.getInputStream(z.getEntry(name + ".npy")).readAllBytes());
                }
            }
            // An encoder tensor in a dtype the decoder cannot use: it must be ignored, not rejected.
            zip.putNextEntry(new ZipEntry("encoder.0.weight.npy"));
            zip.write(npy(1, "<f8", false, "(2,)", new byte[16]));
        }
        float[] want = VqVaeMaskDecoder.load(ST).logits64(CODES);
        float[] got = VqVaeMaskDecoder.load(deflated).logits64(CODES);
        assertTrue(ArrayComparison.identical("logits", got, want).passed());
    }

    @Test
    void badCodesAreRejected() throws IOException {
        VqVaeMaskDecoder d = VqVaeMaskDecoder.load(ST);
        assertThrows(IllegalArgumentException.class, () -> d.logits64(new int[15]));
        int[] c = CODES.clone();
        c[3] = 128;
        var e = assertThrows(IllegalArgumentException.class, () -> d.logits64(c));
        assertTrue(e.getMessage().contains("128"), e.getMessage());
    }

    @Test
    void missingWeightsSayWhereToGetThem() {
        Path nowhere = tmp.resolve("vae-oid.npz");
        FileNotFoundException e = assertThrows(FileNotFoundException.class, () -> VqVaeMaskDecoder.load(nowhere));
        String m = e.getMessage();
        assertTrue(m.contains(nowhere.toString()), m);
        assertTrue(m.contains("does not ship with PaliGemma checkpoints"), m);
        assertTrue(m.contains("--seg-weights"), m);
        assertTrue(m.contains("gs://big_vision/paligemma/vae-oid.npz"), m);
    }

    @Test
    void missingOrMisshapenTensorIsNamed() throws IOException {
        Path partial = tmp.resolve("partial.npz");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(partial))) {
            zip.putNextEntry(new ZipEntry("_vq_vae._embedding.npy"));
            zip.write(npy(1, "<f4", false, "(128, 512)", new byte[128 * 512 * 4]));
        }
        IOException e = assertThrows(IOException.class, () -> VqVaeMaskDecoder.load(partial));
        assertTrue(e.getMessage().contains("decoder.0.weight"), e.getMessage());

        Path wrong = tmp.resolve("wrong.npz");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(wrong))) {
            zip.putNextEntry(new ZipEntry("_vq_vae._embedding.npy"));
            zip.write(npy(1, "<f4", false, "(512, 128)", new byte[128 * 512 * 4]));
        }
        e = assertThrows(IOException.class, () -> VqVaeMaskDecoder.load(wrong));
        assertTrue(e.getMessage().contains("_vq_vae._embedding has shape [512, 128], expected [128, 512]"), e.getMessage());

        Path text = tmp.resolve("weights.npz");
        Files.writeString(text, "not a zip");
        assertThrows(IOException.class, () -> VqVaeMaskDecoder.load(text));
    }

    @Test
    void npyHeadersAreParsedAndUnsupportedOnesRejected() {
        byte[] data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f).array();
        NpyArray v1 = NpyReader.parse("a", npy(1, "<f4", false, "(2,)", data));
        assertArrayEquals(new float[] {1.5f, -2f}, v1.toFloats(2));
        NpyArray v2 = NpyReader.parse("b", npy(2, "<f4", false, "(1, 2)", data));
        assertArrayEquals(new long[] {1, 2}, v2.shape());
        assertArrayEquals(new float[] {1.5f, -2f}, v2.toFloats(1, 2));

        var bigEndian = assertThrows(IllegalArgumentException.class,
                () -> NpyReader.parse("c", npy(1, ">f4", false, "(2,)", data)).toFloats(2));
        assertTrue(bigEndian.getMessage().contains("'>f4'"), bigEndian.getMessage());
        var doubles = assertThrows(IllegalArgumentException.class,
                () -> NpyReader.parse("d", npy(1, "<f8", false, "(1,)", data)).toFloats(1));
        assertTrue(doubles.getMessage().contains("'<f8'"), doubles.getMessage());
        var fortran = assertThrows(IllegalArgumentException.class,
                () -> NpyReader.parse("e", npy(1, "<f4", true, "(2,)", data)).toFloats(2));
        assertTrue(fortran.getMessage().contains("fortran_order"), fortran.getMessage());
        var shortData = assertThrows(IllegalArgumentException.class,
                () -> NpyReader.parse("f", npy(1, "<f4", false, "(3,)", data)));
        assertTrue(shortData.getMessage().contains("8 data bytes"), shortData.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NpyReader.parse("g", "PK\3\4 not npy".getBytes(StandardCharsets.US_ASCII)));
    }

    /** A .npy file written by hand the way np.save lays it out (header padded with spaces to 64 bytes, then '\n'). */
    static byte[] npy(int major, String descr, boolean fortran, String shape, byte[] data) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape + ", }";
        int prefix = major == 1 ? 10 : 12;
        int total = (prefix + dict.length() + 1 + 63) / 64 * 64;
        String header = dict + " ".repeat(total - prefix - dict.length() - 1) + "\n";
        ByteBuffer b = ByteBuffer.allocate(total + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            b.putShort((short) header.length());
        } else {
            b.putInt(header.length());
        }
        b.put(header.getBytes(StandardCharsets.US_ASCII)).put(data);
        return b.array();
    }
}
