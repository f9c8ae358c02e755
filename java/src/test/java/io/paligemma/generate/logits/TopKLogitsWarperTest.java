package io.paligemma.generate.logits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TopKLogitsWarperTest {
    private static final float NEG = Float.NEGATIVE_INFINITY;

    private static float[] topK(int k, int minKeep, float... scores) {
        float[] s = scores.clone();
        new TopKLogitsWarper(k, minKeep).process(new int[0], 0, s);
        return s;
    }

    @Test
    void keepsTheKLargest() {
        assertArrayEquals(new float[] {NEG, 3, NEG, 3, NEG}, topK(2, 1, 1, 3, 2, 3, 0));
        assertArrayEquals(new float[] {NEG, 3, 2, 3, NEG}, topK(3, 1, 1, 3, 2, 3, 0));
    }

    @Test
    void tiesWithTheKthAreAllKept() {
        assertArrayEquals(new float[] {NEG, 2, 2, NEG}, topK(2, 1, 1, 2, 2, 0));
        assertArrayEquals(new float[] {NEG, 2, 2, NEG}, topK(1, 1, 1, 2, 2, 0));   // k = 1, two survive
    }

    @Test
    void minTokensToKeepRaisesKAndTheVocabularyBoundsIt() {
        assertEquals(3, new TopKLogitsWarper(1, 3).topK());
        assertArrayEquals(new float[] {1, 2, 2, NEG}, topK(1, 3, 1, 2, 2, 0));
        assertArrayEquals(new float[] {1, 2, 2, 0}, topK(10, 1, 1, 2, 2, 0));
        // fewer finite scores than k: the k-th largest is -inf and nothing is below it
        assertArrayEquals(new float[] {NEG, 1, NEG, 0}, topK(3, 1, NEG, 1, NEG, 0));
    }

    /** Against an independent reference: sort a copy, the k-th largest is element V - k. */
    @Test
    void matchesASortOnRandomVectorsWithDuplicates() {
        SplittableRandom random = new SplittableRandom(5);
        for (int trial = 0; trial < 200; trial++) {
            int v = 1 + random.nextInt(300);
            float[] scores = new float[v];
            for (int i = 0; i < v; i++) {
                scores[i] = random.nextInt(40) / 4f - 5f;      // few distinct values: many ties
            }
            int k = 1 + random.nextInt(v + 5);
            float[] sorted = scores.clone();
            Arrays.sort(sorted);
            float kth = sorted[v - Math.min(k, v)];
            float[] got = topK(k, 1, scores);
            for (int i = 0; i < v; i++) {
                assertEquals(scores[i] >= kth ? scores[i] : NEG, got[i], "trial " + trial + " id " + i);
            }
        }
    }

    @Test
    void kMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new TopKLogitsWarper(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new TopKLogitsWarper(5, 0));
    }
}
