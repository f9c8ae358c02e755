package io.paligemma.detect;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Draws parsed objects onto a copy of an image: each object's mask (when decoded) as a semi-transparent
 * fill, its box as an outline, and its label on a filled tag at the box's top-left corner.
 */
public final class Annotator {

    /** Mask opacity: enough to see the mask, little enough to see the object under it. */
    static final double MASK_ALPHA = 0.45;

    private static final Color[] PALETTE = {
        new Color(0xE6194B), new Color(0x3CB44B), new Color(0x4363D8), new Color(0xF58231), new Color(0x911EB4),
        new Color(0x42D4F4), new Color(0xF032E6), new Color(0xBFEF45), new Color(0xFABED4), new Color(0x469990)};

    private Annotator() {
    }

    /** The colour of the {@code index}-th object. */
    public static Color color(int index) {
        return PALETTE[index % PALETTE.length];
    }

    /** A new RGB image: {@code image} with the objects drawn on it. The input is not modified. */
    public static BufferedImage draw(BufferedImage image, List<? extends DetectedObject> objects) {
        int w = image.getWidth();
        int h = image.getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.drawImage(image, 0, 0, null);
            for (int i = 0; i < objects.size(); i++) {
                if (objects.get(i) instanceof Segmentation s && s.mask() != null) {
                    blendMask(out, s.mask(), color(i));
                }
            }
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            int stroke = Math.max(1, Math.min(w, h) / 200);
            g.setStroke(new BasicStroke(stroke));
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, Math.max(10, Math.min(w, h) / 40)));
            for (int i = 0; i < objects.size(); i++) {
                DetectedObject o = objects.get(i);
                Box b = o.pixels();
                if (b.isEmpty()) {
                    continue;
                }
                g.setColor(color(i));
                // The stroke is centred on the path; inset so the outline stays inside the box and the image.
                int inset = stroke / 2;
                g.drawRect(b.x0() + inset, b.y0() + inset, Math.max(0, b.width() - 1 - 2 * inset),
                        Math.max(0, b.height() - 1 - 2 * inset));
                if (!o.label().isEmpty()) {
                    label(g, o.label(), b, color(i), w);
                }
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    private static void blendMask(BufferedImage img, BinaryMask mask, Color c) {
        if (mask.width() != img.getWidth() || mask.height() != img.getHeight()) {
            throw new IllegalArgumentException("mask is " + mask.width() + "x" + mask.height() + ", image is "
                    + img.getWidth() + "x" + img.getHeight());
        }
        for (int y = 0; y < mask.height(); y++) {
            for (int x = 0; x < mask.width(); x++) {
                if (mask.get(x, y)) {
                    img.setRGB(x, y, blend(img.getRGB(x, y), c.getRGB()));
                }
            }
        }
    }

    /** {@code (1 - a) · under + a · over} per channel, rounded. */
    static int blend(int under, int over) {
        int rgb = 0;
        for (int shift = 16; shift >= 0; shift -= 8) {
            int u = (under >> shift) & 0xff;
            int o = (over >> shift) & 0xff;
            rgb |= (int) Math.round((1 - MASK_ALPHA) * u + MASK_ALPHA * o) << shift;
        }
        return rgb;
    }

    private static void label(Graphics2D g, String text, Box b, Color c, int imageWidth) {
        FontMetrics fm = g.getFontMetrics();
        int tw = fm.stringWidth(text) + 6;
        int th = fm.getHeight();
        int x = Math.max(0, Math.min(b.x0(), imageWidth - tw));
        // Above the box when there is room, else just inside its top edge.
        int y = b.y0() - th >= 0 ? b.y0() - th : b.y0();
        g.setColor(c);
        g.fillRect(x, y, tw, th);
        double lum = 0.299 * c.getRed() + 0.587 * c.getGreen() + 0.114 * c.getBlue();
        g.setColor(lum > 150 ? Color.BLACK : Color.WHITE);
        g.drawString(text, x + 3, y + fm.getAscent());
    }
}
