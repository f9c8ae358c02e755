package io.paligemma.image;

/**
 * Pillow's 8-bit {@code Image.resize((w, h), Image.BICUBIC, reducing_gap=None)}, bit for bit (libImaging
 * Resample.c): separable convolution with the Keys cubic (a = -0.5), whose support (2) is stretched by the
 * downscale factor so that downsizing low-pass filters; weights normalised per output pixel in double, then
 * turned into 22-bit fixed point; each pass accumulates in int from a rounding half and clips to 0..255.
 * The horizontal pass runs first, on only the input rows the vertical pass will read; a pass whose size does
 * not change is skipped (so a same-size resize returns the pixels unchanged).
 */
final class PillowBicubicResize {

    /** 32 bits minus 8 for the pixel and 2 of headroom for weights summing past 1 or below 0. */
    private static final int PRECISION_BITS = 32 - 8 - 2;

    private static final double SUPPORT = 2.0;

    private PillowBicubicResize() {
    }

    static RgbImage resize(RgbImage in, int outWidth, int outHeight) {
        checkSize(outWidth, outHeight);
        boolean horizontal = outWidth != in.width();
        boolean vertical = outHeight != in.height();
        Coefficients vert = Coefficients.compute(in.height(), outHeight);
        // rows of the input the vertical pass reads, the only ones the horizontal pass has to produce
        int firstRow = vert.start[0];
        int lastRow = vert.start[outHeight - 1] + vert.count[outHeight - 1];

        byte[] src = in.rgb();
        int srcWidth = in.width();
        int rowOffset = 0;
        if (horizontal) {
            Coefficients horiz = Coefficients.compute(in.width(), outWidth);
            src = horizontalPass(src, in.width(), firstRow, lastRow - firstRow, horiz);
            srcWidth = outWidth;
            rowOffset = firstRow;
        }
        if (vertical) {
            src = verticalPass(src, srcWidth, rowOffset, vert);
        } else if (!horizontal) {
            src = src.clone();
        }
        return new RgbImage(outWidth, outHeight, src);
    }

    static void checkSize(int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("resize target must be positive, got " + width + "x" + height);
        }
    }

    /** Output rows = input rows [firstRow, firstRow + rows), each resampled to {@code c.outSize()} pixels. */
    private static byte[] horizontalPass(byte[] in, int inWidth, int firstRow, int rows, Coefficients c) {
        int outWidth = c.count.length;
        byte[] out = new byte[rows * outWidth * 3];
        int o = 0;
        for (int y = 0; y < rows; y++) {
            int rowBase = (y + firstRow) * inWidth * 3;
            for (int xx = 0; xx < outWidth; xx++) {
                int k0 = xx * c.ksize;
                int p = rowBase + c.start[xx] * 3;
                int s0 = 1 << (PRECISION_BITS - 1);
                int s1 = s0;
                int s2 = s0;
                for (int x = 0; x < c.count[xx]; x++, p += 3) {
                    int k = c.fixed[k0 + x];
                    s0 += (in[p] & 0xFF) * k;
                    s1 += (in[p + 1] & 0xFF) * k;
                    s2 += (in[p + 2] & 0xFF) * k;
                }
                out[o++] = clip8(s0);
                out[o++] = clip8(s1);
                out[o++] = clip8(s2);
            }
        }
        return out;
    }

    /** Input row r of the coefficients is row r - rowOffset of {@code in}. */
    private static byte[] verticalPass(byte[] in, int width, int rowOffset, Coefficients c) {
        int outHeight = c.count.length;
        int stride = width * 3;
        byte[] out = new byte[outHeight * stride];
        int o = 0;
        for (int yy = 0; yy < outHeight; yy++) {
            int k0 = yy * c.ksize;
            int base = (c.start[yy] - rowOffset) * stride;
            for (int i = 0; i < stride; i++) {
                int s = 1 << (PRECISION_BITS - 1);
                int p = base + i;
                for (int y = 0; y < c.count[yy]; y++, p += stride) {
                    s += (in[p] & 0xFF) * c.fixed[k0 + y];
                }
                out[o++] = clip8(s);
            }
        }
        return out;
    }

    private static byte clip8(int acc) {
        int v = acc >> PRECISION_BITS;
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }

    /** Keys cubic convolution kernel with a = -0.5, in Pillow's evaluation order. */
    static double bicubic(double x) {
        final double a = -0.5;
        if (x < 0.0) {
            x = -x;
        }
        if (x < 1.0) {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0.0;
    }

    /**
     * Per output pixel: the first input index, how many inputs contribute, and their fixed-point weights.
     *
     * @param start [outSize] first input index
     * @param count [outSize] number of inputs used
     * @param fixed [outSize, ksize] weights scaled by 2^22 and rounded half away from zero
     */
    record Coefficients(int ksize, int[] start, int[] count, int[] fixed) {

        static Coefficients compute(int inSize, int outSize) {
            // the box is (0, 0, w, h) in float in Pillow; its span is exact below 2^24
            double scale = (double) ((float) inSize - 0.0f) / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = SUPPORT * filterScale;
            int ksize = (int) Math.ceil(support) * 2 + 1;
            int[] start = new int[outSize];
            int[] count = new int[outSize];
            int[] fixed = new int[Math.multiplyExact(outSize, ksize)];
            double[] w = new double[ksize];
            double ss = 1.0 / filterScale;
            for (int xx = 0; xx < outSize; xx++) {
                double center = (xx + 0.5) * scale;
                int xmin = (int) (center - support + 0.5);
                if (xmin < 0) {
                    xmin = 0;
                }
                int xmax = (int) (center + support + 0.5);
                if (xmax > inSize) {
                    xmax = inSize;
                }
                xmax -= xmin;
                double ww = 0.0;
                for (int x = 0; x < xmax; x++) {
                    w[x] = bicubic((x + xmin - center + 0.5) * ss);
                    ww += w[x];
                }
                for (int x = 0; x < xmax; x++) {
                    double k = ww != 0.0 ? w[x] / ww : w[x];
                    fixed[xx * ksize + x] = k < 0
                            ? (int) (-0.5 + k * (1 << PRECISION_BITS))
                            : (int) (0.5 + k * (1 << PRECISION_BITS));
                }
                start[xx] = xmin;
                count[xx] = xmax;
            }
            return new Coefficients(ksize, start, count, fixed);
        }
    }
}
