package io.paligemma.generate.logits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** HF's MinPLogitsWarper. {2, 1, 0, -1}: each probability over the top one is e^(s - 2) = 1, 0.368, 0.135, 0.050. */
class MinPLogitsWarperTest {
    private static final float NEG = Float.NEGATIVE_INFINITY;

    private static float[] minP(float p, int minKeep, float... scores) {
        float[] s = scores.clone();
        new MinPLogitsWarper(p, minKeep).process(new int[0], 0, s);
        return s;
    }

    @Test
    void removesTokensBelowMinPTimesTheTopProbability() {
        assertArrayEquals(new float[] {2, 1, 0, NEG}, minP(0.1f, 1, 2, 1, 0, -1));
        assertArrayEquals(new float[] {2, 1, NEG, NEG}, minP(0.3f, 1, 2, 1, 0, -1));
        assertArrayEquals(new float[] {2, NEG, NEG, NEG}, minP(0.5f, 1, 2, 1, 0, -1));
    }

    @Test
    void theRatioIsOfTheCurrentScoresSoTemperatureMatters() {
        // after temperature 0.5 the scores are {4, 2, 0, -2}: ratios 1, 0.135, 0.018, 0.002
        assertArrayEquals(new float[] {4, 2, NEG, NEG}, minP(0.1f, 1, 4, 2, 0, -2));
    }

    @Test
    void strictLessThanKeepsTiesWithTheThreshold() {
        assertArrayEquals(new float[] {0, 0, NEG}, minP(1f, 1, 0, 0, -5));   // p == 1 × p_max is kept
    }

    @Test
    void minTokensToKeepProtectsTheHighestScores() {
        assertArrayEquals(new float[] {2, 1, NEG, NEG}, minP(1f, 2, 2, 1, 0, -1));
        assertThrows(IllegalArgumentException.class, () -> new MinPLogitsWarper(1.5f, 1));
        assertThrows(IllegalArgumentException.class, () -> new MinPLogitsWarper(0.1f, 0));
    }
}
