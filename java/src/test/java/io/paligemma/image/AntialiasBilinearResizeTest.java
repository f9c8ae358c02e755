package io.paligemma.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** big_vision's antialiased bilinear resize on cases small enough to work out by hand. */
class AntialiasBilinearResizeTest {

    /** A picture whose every row is {@code row} (all three channels equal). */
    private static RgbImage rows(int[] row, int height) {
        byte[] rgb = new byte[row.length * height * 3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < row.length; x++) {
                for (int c = 0; c < 3; c++) {
                    rgb[(y * row.length + x) * 3 + c] = (byte) row[x];
                }
            }
        }
        return new RgbImage(row.length, height, rgb);
    }

    private static RgbImage transpose(RgbImage im) {
        byte[] rgb = new byte[im.rgb().length];
        for (int y = 0; y < im.height(); y++) {
            for (int x = 0; x < im.width(); x++) {
                for (int c = 0; c < 3; c++) {
                    rgb[(x * im.height() + y) * 3 + c] = (byte) im.sample(x, y, c);
                }
            }
        }
        return new RgbImage(im.height(), im.width(), rgb);
    }

    private static int[] row(RgbImage im, int y) {
        int[] r = new int[im.width()];
        for (int x = 0; x < im.width(); x++) {
            r[x] = im.sample(x, y, 0);
            assertEquals(r[x], im.sample(x, y, 1));
            assertEquals(r[x], im.sample(x, y, 2));
        }
        return r;
    }

    @Test
    void downscaleStretchesTheTriangle() {
        // 4 -> 2: kernel stretched by 2. Output 0 samples at 1.0: inputs 0,1,2 at distances .5,.5,1.5 -> /2 ->
        // triangle weights .75,.75,.25 (sum 1.75): (7.5 + 15 + 7.5) / 1.75 = 17.14 -> 17.
        // Output 1 samples at 3.0: inputs 1,2,3 weights .25,.75,.75: (5 + 22.5 + 30) / 1.75 = 32.86 -> 32 (truncated).
        RgbImage out = ResizeMethod.BILINEAR_ANTIALIAS.resize(rows(new int[] {10, 20, 30, 40}, 3), 2, 3);
        for (int y = 0; y < 3; y++) {
            assertArrayEquals(new int[] {17, 32}, row(out, y));
        }
    }

    @Test
    void upscaleIsPlainBilinearWithHalfPixelCentres() {
        // 2 -> 4: samples at .25, .75, 1.25, 1.75; the edges clamp: 10, 0.75*10 + 0.25*20 = 12.5 -> 12, 17.5 -> 17, 20
        RgbImage out = ResizeMethod.BILINEAR_ANTIALIAS.resize(rows(new int[] {10, 20}, 2), 4, 2);
        for (int y = 0; y < 2; y++) {
            assertArrayEquals(new int[] {10, 12, 17, 20}, row(out, y));
        }
    }

    @Test
    void verticalPassMatchesTheHorizontalOne() {
        RgbImage down = ResizeMethod.BILINEAR_ANTIALIAS.resize(transpose(rows(new int[] {10, 20, 30, 40}, 3)), 3, 2);
        assertArrayEquals(new int[] {17, 32}, row(transpose(down), 0));
        RgbImage up = ResizeMethod.BILINEAR_ANTIALIAS.resize(transpose(rows(new int[] {10, 20}, 1)), 1, 4);
        assertArrayEquals(new int[] {10, 12, 17, 20}, row(transpose(up), 0));
    }

    @Test
    void sameSizeIsTheIdentity() {
        RgbImage im = PillowBicubicResizeTest.random(9, 5, 11);
        assertArrayEquals(im.rgb(), ResizeMethod.BILINEAR_ANTIALIAS.resize(im, 9, 5).rgb());
    }

    @Test
    void processorCanUseIt() {
        SiglipImageProcessor p = SiglipImageProcessor.defaults().withResizeMethod(ResizeMethod.BILINEAR_ANTIALIAS);
        RgbImage im = rows(new int[] {10, 20, 30, 40}, 2);
        RgbImage resized = p.resized(im);
        assertEquals(224, resized.width());
        assertEquals(224, resized.height());
        assertEquals(3 * 224 * 224, p.preprocess(im).length);
    }
}
