package io.paligemma.conformance;

import io.paligemma.gemma.DecoderWorkspace;
import io.paligemma.gemma.KvSegment;
import io.paligemma.nn.Probe;
import io.paligemma.paligemma.PaliGemmaForConditionalGeneration;
import io.paligemma.siglip.VisionWorkspace;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

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
     * Runs pixels [1, 3, S, S] and prompt ids through the model. {@code forced} gives the token fed after
     * each step (its first steps − 1 entries are used); null means greedy: the model's own argmax.
     */
    static LogitsTrace run(PaliGemmaForConditionalGeneration model, float[] pixels, int[] ids, int promptRows,
                           long[] forced, int steps) {
        int n = model.config().numImageTokens();
        int h = model.config().textConfig().hiddenSize();
        int v = model.config().textConfig().vocabSize();
        int l = ids.length;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment pixelSegment = arena.allocate((long) pixels.length * Float.BYTES, 64);
            MemorySegment.copy(pixels, 0, pixelSegment, ValueLayout.JAVA_FLOAT, 0, pixels.length);
            MemorySegment features = arena.allocate((long) n * h * Float.BYTES, 64);
            try (VisionWorkspace vws = model.newVisionWorkspace(1)) {
                model.imageFeatures(pixelSegment, 1, vws, features, Probe.NONE);
            }
            try (DecoderWorkspace ws = model.newDecoderWorkspace(l, l + steps, promptRows)) {
                model.embed(ids, 0, l, features, 0, ws);
                model.languageModel().forward(ws, 0, l, l, promptRows, Probe.NONE);
                float[] prompt = Compare.read(ws.logits(), 0, promptRows * v);
                float[] all = new float[steps * v];
                long[] tokens = new long[steps];
                for (int s = 0; s < steps; s++) {
                    if (s > 0) {
                        int next = (int) (forced != null ? forced[s - 1] : tokens[s - 1]);
                        model.embed(new int[] {next}, 0, 1, null, 0, ws);
                        model.languageModel().forward(ws, new KvSegment[] {new KvSegment(ws, l + s - 1, 1, l)}, 1, Probe.NONE);
                    }
                    float[] row = s == 0 ? java.util.Arrays.copyOfRange(prompt, (promptRows - 1) * v, promptRows * v)
                            : Compare.read(ws.logits(), 0, v);
                    System.arraycopy(row, 0, all, s * v, v);
                    tokens[s] = Compare.argmax(row, 0, v);
                }
                return new LogitsTrace(prompt, all, tokens);
            }
        }
    }
}
