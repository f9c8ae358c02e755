package io.paligemma.image;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class RgbImageTest {

    @Test
    void toBufferedImageKeepsEveryPixelInRgbOrder() {
        // 3x2, row-major R,G,B; values above 127 catch a missing & 0xFF, unequal channels catch a BGR swap
        int[][] pixels = {
                {255, 0, 0}, {0, 255, 0}, {0, 0, 255},
                {0x12, 0x34, 0x56}, {200, 128, 1}, {255, 255, 255},
        };
        byte[] rgb = new byte[pixels.length * 3];
        for (int p = 0; p < pixels.length; p++) {
            for (int c = 0; c < 3; c++) {
                rgb[p * 3 + c] = (byte) pixels[p][c];
            }
        }
        BufferedImage img = new RgbImage(3, 2, rgb).toBufferedImage();

        assertEquals(BufferedImage.TYPE_INT_RGB, img.getType());
        assertEquals(3, img.getWidth());
        assertEquals(2, img.getHeight());
        assertEquals(0xFF0000, img.getRGB(0, 0) & 0xFFFFFF, "red");
        assertEquals(0x00FF00, img.getRGB(1, 0) & 0xFFFFFF, "green");
        assertEquals(0x0000FF, img.getRGB(2, 0) & 0xFFFFFF, "blue");
        assertEquals(0x123456, img.getRGB(0, 1) & 0xFFFFFF);
        assertEquals(0xC88001, img.getRGB(1, 1) & 0xFFFFFF);
        assertEquals(0xFFFFFF, img.getRGB(2, 1) & 0xFFFFFF);
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 3; x++) {
                assertArrayEquals(pixels[y * 3 + x], img.getRaster().getPixel(x, y, (int[]) null),
                        "raster bands at (" + x + ", " + y + ")");
            }
        }
    }

    @Test
    void toBufferedImageIsACopy() {
        byte[] rgb = {10, 20, 30};
        BufferedImage img = new RgbImage(1, 1, rgb).toBufferedImage();
        rgb[0] = 99;
        assertEquals(0x0A141E, img.getRGB(0, 0) & 0xFFFFFF);
    }
}
