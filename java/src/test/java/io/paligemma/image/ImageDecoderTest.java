package io.paligemma.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decoding pictures written by ImageIO itself, with the result Pillow's {@code convert("RGB")} gives for each PNG
 * mode (rules checked against Pillow 9.4), and hostile inputs that must fail with a clear ImageException.
 */
class ImageDecoderTest {

    static final Path FIXTURES = SiglipImageProcessorFixtureTest.FIXTURES;

    @TempDir
    Path tmp;

    private final ImageDecoder decoder = new ImageDecoder();

    private Path write(BufferedImage image, String format, String name) throws Exception {
        Path file = tmp.resolve(name);
        assertTrue(ImageIO.write(image, format, file.toFile()), "ImageIO has a " + format + " writer for " + name);
        return file;
    }

    private static BufferedImage custom(ColorModel cm, int w, int h) {
        WritableRaster raster = cm.createCompatibleWritableRaster(w, h);
        return new BufferedImage(cm, raster, false, null);
    }

    private static void assertPixel(RgbImage im, int x, int y, int r, int g, int b) {
        int[] actual = {im.sample(x, y, 0), im.sample(x, y, 1), im.sample(x, y, 2)};
        assertArrayEquals(new int[] {r, g, b}, actual, "pixel (" + x + ", " + y + ")");
    }

    @Test
    void fixturePicturesHaveTheirSizes() throws Exception {
        assertEquals(97, decoder.read(FIXTURES.resolve("paligemma-tiny/image.png")).width());
        assertEquals(71, decoder.read(FIXTURES.resolve("paligemma-tiny/image.png")).height());
        RgbImage im2 = decoder.read(FIXTURES.resolve("paligemma2-tiny/image2.png"));
        assertEquals(90, im2.width());
        assertEquals(60, im2.height());
    }

    /** Issue #14: a PNG whose IHDR checksum is wrong was decoded; Pillow refuses it, and so must we. */
    @Test
    void pngWithACorruptHeaderChecksumIsRefused() throws Exception {
        byte[] png = java.nio.file.Files.readAllBytes(FIXTURES.resolve("paligemma-tiny/image.png"));
        assertEquals(97, decoder.read(png, "intact.png").width());
        byte[] bad = png.clone();
        bad[31] ^= 0x55; // a byte of the IHDR CRC
        ImageException e = assertThrows(ImageException.class, () -> decoder.read(bad, "bad-crc.png"));
        assertTrue(e.getMessage().contains("IHDR") && e.getMessage().contains("bad-crc.png"), e.getMessage());
        byte[] badWidth = png.clone();
        badWidth[19] ^= 0x01; // the width, under an unchanged CRC
        assertThrows(ImageException.class, () -> decoder.read(badWidth, "bad-width.png"));
        assertThrows(ImageException.class, () -> decoder.read(java.util.Arrays.copyOf(png, 20), "short.png"));
    }

