package io.paligemma.detect;

/**
 * big_vision's mask post-processing ({@code Evaluator.run} in its PaliGemma segmentation evaluator): resize
 * the 64×64 logits into the pixel box with {@link PillowBilinear}, threshold at {@code > 0}, and paste into
 * an all-zero image-sized mask. An empty box (possible after truncation) gives an all-zero mask.
 */
public final class MaskPostprocess {

    private MaskPostprocess() {
    }

    /** The logits resized to [box.height, box.width], or an empty array when the box is empty. */
    public static float[] boxLogits(float[] logits64, Box box) {
        int n = VqVaeMaskDecoder.MASK_SIZE;
        if (logits64.length != n * n) {
            throw new IllegalArgumentException("mask logits need " + n * n + " values, got " + logits64.length);
        }
        if (box.isEmpty()) {
            return new float[0];
        }
        return PillowBilinear.resize(logits64, n, n, box.height(), box.width());
    }

    /** The H×W mask with {@code boxLogits > 0} at the box and 0 elsewhere. */
    public static BinaryMask paste(float[] boxLogits, Box box, int width, int height) {
        byte[] m = new byte[Math.multiplyExact(width, height)];
        if (!box.isEmpty()) {
            if (box.y0() < 0 || box.x0() < 0 || box.y1() > height || box.x1() > width) {
                throw new IllegalArgumentException(box + " lies outside the " + width + "x" + height + " image");
            }
            int bw = box.width();
            if (boxLogits.length != box.height() * bw) {
                throw new IllegalArgumentException("box logits have " + boxLogits.length + " values, " + box + " needs "
                        + box.height() * bw);
            }
            for (int y = 0; y < box.height(); y++) {
                for (int x = 0; x < bw; x++) {
                    m[(box.y0() + y) * width + box.x0() + x] = (byte) (boxLogits[y * bw + x] > 0f ? 1 : 0);
                }
            }
        }
        return new BinaryMask(width, height, m);
    }
}
