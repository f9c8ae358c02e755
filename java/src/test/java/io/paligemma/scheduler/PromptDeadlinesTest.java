package io.paligemma.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The decision of {@link PromptDeadlines} on hand-made numbers: 1 ns per multiply-add of prompt work, decode
 * steps of 100 ns, a chunk of 50; a prompt of W = 1000 submitted at 0 is due at factor · 1000 + 50.
 */
class PromptDeadlinesTest {
    private static final long CHUNK = 50;

    private static PromptDeadlines measured(double factor) {
        PromptDeadlines d = new PromptDeadlines(factor, CHUNK);
        d.promptWork(1000, 1000, false);     // 1 ns per multiply-add, alone
        d.decodeStep(100);
        return d;
    }

    private static PromptDeadlines.Pending prompt(long total, long left, long submitted) {
        return new PromptDeadlines.Pending(total, left, submitted);
    }

    @Test
    void decodesRunWhileThePromptHasSlack() {
        // due at 2050; alone from now it ends at 600 + 1000 = 1600; after two more decode steps 1800 < 2050
        assertFalse(measured(2).postponeDecode(600, List.of(prompt(1000, 1000, 0))));
    }

    @Test
    void decodesWaitWhenOneMoreStepWouldMakeThePromptLate() {
        // ends at 900 + 1000 = 1900 <= 2050, but 1900 + 2 * 100 > 2050
        assertTrue(measured(2).postponeDecode(900, List.of(prompt(1000, 1000, 0))));
        // the same prompt half done: ends at 900 + 500 = 1400, with room for the decodes
        assertFalse(measured(2).postponeDecode(900, List.of(prompt(1000, 500, 0))));
    }

    @Test
    void aPromptAlreadyLateStillGetsTheSteps() {
        // ends at 1100 + 1000 = 2100, 50 after its deadline: the decodes wait, it ends as early as it can
        assertTrue(measured(2).postponeDecode(1100, List.of(prompt(1000, 1000, 0))));
        // still within its own time (1000) after the deadline: 2050 + 1000 = 3050
        assertTrue(measured(2).postponeDecode(2050, List.of(prompt(1000, 1000, 0))));
    }

    @Test
    void aPromptPastSavingDoesNotStopTheDecodes() {
        // ends at 2100 + 1000 = 3100, more than its own time after the deadline (3050): the decodes go on
        assertFalse(measured(2).postponeDecode(2100, List.of(prompt(1000, 1000, 0))));
    }

    @Test
    void aBurstHoldsTheDecodesForItsFirstPromptsOnly() {
        List<PromptDeadlines.Pending> burst = List.of(prompt(1000, 1000, 0), prompt(1000, 1000, 0), prompt(1000, 1000, 0),
                prompt(1000, 1000, 0));
        // the second ends at 2000: one more decode step makes it late
        assertTrue(measured(2).postponeDecode(0, burst));
        // once two are through (at 2000), the third ends at 3000: late, but within its own time of its deadline
        assertTrue(measured(2).postponeDecode(2000, burst.subList(2, 4)));
        // had the decodes gone on until 2100, neither the third (3100) nor the fourth (4100) can be saved
        assertFalse(measured(2).postponeDecode(2100, burst.subList(2, 4)));
    }

    @Test
    void aPromptBehindAnotherCountsTheWorkAheadOfIt() {
        // the first (due 2050) ends at 0 + 300, fine; the second, submitted at 100 (due 2150), ends at 300 + 1000 = 1300
        assertFalse(measured(2).postponeDecode(0, List.of(prompt(1000, 300, 0), prompt(1000, 1000, 100))));
        // later the second has the work of both ahead: 750 + 300 + 1000 = 2050 <= 2150 < 2250
        assertTrue(measured(2).postponeDecode(750, List.of(prompt(1000, 300, 0), prompt(1000, 1000, 100))));
    }

    @Test
    void theFactorSetsTheDeadline() {
        // factor 1: due at 1050; at 0 the prompt ends at 1000, one more decode step (and the margin) makes it late
        assertTrue(measured(1).postponeDecode(0, List.of(prompt(1000, 1000, 0))));
        // factor 3: due at 3050, plenty of slack at 900
        assertFalse(measured(3).postponeDecode(900, List.of(prompt(1000, 1000, 0))));
    }

