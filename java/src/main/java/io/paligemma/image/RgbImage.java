package io.paligemma.image;

import java.awt.image.BufferedImage;

/**
 * An 8-bit RGB picture, rows top to bottom, pixels interleaved R,G,B (HWC), as numpy sees a PIL "RGB" image.
 * Small and on-heap: the array is shared, not copied.
 *
 * @param rgb [height, width, 3] uint8 (read with {@code & 0xFF})
 */
public record RgbImage(int width, int height, byte[] rgb) {

    public RgbImage {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if (rgb == null || rgb.length != (long) width * height * 3) {
            throw new IllegalArgumentException("RGB buffer of " + (rgb == null ? "null" : rgb.length + " bytes")
                    + " for a " + width + "x" + height + " image (needs " + (long) width * height * 3 + ")");
        }
    }

    /** Channel {@code c} (0 = R, 1 = G, 2 = B) of pixel (x, y), 0..255. */
    public int sample(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xFF;
    }

    /** A TYPE_INT_RGB copy (not a view) for drawing with java.awt and writing with ImageIO. */
    public BufferedImage toBufferedImage() {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = (y * width + x) * 3;
                row[x] = (rgb[i] & 0xFF) << 16 | (rgb[i + 1] & 0xFF) << 8 | (rgb[i + 2] & 0xFF);
            }
            img.setRGB(0, y, width, 1, row, 0, width);
        }
        return img;
    }
}
