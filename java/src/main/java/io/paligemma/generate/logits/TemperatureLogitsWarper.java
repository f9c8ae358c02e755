package io.paligemma.generate.logits;

import java.util.Locale;

/**
 * HF {@code TemperatureLogitsWarper}: {@code scores / temperature}, an IEEE float32 division (multiplying by
 * 1/T differs from it in the last bit now and then).
 */
public final class TemperatureLogitsWarper implements LogitsProcessor {
    private final float temperature;

    public TemperatureLogitsWarper(float temperature) {
        if (!(temperature > 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number > 0, got " + temperature);
        }
        this.temperature = temperature;
    }

    public float temperature() {
        return temperature;
    }

    @Override
    public void process(int[] inputIds, int length, float[] scores) {
        for (int i = 0; i < scores.length; i++) {
            scores[i] = scores[i] / temperature;                            // scores_processed = scores / self.temperature
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s(%s)", name(), temperature);
    }
}
