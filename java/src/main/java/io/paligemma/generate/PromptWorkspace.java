package io.paligemma.generate;

import io.paligemma.gemma.DecoderWorkspace;
import io.paligemma.nn.Scratch;
import io.paligemma.paligemma.PaliGemmaForConditionalGeneration;
import io.paligemma.siglip.VisionWorkspace;
import io.paligemma.tensor.FloatMatrix;

/**
 * The activations of the prompt side of one request at a time: the vision tower for one picture, its image
 * features, and the prefill of prompts of up to {@code maxPrompt} tokens. A {@link Prefill} holds it from
 * its first piece to its last. Its decoder activations also serve the decode steps of a request run alone.
 */
public final class PromptWorkspace extends Scratch {
    final VisionWorkspace vision;
    final FloatMatrix features;       // [N, H] image features of the picture
    final DecoderWorkspace decoder;   // [maxPrompt rows], contexts up to maxContext

    public PromptWorkspace(PaliGemmaForConditionalGeneration model, int maxPrompt, int maxContext, int logitRows) {
        var c = model.config();
        this.features = matrix(c.numImageTokens(), c.projectionDim());
        VisionWorkspace v = model.newVisionWorkspace(1);
        try {
            this.decoder = model.newDecoderWorkspace(maxPrompt, maxContext, logitRows);
        } catch (RuntimeException | Error e) {
            v.close();
            super.close();
            throw e;
        }
        this.vision = v;
    }

    /** Prompts of up to this many tokens. */
    public int maxPrompt() {
        return decoder.maxRows();
    }

    public DecoderWorkspace decoder() {
        return decoder;
    }

    @Override
    public long byteSize() {
        return super.byteSize() + vision.byteSize() + decoder.byteSize();
    }

    @Override
    public void close() {
        vision.close();
        decoder.close();
        super.close();
    }
}
