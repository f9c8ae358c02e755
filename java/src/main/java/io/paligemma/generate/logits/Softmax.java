package io.paligemma.generate.logits;

/**
 * {@code torch.softmax(scores, dim=-1)} on a float32 vector as ATen's CPU kernel computes it
 * ({@code _vec_softmax_lastdim}): m = max, e = exp(x - m) with the subtraction in float32, then e · (1 / Σe).
 * The sum is accumulated in double (torch adds float32 lanes): over a 257,152-token vocabulary that keeps
 * the normalisation exact to float32 instead of drifting by the vector width's rounding. -inf scores get
 * exactly 0.
 */
public final class Softmax {
    private Softmax() {
    }

    /** The largest score (NaN-free input: the generator refuses non-finite logits before any processor). */
    public static float max(float[] x) {
        float m = Float.NEGATIVE_INFINITY;
        for (float v : x) {
            if (v > m) {
                m = v;
            }
        }
        return m;
    }

    /**
     * Writes softmax(x) into {@code out} and returns Σ exp(x - max) (≥ 1), the normaliser a log-softmax needs.
     * When some scores are +inf (a tiny temperature overflowed them) the result is their limit, uniform over
     * those tokens. When every score is -inf there is no distribution, which the HF processors never produce
     * (each keeps at least one token), so it is an error naming the cause.
     */
    public static double apply(float[] x, float[] out) {
        float m = max(x);
        if (m == Float.NEGATIVE_INFINITY) {
            throw new IllegalStateException("every token's score is -inf: no token is left to choose from");
        }
        if (m == Float.POSITIVE_INFINITY) {
            int count = 0;
            for (float v : x) {
                count += v == Float.POSITIVE_INFINITY ? 1 : 0;
            }
            for (int i = 0; i < x.length; i++) {
                out[i] = x[i] == Float.POSITIVE_INFINITY ? 1f / count : 0f;
            }
            return count;
        }
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            float e = (float) Math.exp(x[i] - m);                           // (x - max_input).exp()
            out[i] = e;
            sum += e;                                                       // tmp_sum = reduce_all(x + y)
        }
        float inv = (float) (1 / sum);                                      // tmp_sum = 1 / tmp_sum
        for (int i = 0; i < x.length; i++) {
            out[i] *= inv;                                                  // x * tmp_sum
        }
        return sum;
    }
}
