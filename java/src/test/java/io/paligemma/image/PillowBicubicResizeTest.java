package io.paligemma.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Pillow's bicubic beyond the fixtures (which pin it bit for bit on four pictures): hand-derived coefficients,
 * invariants, and agreement within one level with a plain float64 separable convolution written here.
 */
class PillowBicubicResizeTest {

    private static final double ONE = 1 << 22;

    private static int fixed(double k) {
        return (int) (k < 0 ? -0.5 + k * ONE : 0.5 + k * ONE);
    }

    @Test
    void downscaleByTwoCoefficients() {
        // 4 -> 2: support 2 * 2 = 4, output 0 centred at input 1.0, taps at (x + 0.5 - 1) / 2 = -0.25, 0.25, 0.75, 1.25
        // Keys a=-0.5: k(0.25) = 0.8671875, k(0.75) = 0.2265625, k(1.25) = -0.0703125 (exact binary fractions)
        PillowBicubicResize.Coefficients c = PillowBicubicResize.Coefficients.compute(4, 2);
        assertEquals(9, c.ksize());
        assertArrayEquals(new int[] {0, 0}, c.start());
        assertArrayEquals(new int[] {4, 4}, c.count());
        double sum = 0.8671875 * 2 + 0.2265625 - 0.0703125;
        int[] first = {fixed(0.8671875 / sum), fixed(0.8671875 / sum), fixed(0.2265625 / sum), fixed(-0.0703125 / sum)};
        for (int i = 0; i < 4; i++) {
            assertEquals(first[i], c.fixed()[i], "tap " + i);
            assertEquals(first[3 - i], c.fixed()[9 + i], "mirrored tap " + i);
        }
    }

    @Test
    void upscaleByTwoCoefficients() {
        // 2 -> 4: support stays 2, the window is cut to the 2 inputs. Output 0 is centred at 0.25: input 0 at
        // distance 0.25 (k = 0.8671875), input 1 at 1.25 (k = -0.0703125). Output 1 at 0.75: distances 0.25 and 0.75.
        PillowBicubicResize.Coefficients c = PillowBicubicResize.Coefficients.compute(2, 4);
        assertEquals(5, c.ksize());
        assertArrayEquals(new int[] {0, 0, 0, 0}, c.start());
        assertArrayEquals(new int[] {2, 2, 2, 2}, c.count());
        double sum0 = 0.8671875 - 0.0703125;
        assertEquals(fixed(0.8671875 / sum0), c.fixed()[0]);
        assertEquals(fixed(-0.0703125 / sum0), c.fixed()[1]);
        double sum1 = 0.8671875 + 0.2265625;
        assertEquals(fixed(0.8671875 / sum1), c.fixed()[5]);
        assertEquals(fixed(0.2265625 / sum1), c.fixed()[6]);
    }

    @Test
    void sameSizeIsAnIdenticalCopy() {
        RgbImage im = random(13, 7, 1);
        RgbImage same = ResizeMethod.BICUBIC_PIL.resize(im, 13, 7);
        assertArrayEquals(im.rgb(), same.rgb());
        assertNotSame(im.rgb(), same.rgb());
    }

    @Test
    void constantPicturesStayConstant() {
        for (int level : new int[] {0, 1, 127, 254, 255}) {
            byte[] rgb = new byte[37 * 23 * 3];
            java.util.Arrays.fill(rgb, (byte) level);
            RgbImage im = new RgbImage(37, 23, rgb);
            for (int[] size : new int[][] {{5, 3}, {56, 56}, {37, 100}, {200, 23}, {1, 1}}) {
                RgbImage out = ResizeMethod.BICUBIC_PIL.resize(im, size[0], size[1]);
                for (byte b : out.rgb()) {
                    assertEquals(level, b & 0xFF, "level " + level + " resized to " + size[0] + "x" + size[1]);
                }
            }
        }
    }

    @Test
    void withinOneLevelOfAFloat64Convolution() {
        int[][] cases = {{97, 71, 56, 56}, {41, 37, 56, 56}, {300, 20, 17, 45}, {5, 9, 64, 3}, {64, 80, 56, 56}};
        for (int[] c : cases) {
            RgbImage im = random(c[0], c[1], c[0] * 31 + c[1]);
            RgbImage got = ResizeMethod.BICUBIC_PIL.resize(im, c[2], c[3]);
            int[] ref = referenceResize(im, c[2], c[3]);
            int worst = 0;
            for (int i = 0; i < ref.length; i++) {
                worst = Math.max(worst, Math.abs(ref[i] - (got.rgb()[i] & 0xFF)));
            }
            assertTrue(worst <= 1, c[0] + "x" + c[1] + " -> " + c[2] + "x" + c[3] + ": off by " + worst);
        }
    }

    @Test
    void rejectsEmptyTargets() {
        RgbImage im = random(4, 4, 3);
        assertThrows(IllegalArgumentException.class, () -> ResizeMethod.BICUBIC_PIL.resize(im, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> ResizeMethod.BICUBIC_PIL.resize(im, 4, -1));
    }

    static RgbImage random(int w, int h, long seed) {
        byte[] rgb = new byte[w * h * 3];
        new Random(seed).nextBytes(rgb);
        return new RgbImage(w, h, rgb);
    }

    /** Separable Keys-cubic resampling in float64, rounding to 0..255 after each pass (horizontal first). */
    private static int[] referenceResize(RgbImage im, int outW, int outH) {
        double[][] wx = weights(im.width(), outW);
        double[][] wy = weights(im.height(), outH);
        int[] mid = new int[im.height() * outW * 3];
        for (int y = 0; y < im.height(); y++) {
            for (int x = 0; x < outW; x++) {
                for (int c = 0; c < 3; c++) {
                    double s = 0;
                    for (int i = 0; i < im.width(); i++) {
                        s += wx[x][i] * im.sample(i, y, c);
                    }
                    mid[(y * outW + x) * 3 + c] = round8(s);
                }
            }
        }
        int[] out = new int[outH * outW * 3];
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                for (int c = 0; c < 3; c++) {
                    double s = 0;
                    for (int j = 0; j < im.height(); j++) {
                        s += wy[y][j] * mid[(j * outW + x) * 3 + c];
                    }
                    out[(y * outW + x) * 3 + c] = round8(s);
                }
            }
        }
        return out;
    }

    private static int round8(double v) {
        return (int) Math.max(0, Math.min(255, Math.floor(v + 0.5)));
    }

    /** Dense [out][in] weights: cubic of (input centre - output centre) / max(1, in/out), normalised. */
    private static double[][] weights(int in, int out) {
        double scale = (double) in / out;
        double stretch = Math.max(1, scale);
        double[][] w = new double[out][in];
        for (int o = 0; o < out; o++) {
            double centre = (o + 0.5) * scale;
            double sum = 0;
            for (int i = 0; i < in; i++) {
                // Pillow only visits inputs whose index lies within the (rounded) support window
                double d = (i + 0.5 - centre) / stretch;
                if (i < (int) (centre - 2 * stretch + 0.5) || i >= (int) (centre + 2 * stretch + 0.5)) {
                    continue;
                }
                w[o][i] = cubic(Math.abs(d));
                sum += w[o][i];
            }
            for (int i = 0; i < in; i++) {
                w[o][i] /= sum;
            }
        }
        return w;
    }

    private static double cubic(double x) {
        double a = -0.5;
        if (x < 1) {
            return (a + 2) * x * x * x - (a + 3) * x * x + 1;
        }
        if (x < 2) {
            return a * x * x * x - 5 * a * x * x + 8 * a * x - 4 * a;
        }
        return 0;
    }
}
