package io.paligemma.ops;

/**
 * The most obvious implementation of every op, in double precision on plain arrays: the yardstick
 * the Ops implementations are checked against. Formulas as in the Ops javadoc / Hugging Face code.
 */
final class ScalarReference {

    private ScalarReference() {
    }

    /** y[i][j] = Σ_p x[i][p] · w[j][p] + bias[j]; w already decoded to float, [n, k]. */
    static double[] linear(float[] x, int m, int k, float[] w, int n, float[] bias) {
        double[] y = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = bias == null ? 0 : bias[j];
                for (int p = 0; p < k; p++) {
                    s += (double) x[i * k + p] * w[j * k + p];
                }
                y[i * n + j] = s;
            }
        }
        return y;
    }

    /**
     * The integer products of Q8_0 weights, from the formulas of Q8 written out again: each block of x
     * quantized (amax, xs = amax / 127, xq = rint(x · (127 / amax)) half to even), then y[i][j] = Σ_b
     * s[j][b] · xs[i][b] · Σ_p q[j][p] · xq[i][p] + bias[j] in double. q [n, k], s [n, blocks] as floats.
     */
    static double[] linearQ8(float[] x, int m, int k, byte[] q, float[] s, int n, float[] bias) {
        int kb = (k + 31) / 32;
        double[] y = new double[m * n];
        for (int i = 0; i < m; i++) {
            int[] xq = new int[k];
            float[] xs = new float[kb];
            for (int b = 0; b < kb; b++) {
                float amax = 0;
                for (int p = b * 32; p < Math.min(k, b * 32 + 32); p++) {
                    amax = Math.max(amax, Math.abs(x[i * k + p]));
                }
                xs[b] = amax / 127f;
                float id = amax > 0 ? 127f / amax : 0f;
                for (int p = b * 32; p < Math.min(k, b * 32 + 32); p++) {
                    xq[p] = (int) Math.rint(x[i * k + p] * id);
                }
            }
            for (int j = 0; j < n; j++) {
                double sum = bias == null ? 0 : bias[j];
                for (int b = 0; b < kb; b++) {
                    long dot = 0;
                    for (int p = b * 32; p < Math.min(k, b * 32 + 32); p++) {
                        dot += (long) q[j * k + p] * xq[p];
                    }
                    sum += (double) s[j * kb + b] * xs[b] * dot;
                }
                y[i * n + j] = sum;
            }
        }
        return y;
    }

    /** c[i][j] = alpha · Σ_p a[i·lda + p] · b[j·ldb + p]; result dense [m, n]. */
    static double[] matmulTransB(float[] a, int lda, float[] b, int ldb, int m, int n, int k, float alpha) {
        double[] c = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += (double) a[i * lda + p] * b[j * ldb + p];
                }
                c[i * n + j] = alpha * s;
            }
        }
        return c;
    }

    /** c[i][j] = Σ_p a[i·lda + p] · b[p·ldb + j]; result dense [m, n]. */
    static double[] matmul(float[] a, int lda, float[] b, int ldb, int m, int n, int k) {
        double[] c = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += (double) a[i * lda + p] * b[p * ldb + j];
                }
                c[i * n + j] = s;
            }
        }
        return c;
    }

    /** One attention row: scale, optional tanh soft-cap, keys outside [lo, hi) masked, softmax; empty: zeros. */
    static double[] softmaxRow(float[] row, float scale, float softcap, int lo, int hi) {
        int cols = row.length;
        double[] s = new double[cols];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < cols; j++) {
            if (j >= lo && j < hi) {
                s[j] = (double) row[j] * scale;
                if (softcap > 0) {
                    s[j] = Math.tanh(s[j] / softcap) * softcap;
                }
                max = Math.max(max, s[j]);
            }
        }
        double[] p = new double[cols];
        if (max == Double.NEGATIVE_INFINITY) {
            return p;
        }
        double sum = 0;
        for (int j = 0; j < cols; j++) {
            if (j >= lo && j < hi) {
                p[j] = Math.exp(s[j] - max);
                sum += p[j];
            }
        }
        for (int j = 0; j < cols; j++) {
            p[j] /= sum;
        }
        return p;
    }

    /** Rotate-half RoPE of one head vector: (x1·cos - x2·sin, x2·cos + x1·sin). */
    static double[] rope(float[] head, float[] cos, float[] sin) {
        int half = head.length / 2;
        double[] out = new double[head.length];
        for (int i = 0; i < half; i++) {
            double x1 = head[i];
            double x2 = head[i + half];
            out[i] = x1 * cos[i] - x2 * sin[i];
            out[i + half] = x2 * cos[i] + x1 * sin[i];
        }
        return out;
    }

    /** Gemma RMSNorm of one row: x / sqrt(mean(x²) + eps) · (1 + w). */
    static double[] rmsNorm(float[] x, float[] w, float eps) {
        double ss = 0;
        for (float v : x) {
            ss += (double) v * v;
        }
        double r = 1 / Math.sqrt(ss / x.length + (double) eps);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * r * (1 + (double) w[i]);
        }
        return out;
    }

    /** LayerNorm of one row with biased variance. */
    static double[] layerNorm(float[] x, float[] w, float[] b, float eps) {
        double mean = 0;
        for (float v : x) {
            mean += v;
        }
        mean /= x.length;
        double var = 0;
        for (float v : x) {
            var += (v - mean) * (v - mean);
        }
        var /= x.length;
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (x[i] - mean) / Math.sqrt(var + (double) eps) * w[i] + b[i];
        }
        return out;
    }

    /** gelu_pytorch_tanh. */
    static double gelu(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    static double softcap(double x, double cap) {
        return Math.tanh(x / cap) * cap;
    }

    /** bfloat16 bits to float: the top half of a float32. */
    static float bf16(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** float to bfloat16 bits, round to nearest even (as torch's .to(bfloat16)); no NaN inputs here. */
    static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }
}
