package io.paligemma.generate.logits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** HF's MinNewTokensLengthLogitsProcessor: EOS masked exactly while fewer than min_new_tokens follow the prompt. */
class MinNewTokensLengthLogitsProcessorTest {
    private static final float NI = Float.NEGATIVE_INFINITY;

    private static float[] run(int prompt, int minNew, int[] eos, int length) {
        float[] scores = {0.5f, 1.5f, -2f, 3f};
        new MinNewTokensLengthLogitsProcessor(prompt, minNew, eos).process(new int[16], length, scores);
        return scores;
    }

    @Test
    void masksEveryEosIdWhileFewerThanMinNewTokensWereGenerated() {
        // prompt 5, min 3: lengths 5, 6, 7 (0, 1, 2 new tokens) are masked, 8 (3 new) is not
        for (int length = 5; length < 8; length++) {
            assertArrayEquals(new float[] {0.5f, NI, -2f, NI}, run(5, 3, new int[] {1, 3}, length), "length " + length);
        }
        assertArrayEquals(new float[] {0.5f, 1.5f, -2f, 3f}, run(5, 3, new int[] {1, 3}, 8));
        assertArrayEquals(new float[] {0.5f, 1.5f, -2f, 3f}, run(5, 3, new int[] {1, 3}, 12));
    }

    @Test
    void zeroMasksNothing() {
        assertArrayEquals(new float[] {0.5f, 1.5f, -2f, 3f}, run(5, 0, new int[] {1}, 5));
    }

    @Test
    void refusesBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> run(5, 3, new int[] {7}, 5));   // eos outside the vocabulary
        assertThrows(IllegalArgumentException.class, () -> new MinNewTokensLengthLogitsProcessor(5, -1, new int[] {1}));
        assertThrows(IllegalArgumentException.class, () -> new MinNewTokensLengthLogitsProcessor(5, 2, new int[0]));
    }
}
