package io.paligemma.image;

/**
 * big_vision's {@code resize(S, antialias=True)} (the op in PaliGemma's big_vision configs):
 * {@code tf.image.resize(img, (h, w), method="bilinear", antialias=True)}, i.e. TensorFlow's ScaleAndTranslate
 * with the triangle kernel, followed by big_vision's {@code clip_by_value(0, 255)} and cast back to uint8
 * (which truncates). When downsizing, the triangle (radius 1) is stretched by in/out so every input pixel
 * contributes (area-like antialiasing); when upsizing it is plain bilinear interpolation with half-pixel
 * centres. Weights are normalised per output pixel. Everything is float32 in TensorFlow's order: rows (vertical)
 * first into a float intermediate, then columns. Not verified bit for bit against TensorFlow (a compiler may
 * fuse its multiply-adds); expect at most an occasional 1-level difference where a value sits on an integer.
 */
final class AntialiasBilinearResize {

    private AntialiasBilinearResize() {
    }

    static RgbImage resize(RgbImage in, int outWidth, int outHeight) {
        PillowBicubicResize.checkSize(outWidth, outHeight);
        int inW = in.width();
        int inH = in.height();
        Spans rows = Spans.compute(inH, outHeight);
        Spans cols = Spans.compute(inW, outWidth);
        byte[] src = in.rgb();

        // [outHeight, inW, 3]
        float[] mid = new float[outHeight * inW * 3];
        int rowLen = inW * 3;
        for (int y = 0; y < outHeight; y++) {
            int outBase = y * rowLen;
            int first = rows.start[y];
            int real = Math.min(first + rows.size, inH) - first;
            for (int j = 0; j < real; j++) {
                float w = rows.weights[y * rows.size + j];
                int inBase = (first + j) * rowLen;
                for (int i = 0; i < rowLen; i++) {
                    mid[outBase + i] += w * (float) (src[inBase + i] & 0xFF);
                }
            }
        }

        byte[] out = new byte[outHeight * outWidth * 3];
        for (int y = 0; y < outHeight; y++) {
            for (int x = 0; x < outWidth; x++) {
                int first = cols.start[x];
                int real = Math.min(first + cols.size, inW) - first;
                float s0 = 0f;
                float s1 = 0f;
                float s2 = 0f;
                for (int j = 0; j < real; j++) {
                    float w = cols.weights[x * cols.size + j];
                    int p = (y * inW + first + j) * 3;
                    s0 += w * mid[p];
                    s1 += w * mid[p + 1];
                    s2 += w * mid[p + 2];
                }
                int o = (y * outWidth + x) * 3;
                out[o] = toU8(s0);
                out[o + 1] = toU8(s1);
                out[o + 2] = toU8(s2);
            }
        }
        return new RgbImage(outWidth, outHeight, out);
    }

    /** clip_by_value(0, 255) then cast to uint8 (truncation toward zero). */
    private static byte toU8(float v) {
        float c = v < 0f ? 0f : Math.min(v, 255f);
        return (byte) (int) c;
    }

    private static float triangle(float x) {
        x = Math.abs(x);
        return x < 1.0f ? 1.0f - x : 0.0f;
    }

    /**
     * @param size    weights per output pixel (the widest span)
     * @param start   [outSize] first input index of each span
     * @param weights [outSize, size] normalised weights, zero past a span's end
     */
    record Spans(int size, int[] start, float[] weights) {

        static Spans compute(int inSize, int outSize) {
            final float radius = 1.0f;
            float scale = (float) outSize / (float) inSize;
            float invScale = (float) (1.0 / scale);
            float invTranslate = -invScale * 0.0f;
            float kernelScale = Math.max(invScale, 1.0f);
            int size = Math.min(2 * (int) Math.ceil(radius * kernelScale) + 1, inSize);
            float oneOverKernelScale = 1.0f / kernelScale;
            int[] start = new int[outSize];
            float[] weights = new float[outSize * size];
            float[] tmp = new float[size];
            for (int x = 0; x < outSize; x++) {
                float sample = (x + 0.5f) * invScale + invTranslate;
                if (sample < 0 || sample > inSize) {
                    continue; // empty span: never happens without a translation
                }
                long first = (long) Math.ceil(sample - radius * kernelScale - 0.5f);
                long end = (long) Math.floor(sample + radius * kernelScale - 0.5f);
                first = Math.clamp(first, 0, inSize - 1);
                end = Math.clamp(end, 0, inSize - 1) + 1;
                int n = (int) (end - first);
                float total = 0f;
                for (int j = 0; j < n; j++) {
                    float pos = (float) (first + j) + 0.5f - sample;
                    tmp[j] = triangle(pos * oneOverKernelScale);
                    total += tmp[j];
                }
                if (Math.abs(total) >= 1000.0f * Float.MIN_NORMAL) {
                    float inv = 1.0f / total;
                    for (int j = 0; j < n; j++) {
                        weights[x * size + j] = tmp[j] * inv;
                    }
                }
                start[x] = (int) first;
            }
            return new Spans(size, start, weights);
        }
    }
}
