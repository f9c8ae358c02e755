package io.paligemma.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** preprocessor_config.json handling: transformers' defaults, the optional steps, and clear errors. */
class SiglipImageProcessorConfigTest {

    @TempDir
    Path tmp;

    private static SiglipImageProcessor parse(String json) throws IOException {
        return SiglipImageProcessor.fromJson(new ObjectMapper().readTree(json), "test.json");
    }

    private static IllegalArgumentException rejects(String json) {
        return assertThrows(IllegalArgumentException.class, () -> parse(json));
    }

    /** 2x1 picture: pixel 0 = (0, 128, 255), pixel 1 = (1, 2, 3). */
    private static RgbImage tiny() {
        return new RgbImage(2, 1, new byte[] {0, (byte) 128, (byte) 255, 1, 2, 3});
    }

    @Test
    void missingKeysAndNullSizeMeanStdTakeTransformersDefaults() throws Exception {
        for (String json : new String[] {"{}", "{\"size\": null, \"image_mean\": null, \"image_std\": null, "
                + "\"do_convert_rgb\": null}"}) {
            SiglipImageProcessor p = parse(json);
            assertEquals(224, p.height());
            assertEquals(224, p.width());
            assertTrue(p.doResize());
            assertEquals(ResizeMethod.BICUBIC_PIL, p.resizeMethod());
            float[] v = p.preprocess(new RgbImage(224, 224, new byte[224 * 224 * 3]));
            assertEquals(-1.0f, v[0]);
        }
    }

    @Test
    void nullFlagsAreFalsyAsNoneInTransformers() throws Exception {
        SiglipImageProcessor p = parse("{\"do_resize\": null, \"do_rescale\": null, \"do_normalize\": null}");
        RgbImage im = tiny();
        assertEquals(im, p.resized(im));
        float[] v = p.preprocess(im);
        assertEquals(255f, v[4]);
        assertTrue(rejects("{\"resample\": null}").getMessage().contains("resample"));
        assertTrue(rejects("{\"rescale_factor\": null}").getMessage().contains("rescale_factor"));
        assertEquals(3f, parse("{\"do_resize\": false, \"do_rescale\": false, \"rescale_factor\": null, "
                + "\"do_normalize\": false}").preprocess(im)[5]);
    }

    @Test
    void fixtureConfigIsRead() throws Exception {
        SiglipImageProcessor p = SiglipImageProcessor.fromPretrained(
                SiglipImageProcessorFixtureTest.FIXTURES.resolve("paligemma2-tiny/checkpoint"));
        assertEquals(56, p.height());
        assertEquals(56, p.width());
    }

    @Test
    void withoutResizeThePictureKeepsItsSize() throws Exception {
        SiglipImageProcessor p = parse("{\"do_resize\": false}");
        RgbImage im = tiny();
        assertEquals(im, p.resized(im));
        float[] v = p.preprocess(im);
        assertEquals(6, v.length);
        assertEquals(6L * Float.BYTES, p.outputBytes(im));
        // channels first: R plane (0, 1), G plane (128, 2), B plane (255, 3), each (x / 255 - 0.5) / 0.5
        int[] levels = {0, 1, 128, 2, 255, 3};
        for (int i = 0; i < 6; i++) {
            assertEquals(2.0 * levels[i] / 255.0 - 1.0, v[i], 1.2e-7);
        }
    }

    @Test
    void customMeanStdAndOptionalSteps() throws Exception {
        RgbImage im = tiny();
        int[] levels = {0, 1, 128, 2, 255, 3};
        float[] mean = {0.48145466f, 0.4578275f, 0.40821073f};
        float[] std = {0.26862954f, 0.26130258f, 0.27577711f};
        float[] clip = parse("{\"do_resize\": false, \"image_mean\": [0.48145466, 0.4578275, 0.40821073], "
                + "\"image_std\": [0.26862954, 0.26130258, 0.27577711]}").preprocess(im);
        float[] noRescale = parse("{\"do_resize\": false, \"do_rescale\": false, \"image_mean\": 100, "
                + "\"image_std\": 2}").preprocess(im);
        float[] noNormalize = parse("{\"do_resize\": false, \"do_normalize\": false, \"rescale_factor\": 0.5}")
                .preprocess(im);
        float[] neither = parse("{\"do_resize\": false, \"do_normalize\": false, \"do_rescale\": false}")
                .preprocess(im);
        for (int i = 0; i < 6; i++) {
            int c = i / 2;
            double x = levels[i] / 255.0;
            assertEquals((x - mean[c]) / std[c], clip[i], 1e-6, "clip-style " + i);
            assertEquals((levels[i] - 100) / 2.0f, noRescale[i], "uint8 normalised " + i);
            assertEquals(levels[i] * 0.5f, noNormalize[i], "rescaled only " + i);
            assertEquals(levels[i], neither[i], "raw " + i);
        }
    }

    @Test
    void badValuesAreNamed() {
        assertTrue(rejects("{\"resample\": 2}").getMessage().contains("resample"));
        assertTrue(rejects("{\"size\": {\"shortest_edge\": 224}}").getMessage().contains("size"));
        assertTrue(rejects("{\"size\": {\"height\": 0, \"width\": 5}}").getMessage().contains("size.height"));
        assertTrue(rejects("{\"size\": {\"height\": 5, \"width\": 2.5}}").getMessage().contains("size.width"));
        assertTrue(rejects("{\"image_mean\": [0.5, 0.5]}").getMessage().contains("image_mean"));
        assertTrue(rejects("{\"image_std\": [0.5, 0, 0.5]}").getMessage().contains("image_std"));
        assertTrue(rejects("{\"do_resize\": \"yes\"}").getMessage().contains("do_resize"));
        assertTrue(rejects("{\"rescale_factor\": \"1/255\"}").getMessage().contains("rescale_factor"));
        assertTrue(rejects("{\"image_processor_type\": \"CLIPImageProcessor\"}").getMessage()
                .contains("image_processor_type"));
    }

    @Test
    void unreadableFilesAreNamed() throws Exception {
        IOException missing = assertThrows(IOException.class, () -> SiglipImageProcessor.fromPretrained(tmp));
        assertTrue(missing.getMessage().contains("preprocessor_config.json"), missing.getMessage());
        Path broken = Files.writeString(tmp.resolve("broken.json"), "{\"do_resize\": tru");
        IOException invalid = assertThrows(IOException.class, () -> SiglipImageProcessor.fromConfigFile(broken));
        assertTrue(invalid.getMessage().startsWith(broken.toString()), invalid.getMessage());
        Path list = Files.writeString(tmp.resolve("list.json"), "[1, 2]");
        assertThrows(IOException.class, () -> SiglipImageProcessor.fromConfigFile(list));
    }
}