    @Test
    void eightBitGrayIsReplicatedWithoutGammaConversion() throws Exception {
        BufferedImage gray = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < 256; i++) {
            gray.getRaster().setSample(i % 16, i / 16, 0, i);
        }
        RgbImage im = decoder.read(write(gray, "png", "gray8.png"));
        for (int i = 0; i < 256; i++) {
            assertPixel(im, i % 16, i / 16, i, i, i);
        }
    }

    @Test
    void sixteenBitGrayClipsAt255AsPillowsModeI() throws Exception {
        BufferedImage gray = new BufferedImage(5, 1, BufferedImage.TYPE_USHORT_GRAY);
        int[] values = {0, 100, 255, 256, 65535};
        for (int x = 0; x < values.length; x++) {
            gray.getRaster().setSample(x, 0, 0, values[x]);
        }
        RgbImage im = decoder.read(write(gray, "png", "gray16.png"));
        int[] expected = {0, 100, 255, 255, 255};
        for (int x = 0; x < values.length; x++) {
            assertPixel(im, x, 0, expected[x], expected[x], expected[x]);
        }
    }

    @Test
    void sixteenBitGrayWithAlphaKeepsTheHighByte() throws Exception {
        ColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY), new int[] {16, 16}, true,
                false, Transparency.TRANSLUCENT, DataBuffer.TYPE_USHORT);
        BufferedImage la = custom(cm, 3, 1);
        int[] values = {0x00FF, 0x1234, 0xFFFF};
        for (int x = 0; x < 3; x++) {
            la.getRaster().setSample(x, 0, 0, values[x]);
            la.getRaster().setSample(x, 0, 1, x * 30000);
        }
        RgbImage im = decoder.read(write(la, "png", "la16.png"));
        assertPixel(im, 0, 0, 0x00, 0x00, 0x00);
        assertPixel(im, 1, 0, 0x12, 0x12, 0x12);
        assertPixel(im, 2, 0, 0xFF, 0xFF, 0xFF);
    }

    @Test
    void sixteenBitRgbKeepsTheHighByte() throws Exception {
        ColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), new int[] {16, 16, 16},
                false, false, Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        BufferedImage rgb = custom(cm, 2, 1);
        rgb.getRaster().setPixel(0, 0, new int[] {0xABCD, 0x00FF, 0xFF00});
        rgb.getRaster().setPixel(1, 0, new int[] {0x0100, 0x7FFF, 0x8000});
        RgbImage im = decoder.read(write(rgb, "png", "rgb16.png"));
        assertPixel(im, 0, 0, 0xAB, 0x00, 0xFF);
        assertPixel(im, 1, 0, 0x01, 0x7F, 0x80);
    }

    @Test
    void alphaIsDroppedNotComposited() throws Exception {
        BufferedImage rgba = new BufferedImage(3, 1, BufferedImage.TYPE_4BYTE_ABGR);
        rgba.getRaster().setPixel(0, 0, new int[] {200, 100, 50, 0});
        rgba.getRaster().setPixel(1, 0, new int[] {10, 20, 30, 128});
        rgba.getRaster().setPixel(2, 0, new int[] {255, 255, 255, 255});
        RgbImage im = decoder.read(write(rgba, "png", "rgba.png"));
        assertPixel(im, 0, 0, 200, 100, 50);
        assertPixel(im, 1, 0, 10, 20, 30);
        assertPixel(im, 2, 0, 255, 255, 255);
    }

    @Test
    void paletteIsExpandedAndItsTransparencyIgnored() throws Exception {
        byte[] r = {0, (byte) 255, 12, (byte) 200};
        byte[] g = {0, 0, (byte) 250, 100};
        byte[] b = {0, 0, 7, 50};
        byte[] a = {(byte) 255, 0, (byte) 255, 77};
        IndexColorModel icm = new IndexColorModel(8, 4, r, g, b, a);
        BufferedImage p = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_INDEXED, icm);
        for (int x = 0; x < 4; x++) {
            p.getRaster().setSample(x, 0, 0, 3 - x);
        }
        RgbImage im = decoder.read(write(p, "png", "palette.png"));
        for (int x = 0; x < 4; x++) {
            int i = 3 - x;
            assertPixel(im, x, 0, r[i] & 0xFF, g[i] & 0xFF, b[i] & 0xFF);
        }
    }

    @Test
    void lowBitDepthGrayIsScaledAsPillow() throws Exception {
        // a gray-ramp palette is written as a 2-bit grayscale PNG; Pillow's L;2 gives v * 85
        byte[] ramp = {0, 85, (byte) 170, (byte) 255};
        BufferedImage g2 = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_BINARY,
                new IndexColorModel(2, 4, ramp, ramp, ramp));
        BufferedImage bw = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_BINARY);
        for (int x = 0; x < 4; x++) {
            g2.getRaster().setSample(x, 0, 0, x);
        }
        bw.getRaster().setSample(1, 0, 0, 1);
        RgbImage im2 = decoder.read(write(g2, "png", "gray2.png"));
        for (int x = 0; x < 4; x++) {
            assertPixel(im2, x, 0, x * 85, x * 85, x * 85);
        }
        RgbImage im1 = decoder.read(write(bw, "png", "bw.png"));
        assertPixel(im1, 0, 0, 0, 0, 0);
        assertPixel(im1, 1, 0, 255, 255, 255);
    }

    private static BufferedImage blocks() {
        BufferedImage im = new BufferedImage(48, 32, BufferedImage.TYPE_3BYTE_BGR);
        int[][] colors = {{200, 40, 30}, {20, 180, 60}, {40, 70, 210}, {240, 240, 240}, {10, 10, 10}, {128, 128, 0}};
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 48; x++) {
                im.getRaster().setPixel(x, y, colors[(y / 16) * 3 + x / 16]);
            }
        }
        return im;
    }

    @Test
    void bmpAndGifWrittenByImageIoDecodeExactly() throws Exception {
        BufferedImage src = blocks();
        RgbImage bmp = decoder.read(write(src, "bmp", "blocks.bmp"));
        BufferedImage indexed = new BufferedImage(48, 32, BufferedImage.TYPE_BYTE_INDEXED);
        indexed.getGraphics().drawImage(src, 0, 0, null);
        RgbImage gif = decoder.read(write(indexed, "gif", "blocks.gif"));
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 48; x++) {
                int[] p = src.getRaster().getPixel(x, y, (int[]) null);
                assertPixel(bmp, x, y, p[0], p[1], p[2]);
                int argb = indexed.getRGB(x, y);
                assertPixel(gif, x, y, (argb >> 16) & 0xFF, (argb >> 8) & 0xFF, argb & 0xFF);
            }
        }
    }

    @Test
    void jpegWrittenByImageIoDecodes() throws Exception {
        BufferedImage src = blocks();
        RgbImage jpg = decoder.read(write(src, "jpg", "blocks.jpg"));
        assertEquals(48, jpg.width());
        assertEquals(32, jpg.height());
        // lossy: compare block interiors (away from the 8x8-block and chroma edges) with a tolerance
        for (int y = 4; y < 32; y += 16) {
            for (int x = 4; x < 48; x += 16) {
                int[] p = src.getRaster().getPixel(x + 4, y + 4, (int[]) null);
                for (int c = 0; c < 3; c++) {
                    int got = jpg.sample(x + 4, y + 4, c);
                    assertTrue(Math.abs(got - p[c]) <= 8, "block (" + x + "," + y + ") channel " + c + ": " + got
                            + " vs " + p[c]);
                }
            }
        }
        BufferedImage gray = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                gray.getRaster().setSample(x, y, 0, 90);
            }
        }
        RgbImage g = decoder.read(write(gray, "jpg", "gray.jpg"));
        assertPixel(g, 8, 8, 90, 90, 90);
    }

    @Test
    void bytesAndFileGiveTheSamePixels() throws Exception {
        Path file = FIXTURES.resolve("paligemma2-tiny/image.png");
        assertArrayEquals(decoder.read(file).rgb(), decoder.read(Files.readAllBytes(file), "image.png").rgb());
    }

    // ---- hostile inputs ----

    private ImageException fails(Path file) {
        ImageException e = assertThrows(ImageException.class, () -> decoder.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()), "message names the file: " + e.getMessage());
        return e;
    }

    @Test
    void emptyFile() throws Exception {
        Path f = Files.write(tmp.resolve("empty.png"), new byte[0]);
        assertTrue(fails(f).getMessage().contains("empty"));
        assertThrows(ImageException.class, () -> decoder.read(new byte[0], "nothing"));
    }

    @Test
    void missingFileAndDirectory() {
        assertTrue(fails(tmp.resolve("absent.png")).getMessage().contains("no such file"));
        assertTrue(fails(tmp).getMessage().contains("directory"));
    }

    @Test
    void garbageAndTextAreNotImages() throws Exception {
        byte[] garbage = new byte[1000];
        new Random(7).nextBytes(garbage);
        garbage[0] = 0x13; // not the first byte of any supported signature
        assertTrue(fails(Files.write(tmp.resolve("garbage.png"), garbage)).getMessage().contains("not an image"));
        Path text = Files.writeString(tmp.resolve("notes.jpg"), "this is not a picture\n");
        assertTrue(fails(text).getMessage().contains("not an image"));
    }

    @Test
    void truncatedPngFails() throws Exception {
        byte[] png = Files.readAllBytes(FIXTURES.resolve("paligemma-tiny/image.png"));
        for (int length : new int[] {8, 20, 40, png.length / 2, png.length - 40}) {
            fails(Files.write(tmp.resolve("cut" + length + ".png"), Arrays.copyOf(png, length)));
        }
    }

    @Test
    void corruptPngDataFails() throws Exception {
        byte[] png = Files.readAllBytes(FIXTURES.resolve("paligemma-tiny/image.png"));
        int idat = indexOf(png, "IDAT".getBytes());
        byte[] bad = png.clone();
        for (int i = idat + 10; i < idat + 60; i++) {
            bad[i] ^= (byte) 0x5A;
        }
        fails(Files.write(tmp.resolve("corrupt.png"), bad));
    }

    @Test
    void truncatedJpegFails() throws Exception {
        byte[] jpg = Files.readAllBytes(write(blocks(), "jpg", "whole.jpg"));
        // Pillow refuses all of these, even the one missing only its 2-byte EOI marker
        for (int length : new int[] {2, 100, jpg.length / 2, jpg.length - 2}) {
            fails(Files.write(tmp.resolve("cut" + length + ".jpg"), Arrays.copyOf(jpg, length)));
        }
    }

    @Test
    void decompressionBombIsRefusedFromTheHeader() throws Exception {
        Path bomb = Files.write(tmp.resolve("bomb.png"), pngClaiming(100_000, 100_000));
        ImageException e = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> fails(bomb));
        assertTrue(e.getMessage().contains("100000x100000"), e.getMessage());
        assertTrue(e.getMessage().contains("exceeds the limit of " + ImageDecoder.DEFAULT_MAX_PIXELS), e.getMessage());
    }

    @Test
    void pixelLimitIsConfigurable() throws Exception {
        Path file = FIXTURES.resolve("paligemma-tiny/image.png"); // 97 x 71 = 6887 pixels
        ImageException e = assertThrows(ImageException.class, () -> new ImageDecoder(6886).read(file));
        assertTrue(e.getMessage().contains("6887 pixels"), e.getMessage());
        assertEquals(97, new ImageDecoder(6887).read(file).width());
        assertThrows(IllegalArgumentException.class, () -> new ImageDecoder(0));
    }

    /** A well-formed PNG header for an RGB image of the given size, followed by a tiny IDAT and IEND. */
    private static byte[] pngClaiming(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 2)
                .put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        Deflater deflater = new Deflater();
        deflater.setInput(new byte[64]);
        deflater.finish();
        byte[] z = new byte[128];
        int n = deflater.deflate(z);
        chunk(out, "IDAT", Arrays.copyOf(z, n));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        CRC32 crc = new CRC32();
        crc.update(type.getBytes());
        crc.update(data);
        out.writeBytes(type.getBytes());
        out.writeBytes(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