    @Test
    void nothingWaitsWithoutDeadlinesPromptsOrMeasurements() {
        assertFalse(measured(0).postponeDecode(900, List.of(prompt(1000, 1000, 0))), "factor 0 = off");
        assertFalse(measured(2).postponeDecode(900, List.of()), "no prompt");
        PromptDeadlines fresh = new PromptDeadlines(2, CHUNK);
        assertFalse(fresh.postponeDecode(900, List.of(prompt(1000, 1000, 0))), "no prompt piece measured yet");
        fresh.promptWork(1000, 1000, true);
        assertFalse(fresh.postponeDecode(900, List.of(prompt(1000, 1000, 0))), "no decode step measured yet");
        fresh.decodeStep(100);
        assertTrue(fresh.postponeDecode(900, List.of(prompt(1000, 1000, 0))));
    }

    @Test
    void thePromptRateWeighsPiecesByTheirWork() {
        PromptDeadlines d = measured(2);
        // a piece of little arithmetic and some copying: 10 multiply-adds in 1000 ns (100 ns each). Sums:
        // (0.95 * 1000 + 1000) ns / (0.95 * 1000 + 10) = 1950 / 960 = 2.03 ns per multiply-add, not the 100
        // a per-piece ratio would give (or 25.75 as its moving average)
        d.promptWork(10, 1000, false);
        // due at 2.03 * 2050 = 4164; at 1800 the prompt ends at 1800 + 2031 = 3831, + 200 = 4031: room
        assertFalse(d.postponeDecode(1800, List.of(prompt(1000, 1000, 0))));
        // at 2000: 4031 + 200 > 4164
        assertTrue(d.postponeDecode(2000, List.of(prompt(1000, 1000, 0))));
    }

    @Test
    void theDeadlinesUseThePromptAloneOncePiecesRanAlone() {
        PromptDeadlines d = new PromptDeadlines(2, CHUNK);
        d.decodeStep(100);
        d.promptWork(1000, 1500, true);       // after a decode step: 1.5 ns per multiply-add
        // due at 1.5 * 2050 = 3075; at 1400 the prompt ends at 2900, + 200 > 3075
        assertTrue(d.postponeDecode(1400, List.of(prompt(1000, 1000, 0))));
        d.promptWork(1000, 1000, false);      // alone: 1 ns, and only these count now
        // due at 2050, ends at 1400 + 1000 = 2400: late by less than its own time
        assertTrue(d.postponeDecode(1400, List.of(prompt(1000, 1000, 0))));
        // at 600: ends at 1600, + 200 <= 2050
        assertFalse(d.postponeDecode(600, List.of(prompt(1000, 1000, 0))));
        d.promptWork(1000, 3000, true);       // more slow pieces change nothing
        // at 900: ends at 1900, + 200 > 2050 (all pieces, 1.86 ns each, would give 2759 + 200 against 3811)
        assertTrue(d.postponeDecode(900, List.of(prompt(1000, 1000, 0))));
        assertFalse(d.postponeDecode(600, List.of(prompt(1000, 1000, 0))));
    }

    @Test
    void theDecodeStepIsAMovingAverage() {
        PromptDeadlines d = measured(2);
        d.decodeStep(500);                    // 100 + 0.25 * (500 - 100) = 200
        // ends at 800 + 1000 = 1800; with two decode steps of 200: 2200 > 2050 (with 100: 2000, room)
        assertTrue(d.postponeDecode(800, List.of(prompt(1000, 1000, 0))));
        assertFalse(measured(2).postponeDecode(800, List.of(prompt(1000, 1000, 0))));
    }

    @Test
    void theOptionTakesOffOrOneToAThousand() {
        assertEquals(0, SchedulerOptions.defaults().withPromptDeadline(0).promptDeadline());
        assertEquals(1, SchedulerOptions.defaults().withPromptDeadline(1).promptDeadline());
        for (double bad : new double[] {0.5, -1, 1001, Double.NaN, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SchedulerOptions.defaults().withPromptDeadline(bad));
            assertTrue(e.getMessage().contains("prompt deadline"), e.getMessage());
        }
    }
}
