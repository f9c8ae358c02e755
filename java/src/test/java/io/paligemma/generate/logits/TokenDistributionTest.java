package io.paligemma.generate.logits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenDistributionTest {
    private static final float NEG = Float.NEGATIVE_INFINITY;
    private static final LogitsProcessorList NONE = new LogitsProcessorList(List.of());

    private static TokenDistribution of(float... logits) {
        return of(NONE, logits);
    }

    private static TokenDistribution of(LogitsProcessorList processors, float... logits) {
        return new TokenDistribution(logits.length).compute(MemorySegment.ofArray(logits), processors, new int[0], 0);
    }

    @Test
    void softmaxAndLogSoftmaxOfAHandComputedVector() {
        TokenDistribution d = of(2, 1, 0, -1);
        double z = Math.exp(2) + Math.exp(1) + 1 + Math.exp(-1);
        double[] p = {Math.exp(2) / z, Math.exp(1) / z, 1 / z, Math.exp(-1) / z};   // 0.643914 0.236883 0.087144 0.032059
        for (int i = 0; i < 4; i++) {
            assertEquals(p[i], d.probability(i), 1e-7);
            assertEquals(Math.log(p[i]), d.logprob(i), 1e-6);
        }
        assertEquals(4, d.keptCount());
        assertEquals(0, d.argmax());
    }

    @Test
    void minusInfinityIsProbabilityZeroAndNotKept() {
        TokenDistribution d = of(NEG, 1, NEG, 1);
        assertArrayEquals(new int[] {1, 3}, d.keptIds());
        assertEquals(0f, d.probability(0));
        assertEquals(0.5f, d.probability(1));
        assertEquals(NEG, d.logprob(2));
        assertEquals(Math.log(0.5), d.logprob(3), 1e-7);
    }

    @Test
    void anOverflowedTemperatureGivesItsLimitAndNothingLeftIsAnError() {
        TokenDistribution d = of(new LogitsProcessorList(List.of(new TemperatureLogitsWarper(1e-38f))), 5, 1, 5);
        assertEquals(0.5f, d.probability(0));      // 5 / 1e-38 = +inf twice: uniform over them
        assertEquals(0f, d.probability(1));
        assertEquals(0.5f, d.probability(2));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> of(NEG, NEG));
        assertTrue(e.getMessage().contains("-inf"), e.getMessage());
    }

    @Test
    void drawIsTheInverseOfTheCumulativeOverIdsAscending() {
        TokenDistribution quarters = of(0, 0, 0, 0);
        assertEquals(0, quarters.draw(0.1));
        assertEquals(1, quarters.draw(0.3));
        assertEquals(2, quarters.draw(0.6));
        assertEquals(3, quarters.draw(0.99));
        TokenDistribution thirds = of(0, NEG, 0, 0);      // a removed token is never drawn
        assertEquals(0, thirds.draw(0.3));
        assertEquals(2, thirds.draw(0.34));
        assertEquals(3, thirds.draw(0.7));
        assertEquals(3, thirds.draw(Math.nextDown(1.0)));
    }

    @Test
    void topListsKeptTokensMostLikelyFirstEqualOnesById() {
        assertArrayEquals(new int[] {0, 1}, of(2, 1, 0, -1).top(2));
        assertArrayEquals(new int[] {0, 1, 2, 3}, of(2, 1, 0, -1).top(10));
        assertArrayEquals(new int[] {3, 1}, of(NEG, 1, NEG, 2).top(5));
        assertArrayEquals(new int[] {0, 1}, of(1, 1, 0).top(2));
        assertArrayEquals(new int[] {1, 2}, of(0, 1, 1).top(2));
        assertArrayEquals(new int[0], of(1, 2).top(0));
        assertEquals(1, of(0, 3, 3).argmax());          // the first of equal maxima, as torch.argmax
    }
}
