package io.paligemma.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SamplerTest {

    private static MemorySegment logits(float... v) {
        return MemorySegment.ofArray(v);
    }

    private static int[] draws(SamplingConfig c, float[] logits, int n) {
        Sampler s = new Sampler(c);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = s.next(logits(logits), logits.length);
        }
        return out;
    }

    @Test
    void greedyIsTheFirstLargestLogit() {
        assertEquals(1, new Sampler(SamplingConfig.GREEDY).next(logits(0, 3, 3, 1), 4));
        assertEquals(1, Sampler.argmax(logits(0, 3, 3, 1), 4));
    }

    @Test
    void theRepetitionPenaltySeesThePromptAndEveryChosenToken() {
        // penalty 2 on {1, 3, 2}: no context → 1; context {1} → {1, 1.5, 2} → 2; context {1, 2} → {1, 1.5, 1} → 1
        Sampler s = new Sampler(SamplingConfig.GREEDY.withRepetitionPenalty(2f), new int[0], false);
        float[] l = {1, 3, 2};
        assertEquals(1, s.next(logits(l), 3));
        assertEquals(2, s.next(logits(l), 3));
        assertEquals(1, s.next(logits(l), 3));
        Sampler prompted = new Sampler(SamplingConfig.GREEDY.withRepetitionPenalty(2f), new int[] {1}, false);
        assertEquals(2, prompted.next(logits(l), 3));
    }

    @Test
    void theSameSeedDrawsTheSameTokens() {
        SplittableRandom r = new SplittableRandom(3);
        float[] l = new float[500];
        for (int i = 0; i < l.length; i++) {
            l[i] = (float) r.nextDouble(-3, 3);
        }
        SamplingConfig c = new SamplingConfig(0.9f, 100, 0.95, 0.01f, 1.1f, 42);
        int[] a = draws(c, l, 50);
        assertArrayEquals(a, draws(c, l, 50));
        assertFalse(Arrays.equals(a, draws(c.withSeed(43), l, 50)));
    }

    /** A deterministic seed, so this cannot flake: 20,000 draws from {0.5, 0.3, 0.2} land within 0.015 of those. */
    @Test
    void drawsFollowTheDistribution() {
        float[] l = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.2)};
        int[] counts = new int[3];
        for (int t : draws(new SamplingConfig(1f, 0, 1.0, 0f, 7), l, 20_000)) {
            counts[t]++;
        }
        assertEquals(0.5, counts[0] / 20_000.0, 0.015);
        assertEquals(0.3, counts[1] / 20_000.0, 0.015);
        assertEquals(0.2, counts[2] / 20_000.0, 0.015);
        // top-k 2 removes the third: never drawn, the others renormalised to 0.625 / 0.375
        int[] k2 = new int[3];
        for (int t : draws(new SamplingConfig(1f, 2, 1.0, 0f, 7), l, 20_000)) {
            k2[t]++;
        }
        assertEquals(0, k2[2]);
        assertEquals(0.625, k2[0] / 20_000.0, 0.015);
    }

    @Test
    void topK1SamplingIsGreedy() {
        float[] l = {0.5f, 2f, 1.9f, -1f};
        for (int t : draws(new SamplingConfig(1.3f, 1, 1.0, 0f, 9), l, 30)) {
            assertEquals(1, t);
        }
    }

    @Test
    void theLastStepsLogprobComesFromTheDistributionItWasDrawnFrom() {
        // temperature 0.5 then top-k 2 on {2, 1, 0}: scores {4, 2, -inf}, p = e^4 / (e^4 + e^2), e^2 / (e^4 + e^2)
        Sampler s = new Sampler(new SamplingConfig(0.5f, 2, 1.0, 0f, 1), new int[0], true);
        int token = s.next(logits(2, 1, 0), 3);
        TokenLogprob lp = s.lastLogprob(5);
        double z = Math.exp(4) + Math.exp(2);
        assertEquals(token, lp.tokenId());
        assertEquals(2, lp.topLogprobs().size(), "only kept tokens are alternatives");
        assertEquals(0, lp.topLogprobs().get(0).tokenId());
        assertEquals(Math.log(Math.exp(4) / z), lp.topLogprobs().get(0).logprob(), 1e-6);
        assertEquals(Math.log(Math.exp(2) / z), lp.topLogprobs().get(1).logprob(), 1e-6);
        assertEquals(lp.topLogprobs().get(token).logprob(), lp.logprob());
        // greedy: the softmax of the raw logits at temperature 1
        Sampler g = new Sampler(SamplingConfig.GREEDY, new int[0], true);
        assertEquals(0, g.next(logits(2, 1, 0), 3));
        double z1 = Math.exp(2) + Math.exp(1) + 1;
        assertEquals(Math.log(Math.exp(2) / z1), g.lastLogprob(0).logprob(), 1e-6);
        assertTrue(g.lastLogprob(0).topLogprobs().isEmpty());
        assertThrows(IllegalStateException.class, () -> new Sampler(SamplingConfig.GREEDY).lastDistribution());
    }
}
