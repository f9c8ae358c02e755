package io.paligemma.generate;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Chooses tokens from logits. One sampler per request: it holds the random stream and a scratch array
 * for the candidate set, both reused across steps.
 */
public final class Sampler {
    private final SamplingConfig config;
    private final SplittableRandom random;
    private long[] keys = new long[0];  // [V] sort keys: logit descending, then id ascending
    private int[] order = new int[0];   // [V] candidate ids sorted by logit, descending
    private double[] probs = new double[0]; // [V] unnormalised probabilities of the candidates

    public Sampler(SamplingConfig config) {
        this.config = config;
        this.random = new SplittableRandom(config.seed());
    }

    /** The next token from logits[0, vocab). */
    public int next(MemorySegment logits, int vocab) {
        if (logits.byteSize() < (long) vocab * Float.BYTES) {
            throw new IllegalArgumentException("logits hold fewer than " + vocab + " values");
        }
        if (config.isGreedy()) {
            return argmax(logits, vocab);
        }
        return sample(logits, vocab);
    }

    /** First index of the largest logit, as torch.argmax. */
    public static int argmax(MemorySegment logits, int vocab) {
        int best = 0;
        float bestValue = logits.getAtIndex(ValueLayout.JAVA_FLOAT, 0);
        for (int i = 1; i < vocab; i++) {
            float v = logits.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            if (v > bestValue) {
                best = i;
                bestValue = v;
            }
        }
        return best;
    }

    private int sample(MemorySegment logits, int vocab) {
        // candidates, most likely first (ties by id, so the order is deterministic)
        int k = config.topK() > 0 ? Math.min(config.topK(), vocab) : vocab;
        if (keys.length < vocab) {
            keys = new long[vocab];
            order = new int[vocab];
            probs = new double[vocab];
        }
        for (int i = 0; i < vocab; i++) {
            keys[i] = descendingKey(logits.getAtIndex(ValueLayout.JAVA_FLOAT, i), i);
        }
        Arrays.sort(keys, 0, vocab);
        for (int i = 0; i < k; i++) {
            order[i] = (int) keys[i];
        }
        // temperature, then softmax over the top-k
        double t = config.temperature();
        double max = logits.getAtIndex(ValueLayout.JAVA_FLOAT, order[0]) / t;
        double sum = 0;
        for (int i = 0; i < k; i++) {
            probs[i] = Math.exp(logits.getAtIndex(ValueLayout.JAVA_FLOAT, order[i]) / t - max);
            sum += probs[i];
        }
        // top-p: keep the smallest prefix whose mass reaches p (at least one token)
        int keep = k;
        if (config.topP() < 1f) {
            double mass = 0;
            for (int i = 0; i < k; i++) {
                mass += probs[i] / sum;
                if (mass >= config.topP()) {
                    keep = i + 1;
                    break;
                }
            }
        }
        // min-p: drop tokens below minP × the top probability
        if (config.minP() > 0f) {
            double floor = config.minP() * probs[0];
            int i = 1;
            while (i < keep && probs[i] >= floor) {
                i++;
            }
            keep = i;
        }
        double total = 0;
        for (int i = 0; i < keep; i++) {
            total += probs[i];
        }
        double u = random.nextDouble() * total;
        for (int i = 0; i < keep; i++) {
            u -= probs[i];
            if (u < 0) {
                return order[i];
            }
        }
        return order[keep - 1];
    }

    /** A long whose signed order is: larger logit first, then smaller id. */
    private static long descendingKey(float logit, int id) {
        int bits = Float.floatToIntBits(logit == 0f ? 0f : logit);  // -0 and +0 sort together
        int ascending = bits < 0 ? ~bits : bits | 0x80000000;      // unsigned order = float order
        int descending = ~ascending ^ 0x80000000;                   // signed order = reverse float order
        return ((long) descending << 32) | (id & 0xffffffffL);
    }
}
