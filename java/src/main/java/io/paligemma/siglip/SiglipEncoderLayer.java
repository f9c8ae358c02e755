package io.paligemma.siglip;

import io.paligemma.config.SiglipVisionConfig;
import io.paligemma.nn.LayerNorm;
import io.paligemma.nn.Weights;
import io.paligemma.ops.Ops;

/** SiglipEncoderLayer: pre-LN attention and MLP blocks, each added to the residual stream. */
final class SiglipEncoderLayer {
    private final Ops ops;
    private final int dim;
    private final LayerNorm layerNorm1; // [D], [D]
    private final SiglipAttention selfAttn;
    private final LayerNorm layerNorm2; // [D], [D]
    private final SiglipMLP mlp;

    SiglipEncoderLayer(SiglipVisionConfig c, Weights w, String prefix, Ops ops) {
        this.ops = ops;
        this.dim = c.hiddenSize();
        this.layerNorm1 = LayerNorm.load(w, prefix + ".layer_norm1", dim, c.layerNormEps());
        this.selfAttn = new SiglipAttention(c, w, prefix + ".self_attn", ops);
        this.layerNorm2 = LayerNorm.load(w, prefix + ".layer_norm2", dim, c.layerNormEps());
        this.mlp = new SiglipMLP(c, w, prefix + ".mlp", ops);
    }

    /** ws.hidden [rows, D] updated in place. */
    void forward(VisionWorkspace ws, int images, int rows) {
        long n = (long) rows * dim;
        layerNorm1.forward(ops, ws.hidden, rows, ws.normed);   // hidden_states = self.layer_norm1(hidden_states)
        selfAttn.forward(ws, images, ws.q);                     // hidden_states = self.self_attn(hidden_states)
        ops.add(ws.hidden, ws.hidden, ws.q, n);                 // hidden_states = residual + hidden_states
        layerNorm2.forward(ops, ws.hidden, rows, ws.normed);    // hidden_states = self.layer_norm2(hidden_states)
        mlp.forward(ws, rows, ws.q);                            // hidden_states = self.mlp(hidden_states)
        ops.add(ws.hidden, ws.hidden, ws.q, n);                 // hidden_states = residual + hidden_states
    }
}
