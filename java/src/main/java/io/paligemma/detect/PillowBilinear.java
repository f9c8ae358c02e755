package io.paligemma.detect;

/**
 * Pillow's {@code Image.resize(size, BILINEAR)} of a float32 ("F" mode) image, as in
 * {@code libImaging/Resample.c} (unchanged from Pillow 9.4 to today). Separable: a horizontal pass, then a
 * vertical pass, each skipped when that size does not change. When shrinking, the triangle filter is
 * widened by the scale (antialiasing). Weights and sums are double; each pass rounds to float32 once per
 * output value, which is what makes results match Pillow bit for bit.
 */
public final class PillowBilinear {

    private PillowBilinear() {
    }

    /** Resizes {@code src} [srcH, srcW] (row-major) to [dstH, dstW]; all sizes must be positive. */
    public static float[] resize(float[] src, int srcH, int srcW, int dstH, int dstW) {
        if (srcH <= 0 || srcW <= 0 || dstH <= 0 || dstW <= 0 || src.length != srcH * srcW) {
            throw new IllegalArgumentException("cannot resize " + src.length + " values as " + srcH + "x" + srcW
                    + " to " + dstH + "x" + dstW);
        }
        float[] cur = src;
        if (dstW != srcW) {
            Weights wx = new Weights(srcW, dstW);
            float[] tmp = new float[srcH * dstW];
            for (int y = 0; y < srcH; y++) {
                for (int j = 0; j < dstW; j++) {
                    double s = 0;
                    double[] k = wx.k[j];
                    int base = y * srcW + wx.lo[j];
                    for (int t = 0; t < k.length; t++) {
                        s += (double) cur[base + t] * k[t];
                    }
                    tmp[y * dstW + j] = (float) s;
                }
            }
            cur = tmp;
        }
        if (dstH != srcH) {
            Weights wy = new Weights(srcH, dstH);
            float[] tmp = new float[dstH * dstW];
            for (int j = 0; j < dstH; j++) {
                double[] k = wy.k[j];
                int lo = wy.lo[j];
                for (int x = 0; x < dstW; x++) {
                    double s = 0;
                    for (int t = 0; t < k.length; t++) {
                        s += (double) cur[(lo + t) * dstW + x] * k[t];
                    }
                    tmp[j * dstW + x] = (float) s;
                }
            }
            cur = tmp;
        }
        return cur == src ? src.clone() : cur;
    }

    /** Per output sample: first input index and normalised triangle weights. */
    private static final class Weights {
        final int[] lo;
        final double[][] k;

        Weights(int in, int out) {
            double scale = (double) in / out;
            double fs = Math.max(scale, 1.0);
            double support = fs;   // BILINEAR's support is 1, times the filter scale
            lo = new int[out];
            k = new double[out][];
            for (int j = 0; j < out; j++) {
                double center = (j + 0.5) * scale;
                int min = Math.max(0, (int) (center - support + 0.5));
                int max = Math.min(in, (int) (center + support + 0.5));
                double[] w = new double[Math.max(0, max - min)];
                double sum = 0;
                for (int t = 0; t < w.length; t++) {
                    double v = Math.max(0.0, 1.0 - Math.abs((t + min - center + 0.5) / fs));
                    w[t] = v;
                    sum += v;
                }
                if (sum != 0) {
                    for (int t = 0; t < w.length; t++) {
                        w[t] /= sum;
                    }
                }
                lo[j] = min;
                k[j] = w;
            }
        }
    }
}
