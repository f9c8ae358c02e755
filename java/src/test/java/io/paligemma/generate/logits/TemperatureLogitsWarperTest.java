package io.paligemma.generate.logits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TemperatureLogitsWarperTest {

    @Test
    void dividesInFloat32NotByTheReciprocal() {
        // numpy float32: -2.79 / 0.7 = -3.9857142 while -2.79 * (1 / 0.7) = -3.9857144
        float[] scores = {-2.79f, 1f, 0f, Float.NEGATIVE_INFINITY};
        new TemperatureLogitsWarper(0.7f).process(new int[0], 0, scores);
        assertEquals(-3.9857142f, scores[0]);
        assertArrayEquals(new float[] {1f / 0.7f, 0f, Float.NEGATIVE_INFINITY}, new float[] {scores[1], scores[2], scores[3]});
    }

    @Test
    void aTemperatureMustBePositiveAndFinite() {
        for (float bad : new float[] {0f, -0.5f, Float.NaN, Float.POSITIVE_INFINITY}) {
            assertThrows(IllegalArgumentException.class, () -> new TemperatureLogitsWarper(bad));
        }
    }
}
