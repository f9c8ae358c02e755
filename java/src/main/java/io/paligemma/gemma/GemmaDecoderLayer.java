package io.paligemma.gemma;

import io.paligemma.config.GemmaConfig;
import io.paligemma.nn.Weights;
import io.paligemma.ops.Ops;
import io.paligemma.tensor.FloatMatrix;

/**
 * GemmaDecoderLayer, and Gemma2DecoderLayer as a named variation: Gemma 2 normalises the outputs of
 * attention and MLP too ("sandwich" norms) before adding them to the residual stream.
 */
final class GemmaDecoderLayer {
    private final Ops ops;
    private final GemmaRMSNorm inputLayernorm;            // [H]
    private final GemmaAttention selfAttn;
    private final GemmaRMSNorm postAttentionLayernorm;    // [H]
    private final GemmaRMSNorm preFeedforwardLayernorm;   // [H], Gemma 2 only (else null)
    private final GemmaRMSNorm postFeedforwardLayernorm;  // [H], Gemma 2 only (else null)
    private final GemmaMLP mlp;

    GemmaDecoderLayer(GemmaConfig c, Weights w, String prefix, int layer, Ops ops) {
        this.ops = ops;
        int dim = c.hiddenSize();
        double eps = c.rmsNormEps();
        this.inputLayernorm = GemmaRMSNorm.load(w, prefix + ".input_layernorm", dim, eps);
        this.selfAttn = new GemmaAttention(c, w, prefix + ".self_attn", layer, ops);
        this.postAttentionLayernorm = GemmaRMSNorm.load(w, prefix + ".post_attention_layernorm", dim, eps);
        this.preFeedforwardLayernorm = c.isGemma2() ? GemmaRMSNorm.load(w, prefix + ".pre_feedforward_layernorm", dim, eps) : null;
        this.postFeedforwardLayernorm = c.isGemma2() ? GemmaRMSNorm.load(w, prefix + ".post_feedforward_layernorm", dim, eps) : null;
        this.mlp = new GemmaMLP(c, w, prefix + ".mlp", ops);
    }

    /** act.hidden [rows, H] (the rows of the segments, in order), updated in place. */
    void forward(DecoderWorkspace act, KvSegment[] segments, int rows) {
        FloatMatrix hidden = act.hidden.rows(0, rows);
        FloatMatrix normed = act.normed.rows(0, rows);
        FloatMatrix proj = act.proj.rows(0, rows);
        boolean gemma2 = preFeedforwardLayernorm != null;
        inputLayernorm.forward(ops, hidden, normed);                    // hidden_states = self.input_layernorm(hidden_states)
        selfAttn.forward(act, segments, rows);                          // hidden_states = self.self_attn(...)
        if (gemma2) {
            postAttentionLayernorm.forward(ops, proj, normed);          // Gemma 2: self.post_attention_layernorm(hidden_states)
            ops.add(hidden, hidden, normed);                            // hidden_states = residual + hidden_states
            preFeedforwardLayernorm.forward(ops, hidden, normed);       // self.pre_feedforward_layernorm(hidden_states)
        } else {
            ops.add(hidden, hidden, proj);                              // hidden_states = residual + hidden_states
            postAttentionLayernorm.forward(ops, hidden, normed);        // self.post_attention_layernorm(hidden_states)
        }
        mlp.forward(act, rows);                                         // hidden_states = self.mlp(hidden_states)
        if (gemma2) {
            postFeedforwardLayernorm.forward(ops, proj, normed);        // Gemma 2: self.post_feedforward_layernorm(...)
            ops.add(hidden, hidden, normed);                            // hidden_states = residual + hidden_states
        } else {
            ops.add(hidden, hidden, proj);                              // hidden_states = residual + hidden_states
        }
    }
}
