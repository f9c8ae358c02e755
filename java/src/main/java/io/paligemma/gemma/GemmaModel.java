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
     * Runs ws.inputs() [rows, H] (inputs_embeds, unscaled) at cache slots [start, start+rows) of ws's own
     * cache and leaves the final-norm hidden states in ws.lastHiddenStates() and the logits of the last
     * {@code logitRows} rows in ws.logits().
     *
     * @param prefixLength tokens [0, prefixLength) form the bidirectional prefix
     */
    public void forward(DecoderWorkspace ws, int start, int rows, int prefixLength, int logitRows, Probe probe) {
        forward(ws, new KvSegment[] {new KvSegment(ws, start, rows, prefixLength)}, logitRows, probe);
    }

    /**
     * One step over the tokens of several sequences at once: act.inputs() holds the rows of the segments
     * one after the other (a decode step of B sequences is B one-row segments), so every weight is read
     * once for all of them; each segment attends to its own sequence's cache. Logits of the last
     * {@code logitRows} rows go to act.logits().
     */
    public void forward(DecoderWorkspace act, KvSegment[] segments, int logitRows, Probe probe) {
        int rows = checkStep(act, segments, logitRows);
        int h = config.hiddenSize();
        long n = (long) rows * h;
        ops.scale(act.hidden, n, normalizer);                                      // hidden_states = inputs_embeds * normalizer
        probe.record(PREFIX + ".embed_tokens*normalizer", act.hidden, rows, h);
        int row0 = 0;
        long half = config.headDim() / 2;
        for (KvSegment s : segments) {
            rotaryEmb.tables(s.start() + 1L, s.rows(),                            // position_ids = cache_position + 1
                    act.cos.asSlice(row0 * half * Float.BYTES), act.sin.asSlice(row0 * half * Float.BYTES));
            fillMask(act, row0, s);
            row0 += s.rows();
        }
        for (int i = 0; i < layers.size(); i++) {
            layers.get(i).forward(act, segments, rows);                            // for decoder_layer in self.layers
            probe.record(PREFIX + ".layers." + i, act.hidden, rows, h);
        }
        norm.forward(ops, act.hidden, rows, act.normed);                           // hidden_states = self.norm(hidden_states)
        probe.record(PREFIX + ".norm", act.normed, rows, h);
        MemorySegment last = act.normed.asSlice((long) (rows - logitRows) * h * Float.BYTES);
        ops.linear(last, logitRows, h, lmHead, null, act.logits);                  // logits = self.lm_head(hidden_states)
        if (finalSoftcap > 0) {
            ops.softcap(act.logits, (long) logitRows * config.vocabSize(), finalSoftcap); // Gemma 2: tanh(logits / cap) * cap
        }
    }

    /** The rows of the step, after checking that they fit the activations and its score buffer. */
    private static int checkStep(DecoderWorkspace act, KvSegment[] segments, int logitRows) {
        long rows = 0;
        for (KvSegment s : segments) {
            rows += s.rows();
            if (s.end() > act.capacity) {
                throw new IllegalArgumentException("a context of " + s.end() + " tokens exceeds the " + act.capacity
                        + " this step's workspace holds scores for");
            }
        }
        if (rows < 1 || rows > act.maxRows) {
            throw new IllegalArgumentException(rows + " tokens in one forward; this workspace takes 1 to " + act.maxRows);
        }
        if (logitRows < 1 || logitRows > rows || logitRows > act.logitRows) {
            throw new IllegalArgumentException(logitRows + " logit rows requested for " + rows + " tokens; the workspace holds "
                    + act.logitRows);
        }
        return (int) rows;
    }

    /** Per query row: visible keys [lo, hi) on global layers and [loWindow, hi) on sliding layers. */
    private void fillMask(DecoderWorkspace act, int row0, KvSegment s) {
        int window = config.isGemma2() ? config.gemma2().slidingWindow() : Integer.MAX_VALUE;
        for (int r = 0; r < s.rows(); r++) {
            int slot = s.start() + r;
            int hi = Math.max(slot + 1, Math.min(s.prefixLength(), s.end()));
            // sliding layers: key j is masked iff j <= i - sliding_window (no upper bound inside the prefix)
            int loWindow = (int) Math.max(0L, (long) slot - window + 1);
            act.keyLo.setAtIndex(ValueLayout.JAVA_INT, row0 + r, 0);
            act.keyLoWindow.setAtIndex(ValueLayout.JAVA_INT, row0 + r, loWindow);
            act.keyHi.setAtIndex(ValueLayout.JAVA_INT, row0 + r, hi);
        }
    }
}
