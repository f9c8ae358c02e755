package io.paligemma.detect;

/**
 * A half-open pixel box {@code [y0, y1) × [x0, x1)} in an image of W × H pixels.
 *
 * <p>{@link #fromLoc} maps PaliGemma's {@code <locYYYY>} values (0..1023) to pixels the way big_vision's
 * segmentation evaluator does ({@code big_vision/evaluators/proj/paligemma/transfers/segmentation.py}):
 * divide by <b>1023</b>, multiply by the image size in IEEE double, then truncate toward zero. So
 * {@code <loc1023>} is exactly the right/bottom edge. The same convention is used for detection so that a
 * box means the same pixels whether or not it carries a mask. Other public code (the PaliGemma demo's
 * {@code extract_objs} and its ports) divides by 1024 and rounds, which gives boxes that differ by a pixel
 * or so; we follow the evaluator because that is what the fixtures and the published metrics use.
 */
public record Box(int y0, int x0, int y1, int x1) {

    /** Largest loc value; also the divisor of the mapping (big_vision's evaluator uses {@code / 1023}). */
    public static final int LOC_MAX = 1023;

    /** Pixel box for loc = [y0, x0, y1, x1] (each 0..1023) in an image {@code width × height}. */
    public static Box fromLoc(int[] loc, int width, int height) {
        if (loc.length != 4) {
            throw new IllegalArgumentException("a box needs 4 loc values, got " + loc.length);
        }
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        for (int v : loc) {
            if (v < 0 || v > LOC_MAX) {
                throw new IllegalArgumentException("loc value " + v + " outside 0.." + LOC_MAX);
            }
        }
        return new Box(scale(loc[0], height), scale(loc[1], width), scale(loc[2], height), scale(loc[3], width));
    }

    // (int) truncates toward zero, like Python's int(); the product stays in double as in NumPy.
    private static int scale(int loc, int size) {
        return (int) ((loc / (double) LOC_MAX) * size);
    }

    public int height() {
        return Math.max(0, y1 - y0);
    }

    public int width() {
        return Math.max(0, x1 - x0);
    }

    /** True when the box covers no pixel (which can happen after truncation even for a valid loc box). */
    public boolean isEmpty() {
        return y1 <= y0 || x1 <= x0;
    }
}
