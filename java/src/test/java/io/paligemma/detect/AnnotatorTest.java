package io.paligemma.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnnotatorTest {

    private static final int GRAY = 0x808080;

    private static BufferedImage gray(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, GRAY);
            }
        }
        return img;
    }

    @Test
    void drawsBoxesLabelsAndMasks() {
        BufferedImage img = gray(200, 160);
        Detection cat = new Detection("cat", new int[] {0, 0, 1, 1}, new Box(60, 20, 120, 90));
        byte[] m = new byte[200 * 160];
        for (int y = 100; y < 140; y++) {
            for (int x = 120; x < 180; x++) {
                m[y * 200 + x] = 1;
            }
        }
        Segmentation dog = new Segmentation("", new int[] {0, 0, 1, 1}, new int[16], new Box(100, 120, 140, 180),
                new BinaryMask(200, 160, m));
        BufferedImage out = Annotator.draw(img, List.of(cat, dog));

        int c0 = Annotator.color(0).getRGB() & 0xffffff;
        assertEquals(c0, out.getRGB(20, 90) & 0xffffff, "left edge of the cat box");
        assertEquals(c0, out.getRGB(89, 119) & 0xffffff, "bottom-right corner of the cat box");
        assertEquals(GRAY, out.getRGB(50, 90) & 0xffffff, "inside the cat box, away from the label");
        assertEquals(GRAY, out.getRGB(5, 150) & 0xffffff, "outside every object");
        assertNotEquals(GRAY, out.getRGB(25, 50) & 0xffffff, "label tag above the cat box");

        Color c1 = Annotator.color(1);
        int blended = out.getRGB(150, 120) & 0xffffff;
        // 0.55 · 128 + 0.45 · channel, per channel
        int r = (int) Math.round(0.55 * 128 + 0.45 * c1.getRed());
        int g = (int) Math.round(0.55 * 128 + 0.45 * c1.getGreen());
        int b = (int) Math.round(0.55 * 128 + 0.45 * c1.getBlue());
        assertEquals(r << 16 | g << 8 | b, blended, "mask interior is a 45 % tint");
        assertEquals(GRAY, out.getRGB(150, 145) & 0xffffff, "below the mask");
        assertEquals(GRAY, img.getRGB(20, 90) & 0xffffff, "the input is not modified");
    }

    @Test
    void emptyBoxesDrawNothingAndWrongMaskSizeIsRejected() {
        BufferedImage img = gray(40, 30);
        BufferedImage out = Annotator.draw(img, List.of(new Detection("x", new int[] {0, 0, 1, 1}, new Box(7, 0, 7, 20))));
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 40; x++) {
                assertEquals(GRAY, out.getRGB(x, y) & 0xffffff);
            }
        }
        Segmentation bad = new Segmentation("x", new int[] {0, 0, 1, 1}, new int[16], new Box(0, 0, 5, 5),
                new BinaryMask(10, 10, new byte[100]));
        assertThrows(IllegalArgumentException.class, () -> Annotator.draw(img, List.of(bad)));
    }
}
