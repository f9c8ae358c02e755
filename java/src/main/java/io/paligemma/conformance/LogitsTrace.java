package io.paligemma.conformance;

import io.paligemma.generate.DecodeStep;
import io.paligemma.generate.GenerationConfig;
import io.paligemma.generate.Prefill;
import io.paligemma.generate.PromptWorkspace;
import io.paligemma.generate.SamplingConfig;
import io.paligemma.generate.Sequence;
import io.paligemma.generate.TokenListener;
import io.paligemma.nn.Probe;
import io.paligemma.paligemma.PaliGemmaForConditionalGeneration;
import java.util.List;

/**
 * The logits of one request, for comparing two weight precisions: the prompt's logits (its last
 * {@code promptRows} rows) and each decode step's, the steps fed either the model's own greedy tokens
 * or given tokens (teacher forcing, so that two models are compared on the same contexts).
 *
 * @param prompt [promptRows, V] logits of the prompt's last rows
 * @param steps  [steps, V]: step 0 is the prompt's last row, step s &gt; 0 the logits after token s − 1
 * @param tokens the argmax of each step (what greedy decoding emits)
 */
record LogitsTrace(float[] prompt, float[] steps, long[] tokens) {

    /**
     * Runs pixels [3, S, S] and prompt ids through the request pipeline. {@code forced} gives the token fed
     * after each step (its first steps − 1 entries are used); null means greedy: the model's own argmax.
     */
    static LogitsTrace run(PaliGemmaForConditionalGeneration model, float[] pixels, int[] ids, int promptRows,
                           long[] forced, int steps) {
        int v = model.config().textConfig().vocabSize();
        int l = ids.length;
        StepRecorder recorder = new StepRecorder(forced);
        GenerationConfig generation = new GenerationConfig(steps, SamplingConfig.GREEDY, false, List.of());
        try (PromptWorkspace ws = new PromptWorkspace(model, l, l + steps, promptRows);
             Sequence seq = new Sequence(model, pixels, ids, l, generation, Sequence.Goal.TOKENS, recorder, TokenListener.NONE)) {
            new Prefill(model, seq, ws, Probe.NONE, promptRows).runToEnd();
            float[] prompt = Compare.read(ws.decoder().logits().data(), 0, promptRows * v);
            DecodeStep.untilDone(model, List.of(seq), ws.decoder());
            if (recorder.steps() != steps) {
                throw new IllegalStateException("the request ended after " + recorder.steps() + " of " + steps + " steps ("
                        + seq.finishReason() + ")");
            }
            float[] all = new float[steps * v];
            for (int s = 0; s < steps; s++) {
                System.arraycopy(recorder.logits(s), 0, all, s * v, v);
            }
            return new LogitsTrace(prompt, all, recorder.argmaxes());
        }
    }
}
