package io.paligemma.detect;

/**
 * A k×k convolution with zero padding (k-1)/2 ("same") on one HWC image, as PyTorch's Conv2d
 * (cross-correlation). The kernel is kept as [kh, kw, out, in] so the inner loop runs over contiguous
 * input channels.
 */
final class Conv2d {

    private final int in;
    private final int out;
    private final int k;
    private final float[] kernel;   // [k, k, out, in]
    private final float[] bias;     // [out]

    /** {@code weight} in PyTorch layout [out, in, k, k]; {@code bias} [out]. */
    Conv2d(float[] weight, float[] bias, int out, int in, int k) {
        if (weight.length != out * in * k * k || bias.length != out) {
            throw new IllegalArgumentException("conv weights do not match [" + out + ", " + in + ", " + k + ", " + k + "]");
        }
        this.in = in;
        this.out = out;
        this.k = k;
        this.bias = bias.clone();
        this.kernel = new float[weight.length];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                for (int a = 0; a < k; a++) {
                    for (int b = 0; b < k; b++) {
                        kernel[((a * k + b) * out + o) * in + i] = weight[((o * in + i) * k + a) * k + b];
                    }
                }
            }
        }
    }

    /** y [h, w, out] from x [h, w, in], ReLU applied when {@code relu}. */
    float[] apply(float[] x, int h, int w, boolean relu) {
        if (x.length != h * w * in) {
            throw new IllegalArgumentException("conv input has " + x.length + " values, expected " + h * w * in);
        }
        int pad = (k - 1) / 2;
        float[] y = new float[h * w * out];
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < w; c++) {
                int yOff = (r * w + c) * out;
                for (int o = 0; o < out; o++) {
                    float acc = bias[o];
                    for (int a = 0; a < k; a++) {
                        int rr = r + a - pad;
                        if (rr < 0 || rr >= h) {
                            continue;
                        }
                        for (int b = 0; b < k; b++) {
                            int cc = c + b - pad;
                            if (cc < 0 || cc >= w) {
                                continue;
                            }
                            acc += Dot.dot(x, (rr * w + cc) * in, kernel, ((a * k + b) * out + o) * in, in);
                        }
                    }
                    y[yOff + o] = relu ? Math.max(acc, 0f) : acc;
                }
            }
        }
        return y;
    }
}
