package io.paligemma.siglip;

import io.paligemma.config.SiglipVisionConfig;
import io.paligemma.nn.Linear;
import io.paligemma.nn.Weights;
import io.paligemma.ops.Ops;
import java.lang.foreign.MemorySegment;

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
    void forward(VisionWorkspace ws, int images, MemorySegment out) {
        int n = config.numPatches();
        int d = config.hiddenSize();
        int hd = config.headDim();
        int rows = images * n;
        float scale = (float) Math.pow(hd, -0.5);
        qProj.forward(ops, ws.normed, rows, ws.q);                             // query_states = self.q_proj(hidden_states)
        kProj.forward(ops, ws.normed, rows, ws.k);                             // key_states = self.k_proj(...)
        vProj.forward(ops, ws.normed, rows, ws.v);                             // value_states = self.v_proj(...)
        for (int img = 0; img < images; img++) {
            for (int h = 0; h < config.numAttentionHeads(); h++) {
                long off = ((long) img * n * d + (long) h * hd) * Float.BYTES;
                MemorySegment q = ws.q.asSlice(off);
                MemorySegment k = ws.k.asSlice(off);
                MemorySegment v = ws.v.asSlice(off);
                MemorySegment o = ws.attn.asSlice(off);
                ops.matmulTransB(q, d, k, d, ws.scores, n, n, n, hd, 1f);      // attn_weights = q @ kᵀ
                ops.softmaxRows(ws.scores, n, n, n, scale, 0f, ws.keyLo, ws.keyHi); // softmax(attn_weights * scale), float32
                ops.matmul(ws.scores, n, v, d, o, d, n, hd, n);                 // attn_output = attn_weights @ v
            }
        }
        outProj.forward(ops, ws.attn, rows, out);                              // self.out_proj(attn_output)
    }
}
