package io.paligemma.scheduler;

import static org.junit.jupiter.api.Assertions.assertFalse;
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
        d.promptWork(1000, 1000);     // 1 ns per multiply-add
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
        fresh.promptWork(1000, 1000);
        assertFalse(fresh.postponeDecode(900, List.of(prompt(1000, 1000, 0))), "no decode step measured yet");
        fresh.decodeStep(100);
        assertTrue(fresh.postponeDecode(900, List.of(prompt(1000, 1000, 0))));
    }

    @Test
    void theRatesAreMovingAverages() {
        PromptDeadlines d = measured(2);
        // prompt work now measured at 3 ns per multiply-add: 1 + 0.25 * (3 - 1) = 1.5; due at 1.5 * 2050 = 3075,
        // ends at 1000 + 1500 = 2500, + 200 = 2700 < 3075: room; at 1400: 2900 + 200 > 3075
        d.promptWork(1000, 3000);
        assertFalse(d.postponeDecode(1000, List.of(prompt(1000, 1000, 0))));
        assertTrue(d.postponeDecode(1400, List.of(prompt(1000, 1000, 0))));
    }
}
