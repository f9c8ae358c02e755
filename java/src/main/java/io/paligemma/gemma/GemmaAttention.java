package io.paligemma.gemma;

import io.paligemma.config.GemmaConfig;
import io.paligemma.nn.Linear;
import io.paligemma.nn.Weights;
import io.paligemma.ops.Ops;
import java.lang.foreign.MemorySegment;

/**
 * GemmaAttention / Gemma2Attention: no biases, rotate-half RoPE on q and k, K/V heads shared by
 * groups of query heads (MQA/GQA), keys and values written into the sequence's cache before use.
 * Gemma 2: scale query_pre_attn_scalar^-0.5, scores soft-capped before the mask, sliding window on
 * even layers.
 */
final class GemmaAttention {
    private final GemmaConfig config;
    private final Ops ops;
    private final int layer;
    private final boolean sliding;
    private final float softcap; // 0 = none
    private final Linear qProj;  // [heads·hd, H]
    private final Linear kProj;  // [kv·hd, H]
    private final Linear vProj;  // [kv·hd, H]
    private final Linear oProj;  // [H, heads·hd]

    GemmaAttention(GemmaConfig c, Weights w, String prefix, int layer, Ops ops) {
        this.config = c;
        this.ops = ops;
        this.layer = layer;
        this.sliding = c.isSlidingLayer(layer);
        this.softcap = c.isGemma2() && !Double.isNaN(c.gemma2().attnLogitSoftcapping())
                ? (float) c.gemma2().attnLogitSoftcapping() : 0f;
        int h = c.hiddenSize();
        int qd = c.numAttentionHeads() * c.headDim();
        int kvd = c.numKeyValueHeads() * c.headDim();
        this.qProj = Linear.load(w, prefix + ".q_proj", h, qd, false);
        this.kProj = Linear.load(w, prefix + ".k_proj", h, kvd, false);
        this.vProj = Linear.load(w, prefix + ".v_proj", h, kvd, false);
        this.oProj = Linear.load(w, prefix + ".o_proj", qd, h, false);
    }

    /** ws.normed [rows, H] at cache slots [start, start+rows) → ws.proj [rows, H]. */
    void forward(DecoderWorkspace ws, int start, int rows) {
        int hd = config.headDim();
        int heads = config.numAttentionHeads();
        int qd = heads * hd;
        int kvd = config.numKeyValueHeads() * hd;
        int end = start + rows;
        long kvRow = (long) kvd * Float.BYTES;
        MemorySegment keys = ws.keys[layer];
        MemorySegment values = ws.values[layer];
        MemorySegment newKeys = keys.asSlice(start * kvRow, rows * kvRow);
        MemorySegment newValues = values.asSlice(start * kvRow, rows * kvRow);
        qProj.forward(ops, ws.normed, rows, ws.q);                                  // query_states = self.q_proj(hidden_states)
        kProj.forward(ops, ws.normed, rows, newKeys);                               // key_states = self.k_proj(...), into the cache
        vProj.forward(ops, ws.normed, rows, newValues);                             // value_states = self.v_proj(...), into the cache
        ops.ropeRotateHalf(ws.q, rows, heads, hd, qd, ws.cos, ws.sin);              // apply_rotary_pos_emb(q, ...)
        ops.ropeRotateHalf(newKeys, rows, config.numKeyValueHeads(), hd, kvd, ws.cos, ws.sin); // ... and k
        MemorySegment keyLo = sliding ? ws.keyLoWindow : ws.keyLo;
        for (int h = 0; h < heads; h++) {
            int kvHead = h / config.groupSize();                                    // repeat_kv
            MemorySegment q = ws.q.asSlice((long) h * hd * Float.BYTES);
            MemorySegment k = keys.asSlice((long) kvHead * hd * Float.BYTES);
            MemorySegment v = values.asSlice((long) kvHead * hd * Float.BYTES);
            MemorySegment o = ws.attn.asSlice((long) h * hd * Float.BYTES);
            ops.matmulTransB(q, qd, k, kvd, ws.scores, end, rows, end, hd, 1f);    // attn_weights = q @ kᵀ
            ops.softmaxRows(ws.scores, rows, end, end, config.attentionScale(),     // · scaling, soft-cap, + mask,
                    softcap, keyLo, ws.keyHi);                                      // softmax in float32
            ops.matmul(ws.scores, end, v, kvd, o, qd, rows, hd, end);               // attn_output = attn_weights @ v
        }
        oProj.forward(ops, ws.attn, rows, ws.proj);                                 // self.o_proj(attn_output)
    }
}
