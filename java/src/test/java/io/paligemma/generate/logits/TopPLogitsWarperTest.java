package io.paligemma.generate.logits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * HF's TopPLogitsWarper. Probabilities of {2, 1, 0, -1}: e^s / Σ = 0.643914, 0.236883, 0.087144, 0.032059
 * (ascending cumulative 0.032059, 0.119203, 0.356086, 1).
 */
class TopPLogitsWarperTest {
    private static final float NEG = Float.NEGATIVE_INFINITY;

    private static float[] topP(double p, int minKeep, float... scores) {
        float[] s = scores.clone();
        new TopPLogitsWarper(p, minKeep).process(new int[0], 0, s);
        return s;
    }

    @Test
    void keepsTheSmallestSetReachingTopPWithTheCrossingToken() {
        assertArrayEquals(new float[] {2, 1, 0, NEG}, topP(0.9, 1, 2, 1, 0, -1));    // 1 - 0.9 = 0.1: only 0.032 is below
        assertArrayEquals(new float[] {2, 1, NEG, NEG}, topP(0.85, 1, 2, 1, 0, -1)); // 0.119 <= 0.15 < 0.356
        assertArrayEquals(new float[] {2, NEG, NEG, NEG}, topP(0.5, 1, 2, 1, 0, -1)); // the top token alone crosses 0.5
    }

    /**
     * Four equal scores: probabilities exactly 0.25, ascending cumulative exactly 0.25, 0.5, 0.75, 1. HF removes
     * cumulative <= 1 - top_p, so at top_p 0.5 the second token (cumulative exactly 0.5) goes too; at 0.6 the wrong
     * rule "keep while the cumulative including the token is <= top_p" would keep two, HF keeps three.
     */
    @Test
    void theBoundaryIsLessOrEqualOnTheAscendingCumulative() {
        assertArrayEquals(new float[] {0, 0, NEG, NEG}, topP(0.5, 1, 0, 0, 0, 0));
        assertArrayEquals(new float[] {0, 0, 0, NEG}, topP(0.6, 1, 0, 0, 0, 0));
    }

    @Test
    void afterTopKTheMassIsThatOfTheSurvivors() {
        // {2, 1} alone: 0.731059, 0.268941. top_p 0.7 removes 1 (0.269 <= 0.3); on the full vector it stays (0.356 > 0.3)
        assertArrayEquals(new float[] {2, NEG, NEG, NEG}, topP(0.7, 1, 2, 1, NEG, NEG));
        assertArrayEquals(new float[] {2, 1, NEG, NEG}, topP(0.7, 1, 2, 1, 0, -1));
    }

    @Test
    void minTokensToKeepAndTheExtremes() {
        assertArrayEquals(new float[] {2, 1, NEG, NEG}, topP(0.5, 2, 2, 1, 0, -1));
        assertArrayEquals(new float[] {2, NEG, NEG, NEG}, topP(0.0, 1, 2, 1, 0, -1));  // top_p 0: the top token only
        assertArrayEquals(new float[] {2, 1, 0, -1}, topP(1.0, 1, 2, 1, 0, -1));
        assertThrows(IllegalArgumentException.class, () -> new TopPLogitsWarper(1.5, 1));
        assertThrows(IllegalArgumentException.class, () -> new TopPLogitsWarper(0.5, 0));
    }

    /**
     * Against an independent float64 reference in the descending form (keep a token while the mass of the more
     * likely ones is below top_p), on vocabularies large enough that most tokens are decided without sorting.
     * Vectors whose cut lies within 1e-6 of top_p are skipped: float32 may decide those either way.
     */
    @Test
    void matchesTheDescendingRuleInDoubleOnRandomVectors() {
        SplittableRandom random = new SplittableRandom(11);
        int checked = 0;
        for (int trial = 0; trial < 300; trial++) {
            int v = 50 + random.nextInt(5000);
            float[] scores = new float[v];
            double spread = 0.5 + 4 * random.nextDouble();
            for (int i = 0; i < v; i++) {
                scores[i] = (float) (spread * gaussian(random));
            }
            double p = 0.05 + 0.9 * random.nextDouble();
            double max = IntStream.range(0, v).mapToDouble(i -> scores[i]).max().orElseThrow();
            double[] prob = IntStream.range(0, v).mapToDouble(i -> Math.exp(scores[i] - max)).toArray();
            double sum = Arrays.stream(prob).sum();
            Integer[] order = IntStream.range(0, v).boxed().sorted(Comparator.comparingDouble(i -> -prob[i])).toArray(Integer[]::new);
            boolean[] keep = new boolean[v];
            double before = 0;
            double margin = Double.POSITIVE_INFINITY;
            for (int id : order) {
                margin = Math.min(margin, Math.abs(before - p));
                keep[id] = before < p;
                before += prob[id] / sum;
            }
            if (margin < 1e-6) {
                continue;
            }
            checked++;
            float[] got = topP(p, 1, scores);
            for (int i = 0; i < v; i++) {
                assertEquals(keep[i] ? scores[i] : NEG, got[i], "trial " + trial + " id " + i);
            }
        }
        assertTrue(checked > 250, checked + " vectors checked");
    }

    private static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}
