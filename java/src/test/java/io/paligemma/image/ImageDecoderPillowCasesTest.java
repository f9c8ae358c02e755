package io.paligemma.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Files ImageIO cannot write (CMYK and ICC-tagged JPEGs, progressive JPEG, 16-bit gray PNG, WebP), decoded and
 * compared with what Pillow's {@code Image.open(f).convert("RGB")} produced for them (resources/image-decoding,
 * made by make_cases.py there).
 */
class ImageDecoderPillowCasesTest {

    private static Path dir() throws URISyntaxException {
        return Path.of(ImageDecoderPillowCasesTest.class.getResource("/image-decoding/cases.json").toURI()).getParent();
    }

    private static JsonNode manifest() throws Exception {
        return new ObjectMapper().readTree(Files.readAllBytes(dir().resolve("cases.json")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"cmyk.jpg", "icc_linear_rgb.jpg", "progressive.jpg", "gray16.png",
            "palette_transparency.png", "lossless.webp"})
    void decodesExactlyAsPillow(String name) throws Exception {
        JsonNode info = manifest().get(name);
        RgbImage im = new ImageDecoder().read(dir().resolve(name));
        assertEquals(info.get("width").intValue(), im.width(), name);
        assertEquals(info.get("height").intValue(), im.height(), name);
        assertArrayEquals(Files.readAllBytes(dir().resolve(name + ".rgb")), im.rgb(), name + " (Pillow mode "
                + info.get("mode").asText() + ")");
    }

    /**
     * Known gap: TwelveMonkeys' VP8 decoder upsamples chroma differently from libwebp's "fancy" upsampler, so lossy
     * WebP is not bit-exact. Luma agrees closely; the colours differ at chroma edges.
     */
    @Test
    void lossyWebpIsCloseToPillow() throws Exception {
        RgbImage im = new ImageDecoder().read(dir().resolve("lossy.webp"));
        byte[] expected = Files.readAllBytes(dir().resolve("lossy.webp.rgb"));
        assertEquals(expected.length, im.rgb().length);
        double lumaDiff = 0;
        for (int p = 0; p < expected.length / 3; p++) {
            double e = 0.299 * (expected[3 * p] & 0xFF) + 0.587 * (expected[3 * p + 1] & 0xFF)
                    + 0.114 * (expected[3 * p + 2] & 0xFF);
            double a = 0.299 * im.sample(p % im.width(), p / im.width(), 0)
                    + 0.587 * im.sample(p % im.width(), p / im.width(), 1)
                    + 0.114 * im.sample(p % im.width(), p / im.width(), 2);
            lumaDiff += Math.abs(e - a);
        }
        lumaDiff /= expected.length / 3.0;
        assertTrue(lumaDiff < 1.5, "mean luma difference " + lumaDiff);
    }
}
