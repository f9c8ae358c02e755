package io.paligemma.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paligemma.generate.BeamHypothesis;
import io.paligemma.generate.BeamSearchConfig;
import io.paligemma.generate.DecodeStep;
import io.paligemma.generate.GenerationConfig;
import io.paligemma.generate.Prefill;
import io.paligemma.generate.PromptWorkspace;
import io.paligemma.generate.SamplingConfig;
import io.paligemma.generate.Sequence;
import io.paligemma.generate.TokenListener;
import io.paligemma.gemma.DecoderWorkspace;
import io.paligemma.nn.Probe;
import io.paligemma.ops.Backend;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Beam search requests in the scheduler: each is one request whose k beams take k rows of every decode step
 * (decoded together, beside other requests), its prompt computed once; the hypotheses are those of the same
 * request run alone, with or without other requests beside it and with its prefill taken from the prefix cache.
 */
class BeamSchedulingTest {

    /** The request alone through the pipeline: prefill, then decode steps of its k rows until the search ends. */
    private static List<BeamHypothesis> alone(SchedulerFixture f, Request r) {
        int l = r.inputIds().length;
        int k = r.generation().rows();
        int context = Sequence.contextFor(l, r.generation(), r.goal());
        try (PromptWorkspace ws = new PromptWorkspace(f.model, l, Math.max(l, context), 1);
             DecoderWorkspace act = f.model.newDecoderWorkspace(k, context, k);
             Sequence seq = new Sequence(f.model, r.pixels(), r.inputIds(), l, r.generation(), r.goal(),
                     Sequence.samplerFor(r.inputIds(), r.generation(), f.model.config().eosTokenId()), r.listener())) {
            new Prefill(f.model, seq, ws, Probe.NONE, 1).runToEnd();
            DecodeStep.untilDone(f.model, List.of(seq), act);
            return seq.hypotheses();
        }
    }

    private static void assertSame(List<BeamHypothesis> want, List<BeamHypothesis> got, String what) {
        assertEquals(want.size(), got.size(), what);
        for (int i = 0; i < want.size(); i++) {
            assertArrayEquals(want.get(i).tokens(), got.get(i).tokens(), what + " hypothesis " + i);
            assertEquals(want.get(i).score(), got.get(i).score(), what + " hypothesis " + i);
            assertEquals(want.get(i).endedWithEos(), got.get(i).endedWithEos(), what + " hypothesis " + i);
        }
    }

    @Test
    void kBeamsTakeKRowsOfEachStepAndAnswerAsAlone() throws Exception {
        for (Backend backend : Backend.values()) {
            try (SchedulerFixture f = new SchedulerFixture("paligemma2-tiny", backend)) {
                // no EOS: the search runs to max new tokens, 1 token from the prefill + 5 decode steps of 3 rows
                GenerationConfig g = new GenerationConfig(6, SamplingConfig.GREEDY.withNoRepeatNgramSize(2), false, List.of())
                        .withBeams(new BeamSearchConfig(3, 3, 1.0, BeamSearchConfig.EarlyStopping.FALSE));
                Request beams = f.request(0, f.prompt, g, TokenListener.NONE);
                List<BeamHypothesis> want = alone(f, beams);
                assertEquals(3, want.size());
                try (Scheduler s = f.scheduler(SchedulerOptions.defaults().withMaxRunning(4), 96)) {
                    Outcome o = s.submit(beams).result().get(60, TimeUnit.SECONDS);
                    assertSame(want, o.hypotheses(), backend + " alone");
                    assertArrayEquals(want.get(0).tokens(), o.tokens());
                    SchedulerStats st = s.stats();
                    assertEquals(5, st.decodeSteps());
                    assertEquals(15, st.decodeRows());              // 3 rows per step, in one forward each
                    // nothing is streamed while the beams run: the listener hears the best hypothesis's tokens in the
                    // last decode step (the 5th: 4 counted before it), all of them
                    List<Long> heardAt = new ArrayList<>();
                    Scheduler[] self = {s};
                    Outcome heard = s.submit(f.request(0, f.prompt, g, t -> heardAt.add(self[0].stats().decodeSteps())))
                            .result().get(60, TimeUnit.SECONDS);
                    assertEquals(List.of(9L, 9L, 9L, 9L, 9L, 9L), heardAt);
                    assertSame(want, heard.hypotheses(), backend + " with a listener");
                    // again: the prefill comes from the prefix cache, the beams are forked from it
                    Outcome again = s.submit(beams).result().get(60, TimeUnit.SECONDS);
                    assertTrue(again.prefixReused());
                    assertSame(want, again.hypotheses(), backend + " from the prefix cache");
                    // beside greedy requests (4 slots: the 3 beams and one more sequence at a time)
                    List<RequestHandle> others = new ArrayList<>();
                    for (int i = 0; i < 3; i++) {
                        others.add(s.submit(f.request(i % 2, f.prompt(3 + i, i), GenerationConfig.greedy(4 + i), TokenListener.NONE)));
                    }
                    RequestHandle h = s.submit(beams);
                    others.add(s.submit(f.request(1, f.prompt(5, 9), GenerationConfig.greedy(7), TokenListener.NONE)));
                    assertSame(want, h.result().get(60, TimeUnit.SECONDS).hypotheses(), backend + " beside others");
                    for (RequestHandle o2 : others) {
                        o2.result().get(60, TimeUnit.SECONDS);
                    }
                    assertEquals(0, s.stats().running());
                    assertEquals(0, s.stats().kvCacheBytes());
                }
                // more beams than the scheduler runs sequences at once can never run
                try (Scheduler s = f.scheduler(SchedulerOptions.defaults().withMaxRunning(2), 96)) {
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.submit(beams));
                    assertTrue(e.getMessage().contains("3 beams"), e.getMessage());
                }
            }
        }
    }
}
