package io.paligemma.gemma;

import io.paligemma.config.GemmaConfig;
import io.paligemma.nn.Probe;
import io.paligemma.nn.Weights;
import io.paligemma.ops.Ops;
import io.paligemma.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The language model of PaliGemma: GemmaModel (embedding, decoder layers, final norm) with the
 * GemmaForCausalLM head, tied to the embedding when the checkpoint stores no lm_head.
 *
 * <p>One forward runs a block of consecutive tokens of one sequence: the whole prompt at once during
 * prefill (one matrix product per weight for all its tokens), one token per step during decode.
 * The attention mask of the PaliGemma prefix-LM is one rule: the token in cache slot i sees keys
 * [0, max(i + 1, prefixLength)), and on sliding-window layers only keys j &gt; i - sliding_window.
 */
public final class GemmaModel {
    /** The HF module path of the decoder, used for checkpoint keys and probe names. */
    public static final String PREFIX = "language_model.model";
    private static final String LM_HEAD = "language_model.lm_head.weight";

    private final GemmaConfig config;
    private final Ops ops;
    private final Tensor embedTokens;   // [V, H], F32/BF16/F16 view
    private final List<GemmaDecoderLayer> layers;
    private final GemmaRMSNorm norm;    // [H]
    private final Tensor lmHead;        // [V, H]: embed_tokens when tied
    private final GemmaRotaryEmbedding rotaryEmb;
    private final float normalizer;     // sqrt(hidden_size) in float32
    private final float finalSoftcap;   // 0 = none

    public GemmaModel(GemmaConfig c, Weights w, Ops ops) {
        this.config = c;
        this.ops = ops;
        this.embedTokens = w.matrix(PREFIX + ".embed_tokens.weight", c.vocabSize(), c.hiddenSize());
        this.layers = new ArrayList<>();
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            layers.add(new GemmaDecoderLayer(c, w, PREFIX + ".layers." + i, i, ops));
        }
        this.norm = GemmaRMSNorm.load(w, PREFIX + ".norm", c.hiddenSize(), c.rmsNormEps());
        Optional<Tensor> head = w.find(LM_HEAD);
        this.lmHead = head.isPresent() ? w.matrix(LM_HEAD, c.vocabSize(), c.hiddenSize()) : embedTokens;
        this.rotaryEmb = new GemmaRotaryEmbedding(c.headDim(), c.ropeTheta());
        this.normalizer = (float) Math.sqrt(c.hiddenSize());
        this.finalSoftcap = c.isGemma2() && !Double.isNaN(c.gemma2().finalLogitSoftcapping())
                ? (float) c.gemma2().finalLogitSoftcapping() : 0f;
    }

    public GemmaConfig config() {
        return config;
    }

    public boolean tiedHead() {
        return lmHead == embedTokens;
    }

    /** out[0, H) = embed_tokens[id] in float32 (before the sqrt(H) scaling). */
    public void embed(int id, MemorySegment out) {
        if (id < 0 || id >= config.vocabSize()) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + config.vocabSize() + ")");
        }
        ops.toF32(out, embedTokens, (long) id * config.hiddenSize(), config.hiddenSize());
    }

    /**
     * Runs ws.inputs() [rows, H] (inputs_embeds, unscaled) at cache slots [start, start+rows) and leaves
     * the final-norm hidden states in ws.lastHiddenStates() and the logits of the last
     * {@code logitRows} rows in ws.logits().
     *
     * @param prefixLength tokens [0, prefixLength) form the bidirectional prefix
     */
    public void forward(DecoderWorkspace ws, int start, int rows, int prefixLength, int logitRows, Probe probe) {
        checkBlock(ws, start, rows, logitRows);
        int h = config.hiddenSize();
        long n = (long) rows * h;
        ops.scale(ws.hidden, n, normalizer);                                       // hidden_states = inputs_embeds * normalizer
        probe.record(PREFIX + ".embed_tokens*normalizer", ws.hidden, rows, h);
        rotaryEmb.tables(start + 1L, rows, ws.cos, ws.sin);                        // position_ids = cache_position + 1
        fillMask(ws, start, rows, prefixLength);
        for (int i = 0; i < layers.size(); i++) {
            layers.get(i).forward(ws, start, rows);                                // for decoder_layer in self.layers
            probe.record(PREFIX + ".layers." + i, ws.hidden, rows, h);
        }
        norm.forward(ops, ws.hidden, rows, ws.normed);                             // hidden_states = self.norm(hidden_states)
        probe.record(PREFIX + ".norm", ws.normed, rows, h);
        MemorySegment last = ws.normed.asSlice((long) (rows - logitRows) * h * Float.BYTES);
        ops.linear(last, logitRows, h, lmHead, null, ws.logits);                   // logits = self.lm_head(hidden_states)
        if (finalSoftcap > 0) {
            ops.softcap(ws.logits, (long) logitRows * config.vocabSize(), finalSoftcap); // Gemma 2: tanh(logits / cap) * cap
        }
    }

    private void checkBlock(DecoderWorkspace ws, int start, int rows, int logitRows) {
        if (rows < 1 || rows > ws.maxRows) {
            throw new IllegalArgumentException(rows + " tokens in one forward; this workspace takes 1 to " + ws.maxRows);
        }
        if (start < 0 || start + rows > ws.capacity) {
            throw new IllegalArgumentException("tokens [" + start + ", " + (start + rows) + ") exceed the context of "
                    + ws.capacity + " positions of this workspace");
        }
        if (logitRows < 1 || logitRows > rows || logitRows > ws.logitRows) {
            throw new IllegalArgumentException(logitRows + " logit rows requested for " + rows + " tokens; the workspace holds "
                    + ws.logitRows);
        }
    }

    /** Per query row: visible keys [lo, hi) on global layers and [loWindow, hi) on sliding layers. */
    private void fillMask(DecoderWorkspace ws, int start, int rows, int prefixLength) {
        int window = config.isGemma2() ? config.gemma2().slidingWindow() : Integer.MAX_VALUE;
        for (int r = 0; r < rows; r++) {
            int slot = start + r;
            int hi = Math.max(slot + 1, Math.min(prefixLength, start + rows));
            // sliding layers: key j is masked iff j <= i - sliding_window (no upper bound inside the prefix)
            int loWindow = (int) Math.max(0L, (long) slot - window + 1);
            ws.keyLo.setAtIndex(ValueLayout.JAVA_INT, r, 0);
            ws.keyLoWindow.setAtIndex(ValueLayout.JAVA_INT, r, loWindow);
            ws.keyHi.setAtIndex(ValueLayout.JAVA_INT, r, hi);
        }
    }
}
