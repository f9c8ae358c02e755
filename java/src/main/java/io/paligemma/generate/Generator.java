package io.paligemma.generate;

import io.paligemma.gemma.DecoderWorkspace;
import io.paligemma.nn.Probe;
import io.paligemma.paligemma.PaliGemmaForConditionalGeneration;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The prefill/decode loop: the whole prompt in one forward (bidirectional prefix), then one token per
 * step against the KV cache, each chosen by the sampler. Stateless: a request brings its workspace.
 */
public final class Generator {
    private final PaliGemmaForConditionalGeneration model;

    public Generator(PaliGemmaForConditionalGeneration model) {
        this.model = model;
    }

    /**
     * @param promptIds the processor's layout: image tokens, bos, prompt, "\n"
     * @param imageFeatures [images·N, H] rows that replace the image tokens in order
     */
    public GenerationResult generate(int[] promptIds, MemorySegment imageFeatures, GenerationConfig config,
                                     DecoderWorkspace ws, TokenListener listener) {
        int l = promptIds.length;
        int vocab = model.config().textConfig().vocabSize();
        int eos = model.config().eosTokenId();
        checkContext(l, config.maxNewTokens(), ws);
        Sampler sampler = new Sampler(config.sampling());
        int[] out = new int[config.maxNewTokens()];
        int produced = 0;
        FinishReason reason = FinishReason.MAX_TOKENS;

        long t0 = System.nanoTime();
        model.embed(promptIds, 0, l, imageFeatures, 0, ws);
        model.languageModel().forward(ws, 0, l, l, 1, Probe.NONE);                // prefill: one pass over the prompt
        long t1 = System.nanoTime();
        while (true) {
            int next = sampler.next(ws.logits(), vocab);
            if (config.stopAtEos() && next == eos) {
                reason = FinishReason.EOS;
                break;
            }
            out[produced++] = next;
            if (!listener.onToken(next)) {
                reason = FinishReason.STOP;
                break;
            }
            if (produced == config.maxNewTokens()) {
                break;
            }
            model.embed(new int[] {next}, 0, 1, null, 0, ws);
            model.languageModel().forward(ws, l + produced - 1, 1, l, 1, Probe.NONE); // decode: one token, cached K/V
        }
        long t2 = System.nanoTime();
        return new GenerationResult(Arrays.copyOf(out, produced), reason, t1 - t0, t2 - t1);
    }

    /** The prompt and the new tokens must fit the workspace before anything runs. */
    public static void checkContext(int promptLength, int maxNewTokens, DecoderWorkspace ws) {
        if (promptLength < 1) {
            throw new IllegalArgumentException("the prompt is empty");
        }
        if (promptLength > ws.maxRows()) {
            throw new IllegalArgumentException("the prompt has " + promptLength + " tokens; this context takes at most "
                    + ws.maxRows() + " prompt tokens");
        }
        if ((long) promptLength + maxNewTokens - 1 > ws.capacity()) {
            throw new IllegalArgumentException("prompt (" + promptLength + " tokens) + " + maxNewTokens
                    + " new tokens exceed the context of " + ws.capacity() + " tokens");
        }
    }
}
