package io.paligemma.generate;

/**
 * How the next token is chosen from the logits, applied in transformers' order: temperature, top-k,
 * top-p, min-p, then a draw from the softmax. temperature = 0 (or top-k = 1) is greedy argmax.
 *
 * @param temperature logits are divided by this; 0 means greedy
 * @param topK keep the k most likely tokens (0 = off)
 * @param topP keep the smallest set whose probability reaches p (1 = off)
 * @param minP drop tokens less likely than minP × the top probability (0 = off)
 * @param seed the random stream; the same seed gives the same tokens
 */
public record SamplingConfig(float temperature, int topK, float topP, float minP, long seed) {

    public static final SamplingConfig GREEDY = new SamplingConfig(0f, 0, 1f, 0f, 0L);

    public SamplingConfig {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0 (0: greedy), got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new IllegalArgumentException("min-p must be in [0, 1], got " + minP);
        }
    }

    public boolean isGreedy() {
        return temperature == 0f || topK == 1;
    }
}
