package io.paligemma.generate.logits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** HF's RepetitionPenaltyLogitsProcessor on hand-computed vectors. */
class RepetitionPenaltyLogitsProcessorTest {

    @Test
    void dividesPositiveMultipliesNegativeOncePerDistinctContextId() {
        float[] scores = {2f, -1f, 0f, 0.5f, 3f, -4f};
        int[] context = {0, 1, 2, 0, 0, 4};   // id 0 three times: penalised once
        new RepetitionPenaltyLogitsProcessor(2f).process(context, context.length, scores);
        assertArrayEquals(new float[] {1f, -2f, 0f, 0.5f, 1.5f, -4f}, scores);
    }

    @Test
    void onlyTheFirstLengthIdsAreTheContext() {
        float[] scores = {2f, 2f, 2f};
        new RepetitionPenaltyLogitsProcessor(2f).process(new int[] {0, 2, 1}, 2, scores);
        assertArrayEquals(new float[] {1f, 2f, 1f}, scores);
    }

    @Test
    void float32ArithmeticWithThePenaltyAsFloat32() {
        // numpy: np.float32(3) / np.float32(1.3) = 2.3076923, np.float32(-1.5) * np.float32(1.3) = -1.9499999
        float[] scores = {3f, -1.5f};
        new RepetitionPenaltyLogitsProcessor(1.3f).process(new int[] {0, 1}, 2, scores);
        assertEquals(2.3076923f, scores[0]);
        assertEquals(-1.9499999f, scores[1]);
    }

    @Test
    void aPenaltyBelowOneRewardsRepeats() {
        float[] scores = {2f, -1f};
        new RepetitionPenaltyLogitsProcessor(0.5f).process(new int[] {0, 1}, 2, scores);
        assertArrayEquals(new float[] {4f, -0.5f}, scores);
    }

    @Test
    void eachCallSeesOnlyItsOwnContext() {
        RepetitionPenaltyLogitsProcessor p = new RepetitionPenaltyLogitsProcessor(2f);
        float[] first = {4f, 4f, 4f, 4f};
        p.process(new int[] {0, 1}, 2, first);
        float[] second = {4f, 4f, 4f, 4f};
        p.process(new int[] {3}, 1, second);                 // ids 0 and 1 must not count as seen any more
        assertArrayEquals(new float[] {2f, 2f, 4f, 4f}, first);
        assertArrayEquals(new float[] {4f, 4f, 4f, 2f}, second);
        float[] minusInf = {Float.NEGATIVE_INFINITY, 1f};
        p.process(new int[] {0}, 1, minusInf);
        assertEquals(Float.NEGATIVE_INFINITY, minusInf[0]);
    }

    @Test
    void badArgumentsAreRefusedWithAMessage() {
        IllegalArgumentException id = assertThrows(IllegalArgumentException.class,
                () -> new RepetitionPenaltyLogitsProcessor(1.2f).process(new int[] {7}, 1, new float[4]));
        assertTrue(id.getMessage().contains("7"), id.getMessage());
        for (float bad : new float[] {0f, -1f, Float.NaN, Float.POSITIVE_INFINITY}) {
            assertThrows(IllegalArgumentException.class, () -> new RepetitionPenaltyLogitsProcessor(bad));
        }
    }
}
