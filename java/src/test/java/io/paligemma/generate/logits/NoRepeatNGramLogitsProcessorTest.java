package io.paligemma.generate.logits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** HF's NoRepeatNGramLogitsProcessor on hand-computed sequences. */
class NoRepeatNGramLogitsProcessorTest {
    private static final float NI = Float.NEGATIVE_INFINITY;

    private static float[] run(int n, int[] ids, int length, int vocab) {
        float[] scores = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            scores[i] = i * 0.5f - 1f;
        }
        new NoRepeatNGramLogitsProcessor(n).process(ids, length, scores);
        return scores;
    }

    @Test
    void bigramsBanEveryTokenThatFollowedTheLastToken() {
        // sequence 5 1 2 5 3 4 5: the last token 5 was followed by 1 and by 3 → both banned; 4 followed 3, not 5
        float[] s = run(2, new int[] {5, 1, 2, 5, 3, 4, 5}, 7, 7);
        assertArrayEquals(new float[] {-1f, NI, 0f, NI, 1f, 1.5f, 2f}, s);
    }

    @Test
    void trigramsMatchTheLastTwoTokens() {
        // last two tokens (1, 2): earlier (1, 2) was followed by 3; (2, 1) → 4 is another prefix and stays allowed
        float[] s = run(3, new int[] {1, 2, 3, 2, 1, 4, 1, 2}, 8, 6);
        assertArrayEquals(new float[] {-1f, -0.5f, 0f, NI, 1f, 1.5f}, s);
    }

    @Test
    void unigramsBanEveryTokenOfTheSequence() {
        float[] s = run(1, new int[] {0, 3, 3}, 3, 5);
        assertArrayEquals(new float[] {NI, -0.5f, 0f, NI, 1f}, s);
    }

    @Test
    void nothingIsBannedUntilAnNgramCanBeCompleted() {
        // cur_len + 1 < n: 2 tokens, n = 4
        float[] s = run(4, new int[] {1, 1}, 2, 3);
        assertArrayEquals(new float[] {-1f, -0.5f, 0f}, s);
        // 3 tokens, n = 4: the 3-token prefix (1, 1, 1) occurs only at the end, no full 4-gram exists yet
        assertArrayEquals(new float[] {-1f, -0.5f, 0f}, run(4, new int[] {1, 1, 1}, 3, 3));
    }

    @Test
    void onlyTheFirstLengthIdsAreTheSequence() {
        // ids beyond length (a buffer's spare room) are not part of the sequence
        float[] s = run(2, new int[] {2, 0, 2, 1, 1}, 3, 3);
        assertArrayEquals(new float[] {NI, -0.5f, 0f}, s);
    }

    @Test
    void refusesAnIdOutsideTheVocabularyAndAZeroSize() {
        assertThrows(IllegalArgumentException.class, () -> run(2, new int[] {1, 9, 1}, 3, 4));
        assertThrows(IllegalArgumentException.class, () -> new NoRepeatNGramLogitsProcessor(0));
    }
}
