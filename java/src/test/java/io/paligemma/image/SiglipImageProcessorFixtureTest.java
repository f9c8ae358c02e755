package io.paligemma.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.paligemma.safetensors.SafetensorsFile;
import io.paligemma.tensor.DType;
import io.paligemma.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Image → pixel_values against the reference tensors transformers computed for every fixture case. */
class SiglipImageProcessorFixtureTest {

    static final Path FIXTURES = Path.of(System.getProperty("paligemma.fixtures", "java/src/test/resources/fixtures"));

    private static final ValueLayout.OfFloat F32_LE =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static byte[] u8(SafetensorsFile f, String name, long... shape) {
        Tensor t = f.tensor(name).expectShape(shape);
        assertEquals(DType.U8, t.dtype(), name);
        return t.data().toArray(ValueLayout.JAVA_BYTE);
    }

    static float[] f32(SafetensorsFile f, String name, long... shape) {
        Tensor t = f.tensor(name).expectShape(shape);
        assertEquals(DType.F32, t.dtype(), name);
        return t.data().toArray(F32_LE);
    }

    /** Bit-for-bit float comparison that reports the first differing element. */
    static void assertBitsEqual(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                throw new AssertionError(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"paligemma-tiny", "paligemma2-tiny", "paligemma-tiny-bf16"})
    void imageIsResizedByteIdenticalAndPixelValuesAreExact(String model) throws Exception {
        Path dir = FIXTURES.resolve(model);
        SiglipImageProcessor processor = SiglipImageProcessor.fromPretrained(dir.resolve("checkpoint"));
        assertEquals(56, processor.height());
        assertEquals(56, processor.width());
        RgbImage image = new ImageDecoder().read(dir.resolve("image.png"));
        try (SafetensorsFile expected = SafetensorsFile.open(dir.resolve("expected.safetensors"))) {
            byte[] resizedU8 = u8(expected, "image_resized_u8", 56, 56, 3);
            float[] pixelValues = f32(expected, "pixel_values", 1, 3, 56, 56);

            RgbImage resized = processor.resized(image);
            assertEquals(56, resized.width());
            assertEquals(56, resized.height());
            assertArrayEquals(resizedU8, resized.rgb(), model + ": image_resized_u8");

            assertBitsEqual(pixelValues, processor.preprocess(image), model + ": pixel_values from image.png");
            // rescale + normalise alone, from the reference uint8 picture (a same-size resize is the identity)
            assertBitsEqual(pixelValues, processor.preprocess(new RgbImage(56, 56, resizedU8)),
                    model + ": pixel_values from image_resized_u8");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"paligemma-tiny", "paligemma2-tiny", "paligemma-tiny-bf16"})
    void batchOfBothImagesIsExact(String model) throws Exception {
        Path dir = FIXTURES.resolve(model);
        SiglipImageProcessor processor = SiglipImageProcessor.fromPretrained(dir.resolve("checkpoint"));
        ImageDecoder decoder = new ImageDecoder();
        RgbImage image = decoder.read(dir.resolve("image.png"));
        RgbImage image2 = decoder.read(dir.resolve("image2.png"));
        try (SafetensorsFile expected = SafetensorsFile.open(dir.resolve("expected.safetensors"))) {
            float[] batch = f32(expected, "batch_pixel_values", 2, 3, 56, 56);
            // uint8 -> pixel value is one-to-one (checked below), so an exact row 1 means image2's resize is exact too
            assertBitsEqual(batch, processor.preprocess(List.of(image, image2)), model + ": batch_pixel_values");

            try (Arena arena = Arena.ofConfined()) {
                long per = processor.outputBytes(image);
                assertEquals(3L * 56 * 56 * Float.BYTES, per);
                MemorySegment ws = arena.allocate(16 + 2 * per);
                assertEquals(per, processor.preprocess(image, ws, 16));
                assertEquals(per, processor.preprocess(image2, ws, 16 + per));
                assertBitsEqual(batch, ws.asSlice(16).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED),
                        model + ": batch written into a segment");
            }
        }
    }

    @Test
    void pixelValueOfEachLevelIsDistinct() throws Exception {
        SiglipImageProcessor processor =
                SiglipImageProcessor.fromPretrained(FIXTURES.resolve("paligemma-tiny/checkpoint"));
        // a 56x56 picture (the target size, so the resize is the identity) whose pixel p has level p % 256
        byte[] levels = new byte[56 * 56 * 3];
        for (int p = 0; p < 56 * 56; p++) {
            levels[3 * p] = (byte) p;
            levels[3 * p + 1] = (byte) (255 - p);
            levels[3 * p + 2] = (byte) (p * 7);
        }
        float[] values = processor.preprocess(new RgbImage(56, 56, levels));
        int plane = 56 * 56;
        Set<Float> seen = new HashSet<>();
        for (int p = 0; p < plane; p++) {
            for (int c = 0; c < 3; c++) {
                int v = levels[3 * p + c] & 0xFF;
                // an independent float64 evaluation of 2 * v/255 - 1 agrees to float32 rounding
                assertEquals(2.0 * v / 255.0 - 1.0, values[c * plane + p], 1.2e-7, "level " + v);
            }
            if (p < 256) {
                seen.add(values[p]);
            }
        }
        assertEquals(256, seen.size());
    }

    @Test
    void segmentOutputIsBoundsChecked() throws Exception {
        SiglipImageProcessor processor =
                SiglipImageProcessor.fromPretrained(FIXTURES.resolve("paligemma-tiny/checkpoint"));
        RgbImage image = new ImageDecoder().read(FIXTURES.resolve("paligemma-tiny/image.png"));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment small = arena.allocate(3L * 56 * 56 * Float.BYTES);
            assertThrows(IndexOutOfBoundsException.class, () -> processor.preprocess(image, small, 4));
            assertThrows(IndexOutOfBoundsException.class, () -> processor.preprocess(image, small, -1));
            assertEquals(small.byteSize(), processor.preprocess(image, small, 0));
        }
    }
}
