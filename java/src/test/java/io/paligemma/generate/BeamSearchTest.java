package io.paligemma.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.generate.logits.LogitsProcessorList;
import io.paligemma.tensor.FloatMatrix;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The beam search's step logic against exhaustive search: with enough beams that nothing is pruned before the last
 * step (k ≥ V^(T-1)) and no EOS, HF's beam search returns the best sequences of length T by summed log-probability,
 * which the test finds by enumerating all V^T of them. The "model" gives each sequence its own logits, so a beam
 * fed another beam's history (a parent bookkeeping error) would score differently.
 */
class BeamSearchTest {
    private static final int V = 4;
    private static final int T = 3;
    private static final int[] PROMPT = {2, 3};

    /** Deterministic logits of the next token after {@code seq}. */
    private static float[] logits(int[] seq) {
        long h = 17;
        for (int t : seq) {
            h = h * 31 + t + 1;
        }
        SplittableRandom r = new SplittableRandom(h);
        float[] l = new float[V];
        for (int v = 0; v < V; v++) {
            l[v] = (float) (r.nextDouble() * 6 - 3);
        }
        return l;
    }

    private static double logprob(int[] seq, int token) {
        float[] l = logits(seq);
        double max = Double.NEGATIVE_INFINITY;
        for (float x : l) {
            max = Math.max(max, x);
        }
        double z = 0;
        for (float x : l) {
            z += Math.exp(x - max);
        }
        return l[token] - max - Math.log(z);
    }

    private static int[] concat(int[] a, int... b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void withoutPruningBeamSearchReturnsTheBestSequencesOfAllV() {
        int k = 16;                                           // V^(T-1): every prefix survives to the last step
        int returned = 5;
        BeamSearch search = new BeamSearch(new BeamSearchConfig(k, returned, 1.0, BeamSearchConfig.EarlyStopping.FALSE),
                new LogitsProcessorList(List.of()), PROMPT, T, new int[0], V);
        int[][] beams = new int[k][];
        Arrays.fill(beams, PROMPT);
        boolean first = true;
        while (!search.finished()) {
            int rows = first ? 1 : k;                         // after the prompt: one row, which every beam shares
            float[] all = new float[rows * V];
            for (int b = 0; b < rows; b++) {
                System.arraycopy(logits(beams[b]), 0, all, b * V, V);
            }
            search.step(FloatMatrix.of(MemorySegment.ofArray(all), rows, V));
            int[] parents = search.parents();
            int[][] next = new int[k][];
            for (int b = 0; b < k; b++) {
                next[b] = concat(beams[parents[b]], search.lastToken(b));
            }
            beams = next;
            first = false;
        }
        // every sequence of T tokens, scored in double
        List<int[]> all = new ArrayList<>();
        List<Double> sums = new ArrayList<>();
        for (int code = 0; code < (int) Math.pow(V, T); code++) {
            int[] seq = new int[T];
            double sum = 0;
            int[] ctx = PROMPT;
            for (int t = 0, c = code; t < T; t++, c /= V) {
                seq[t] = c % V;
                sum += logprob(ctx, seq[t]);
                ctx = concat(ctx, seq[t]);
            }
            all.add(seq);
            sums.add(sum);
        }
        Integer[] order = new Integer[all.size()];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparingDouble(i -> -sums.get(i)));
        for (int i = 0; i < returned; i++) {
            assertTrue(sums.get(order[i]) - sums.get(order[i + 1]) > 1e-5, "the reference order is not a near-tie");
        }
        List<BeamHypothesis> got = search.returned();
        assertEquals(returned, got.size());
        for (int i = 0; i < returned; i++) {
            assertArrayEquals(all.get(order[i]), got.get(i).tokens(), "hypothesis " + i);
            assertEquals(sums.get(order[i]) / T, got.get(i).score(), 1e-5, "score " + i);   // length_penalty 1
            assertEquals(T, got.get(i).generatedLength());
        }
    }

    @Test
    void logSoftmaxIsNormalised() {
        float[] out = new float[5];
        BeamSearch.logSoftmax(MemorySegment.ofArray(new float[] {1f, 2f, 3f, -1f, 0.5f}), out);
        double z = 0;
        for (float x : out) {
            z += Math.exp(x);
        }
        assertEquals(1.0, z, 1e-6);
        assertEquals(1f - 2f, out[0] - out[1], 1e-6);
    }
}
