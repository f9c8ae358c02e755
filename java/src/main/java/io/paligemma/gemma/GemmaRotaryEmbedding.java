package io.paligemma.gemma;

import io.paligemma.tensor.FloatMatrix;

/**
 * GemmaRotaryEmbedding: inv_freq[k] = 1 / theta^(2k / head_dim) and angle = position · inv_freq, both
 * formed in float32 exactly as transformers does, so the cos/sin tables match its rounding.
 */
final class GemmaRotaryEmbedding {
    private final float[] invFreq; // [head_dim / 2]

    GemmaRotaryEmbedding(int headDim, double theta) {
        invFreq = new float[headDim / 2];
        for (int k = 0; k < invFreq.length; k++) {
            float exponent = (float) (2 * k) / (float) headDim;           // torch.arange(0, dim, 2).float() / dim
            float base = (float) Math.pow((float) theta, exponent);        // self.base ** (...) in float32
            invFreq[k] = 1.0f / base;                                      // 1.0 / (...)
        }
    }

    /** cos, sin [rows, head_dim/2] for the 1-based positions first, first+1, ... (one per row of the views). */
    void tables(long firstPosition, FloatMatrix cos, FloatMatrix sin) {
        for (int r = 0; r < cos.rows(); r++) {
            float pos = (float) (firstPosition + r);
            for (int k = 0; k < invFreq.length; k++) {
                float angle = invFreq[k] * pos;                             // inv_freq @ position_ids, float32
                cos.set(r, k, (float) Math.cos(angle));
                sin.set(r, k, (float) Math.sin(angle));
            }
        }
    }
}
