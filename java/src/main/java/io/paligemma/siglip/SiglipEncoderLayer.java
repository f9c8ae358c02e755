package io.paligemma.siglip;

import io.paligemma.config.SiglipVisionConfig;
import io.paligemma.nn.LayerNorm;
import io.paligemma.nn.Weights;
import io.paligemma.ops.Ops;
import io.paligemma.tensor.FloatMatrix;

/** SiglipEncoderLayer: pre-LN attention and MLP blocks, each added to the residual stream. */
final class SiglipEncoderLayer {
    private final Ops ops;
    private final LayerNorm layerNorm1; // [D], [D]
    private final SiglipAttention selfAttn;
    private final LayerNorm layerNorm2; // [D], [D]
    private final SiglipMLP mlp;

    SiglipEncoderLayer(SiglipVisionConfig c, Weights w, String prefix, Ops ops) {
        this.ops = ops;
        int dim = c.hiddenSize();
        this.layerNorm1 = LayerNorm.load(w, prefix + ".layer_norm1", dim, c.layerNormEps());
        this.selfAttn = new SiglipAttention(c, w, prefix + ".self_attn", ops);
        this.layerNorm2 = LayerNorm.load(w, prefix + ".layer_norm2", dim, c.layerNormEps());
        this.mlp = new SiglipMLP(c, w, prefix + ".mlp", ops);
    }

    /** ws.hidden [rows, D] updated in place. */
    void forward(VisionWorkspace ws, int images, int rows) {
        FloatMatrix hidden = ws.hidden.rows(0, rows);
        FloatMatrix normed = ws.normed.rows(0, rows);
        FloatMatrix out = ws.q.rows(0, rows);                 // q is free again once attention has used it
        layerNorm1.forward(ops, hidden, normed);               // hidden_states = self.layer_norm1(hidden_states)
        selfAttn.forward(ws, images, out);                     // hidden_states = self.self_attn(hidden_states)
        ops.add(hidden, hidden, out);                          // hidden_states = residual + hidden_states
        layerNorm2.forward(ops, hidden, normed);               // hidden_states = self.layer_norm2(hidden_states)
        mlp.forward(ws, rows, out);                            // hidden_states = self.mlp(hidden_states)
        ops.add(hidden, hidden, out);                          // hidden_states = residual + hidden_states
    }
}
