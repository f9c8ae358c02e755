package io.paligemma.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * Turns a decoded BufferedImage into 8-bit RGB the way Pillow's {@code convert("RGB")} treats the mode Pillow
 * would have opened the file in. Samples are taken raw from the raster: Pillow applies no ICC profile and
 * no gamma, and {@code BufferedImage.getRGB} would (a gray ColorModel is linear in Java).
 *
 * <ul>
 *   <li>palette (P, 1-bit, GIF, BMP): palette lookup; transparency ignored.</li>
 *   <li>gray (L): replicated to R, G, B. 16-bit gray PNG opens as mode "I" and I→RGB clips at 255
 *       (values above 255 become white, nothing is scaled); 16-bit gray+alpha opens as "RGBA" from the
 *       high bytes ("LA;16B").</li>
 *   <li>RGB / RGBA: alpha dropped, not composited; 16-bit channels keep the high byte ("RGB;16B").</li>
 *   <li>packed BMP channels narrower than 8 bits: {@code v * 255 / (2^bits - 1)} as Pillow's BGR;15/16 unpackers.</li>
 *   <li>CMYK JPEG: Pillow reads every CMYK JPEG as inverted ("CMYK;I", the Adobe convention) and converts
 *       with {@code nk = 255 - k; r = nk - muldiv255(c, nk)}.</li>
 * </ul>
 * Any other colour space falls back to Java's conversion to sRGB (no Pillow equivalent to match).
 */
final class PilRgbConversion {

    private PilRgbConversion() {
    }

    static RgbImage toRgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        int csType = cm.getColorSpace().getType();
        if (cm instanceof IndexColorModel icm) {
            fromPalette(raster, icm, out);
        } else if (csType == ColorSpace.TYPE_GRAY && cm.getNumColorComponents() == 1) {
            fromGray(raster, cm, out);
        } else if (csType == ColorSpace.TYPE_RGB && cm.getNumColorComponents() == 3) {
            fromRgb(raster, cm, out);
        } else if (csType == ColorSpace.TYPE_CMYK && cm.getNumComponents() == 4 && cm.getComponentSize(0) == 8) {
            fromInvertedCmyk(raster, out);
        } else {
            fromJavaSrgb(image, out);
        }
        return new RgbImage(w, h, out);
    }

    private static void fromPalette(Raster raster, IndexColorModel icm, byte[] out) {
        int w = raster.getWidth();
        int[] row = new int[w];
        int size = icm.getMapSize();
        int o = 0;
        for (int y = 0; y < raster.getHeight(); y++) {
            raster.getSamples(0, y, w, 1, 0, row);
            for (int x = 0; x < w; x++) {
                // an index past the palette reads as black in Pillow's zero-filled 256-entry palette
                int argb = row[x] < size ? icm.getRGB(row[x]) : 0;
                out[o++] = (byte) (argb >> 16);
                out[o++] = (byte) (argb >> 8);
                out[o++] = (byte) argb;
            }
        }
    }

    private static void fromGray(Raster raster, ColorModel cm, byte[] out) {
        int w = raster.getWidth();
        int bits = cm.getComponentSize(0);
        boolean alpha = cm.hasAlpha();
        int[] row = new int[w];
        int o = 0;
        for (int y = 0; y < raster.getHeight(); y++) {
            raster.getSamples(0, y, w, 1, 0, row);
            for (int x = 0; x < w; x++) {
                int v = row[x];
                if (bits == 16) {
                    v = alpha ? v >>> 8 : Math.min(v, 255);
                } else if (bits != 8) {
                    v = scaleTo8(v, bits);
                }
                byte b = (byte) v;
                out[o++] = b;
                out[o++] = b;
                out[o++] = b;
            }
        }
    }

    private static void fromRgb(Raster raster, ColorModel cm, byte[] out) {
        int w = raster.getWidth();
        int[] row = new int[w];
        for (int c = 0; c < 3; c++) {
            int bits = cm.getComponentSize(c);
            for (int y = 0; y < raster.getHeight(); y++) {
                raster.getSamples(0, y, w, 1, c, row);
                int o = y * w * 3 + c;
                for (int x = 0; x < w; x++, o += 3) {
                    int v = row[x];
                    if (bits == 16) {
                        v >>>= 8;
                    } else if (bits != 8) {
                        v = scaleTo8(v, bits);
                    }
                    out[o] = (byte) v;
                }
            }
        }
    }

    private static void fromInvertedCmyk(Raster raster, byte[] out) {
        int w = raster.getWidth();
        int[] px = new int[w * 4];
        int o = 0;
        for (int y = 0; y < raster.getHeight(); y++) {
            raster.getPixels(0, y, w, 1, px);
            for (int x = 0; x < w; x++) {
                // stored samples are inverted: Pillow's C = 255 - stored, so nk = 255 - K = stored K
                int nk = px[x * 4 + 3];
                for (int c = 0; c < 3; c++) {
                    int ink = 255 - px[x * 4 + c];
                    out[o++] = (byte) clip8(nk - mulDiv255(ink, nk));
                }
            }
        }
    }

    private static void fromJavaSrgb(BufferedImage image, byte[] out) {
        int w = image.getWidth();
        int[] row = new int[w];
        int o = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            image.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                out[o++] = (byte) (row[x] >> 16);
                out[o++] = (byte) (row[x] >> 8);
                out[o++] = (byte) row[x];
            }
        }
    }

    /** Pillow's MULDIV255: a * b / 255 rounded, with its shift trick. */
    static int mulDiv255(int a, int b) {
        int t = a * b + 128;
        return ((t >> 8) + t) >> 8;
    }

    private static int clip8(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }

    private static int scaleTo8(int v, int bits) {
        return v * 255 / ((1 << bits) - 1);
    }
}
