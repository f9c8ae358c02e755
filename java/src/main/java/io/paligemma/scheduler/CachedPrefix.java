package io.paligemma.scheduler;

import io.paligemma.gemma.KvCache;
import io.paligemma.nn.Scratch;
import io.paligemma.paligemma.PaliGemmaForConditionalGeneration;
import io.paligemma.tensor.FloatMatrix;

/**
 * A finished prefill kept for exact reuse: the keys and values of the whole prompt and the logits after its
 * last token. Reusable only by a request with the same picture and the same prompt: PaliGemma's prefix is
 * bidirectional, so from the second decoder layer on even the image tokens' keys and values depend on
 * every prompt token.
 */
final class CachedPrefix extends Scratch {
    final KvCache kv;          // the prompt's positions
    final FloatMatrix logits;  // [1, V] after the prompt's last token

    CachedPrefix(PaliGemmaForConditionalGeneration model, KvCache source, int positions, FloatMatrix lastLogits) {
        logits = matrix(1, lastLogits.columns());
        logits.copyFrom(lastLogits);
        kv = model.newKvCache(positions);
        kv.copyPrefix(source, positions);
    }

    static long bytes(PaliGemmaForConditionalGeneration model, int positions) {
        return KvCache.bytes(model.config().textConfig(), positions)
                + (long) model.config().textConfig().vocabSize() * Float.BYTES;
    }

    @Override
    public long byteSize() {
        return super.byteSize() + kv.byteSize();
    }

    @Override
    public void close() {
        kv.close();
        super.close();
    }
}
