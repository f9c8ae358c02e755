package io.paligemma.siglip;

import io.paligemma.config.SiglipVisionConfig;
import io.paligemma.nn.Linear;
import io.paligemma.nn.Weights;
import io.paligemma.ops.Ops;
import io.paligemma.tensor.FloatMatrix;

/** SiglipAttention: multi-head self-attention with biases, no mask, scale head_dim^-0.5. */
final class SiglipAttention {
    private final SiglipVisionConfig config;
    private final Ops ops;
    private final Linear qProj;   // [D, D] + [D]
    private final Linear kProj;   // [D, D] + [D]
    private final Linear vProj;   // [D, D] + [D]
    private final Linear outProj; // [D, D] + [D]

    SiglipAttention(SiglipVisionConfig c, Weights w, String prefix, Ops ops) {
        this.config = c;
        this.ops = ops;
        int d = c.hiddenSize();
        this.qProj = Linear.load(w, prefix + ".q_proj", d, d, true);
        this.kProj = Linear.load(w, prefix + ".k_proj", d, d, true);
        this.vProj = Linear.load(w, prefix + ".v_proj", d, d, true);
        this.outProj = Linear.load(w, prefix + ".out_proj", d, d, true);
    }

    /** ws.normed [images·N, D] → out [images·N, D]. */
    void forward(VisionWorkspace ws, int images, FloatMatrix out) {
        int n = config.numPatches();
        int hd = config.headDim();
        int rows = images * n;
        float scale = (float) Math.pow(hd, -0.5);
        FloatMatrix x = ws.normed.rows(0, rows);
        qProj.forward(ops, x, ws.q.rows(0, rows));                               // query_states = self.q_proj(hidden_states)
        kProj.forward(ops, x, ws.k.rows(0, rows));                               // key_states = self.k_proj(...)
        vProj.forward(ops, x, ws.v.rows(0, rows));                               // value_states = self.v_proj(...)
        for (int img = 0; img < images; img++) {
            FloatMatrix q = ws.q.rows(img * n, n);
            FloatMatrix k = ws.k.rows(img * n, n);
            FloatMatrix v = ws.v.rows(img * n, n);
            FloatMatrix o = ws.attn.rows(img * n, n);
            for (int h = 0; h < config.numAttentionHeads(); h++) {
                ops.matmulTransB(q.columns(h * hd, hd), k.columns(h * hd, hd), ws.scores, 1f); // attn_weights = q @ kᵀ
                ops.softmaxRows(ws.scores, scale, 0f, ws.keyLo, ws.keyHi);       // softmax(attn_weights * scale), float32
                ops.matmul(ws.scores, v.columns(h * hd, hd), o.columns(h * hd, hd)); // attn_output = attn_weights @ v
            }
        }
        outProj.forward(ops, ws.attn.rows(0, rows), out);                        // self.out_proj(attn_output)
    }
}
