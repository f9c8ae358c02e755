package io.paligemma.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.generate.BeamSearchConfig.EarlyStopping;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bookkeeping of Hugging Face's BeamSearchScorer / BeamHypotheses on hand-made candidate lists: which
 * candidates finish a hypothesis and which continue, when the search is done under each early_stopping, what
 * the heap keeps and evicts, the order of the returned hypotheses, and HF's output rows.
 */
class BeamSearchScorerTest {
    private static final int EOS = 1;

    private static BeamSearchScorer scorer(int beams, int returned, double lp, EarlyStopping early) {
        return new BeamSearchScorer(new BeamSearchConfig(beams, returned, lp, early), 10, new int[] {EOS});
    }

    /** Two steps of 2 beams: step 0 finishes an EOS hypothesis at rank 0, step 1 one at rank 0 and skips one at rank 2. */
    private static List<BeamHypothesis> twoSteps(BeamSearchScorer s, boolean[] doneAfter) {
        float[] ns = new float[2];
        int[] nt = new int[2];
        int[] np = new int[2];
        // step 0: only beam 0 is real; rank 0 is EOS → hypothesis [] with generated_len 1, ranks 1, 2 the new beams
        s.process(new int[][] {{}, {}}, 0, new float[] {-0.5f, -1.0f, -1.2f, -2.0f}, new int[] {EOS, 7, 8, EOS},
                new int[] {0, 0, 0, 0}, ns, nt, np);
        assertArrayEquals(new float[] {-1.0f, -1.2f}, ns);
        assertArrayEquals(new int[] {7, 8}, nt);
        assertArrayEquals(new int[] {0, 0}, np);
        doneAfter[0] = s.isDone();
        // step 1: beams [7] and [8]; EOS on beam 1 at rank 0 → hypothesis [8] (len 2), the EOS at rank 2 (>= k) is skipped
        s.process(new int[][] {{7}, {8}}, 1, new float[] {-1.3f, -1.5f, -1.6f, -1.7f}, new int[] {EOS, 4, EOS, 5},
                new int[] {1, 0, 0, 1}, ns, nt, np);
        assertArrayEquals(new float[] {-1.5f, -1.7f}, ns);
        assertArrayEquals(new int[] {4, 5}, nt);
        assertArrayEquals(new int[] {0, 1}, np);
        doneAfter[1] = s.isDone();
        return s.finished();
    }

    @Test
    void eosCandidatesAmongTheFirstKFinishTheOthersContinueInRankOrder() {
        BeamSearchScorer s = scorer(2, 2, 1.0, EarlyStopping.FALSE);
        boolean[] done = new boolean[2];
        List<BeamHypothesis> heap = twoSteps(s, done);
        assertEquals(2, heap.size());
        assertArrayEquals(new int[0], heap.get(0).tokens());
        assertEquals(1, heap.get(0).generatedLength());
        assertEquals(-0.5, heap.get(0).score());
        assertArrayEquals(new int[] {8}, heap.get(1).tokens());
        assertEquals(2, heap.get(1).generatedLength());
        assertEquals(-1.3f / 2.0, heap.get(1).score());
        assertTrue(heap.get(1).endedWithEos());
    }

    @Test
    void earlyStoppingFalseCompareTheWorstWithTheBestCandidateAtTheCurrentLength() {
        // after step 1: two hypotheses, worst -0.65; best candidate -1.3 / 2 new tokens = -0.65 → done (>=)
        BeamSearchScorer s = scorer(2, 2, 1.0, EarlyStopping.FALSE);
        boolean[] done = new boolean[2];
        twoSteps(s, done);
        assertFalse(done[0]);                    // one hypothesis of two
        assertTrue(done[1]);
        // done: finalize adds no running beam; best first
        List<BeamHypothesis> out = s.finalize(new int[][] {{7, 4}, {8, 5}}, 2, new float[] {-1.5f, -1.7f});
        assertEquals(2, out.size());
        assertArrayEquals(new int[0], out.get(0).tokens());
        assertArrayEquals(new int[] {8}, out.get(1).tokens());
        // HF's rows: min(longest + 1, max new) = 2 wide, EOS where it fits, pad (0) because the lengths differ
        assertArrayEquals(new int[][] {{EOS, 0}, {8, EOS}}, BeamSearchScorer.rows(out, 10, new int[] {EOS}, 0));
    }

