package io.paligemma.scheduler;

import io.paligemma.gemma.DecoderWorkspace;
import io.paligemma.generate.DecodeStep;
import io.paligemma.generate.Prefill;
import io.paligemma.generate.PromptWorkspace;
import io.paligemma.generate.Sequence;
import io.paligemma.nn.Probe;
import io.paligemma.paligemma.PaliGemmaForConditionalGeneration;
import java.util.List;

/** The reference of the scheduler tests: a request run alone through the pipeline, no scheduler, no cache. */
final class Alone {
    private Alone() {
    }

    /** Its tokens (greedy, sampled with its own seed, or the best beam), in fresh workspaces. */
    static int[] tokens(PaliGemmaForConditionalGeneration model, Request r) {
        int l = r.inputIds().length;
        int context = Sequence.contextFor(l, r.generation(), r.goal());
        int rows = r.generation().rows();                    // beams decode k rows per step
        try (PromptWorkspace ws = new PromptWorkspace(model, l, Math.max(l, context), 1);
             DecoderWorkspace act = model.newDecoderWorkspace(rows, Math.max(1, context), rows);
             Sequence seq = new Sequence(model, r.pixels(), r.inputIds(), l, r.generation(), r.goal(),
                     Sequence.samplerFor(r.inputIds(), r.generation(), model.config().eosTokenId()), r.listener())) {
            new Prefill(model, seq, ws, Probe.NONE, 1).runToEnd();
            DecodeStep.untilDone(model, List.of(seq), act);
            return seq.tokens();
        }
    }

    /** Its output (image features or hidden states). */
    static float[] output(PaliGemmaForConditionalGeneration model, Request r) {
        int l = r.inputIds().length;
        try (PromptWorkspace ws = new PromptWorkspace(model, l, l, 1);
             Sequence seq = new Sequence(model, r.pixels(), r.inputIds(), l, r.generation(), r.goal(),
                     Sequence.samplerFor(r.inputIds(), r.generation(), model.config().eosTokenId()), r.listener())) {
            new Prefill(model, seq, ws, Probe.NONE, 1).runToEnd();
            return seq.output();
        }
    }
}
