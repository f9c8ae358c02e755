package io.paligemma.detect;

/**
 * PyTorch's {@code ConvTranspose2d(kernel_size=4, stride=2, padding=1)} on one HWC image:
 * {@code y[r,c,o] = b[o] + Σ x[h,w,i] · W[i,o,r+1-2h,c+1-2w]}, output twice the input size. This equals
 * big_vision's {@code nn.ConvTranspose(padding=2, transpose_kernel=True)} on the transposed kernel. Each
 * input pixel scatters into the 4×4 output pixels its kernel taps reach; the kernel is kept as
 * [kh, kw, out, in] so each contribution is a dot product over contiguous input channels.
 */
final class ConvTranspose2d {

    private static final int K = 4;

    private final int in;
    private final int out;
    private final float[] kernel;   // [4, 4, out, in]
    private final float[] bias;     // [out]

    /** {@code weight} in PyTorch layout [in, out, 4, 4]; {@code bias} [out]. */
    ConvTranspose2d(float[] weight, float[] bias, int in, int out) {
        if (weight.length != in * out * K * K || bias.length != out) {
            throw new IllegalArgumentException("transposed-conv weights do not match [" + in + ", " + out + ", 4, 4]");
        }
        this.in = in;
        this.out = out;
        this.bias = bias.clone();
        this.kernel = new float[weight.length];
        for (int i = 0; i < in; i++) {
            for (int o = 0; o < out; o++) {
                for (int a = 0; a < K; a++) {
                    for (int b = 0; b < K; b++) {
                        kernel[((a * K + b) * out + o) * in + i] = weight[((i * out + o) * K + a) * K + b];
                    }
                }
            }
        }
    }

    /** y [2h, 2w, out] from x [h, w, in], then ReLU. */
    float[] applyRelu(float[] x, int h, int w) {
        if (x.length != h * w * in) {
            throw new IllegalArgumentException("transposed-conv input has " + x.length + " values, expected " + h * w * in);
        }
        int oh = 2 * h;
        int ow = 2 * w;
        float[] y = new float[oh * ow * out];
        for (int p = 0; p < oh * ow; p++) {
            System.arraycopy(bias, 0, y, p * out, out);
        }
        for (int r0 = 0; r0 < h; r0++) {
            for (int c0 = 0; c0 < w; c0++) {
                int xOff = (r0 * w + c0) * in;
                for (int a = 0; a < K; a++) {
                    int r = 2 * r0 + a - 1;
                    if (r < 0 || r >= oh) {
                        continue;
                    }
                    for (int b = 0; b < K; b++) {
                        int c = 2 * c0 + b - 1;
                        if (c < 0 || c >= ow) {
                            continue;
                        }
                        int yOff = (r * ow + c) * out;
                        int kOff = (a * K + b) * out * in;
                        for (int o = 0; o < out; o++) {
                            y[yOff + o] += Dot.dot(x, xOff, kernel, kOff + o * in, in);
                        }
                    }
                }
            }
        }
        for (int j = 0; j < y.length; j++) {
            y[j] = Math.max(y[j], 0f);
        }
        return y;
    }
}