    @Test
    void earlyStoppingNeverUsesTheMaximumLengthWhenThePenaltyIsPositive() {
        // best possible: -1.3 / 10 = -0.13 > worst -0.65: not done; the running beams are added at the end (and lose)
        BeamSearchScorer s = scorer(2, 2, 1.0, EarlyStopping.NEVER);
        boolean[] done = new boolean[2];
        twoSteps(s, done);
        assertFalse(done[1]);
        List<BeamHypothesis> out = s.finalize(new int[][] {{7, 4}, {8, 5}}, 2, new float[] {-1.5f, -1.7f});
        assertArrayEquals(new int[0], out.get(0).tokens());
        assertArrayEquals(new int[] {8}, out.get(1).tokens());
        // with a running beam better than the worst kept: it replaces it
        BeamSearchScorer t = scorer(2, 2, 1.0, EarlyStopping.NEVER);
        twoSteps(t, done);
        List<BeamHypothesis> out2 = t.finalize(new int[][] {{7, 4}, {8, 5}}, 2, new float[] {-1.1f, -1.7f});
        assertArrayEquals(new int[0], out2.get(0).tokens());
        assertArrayEquals(new int[] {7, 4}, out2.get(1).tokens());
        assertFalse(out2.get(1).endedWithEos());
        assertEquals(-1.1f / 2.0, out2.get(1).score());
        // rows of equal lengths: no pad fill; the cut hypothesis has no room for an EOS only at max length
        assertArrayEquals(new int[][] {{EOS, 0, 0}, {7, 4, EOS}}, BeamSearchScorer.rows(out2, 10, new int[] {EOS}, 0));
        assertArrayEquals(new int[][] {{EOS, 0}, {7, 4}}, BeamSearchScorer.rows(out2, 2, new int[] {EOS}, 0));
    }

    @Test
    void earlyStoppingTrueStopsOnceKHypothesesExist() {
        BeamSearchScorer s = scorer(2, 1, 1.0, EarlyStopping.TRUE);
        boolean[] done = new boolean[2];
        twoSteps(s, done);
        assertFalse(done[0]);
        assertTrue(done[1]);
        assertEquals(1, s.finalize(new int[][] {{7, 4}, {8, 5}}, 2, new float[] {-0.1f, -0.1f}).size());
    }

    @Test
    void theHeapKeepsTheBestKAndReturnsEqualScoresLastAddedFirst() {
        BeamHypotheses h = new BeamHypotheses(2, 1.0, EarlyStopping.FALSE, 10);
        assertTrue(h.add(new int[] {3}, true, -3f, 1));
        assertTrue(h.add(new int[] {2}, true, -2f, 1));
        assertEquals(-3.0, h.worstScore());
        assertTrue(h.add(new int[] {1}, true, -1f, 1));       // evicts -3
        assertEquals(-2.0, h.worstScore());
        assertFalse(h.add(new int[] {9}, true, -2.5f, 1));     // not better than the worst
        assertFalse(h.add(new int[] {9}, true, -2f, 1));       // equal is not better
        assertEquals(List.of(1, 2), h.best(2).stream().map(b -> b.tokens()[0]).toList());
        BeamHypotheses ties = new BeamHypotheses(3, 1.0, EarlyStopping.FALSE, 10);
        ties.add(new int[] {10}, false, -1f, 1);
        ties.add(new int[] {11}, false, -1f, 1);
        ties.add(new int[] {12}, false, -4f, 1);
        // sorted(beams, key=score) is stable; pop() from the end gives the later of equal scores first
        assertEquals(List.of(11, 10, 12), ties.best(3).stream().map(b -> b.tokens()[0]).toList());
    }

    @Test
    void theLengthPenaltyDividesByNewTokensToItsPower() {
        BeamHypotheses h = new BeamHypotheses(4, 0.5, EarlyStopping.FALSE, 10);
        h.add(new int[4], false, -6f, 4);
        assertEquals(-3.0, h.best(1).get(0).score());          // -6 / 4 ** 0.5
        BeamHypotheses n = new BeamHypotheses(4, -1.0, EarlyStopping.FALSE, 10);
        n.add(new int[4], false, -6f, 4);
        assertEquals(-24.0, n.best(1).get(0).score());         // -6 / 4 ** -1
        // is_done (false): worst >= best / cur ** lp; here worst -3 (lp 0.5), best -5 at 4 new tokens → -2.5: not done
        for (int i = 0; i < 3; i++) {
            h.add(new int[4], false, -6f, 4);
        }
        assertFalse(h.isDone(-5f, 4));
        assertTrue(h.isDone(-7f, 4));                           // -3.5 <= -3
    }

    @Test
    void moreEosCandidatesThanTheStepCanSkipIsAnError() {
        BeamSearchScorer s = scorer(2, 1, 1.0, EarlyStopping.FALSE);
        assertThrows(IllegalStateException.class, () -> s.process(new int[][] {{}, {}}, 0,
                new float[] {-1f, -2f, -3f, -4f}, new int[] {EOS, EOS, EOS, 5}, new int[] {0, 1, 0, 0},
                new float[2], new int[2], new int[2]));
    }
}
