package io.paligemma.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.detect.BinaryMask;
import io.paligemma.image.RgbImage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pictures from requests ({@link Media}) and masks as PNG data URIs. */
class MediaTest {
    @TempDir
    Path dir;

    private static String dataUri(BufferedImage img) throws Exception {
        var out = new java.io.ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(out.toByteArray());
    }

    @Test
    void dataUriDecodesToThePixels() throws Exception {
        BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        img.setRGB(2, 1, 0x123456);
        RgbImage rgb = new Media(null, 1 << 20, 1000).image(dataUri(img), "image");
        assertEquals(3, rgb.width());
        assertEquals(0x12, rgb.sample(2, 1, 0));
        assertEquals(0x34, rgb.sample(2, 1, 1));
        assertEquals(0x56, rgb.sample(2, 1, 2));
    }

    @Test
    void refusals() throws Exception {
        Media none = new Media(null, 1 << 20, 1000);
        assertTrue(assertThrows(ApiException.class, () -> none.image("data:text/plain;base64,aGk=", "image")).getMessage()
                .contains("not an image/* type"));
        assertTrue(assertThrows(ApiException.class, () -> none.image("data:image/png,rawbytes", "image")).getMessage()
                .contains("not base64"));
        assertTrue(assertThrows(ApiException.class, () -> none.image("file:///etc/hostname", "image")).getMessage()
                .contains("without --media-dir"));
        assertTrue(assertThrows(ApiException.class, () -> none.image("ftp://host/x.png", "image")).getMessage()
                .contains("fetches nothing"));
        // a symbolic link inside the media directory that points outside it is refused
        Path media = Files.createDirectories(dir.resolve("media"));
        Path outside = dir.resolve("outside.png");
        ImageIO.write(new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB), "png", outside.toFile());
        Files.createSymbolicLink(media.resolve("link.png"), outside);
        Media m = new Media(media, 1 << 20, 1000);
        assertTrue(assertThrows(ApiException.class, () -> m.image(media.resolve("link.png").toUri().toString(), "image"))
                .getMessage().contains("outside the media directory"));
        assertTrue(assertThrows(ApiException.class, () -> m.image("file://otherhost/x.png", "image")).getMessage()
                .contains("only local files"));
        Files.copy(outside, media.resolve("in.png"));
        assertEquals(2, m.image(media.resolve("in.png").toUri().toString(), "image").width());
        ApiException big = assertThrows(ApiException.class, () -> new Media(media, 1 << 20, 3).image(
                media.resolve("in.png").toUri().toString(), "image"));
        assertEquals("image_too_large", big.code);
    }

    @Test
    void maskPngIsOpaqueWhiteExactlyWhereTheMaskIsSet() throws Exception {
        byte[] bits = new byte[5 * 4];
        bits[0] = 1;
        bits[7] = 1;
        bits[19] = 1;
        BinaryMask mask = new BinaryMask(5, 4, bits);
        String uri = ObjectsEndpoint.png(mask);
        assertTrue(uri.startsWith("data:image/png;base64,"));
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(uri.substring(22))));
        assertEquals(5, img.getWidth());
        assertEquals(4, img.getHeight());
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 5; x++) {
                int argb = img.getRGB(x, y);
                assertEquals(mask.get(x, y) ? 0xFFFFFFFF : 0, mask.get(x, y) ? argb : argb >>> 24 << 24, x + "," + y);
            }
        }
    }
}
