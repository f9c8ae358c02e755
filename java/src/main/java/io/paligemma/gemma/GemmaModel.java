package io.paligemma.gemma;

import io.paligemma.config.GemmaConfig;
import io.paligemma.nn.Linear;
import io.paligemma.nn.Probe;
import io.paligemma.nn.Weights;
import io.paligemma.ops.Ops;
import io.paligemma.tensor.FloatMatrix;
import io.paligemma.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The language model of PaliGemma: GemmaModel (embedding, decoder layers, final norm) with the
 * GemmaForCausalLM head, tied to the embedding when the checkpoint stores no lm_head.
 *
 * <p>One forward runs blocks of consecutive tokens ({@link KvSegment}s), each of one sequence and with
 * that sequence's cache: a whole prompt at once during prefill (one matrix product per weight for all its
 * tokens), one token of each of several sequences during a batched decode step. The attention mask of
 * the PaliGemma prefix-LM is one rule: the token in cache slot i sees keys [0, max(i + 1, prefixLength)),
 * and on sliding-window layers only keys j &gt; i - sliding_window.
 *
 * <p>{@link #forward} is {@link #prepare}, {@link #layers} over all layers, then {@link #finish}; a
 * scheduler calls the three itself to spread a long prefill over several steps, a few layers at a time
 * (the prefix is bidirectional, so a prompt cannot be split by tokens: see DESIGN.md).
 */
public final class GemmaModel {
    /** The HF module path of the decoder, used for checkpoint keys and probe names. */
    public static final String PREFIX = "language_model.model";
    private static final String LM_HEAD = "language_model.lm_head.weight";

    private final GemmaConfig config;
    private final Ops ops;
    private final Tensor embedTokens;   // [V, H], F32/BF16/F16/Q8_0 view
    private final List<GemmaDecoderLayer> layers;
    private final GemmaRMSNorm norm;    // [H]
    private final Linear lmHead;        // [V, H]: embed_tokens when tied
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
        this.lmHead = new Linear(head.isPresent() ? w.matrix(LM_HEAD, c.vocabSize(), c.hiddenSize()) : embedTokens, null);
        this.rotaryEmb = new GemmaRotaryEmbedding(c.headDim(), c.ropeTheta());
        this.normalizer = (float) Math.sqrt(c.hiddenSize());
        this.finalSoftcap = c.isGemma2() && !Double.isNaN(c.gemma2().finalLogitSoftcapping())
                ? (float) c.gemma2().finalLogitSoftcapping() : 0f;
    }

    public GemmaConfig config() {
        return config;
    }

    public boolean tiedHead() {
        return lmHead.weight() == embedTokens;
    }

    /** out [1, H] = embed_tokens[id] in float32 (before the sqrt(H) scaling). */
    public void embed(int id, FloatMatrix out) {
        if (id < 0 || id >= config.vocabSize()) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + config.vocabSize() + ")");
        }
        if (out.rows() != 1 || out.columns() != config.hiddenSize()) {
            throw new IllegalArgumentException("an embedding row is [1, " + config.hiddenSize() + "], not " + out.rows() + "×"
                    + out.columns());
        }
        ops.toF32(out.data(), embedTokens, (long) id * config.hiddenSize(), config.hiddenSize());
    }

    /**
     * One forward over the tokens of one or several sequences: act.inputs() holds the rows of the segments
     * one after the other (inputs_embeds, unscaled; a decode step of B sequences is B one-row segments), so
     * every weight is read once for all of them; each segment writes its keys and values into its own
     * sequence's cache and attends to it. Leaves the final-norm hidden states in act.lastHiddenStates()
     * and the logits of the last {@code logitRows} rows in act.logits().
     */
    public void forward(DecoderWorkspace act, KvSegment[] segments, int logitRows, Probe probe) {
        prepare(act, segments, probe);                                             // inputs_embeds * normalizer, positions, mask
        layers(act, segments, 0, layers.size(), probe);                            // for decoder_layer in self.layers
        finish(act, segments, logitRows, probe);                                   // self.norm, self.lm_head
    }

    /** Layers in the decoder. */
    public int numLayers() {
        return layers.size();
    }

    /** The first part of {@link #forward}: scales the inputs and fills the RoPE tables and mask ranges of act. */
    public void prepare(DecoderWorkspace act, KvSegment[] segments, Probe probe) {
        int rows = checkStep(act, segments);
        FloatMatrix hidden = act.hidden.rows(0, rows);
        ops.scale(hidden, normalizer);                                             // hidden_states = inputs_embeds * normalizer
        probe.record(PREFIX + ".embed_tokens*normalizer", hidden.data(), rows, config.hiddenSize());
        int row0 = 0;
        for (KvSegment s : segments) {
            rotaryEmb.tables(s.start() + 1L, act.cos.rows(row0, s.rows()),         // position_ids = cache_position + 1
                    act.sin.rows(row0, s.rows()));
            fillMask(act, row0, s);                                                // causal_mask, prefix bidirectional
            row0 += s.rows();
        }
    }

    /** Decoder layers [from, to) over act.hidden, after {@link #prepare} with the same segments. */
    public void layers(DecoderWorkspace act, KvSegment[] segments, int from, int to, Probe probe) {
        if (from < 0 || from > to || to > layers.size()) {
            throw new IllegalArgumentException("layers [" + from + ", " + to + ") of " + layers.size());
        }
        int rows = checkStep(act, segments);
        for (int i = from; i < to; i++) {
            layers.get(i).forward(act, segments, rows);                            // hidden_states = decoder_layer(...)
            if (probe.enabled()) {                                                 // names and views only when recorded
                probe.record(PREFIX + ".layers." + i, act.hidden.data(), rows, config.hiddenSize());
            }
        }
    }

    /**
     * The last part of {@link #forward}, once every layer has run: final norm, the logits of the last
     * {@code logitRows} rows, and each segment's positions counted as held by its cache.
     */
    public void finish(DecoderWorkspace act, KvSegment[] segments, int logitRows, Probe probe) {
        int rows = checkStep(act, segments);
        if (logitRows < 1 || logitRows > rows || logitRows > act.logitRows) {
            throw new IllegalArgumentException(logitRows + " logit rows requested for " + rows + " tokens; the workspace holds "
                    + act.logitRows);
        }
        FloatMatrix normed = act.normed.rows(0, rows);
        norm.forward(ops, act.hidden.rows(0, rows), normed);                       // hidden_states = self.norm(hidden_states)
        probe.record(PREFIX + ".norm", normed.data(), rows, config.hiddenSize());
        FloatMatrix logits = act.logits.rows(0, logitRows);
        lmHead.forward(ops, normed.rows(rows - logitRows, logitRows), logits);     // logits = self.lm_head(hidden_states)
        if (finalSoftcap > 0) {
            ops.softcap(logits, finalSoftcap);                                     // Gemma 2: tanh(logits / cap) * cap
        }
        for (KvSegment s : segments) {
            s.cache().advance(s);                                                  // past_key_values now hold these tokens
        }
    }

    /** The rows of the step, after checking that they fit the activations and its score buffer. */
    private static int checkStep(DecoderWorkspace act, KvSegment[] segments) {
        long rows = 0;
        for (KvSegment s : segments) {
            rows += s.rows();
            if (s.end() > act.maxContext) {
                throw new IllegalArgumentException("a context of " + s.end() + " tokens exceeds the " + act.maxContext
                        + " this step's workspace holds scores for");
            }
        }
        if (rows < 1 || rows > act.maxRows) {
            throw new IllegalArgumentException(rows + " tokens in one forward; this workspace takes 1 to " + act.maxRows);
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
            act.keyLo.set(row0 + r, 0);
            act.keyLoWindow.set(row0 + r, loWindow);
            act.keyHi.set(row0 + r, hi);
        }
    }
}
